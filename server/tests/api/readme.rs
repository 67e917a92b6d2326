//! The README's curl examples, run in order as written against a fresh server.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// The shell block under "### Examples with curl".
fn readme_examples() -> String {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let section = &readme[readme.find("### Examples with curl").expect("the curl section")..];
    let block = &section[section.find("```sh\n").expect("a sh block") + 6..];
    block[..block.find("```").unwrap()].to_owned()
}

/// Makes every `gql` call fail the script when the answer has an error, top-level or per item,
/// keeping the README's own `gql` for the request itself.
const STRICT: &str = r#"
eval "readme_$(declare -f gql)"
gql() {
  local out; out=$(readme_gql "$1"); printf '%s\n' "$out"
  if [[ -z $out || $out == *'"errors"'* || $out == *'"error":{'* ]]; then echo "README example failed: $1" >&2; exit 1; fi
}
"#;

#[test]
fn the_curl_examples_work_in_order_on_a_fresh_server() {
    for tool in ["curl", "python3", "date"] {
        let found = Command::new("sh").args(["-c", &format!("command -v {tool}")]).output().unwrap().status.success();
        assert!(found, "{tool} is needed to run the README examples (scripts/setup.sh --test installs it)");
    }
    let dir = tempfile::tempdir().unwrap();
    let mut server = Command::new(env!("CARGO_BIN_EXE_raterhub-tracker"))
        .current_dir(dir.path())
        .env_remove("SECRET_KEY")
        .env_remove("DATABASE_URL")
        .env("LISTEN_ADDR", "127.0.0.1:0")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let port = line.trim().rsplit(':').next().unwrap().to_owned();

    let examples = readme_examples();
    let (head, rest) = examples.split_once("\n\n").expect("API and gql first, then the examples");
    assert!(head.contains("API=http://127.0.0.1:8000/graphql") && head.contains("gql()"), "{head}");
    let head = head.replace("127.0.0.1:8000", &format!("127.0.0.1:{port}"));
    let script = format!("set -euo pipefail\n{head}\n{STRICT}\n{rest}");
    let output = Command::new("bash").arg("-c").arg(&script).current_dir(dir.path()).output().unwrap();
    server.kill().unwrap();
    server.wait().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    // Every request after the register (whose answer the script keeps) printed an answer;
    // the PAUSE paused, and the EXIT closed question 3.
    let calls = rest.lines().filter(|l| l.starts_with("gql '")).count();
    assert_eq!(stdout.lines().filter(|l| l.starts_with('{')).count(), calls, "{stdout}");
    for file in ["timesheet.csv", "day.pdf", "week.csv", "year.pdf"] {
        assert!(dir.path().join(file).metadata().is_ok_and(|m| m.len() > 0), "the README's download of {file} failed");
    }
    assert!(stdout.contains(r#""isPaused":true"#) && stdout.contains(r#""question":{"index":3"#), "{stdout}");
}

#[test]
fn the_configuration_table_lists_every_flag() {
    let help = Command::new(env!("CARGO_BIN_EXE_raterhub-tracker")).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let table: Vec<&str> = readme.lines().filter(|l| l.starts_with("| `")).collect();
    let flags: Vec<&str> =
        help.lines().filter_map(|l| l.split_whitespace().next()).filter(|w| w.starts_with("--") && *w != "--help" && *w != "--version").collect();
    assert!(flags.len() > 10, "{help}");
    for flag in flags {
        assert!(table.iter().any(|row| row.contains(&format!("`{flag}`"))), "{flag} is missing from the README's configuration table");
    }
}
