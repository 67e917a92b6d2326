//! Operator-friendly logs: no colour codes unless on a terminal, and LOG_FILE.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn logs_have_no_colour_codes_off_a_terminal_and_go_to_the_log_file_too() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_raterhub-tracker"))
        .current_dir(dir.path())
        .env_remove("SECRET_KEY")
        .env("DATABASE_URL", dir.path().join("rht.db"))
        .env("LISTEN_ADDR", "127.0.0.1:0")
        .env("LOG_FILE", dir.path().join("logs/rht.log"))
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert!(line.starts_with("listening on"), "{line}");
    // The file is written by a background thread: wait (generously) for the start-up line.
    let deadline = Instant::now() + Duration::from_secs(30);
    let file_text = loop {
        let text: String = std::fs::read_dir(dir.path().join("logs"))
            .map(|entries| entries.filter_map(|e| e.ok()).map(|e| std::fs::read_to_string(e.path()).unwrap_or_default()).collect())
            .unwrap_or_default();
        if text.contains("listening") {
            break text;
        }
        assert!(Instant::now() < deadline, "no start-up line in the log file: {text:?}");
        std::thread::sleep(Duration::from_millis(50));
    };
    child.kill().unwrap();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("listening"), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "colour codes in a non-terminal log: {stderr:?}");
    assert!(!file_text.contains('\u{1b}'), "colour codes in the log file: {file_text:?}");
    let names: Vec<String> = std::fs::read_dir(dir.path().join("logs")).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(names.iter().all(|n| n.starts_with("rht.log.")), "daily files are named rht.log.YYYY-MM-DD: {names:?}");
}
