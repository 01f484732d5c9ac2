//! Minifies the panel's stylesheet (`style/widget.css`) into `OUT_DIR`, for `ui/mod.rs` to embed:
//! its comments and indentation would otherwise ship in the WASM to every page view.

use std::path::Path;
use std::{env, fs};

#[path = "build/css.rs"]
mod css;

fn main() {
    let source = Path::new(&env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
        .join("../style/widget.css");
    println!("cargo::rerun-if-changed={}", source.display());
    println!("cargo::rerun-if-changed=build/css.rs");
    let css = fs::read_to_string(&source)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", source.display()));
    let out = Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("widget.min.css");
    fs::write(&out, css::minify_css(&css))
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
}
