#!/usr/bin/env bash
# Runs the product: installs what is missing, builds the widget and the server, starts the
# server on the embedded SQLite default with a demo tenant, and prints where to open things.
#
#   ./scripts/run.sh
#
# Settings come from the environment (see the README's configuration table), e.g.
#   LIVECHAT_LISTEN=0.0.0.0:8080 DATABASE_URL=postgres://... ./scripts/run.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/setup.sh

ensure_wasm_target
ensure_wasm_bindgen
ensure_esbuild "$root"
say "building the widget"
scripts/build-widget.sh
say "building the dashboard"
scripts/build-dashboard.sh
say "building the server"
cargo build --release -p server --bin server

export LIVECHAT_LISTEN="${LIVECHAT_LISTEN:-127.0.0.1:8080}"
# The demo host page is served on another port: another origin, a real cross-origin embed.
export LIVECHAT_DEMO_LISTEN="${LIVECHAT_DEMO_LISTEN:-127.0.0.1:8081}"
export LIVECHAT_DATA_DIR="${LIVECHAT_DATA_DIR:-$root/data}"
say "starting (Ctrl-C stops)"
exec "${CARGO_TARGET_DIR:-$root/target}/release/server"
