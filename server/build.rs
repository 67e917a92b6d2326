//! Bundles the userscript from `userscript/src/` (see `userscript_bundle.rs`).

#[path = "userscript_bundle.rs"]
mod userscript_bundle;

use std::path::PathBuf;

fn main() {
    let src = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("../userscript/src");
    println!("cargo:rerun-if-changed={}", src.display());
    println!("cargo:rerun-if-changed=userscript_bundle.rs");
    let script = userscript_bundle::bundle(&src).unwrap_or_else(|e| panic!("userscript bundle: {e}"));
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("raterhub-tracker.user.js");
    std::fs::write(&out, script).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
}
