#!/usr/bin/env bash
# Builds the chat widget into dist/widget/: web-widget.js (the loader; web-widget.global.js is
# the same for a classic script tag), widget.js and
# widget_bg.wasm (the panel), with .gz siblings the server sends precompressed.
# The shared steps (and what they need) are in scripts/wasm-app.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/wasm-app.sh

# The loader for a classic <script src>: the same code in a function scope, with no `export` and
# its own URL from the script element instead of `import.meta` (which only modules have).
classic_loader() {
  local src="$1"
  if [[ "$(grep -c 'import\.meta' "$src")" != 1 ]] || ! grep -q '^const BASE_URL = import\.meta\.url;$' "$src" \
    || [[ "$(grep -c '^export ' "$src")" != 1 ]]; then
    echo "build-widget: $src no longer has the one BASE_URL line and one export the classic build rewrites" >&2
    return 1
  fi
  echo "// Built from web-widget.js by scripts/build-widget.sh for a classic <script src>: defines window.ChatWidget."
  echo "(function () {"
  sed -e 's|^const BASE_URL = import\.meta\.url;$|const BASE_URL = document.currentScript ? document.currentScript.src : location.href;|' \
    -e 's|^export function |function |' "$src"
  echo "})();"
}

out="$PWD/dist/widget"
rm -rf "$out"
build_wasm_app widget "$out"
cp widget/js/web-widget.js "$out/web-widget.js"
classic_loader widget/js/web-widget.js > "$out/web-widget.global.js"
gzip_and_report "$out" web-widget.js web-widget.global.js widget.js widget_bg.wasm
