//! Builds the one `.user.js` a rater installs from the modules in `userscript/src/`.
//!
//! Shared by `build.rs` (which embeds the result in the binary) and the test that checks the
//! served file equals the sources. The modules are plain ES modules so that Node's tests import
//! them directly; bundling them is concatenation in a fixed order with the `import` lines and
//! `export` keywords removed, inside one function, metadata block first. No JS toolchain needed.

use std::collections::BTreeSet;
use std::path::Path;

/// Every module, in the order the bundle defines them; a module missing here fails the build.
pub const MODULES: &[&str] = &[
    "meta",
    "ops",
    "settings",
    "page",
    "hotkeys",
    "format",
    "wire",
    "rules",
    "toolkit",
    "view",
    "queue",
    "gm",
    "overlay-html",
    "overlay-forms",
    "overlay-page",
    "overlay-render",
    "overlay",
    "boot",
];

const HEADER_START: &str = "// ==UserScript==";
const HEADER_END: &str = "// ==/UserScript==";

/// The bundle, or a message naming the module and line that cannot be bundled.
pub fn bundle(src_dir: &Path) -> Result<String, String> {
    check_listed(src_dir)?;
    let mut header = String::new();
    let mut body = String::new();
    let mut names = BTreeSet::new();
    for module in MODULES {
        let path = src_dir.join(format!("{module}.mjs"));
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let text = if *module == "meta" { split_header(&text, &mut header)? } else { text };
        body.push_str(&format!("\n// ---- {module}.mjs ----\n"));
        for (n, line) in text.lines().enumerate() {
            if let Some(out) = bundle_line(line).map_err(|e| format!("{module}.mjs:{}: {e}", n + 1))? {
                if let Some(name) = declared_name(&out)
                    && !names.insert(name.to_owned())
                {
                    return Err(format!("{module}.mjs:{}: `{name}` is declared by two modules", n + 1));
                }
                body.push_str(&out);
                body.push('\n');
            }
        }
    }
    Ok(format!("{header}\n(function () {{\n'use strict';\n{body}}})();\n"))
}

fn check_listed(src_dir: &Path) -> Result<(), String> {
    let entries = std::fs::read_dir(src_dir).map_err(|e| format!("{}: {e}", src_dir.display()))?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(stem) = name.strip_suffix(".mjs")
            && !MODULES.contains(&stem)
        {
            return Err(format!("userscript/src/{name} is not listed in MODULES (server/userscript_bundle.rs)"));
        }
    }
    Ok(())
}

/// Moves the metadata block of `meta.mjs` into `header`; returns the rest.
fn split_header(text: &str, header: &mut String) -> Result<String, String> {
    if !text.starts_with(HEADER_START) {
        return Err(format!("meta.mjs must start with {HEADER_START}"));
    }
    let end = text.find(HEADER_END).ok_or("meta.mjs: no end of the metadata block")? + HEADER_END.len();
    header.push_str(&text[..end]);
    header.push('\n');
    Ok(text[end..].to_owned())
}

/// A line as bundled: imports dropped, `export` removed. Only the simple forms are allowed.
fn bundle_line(line: &str) -> Result<Option<String>, String> {
    if line.starts_with("import ") {
        if !(line.contains(" from '") && line.ends_with("';")) {
            return Err("imports must be one line: import { a, b } from './x.mjs';".into());
        }
        return Ok(None);
    }
    if let Some(rest) = line.strip_prefix("export ") {
        let ok = ["const ", "function ", "async function ", "class "].iter().any(|k| rest.starts_with(k));
        if !ok {
            return Err("only `export const|function|async function|class` can be bundled".into());
        }
        return Ok(Some(rest.to_owned()));
    }
    Ok(Some(line.to_owned()))
}

/// The name a top-level declaration line declares, if it is one.
fn declared_name(line: &str) -> Option<&str> {
    let rest = ["const ", "let ", "function ", "async function ", "class "].iter().find_map(|k| line.strip_prefix(k))?;
    let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$')).unwrap_or(rest.len());
    Some(&rest[..end]).filter(|n| !n.is_empty())
}
