# The build steps the widget and the dashboard share; sourced by build-widget.sh and
# build-dashboard.sh (the caller has cd'ed to the repository root).
#
#   build_wasm_app <crate> <out dir> [name]   cargo build (wasm-release) + wasm-bindgen + wasm-opt
#   gzip_and_report <out dir> <file>…  .gz siblings of every file, and a size table
#
# Needs the wasm32-unknown-unknown target and wasm-bindgen-cli 0.2.130 (installed by setup.sh,
# not here); uses wasm-opt when it is on PATH and it helps. Honours CARGO_TARGET_DIR.

# One pinned wasm-bindgen version for the whole repo: setup.sh holds it.
source scripts/setup.sh
WANT_BINDGEN="$WASM_BINDGEN_VERSION"

require_wasm_bindgen() {
  if ! command -v wasm-bindgen >/dev/null 2>&1; then
    echo "error: wasm-bindgen not found; install it with: cargo install wasm-bindgen-cli --version $WANT_BINDGEN" >&2
    exit 1
  fi
  local have
  have="$(wasm-bindgen --version | awk '{print $2}')"
  if [[ "$have" != "$WANT_BINDGEN" ]]; then
    echo "error: wasm-bindgen $have found, but the apps need $WANT_BINDGEN (it must equal the wasm-bindgen crate)." >&2
    echo "       install it with: cargo install wasm-bindgen-cli --version $WANT_BINDGEN --force" >&2
    exit 1
  fi
}

# wasm-opt's output is kept only when it is sound and smaller once gzipped (what the server
# sends): -Oz shrinks the raw file but, on this code, often grows the gzip.
maybe_wasm_opt() {
  local wasm="$1" opt="${1%.wasm}.opt.wasm"
  command -v wasm-opt >/dev/null 2>&1 || return 0
  echo "==> wasm-opt -Oz ($(wasm-opt --version))"
  # Features rustc enables by default for wasm32 that older binaryen releases need spelled out.
  wasm-opt -Oz --strip-debug --strip-producers \
    --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    "$wasm" -o "$opt"
  # Binaryen 108 (Debian bookworm) exports the funcref table under wasm-bindgen's externref
  # table name, and the module then fails to instantiate: check which table the export names.
  local sound=true table
  if command -v wasm-dis >/dev/null 2>&1; then
    table="$(wasm-dis "$opt" | sed -n 's/^ *(export "__wbindgen_externrefs" (table \(\$[^)]*\)).*/\1/p')"
    if [[ -n "$table" ]] && wasm-dis "$opt" | grep -F "(table $table " | grep -q funcref; then
      sound=false
    fi
  fi
  local before after
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
}

# Builds <crate> for the browser into <out dir> as <name>.js + <name>_bg.wasm (name defaults to
# the crate's). The caller empties the folder first if it wants it clean.
build_wasm_app() {
  local crate="$1" out="$2" name="${3:-$1}" target_dir
  require_wasm_bindgen
  target_dir="${CARGO_TARGET_DIR:-target}"
  [[ "$target_dir" == /* ]] || target_dir="$PWD/$target_dir"

  echo "==> cargo build -p $crate (wasm-release)"
  cargo build -p "$crate" --target wasm32-unknown-unknown --profile wasm-release
  mkdir -p "$out"

  echo "==> wasm-bindgen"
  # The profile strips the wasm (strip = true), so wasm-bindgen warns that it cannot see the
  # target_features section and emits glue without reference types. That is what we want:
  # Debian's binaryen 108 corrupts wasm-bindgen's externref table, and the output is smaller.
  wasm-bindgen --target web --no-typescript --out-dir "$out" --out-name "$name" \
    "$target_dir/wasm32-unknown-unknown/wasm-release/${crate//-/_}.wasm" 2>&1 \
    | { grep -v "target_features\` custom section is missing" || true; }
  maybe_wasm_opt "$out/${name}_bg.wasm"
}

gzip_and_report() {
  local out="$1" f raw gz total_raw=0 total_gz=0
  shift
  for f in "$out"/*; do
    [[ "$f" == *.gz ]] || gzip -9 -k -f "$f"
  done
  echo "==> $out"
  printf '%-20s %10s %10s\n' file raw gzip
  for f in "$@"; do
    raw=$(wc -c <"$out/$f")
    gz=$(wc -c <"$out/$f.gz")
    total_raw=$((total_raw + raw))
    total_gz=$((total_gz + gz))
    printf '%-20s %10s %10s\n' "$f" "$raw" "$gz"
  done
  printf '%-20s %10s %10s\n' total "$total_raw" "$total_gz"
}
