#!/usr/bin/env bash
# Builds the agents' dashboard into dist/dashboard/, with .gz siblings the server sends
# precompressed; the server serves the folder at /dashboard/. Two apps (dashboard/src/route.rs):
#   inbox:    index.html (served for /, /login, /conversations/{id}, /clients/{id}),
#             boot.js, dashboard.js,
#             dashboard_bg.wasm
#   settings: settings.html (served for /settings/…, /setup, /invitations/…, /reset-password/…),
#             settings-boot.js, settings.js, settings_bg.wasm
# and dashboard.css for both. The first table is what an agent's inbox downloads.
# The shared steps (and what they need) are in scripts/wasm-app.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/wasm-app.sh

out="$PWD/dist/dashboard"
rm -rf "$out"
# Both apps in one cargo run: the crates they share compile once, and the two final links (LTO,
# one codegen unit each) run side by side instead of one after the other. build_wasm_app then
# finds them built.
echo "==> cargo build -p dashboard-inbox -p dashboard-settings (wasm-release)"
cargo build -p dashboard-inbox -p dashboard-settings --target wasm32-unknown-unknown --profile wasm-release
build_wasm_app dashboard-inbox "$out" dashboard
build_wasm_app dashboard-settings "$out" settings
cp dashboard/index.html dashboard/settings.html "$out/"
cp dashboard/js/boot.js dashboard/js/settings-boot.js "$out/"
cp style/dashboard.css "$out/dashboard.css"
gzip_and_report "$out" index.html boot.js dashboard.js dashboard_bg.wasm dashboard.css
gzip_and_report "$out" settings.html settings-boot.js settings.js settings_bg.wasm
