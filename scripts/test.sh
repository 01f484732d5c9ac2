#!/usr/bin/env bash
# Runs every test: unit and integration (SQLite; PostgreSQL too when TEST_DATABASE_URL or
# DATABASE_URL points at one), WASM tests in headless Chromium, and the browser end-to-end tests.
#
#   ./scripts/test.sh
#   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test ./scripts/test.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/setup.sh

ensure_wasm_target
ensure_wasm_bindgen
ensure_chromium
ensure_end2end_deps "$root"
ensure_esbuild "$root"

if [[ -z "${TEST_DATABASE_URL:-}" && "${DATABASE_URL:-}" == postgres* ]]; then
  export TEST_DATABASE_URL="$DATABASE_URL"
fi
# The server under test picks its own database; a DATABASE_URL meant for tests must not leak
# into the end-to-end server.
unset DATABASE_URL
if [[ -n "${TEST_DATABASE_URL:-}" ]]; then
  say "unit and integration tests (SQLite and PostgreSQL)"
else
  say "unit and integration tests (SQLite; set TEST_DATABASE_URL to add PostgreSQL)"
fi
# Every member, the widget and the dashboard included: their pure logic runs on the host too.
cargo test --workspace

say "WASM tests in headless Chromium"
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
export CHROMEDRIVER=/usr/bin/chromedriver
export WASM_BINDGEN_TEST_TIMEOUT=120
cargo test -p shared -p widget -p dashboard --target wasm32-unknown-unknown

say "browser end-to-end tests (Playwright + Chromium)"
scripts/build-widget.sh
scripts/build-dashboard.sh
# The server binary the end-to-end tests start is `target/debug/server`, which `cargo test
# --workspace` above built for the server's integration tests (CARGO_BIN_EXE_server). Asking
# for it again with the same selection is a no-op; `cargo build -p server` would resolve
# features without the dev-dependencies and rebuild every dependency (5+ minutes cold).
cargo test --workspace --no-run
# The React app that embeds <WebWidget/> from widget/react (react.spec.ts).
(cd end2end && npx vite build --config react-app/vite.config.mjs)
(cd end2end && npx playwright test)
