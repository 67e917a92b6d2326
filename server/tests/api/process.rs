//! The binary itself: start-up configuration and graceful shutdown.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_raterhub-tracker"));
    command.env_remove("SECRET_KEY").env_remove("DATABASE_URL").env("RUST_LOG", "info").env("LISTEN_ADDR", "127.0.0.1:0");
    command
}

#[test]
fn a_weak_secret_key_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let output = binary().current_dir(dir.path()).env("SECRET_KEY", "too-short").output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("SECRET_KEY is too weak") && stderr.contains("32 bytes"), "{stderr}");
}

#[test]
fn defaults_create_the_database_and_a_private_key_then_shut_down_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = binary().current_dir(dir.path()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert!(line.starts_with("listening on http://127.0.0.1:"), "{line}");
    assert!(dir.path().join("raterhub.db").exists(), "SQLite file created in the working directory");
    let key = dir.path().join("raterhub.db.secret");
    let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert!(std::fs::read_to_string(&key).unwrap().trim().len() >= 32);

    let started = Instant::now();
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(stderr.contains("generated a new key"), "{stderr}");
    assert!(stderr.contains("shut down"), "{stderr}");

    // A restart reuses the stored key.
    let before = std::fs::read_to_string(&key).unwrap();
    let mut again = binary().current_dir(dir.path()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(again.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert!(line.starts_with("listening on"), "{line}");
    again.kill().unwrap();
    let output = again.wait_with_output().unwrap();
    assert!(!String::from_utf8_lossy(&output.stderr).contains("generated a new key"));
    assert_eq!(std::fs::read_to_string(&key).unwrap(), before);
}

#[test]
fn schema_subcommand_prints_the_sdl() {
    let output = binary().arg("schema").output().unwrap();
    assert!(output.status.success());
    assert_eq!(String::from_utf8(output.stdout).unwrap(), server::graphql::sdl());
}

/// One blocking GraphQL POST; returns the JSON body.
fn post(port: u16, query: &str) -> serde_json::Value {
    use std::io::{Read, Write};
    let body = serde_json::json!({ "query": query }).to_string();
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let head =
        format!("POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
    stream.write_all(format!("{head}{body}").as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    serde_json::from_str(response.split_once("\r\n\r\n").unwrap().1).unwrap_or_else(|_| panic!("{response}"))
}

#[test]
fn a_public_server_logs_a_setup_code_that_the_first_registration_needs() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = binary().current_dir(dir.path()).env("LISTEN_ADDR", "0.0.0.0:0").stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let port: u16 = line.trim().rsplit(':').next().unwrap().parse().unwrap_or_else(|_| panic!("{line}"));
    // The code is logged before the server listens; the log keeps draining so the server
    // never writes into a closed pipe.
    let (lines, logged) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || BufReader::new(stderr).lines().map_while(Result::ok).for_each(|l| drop(lines.send(l))));
    let log = logged.iter().find(|l| l.contains("setup code")).expect("the setup code is logged at start");
    let code: String = log[log.find("setup code ").unwrap() + 11..].chars().take(19).collect();

    let register = |extra: &str| {
        post(port, &format!("mutation{{register(email:\"first@example.com\",password:\"correct horse battery staple\"{extra}){{user{{role}}}}}}"))
    };
    let refused = register("");
    assert_eq!(refused["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{refused}");
    assert!(refused["errors"][0]["message"].as_str().unwrap().contains("setup code"), "{refused}");
    assert_eq!(register(",inviteCode:\"0000-0000-0000-0000\"")["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    let admin = register(&format!(",inviteCode:\"{code}\""));
    assert_eq!(admin["data"]["register"]["user"]["role"], "ADMIN", "{admin}");
    // Later accounts need no code.
    let second = post(port, "mutation{register(email:\"second@example.com\",password:\"correct horse battery staple\"){user{role}}}");
    assert_eq!(second["data"]["register"]["user"]["role"], "USER", "{second}");
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn backup_refuses_a_missing_database_and_copies_the_key_beside_the_backup() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str], env: &[(&str, &str)]| binary().current_dir(dir.path()).args(args).envs(env.iter().copied()).output().unwrap();
    let missing = run(&["backup", "copy.db"], &[]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no database at raterhub.db"), "{missing:?}");
    assert!(!dir.path().join("raterhub.db").exists(), "backup must not create an empty database");
    assert!(!dir.path().join("copy.db").exists());

    assert!(run(&["migrate"], &[]).status.success());
    let no_key = run(&["backup", "first.db"], &[]);
    assert!(no_key.status.success(), "{no_key:?}");
    assert!(String::from_utf8_lossy(&no_key.stdout).contains("no key file at raterhub.db.secret"), "{no_key:?}");
    assert!(!dir.path().join("first.db.secret").exists());

    std::fs::write(dir.path().join("raterhub.db.secret"), "a-stored-key-of-more-than-thirty-two-bytes").unwrap();
    let with_key = run(&["backup", "second.db"], &[]);
    let stdout = String::from_utf8_lossy(&with_key.stdout);
    assert!(with_key.status.success() && stdout.contains("signing key copied to second.db.secret"), "{with_key:?}");
    let copy = dir.path().join("second.db.secret");
    assert_eq!(std::fs::read_to_string(&copy).unwrap(), "a-stored-key-of-more-than-thirty-two-bytes");
    assert_eq!(std::fs::metadata(&copy).unwrap().permissions().mode() & 0o777, 0o600);
    assert!(dir.path().join("second.db").exists());

    let from_env = run(&["backup", "third.db"], &[("SECRET_KEY", "an-environment-key-of-more-than-32-bytes")]);
    assert!(String::from_utf8_lossy(&from_env.stdout).contains("keep SECRET_KEY with the backup"), "{from_env:?}");
    assert!(!dir.path().join("third.db.secret").exists());
}

#[test]
fn a_database_url_that_does_not_parse_is_reported_without_its_password() {
    let output =
        binary().arg("migrate").env("DATABASE_URL", "postgres://raterhub:pa/ss@w0rd@127.0.0.1:5432/raterhub").env("RUST_BACKTRACE", "0").output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("postgres://raterhub:***@127.0.0.1:5432/raterhub"), "{stderr}");
    assert!(!stderr.contains("w0rd") && !stderr.contains("pa/ss"), "{stderr}");
}
