//! `cargo xtask dist [--release]`: builds the Yew dashboard to wasm and writes `dist/`
//! (index.html, dashboard.js, dashboard_bg.wasm, style.css) at the workspace root, which
//! the server embeds. No binary is downloaded: wasm-bindgen runs as a library, and
//! wasm-opt is used only when found (npm `binaryen` in e2e/node_modules/.bin, or PATH).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

mod assets;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("dist") => {
            let release = args.iter().any(|a| a == "--release");
            let no_opt = args.iter().any(|a| a == "--no-wasm-opt");
            match dist(release, !no_opt) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("xtask dist: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        _ => {
            eprintln!("usage: cargo xtask dist [--release] [--no-wasm-opt]");
            eprintln!("  --release      size-optimised build (profile release-wasm) + wasm-opt -Oz");
            eprintln!("  --no-wasm-opt  skip wasm-opt even when it is available");
            ExitCode::from(2)
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// The target directory cargo uses, from `cargo metadata` (which honours CARGO_TARGET_DIR and
/// `build.target-dir`), else CARGO_TARGET_DIR or `target/`.
fn target_dir(root: &Path) -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let from_metadata = Command::new(cargo)
        .current_dir(root)
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| json_string_field(&String::from_utf8_lossy(&o.stdout), "target_directory"));
    if let Some(dir) = from_metadata {
        return PathBuf::from(dir);
    }
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) if !d.is_empty() => root.join(d),
        _ => root.join("target"),
    }
}

/// The string value of `"key":"…"` in a JSON text (enough for cargo metadata's paths).
fn json_string_field(json: &str, key: &str) -> Option<String> {
    let start = json.find(&format!("\"{key}\":\""))? + key.len() + 4;
    let mut out = String::new();
    let mut chars = json[start..].chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(out),
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                other => out.push(other),
            },
            c => out.push(c),
        }
    }
    None
}

/// The version of `wasm-bindgen-cli-support` this xtask is built with (pinned in its Cargo.toml).
const CLI_SUPPORT: &str = "0.2.130";

/// The version of a package in Cargo.lock (the first entry of that name).
fn locked_version(lock: &str, name: &str) -> Option<String> {
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == format!("name = \"{name}\"") {
            let v = lines.next()?.trim().strip_prefix("version = \"")?.strip_suffix('"')?;
            return Some(v.to_string());
        }
    }
    None
}

/// wasm-bindgen's generated glue must come from the same version as the `wasm-bindgen` crate
/// compiled into the wasm, or the app fails at start-up with a schema mismatch.
fn check_bindgen_version(root: &Path) -> Result<(), String> {
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).map_err(|e| format!("Cargo.lock: {e}"))?;
    match locked_version(&lock, "wasm-bindgen") {
        Some(v) if v == CLI_SUPPORT => Ok(()),
        Some(v) => Err(format!(
            "Cargo.lock has wasm-bindgen {v} but xtask uses wasm-bindgen-cli-support {CLI_SUPPORT}: \
             pin both to the same version (dashboard/Cargo.toml and xtask/Cargo.toml)"
        )),
        None => Ok(()), // not resolved yet; the build below will resolve it
    }
}

fn dist(release: bool, wasm_opt: bool) -> Result<(), String> {
    let root = workspace_root();
    check_bindgen_version(&root)?;
    let profile = if release { "release-wasm" } else { "dev" };
    let started = Instant::now();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(&root)
        .args(["build", "-p", "dashboard", "--bin", "dashboard", "--target", "wasm32-unknown-unknown", "--profile", profile])
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!("cargo build of the dashboard failed ({status})"));
    }
    let dir = if profile == "dev" { "debug" } else { profile };
    let wasm = target_dir(&root).join("wasm32-unknown-unknown").join(dir).join("dashboard.wasm");
    if !wasm.exists() {
        return Err(format!("{} not found after the build", wasm.display()));
    }

    let out = root.join("dist");
    // Start from an empty dist/ so that no stale file gets embedded.
    if out.exists() {
        std::fs::remove_dir_all(&out).map_err(|e| format!("cannot clear {}: {e}", out.display()))?;
    }
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&wasm)
        .web(true)
        .map_err(|e| e.to_string())?
        .typescript(false)
        .debug(!release)
        .generate(&out)
        .map_err(|e| format!("wasm-bindgen: {e}"))?;

    let bg = out.join("dashboard_bg.wasm");
    if release && wasm_opt {
        run_wasm_opt(&root, &bg);
    }

    let wasm_bytes = std::fs::read(&bg).map_err(|e| e.to_string())?;
    let names = layout(&root, &out, release)?;
    assets::precompress(&out, &target_dir(&root).join("xtask-precompressed"))?;
    let gz = assets::gzip(&wasm_bytes).len();
    let br = std::fs::metadata(out.join(format!("{}.br", assets::hashed_name("dashboard_bg.wasm", &wasm_bytes)))).map_or(0, |m| m.len());
    println!(
        "dist/ written ({profile}): dashboard_bg.wasm {} bytes, gzip {gz}, brotli {br}; {} files hashed; in {:.1}s",
        wasm_bytes.len(),
        names,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Gives every asset a content-hashed name, rewrites the references to them, and writes
/// `index.html` (the dashboard) and `graphiql.html` (the playground) under their plain names.
/// Returns how many files were hashed.
fn layout(root: &Path, out: &Path, release: bool) -> Result<usize, String> {
    let read = |path: &Path| std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()));
    let mut names: Vec<(String, String)> = Vec::new();
    let add = |dir: &Path, name: &str, bytes: &[u8], names: &mut Vec<(String, String)>| -> Result<(), String> {
        let hashed = assets::write_hashed(dir, name, bytes)?;
        let prefix = if dir == out { "/".to_owned() } else { "/graphiql/".to_owned() };
        names.push((format!("{prefix}{name}"), format!("{prefix}{hashed}")));
        Ok(())
    };
    // The wasm and its glue first: boot.js refers to both.
    for name in ["dashboard_bg.wasm", "dashboard.js"] {
        let path = out.join(name);
        add(out, name, &read(&path)?, &mut names)?;
        std::fs::remove_file(&path).map_err(|e| e.to_string())?;
    }
    let static_dir = root.join("dashboard").join("static");
    for name in ["boot.js", "style.css"] {
        let text = String::from_utf8_lossy(&read(&static_dir.join(name))?).into_owned();
        add(out, name, assets::rewrite(&text, &names).as_bytes(), &mut names)?;
    }
    let index = String::from_utf8_lossy(&read(&static_dir.join("index.html"))?).into_owned();
    std::fs::write(out.join("index.html"), assets::rewrite(&index, &names)).map_err(|e| e.to_string())?;
    let mut count = names.len();
    match playground(root, out)? {
        Some(n) => count += n,
        None => println!("GraphiQL packages missing (run scripts/setup.sh): the playground is left out of dist/"),
    }
    std::fs::write(out.join("build.json"), format!("{{\"profile\":\"{}\"}}\n", if release { "release-wasm" } else { "dev" })).map_err(|e| e.to_string())?;
    Ok(count)
}

