#!/usr/bin/env bash
# Builds the chat widget into dist/widget/: web-widget.js (the loader), widget.js and
# widget_bg.wasm (the panel), with .gz siblings the server sends precompressed.
# The shared steps (and what they need) are in scripts/wasm-app.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/wasm-app.sh

out="$PWD/dist/widget"
rm -rf "$out"
build_wasm_app widget "$out"
cp widget/js/web-widget.js "$out/web-widget.js"
gzip_and_report "$out" web-widget.js widget.js widget_bg.wasm
