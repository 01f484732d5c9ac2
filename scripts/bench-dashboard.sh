#!/usr/bin/env bash
# Dashboard weight and time to the inbox's first rows in headless Chromium: builds the
# dashboard, the widget and the release server, then prints figures (a benchmark: it asserts
# nothing).
#
#   ./scripts/bench-dashboard.sh          # RUNS=30 ./scripts/bench-dashboard.sh for more samples
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/setup.sh
ensure_wasm_target
ensure_wasm_bindgen
ensure_chromium
ensure_end2end_deps "$root"
scripts/build-widget.sh >/dev/null
scripts/build-dashboard.sh >/dev/null
cargo build --release -p server --bin server
node end2end/bench/dashboard-weight.mjs
