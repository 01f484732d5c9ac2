#!/usr/bin/env bash
# Builds the agents' dashboard into dist/dashboard/: index.html (served for /, /login and
# /conversations/{id}), boot.js, dashboard.js and dashboard_bg.wasm (the app), dashboard.css, with
# .gz siblings the server sends precompressed. The server serves the folder at /dashboard/.
#
# Needs the wasm32-unknown-unknown target and wasm-bindgen-cli 0.2.130 (installed by the setup
# script, not here); uses wasm-opt when it is on PATH and it helps. Honours CARGO_TARGET_DIR.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

want_bindgen="0.2.130"
if ! command -v wasm-bindgen >/dev/null 2>&1; then
  echo "error: wasm-bindgen not found; install it with: cargo install wasm-bindgen-cli --version $want_bindgen" >&2
  exit 1
fi
have_bindgen="$(wasm-bindgen --version | awk '{print $2}')"
if [[ "$have_bindgen" != "$want_bindgen" ]]; then
  echo "error: wasm-bindgen $have_bindgen found, but the dashboard needs $want_bindgen (it must equal the wasm-bindgen crate)." >&2
  echo "       install it with: cargo install wasm-bindgen-cli --version $want_bindgen --force" >&2
  exit 1
fi

target_dir="${CARGO_TARGET_DIR:-target}"
case "$target_dir" in
  /*) ;;
  *) target_dir="$root/$target_dir" ;;
esac
out="$root/dist/dashboard"

echo "==> cargo build (wasm-release)"
cargo build -p dashboard --target wasm32-unknown-unknown --profile wasm-release

wasm="$target_dir/wasm32-unknown-unknown/wasm-release/dashboard.wasm"
rm -rf "$out"
mkdir -p "$out"

echo "==> wasm-bindgen"
# As for the widget: the stripped wasm has no target_features section, so the glue uses no
# reference types, which Debian's binaryen 108 would corrupt.
wasm-bindgen --target web --no-typescript --out-dir "$out" --out-name dashboard "$wasm" 2>&1 \
  | { grep -v "target_features\` custom section is missing" || true; }

# wasm-opt is kept only when its output is sound and smaller once gzipped (see build-widget.sh).
if command -v wasm-opt >/dev/null 2>&1; then
  echo "==> wasm-opt -Oz ($(wasm-opt --version))"
  wasm="$out/dashboard_bg.wasm"
  opt="$out/dashboard_bg.opt.wasm"
  wasm-opt -Oz --strip-debug --strip-producers \
    --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    "$wasm" -o "$opt"
  # Binaryen 108 (Debian bookworm) exports the funcref table under wasm-bindgen's externref
  # table name, and the module then fails to instantiate: check which table the export names.
  sound=true
  if command -v wasm-dis >/dev/null 2>&1; then
    table="$(wasm-dis "$opt" | sed -n 's/^ *(export "__wbindgen_externrefs" (table \(\$[^)]*\)).*/\1/p')"
    if [[ -n "$table" ]] && wasm-dis "$opt" | grep -F "(table $table " | grep -q funcref; then
      sound=false
    fi
  fi
  before=$(gzip -9c "$wasm" | wc -c)
  after=$(gzip -9c "$opt" | wc -c)
  if ! $sound; then
    echo "    wasm-opt broke the externref table export (a binaryen bug); keeping the unoptimised wasm"
    rm -f "$opt"
  elif ((after < before)); then
    echo "    gzip $before -> $after bytes: using the optimised wasm"
    mv "$opt" "$wasm"
  else
    echo "    gzip $before -> $after bytes: no gain, keeping the unoptimised wasm"
    rm -f "$opt"
  fi
fi

cp dashboard/index.html "$out/index.html"
cp dashboard/js/boot.js "$out/boot.js"
cp style/dashboard.css "$out/dashboard.css"

for f in "$out"/*.js "$out"/*.wasm "$out"/*.css "$out"/*.html; do
  gzip -9 -k -f "$f"
done

echo "==> $out"
printf '%-20s %10s %10s\n' file raw gzip
total_raw=0
total_gz=0
for f in "$out"/index.html "$out"/boot.js "$out"/dashboard.js "$out"/dashboard_bg.wasm "$out"/dashboard.css; do
  raw=$(wc -c <"$f")
  gz=$(wc -c <"$f.gz")
  total_raw=$((total_raw + raw))
  total_gz=$((total_gz + gz))
  printf '%-20s %10s %10s\n' "$(basename "$f")" "$raw" "$gz"
done
printf '%-20s %10s %10s\n' total "$total_raw" "$total_gz"
