#!/usr/bin/env bash
# Installs what the build and the tests need, only when it is missing. Sourced by run.sh and
# test.sh; each function is idempotent and cheap when the tool is already there.
#
# Versions follow ../shared/TOOLCHAIN.md: wasm-bindgen-cli must equal the wasm-bindgen crate.
WASM_BINDGEN_VERSION="0.2.130"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

ensure_wasm_target() {
  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    say "installing the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
}

ensure_wasm_bindgen() {
  export PATH="$HOME/.cargo/bin:$PATH"
  if [[ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]]; then
    say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (one time, ~8 min on 2 cores)"
    # Without --locked: its lockfile names a crate version the registry mirror may lack.
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
  fi
}

# The browser for end-to-end and WASM tests: Debian's Chromium (a test tool's own browser
# download cannot work on a machine that only reaches package registries).
ensure_chromium() {
  if [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]]; then
    return
  fi
  say "installing chromium and chromium-driver"
  local sudo=""
  [[ "$(id -u)" != 0 ]] && sudo="sudo"
  if ! DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y chromium chromium-driver; then
    $sudo apt-get update
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y chromium chromium-driver
  fi
}

# esbuild minifies the widget's JavaScript and CSS (what every page with the widget downloads):
# the one end2end's Vite brings, else a copy in .tools/ when npm is here. Without npm the widget
# is built unminified (about 4 KB gzip larger) and says so.
ESBUILD_VERSION="0.25.12"
ensure_esbuild() {
  local root="$1"
  [[ -x "$root/end2end/node_modules/.bin/esbuild" || -x "$root/.tools/node_modules/.bin/esbuild" ]] && return
  if command -v npm >/dev/null 2>&1; then
    say "installing esbuild $ESBUILD_VERSION (minifies the widget) into .tools/"
    npm install --prefix "$root/.tools" --no-save --no-audit --no-fund "esbuild@$ESBUILD_VERSION" >/dev/null \
      || echo "    esbuild could not be installed: the widget is built unminified"
  fi
}

ensure_end2end_deps() {
  local dir="$1/end2end"
  if [[ ! -d "$dir/node_modules/@playwright/test" || ! -d "$dir/node_modules/vite" || ! -d "$dir/node_modules/@axe-core/playwright" ]]; then
    say "installing end-to-end test dependencies (npm ci)"
    (cd "$dir" && npm ci --no-audit --no-fund)
  fi
}
