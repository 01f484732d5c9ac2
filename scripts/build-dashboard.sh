#!/usr/bin/env bash
# Builds the agents' dashboard into dist/dashboard/: index.html (served for /, /login and
# /conversations/{id}), boot.js, dashboard.js and dashboard_bg.wasm (the app), dashboard.css, with
# .gz siblings the server sends precompressed. The server serves the folder at /dashboard/.
# The shared steps (and what they need) are in scripts/wasm-app.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/wasm-app.sh

out="$PWD/dist/dashboard"
build_wasm_app dashboard "$out"
cp dashboard/index.html "$out/index.html"
cp dashboard/js/boot.js "$out/boot.js"
cp style/dashboard.css "$out/dashboard.css"
gzip_and_report "$out" index.html boot.js dashboard.js dashboard_bg.wasm dashboard.css
