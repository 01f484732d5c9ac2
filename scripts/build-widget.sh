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

# What a page loads is budgeted (6 KB gzip before the launcher, 150 KB once opened), so the
# served JavaScript and CSS are minified with esbuild (scripts/setup.sh ensure_esbuild puts it in
# end2end/ or .tools/). Without it the files only lose their whole-line comments: only lines
# whose first text is `// ` go, and no line of these files' template strings starts that way.
ESBUILD=""
for candidate in end2end/node_modules/.bin/esbuild .tools/node_modules/.bin/esbuild; do
  [[ -x "$candidate" ]] && ESBUILD="$PWD/$candidate" && break
done
[[ -z "$ESBUILD" ]] && echo "build-widget: esbuild not found; the widget is built unminified (run scripts/run.sh or scripts/test.sh to install it)" >&2
# minify <file> <loader: js|css> <banner line>: the minified text on stdout.
minify() {
  if [[ -n "$ESBUILD" ]]; then
    echo "/* $3 */"
    "$ESBUILD" --minify --log-level=warning --loader="$2" <"$1"
  elif [[ "$2" == js ]]; then
    echo "// $3"
    sed -E '/^[[:space:]]*\/\/( |$)/d' "$1"
  else
    cat "$1"
  fi
}

out="$PWD/dist/widget"
rm -rf "$out"
build_wasm_app widget "$out"
note="source and notes: widget/js/ in the live-chat repository"
minify widget/js/web-widget.js js "Live chat widget loader; $note" > "$out/web-widget.js"
minify widget/js/proactive.js js "Live chat widget, proactive messages; $note" > "$out/proactive.js"
classic_loader widget/js/web-widget.js > "$out/web-widget.global.src.js"
minify "$out/web-widget.global.src.js" js "Live chat widget loader, classic script; $note" > "$out/web-widget.global.js"
rm "$out/web-widget.global.src.js"
minify "$out/widget.js" js "Live chat widget panel (wasm-bindgen glue)" > "$out/widget.min.js"
mv "$out/widget.min.js" "$out/widget.js"
gzip_and_report "$out" web-widget.js web-widget.global.js proactive.js widget.js widget_bg.wasm
