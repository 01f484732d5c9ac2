#!/usr/bin/env bash
# Builds the chat widget into dist/widget/: web-widget.js (the loader; web-widget.global.js is
# the same for a classic script tag), proactive.js (loaded by it only for a workspace with
# proactive messages), widget.js and widget_bg.wasm (the panel), with .gz siblings the server sends precompressed.
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

# What a page loads before the launcher shows is budgeted (6 KB gzip): the served files drop the
# source's whole-line comments (its usage notes are in the README). Only lines whose first text
# is `// ` go, and no line of these files' template strings starts that way.
strip_comments() {
  echo "// $2 (comments stripped; the source and its notes: widget/js/ in the live-chat repository)"
  sed -E '/^[[:space:]]*\/\/( |$)/d' "$1"
}

out="$PWD/dist/widget"
rm -rf "$out"
build_wasm_app widget "$out"
strip_comments widget/js/web-widget.js "Live chat widget loader" > "$out/web-widget.js"
strip_comments widget/js/proactive.js "Live chat widget: proactive messages" > "$out/proactive.js"
classic_loader widget/js/web-widget.js | strip_comments /dev/stdin "Live chat widget loader, classic script" > "$out/web-widget.global.js"
gzip_and_report "$out" web-widget.js web-widget.global.js proactive.js widget.js widget_bg.wasm
