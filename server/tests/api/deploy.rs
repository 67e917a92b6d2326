//! The deployment files, checked with a YAML parser (no Docker engine needed).

use serde_yaml::Value;

fn root(path: &str) -> String {
    std::fs::read_to_string(format!("{}/../{path}", env!("CARGO_MANIFEST_DIR"))).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn compose_has_the_services_healthchecks_and_no_secrets() {
    let text = root("docker-compose.yml");
    let compose: Value = serde_yaml::from_str(&text).expect("valid YAML");
    let services = compose["services"].as_mapping().expect("services");
    for name in ["server", "db", "redis", "proxy"] {
        let service = &services[name];
        assert!(service.is_mapping(), "service {name} missing");
        assert!(service["healthcheck"]["test"].is_sequence(), "service {name} has no healthcheck");
    }
    assert_eq!(compose["services"]["db"]["image"].as_str(), Some("postgres:16"));
    assert_eq!(compose["services"]["server"]["depends_on"]["db"]["condition"].as_str(), Some("service_healthy"));
    assert_eq!(compose["services"]["server"]["healthcheck"]["test"][1].as_str(), Some("raterhub-tracker"));
    // `pgdata:` with no options parses as null, so ask for the key, not the value.
    let volumes = compose["volumes"].as_mapping().expect("top-level volumes");
    assert!(volumes.contains_key("pgdata"), "the database needs the named volume pgdata");
    assert!(compose["services"]["db"]["volumes"][0].as_str().unwrap().starts_with("pgdata:"));
    assert_eq!(compose["services"]["redis"]["profiles"][0].as_str(), Some("redis"));
    assert_eq!(compose["services"]["proxy"]["profiles"][0].as_str(), Some("proxy"));
    // Secrets only come from the environment / .env, never literal values.
    for (service, key) in [("server", "SECRET_KEY"), ("server", "PGPASSWORD"), ("db", "POSTGRES_PASSWORD")] {
        let value = compose["services"][service]["environment"][key].as_str().unwrap_or("");
        assert!(value.starts_with("${"), "{service}.{key} must come from .env, found {value:?}");
    }
    assert!(compose["services"]["server"]["environment"]["PGPASSWORD"].as_str().unwrap().starts_with("${POSTGRES_PASSWORD"));
    // A password with `/` or `@` would break a URL built from it, and messages quote the URL.
    let url = compose["services"]["server"]["environment"]["DATABASE_URL"].as_str().unwrap();
    assert!(!url.contains("${") && !url.split_once("://").unwrap().1.split('@').next().unwrap().contains(':'), "no password in {url}");
}

#[test]
fn dockerfile_builds_the_dashboard_first_and_runs_unprivileged() {
    let text = root("Dockerfile");
    let dist = text.find("cargo xtask dist --release").expect("dashboard build");
    let server = text.find("cargo build --release").expect("server build");
    assert!(dist < server, "dist/ must exist before the server is compiled");
    assert!(text.contains("USER raterhub"));
    assert!(text.contains("HEALTHCHECK") && text.contains("\"healthcheck\""));
    let runtime = &text[text.rfind("\nFROM ").expect("a runtime stage")..];
    let commands: String = runtime.lines().filter(|l| !l.trim_start().starts_with('#')).collect();
    assert!(!commands.contains("curl"), "the runtime image has no curl");
    assert!(root(".dockerignore").lines().any(|l| l.trim() == "target/"));
}

#[test]
fn the_systemd_unit_runs_unprivileged_with_its_data_in_the_state_directory() {
    let unit = root("deploy/raterhub-tracker.service");
    let setting = |key: &str| unit.lines().find_map(|l| l.strip_prefix(&format!("{key}="))).unwrap_or_else(|| panic!("no {key}= in the unit"));
    assert_ne!(setting("User"), "root");
    assert_eq!(setting("StateDirectory"), "raterhub-tracker");
    assert_eq!(setting("WorkingDirectory"), "/var/lib/raterhub-tracker");
    assert!(unit.contains("Environment=DATABASE_URL=/var/lib/raterhub-tracker/raterhub.db"), "the database (and its .secret) in the state directory");
    assert!(unit.contains("Environment=LISTEN_ADDR=127.0.0.1:8000"));
    assert!(setting("ExecStart").starts_with("/usr/local/bin/raterhub-tracker serve"));
    // The host Caddyfile proxies to the unit's address, not to Compose's service name.
    let caddy = root("deploy/Caddyfile.host");
    assert!(caddy.contains("reverse_proxy 127.0.0.1:8000") && !caddy.contains("server:8000"));
}