/// The production builds of GraphiQL and React pinned in dashboard/playground/package-lock.json,
/// with the page that starts them, so the playground needs no CDN.
fn playground(root: &Path, out: &Path) -> Result<Option<usize>, String> {
    let src = root.join("dashboard").join("playground");
    let modules = src.join("node_modules");
    let files = [
        ("react.production.min.js", modules.join("react/umd/react.production.min.js")),
        ("react-dom.production.min.js", modules.join("react-dom/umd/react-dom.production.min.js")),
        ("graphiql.min.js", modules.join("graphiql/graphiql.min.js")),
        ("graphiql.min.css", modules.join("graphiql/graphiql.min.css")),
        ("start.js", src.join("start.js")),
        ("page.css", src.join("page.css")),
    ];
    if files.iter().any(|(_, path)| !path.exists()) {
        return Ok(None);
    }
    let dir = out.join("graphiql");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let mut names = Vec::new();
    for (name, path) in &files {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let hashed = assets::write_hashed(&dir, name, &bytes)?;
        names.push((format!("/graphiql/{name}"), format!("/graphiql/{hashed}")));
    }
    let page = std::fs::read_to_string(src.join("index.html")).map_err(|e| e.to_string())?;
    std::fs::write(out.join("graphiql.html"), assets::rewrite(&page, &names)).map_err(|e| e.to_string())?;
    Ok(Some(names.len()))
}

fn run_wasm_opt(root: &Path, wasm: &Path) {
    let local = root.join("e2e").join("node_modules").join(".bin").join("wasm-opt");
    let exe = if local.exists() { local.into_os_string() } else { "wasm-opt".into() };
    let tmp = wasm.with_extension("opt.wasm");
    let result = Command::new(&exe)
        .args([
            "-Oz",
            "--enable-bulk-memory",
            "--enable-nontrapping-float-to-int",
            "--enable-sign-ext",
            "--enable-mutable-globals",
            "--enable-reference-types",
            "--enable-multivalue",
        ])
        .arg(wasm)
        .arg("-o")
        .arg(&tmp)
        .output();
    match result {
        Ok(o) if o.status.success() => {
            std::fs::rename(&tmp, wasm).expect("replace wasm with optimised one");
            println!("wasm-opt -Oz applied ({})", exe.to_string_lossy());
        }
        Ok(o) => {
            let _ = std::fs::remove_file(&tmp);
            println!(
                "wasm-opt failed, keeping the unoptimised wasm (Debian's binaryen 108 cannot parse it; \
                 run `npm ci` in e2e/ for binaryen 132): {}",
                String::from_utf8_lossy(&o.stderr).lines().next().unwrap_or("")
            );
        }
        Err(_) => println!("wasm-opt not found; skipping (run `npm ci` in e2e/ to get it)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_locked_versions() {
        let lock = "[[package]]\nname = \"wasm-bindgen\"\nversion = \"0.2.130\"\n\n[[package]]\nname = \"wasm-bindgen-cli-support\"\nversion = \"0.2.130\"\n";
        assert_eq!(locked_version(lock, "wasm-bindgen").as_deref(), Some("0.2.130"));
        assert_eq!(locked_version(lock, "wasm-bindgen-cli-support").as_deref(), Some("0.2.130"));
        assert_eq!(locked_version(lock, "nope"), None);
    }

    #[test]
    fn reads_json_string_fields() {
        let j = r#"{"packages":[],"target_directory":"/work/t\\x","version":1}"#;
        assert_eq!(json_string_field(j, "target_directory").as_deref(), Some("/work/t\\x"));
        assert_eq!(json_string_field(j, "nope"), None);
    }

    #[test]
    fn this_workspace_is_consistent() {
        check_bindgen_version(&workspace_root()).unwrap();
    }
}
