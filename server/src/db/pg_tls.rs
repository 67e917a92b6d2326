//! Whether to speak TLS to a PostgreSQL server on the same host when the URL does not say.
//!
//! sqlx's default (`sslmode=prefer`) encrypts whenever the server offers TLS, and Debian's
//! PostgreSQL offers it out of the box. On a loopback address or a Unix socket that protects
//! nothing (the bytes never leave the host, and whoever can read them there can read the
//! database files too), yet it costs every statement an encryption on both sides: on the
//! bench, PostgreSQL's CPU per event went from 0.29 to 0.17 ms and the server's from 0.19 to
//! 0.14 ms without it. So a URL that names no `sslmode` and points at this host connects in
//! plain text; every other URL keeps sqlx's default. A server that refuses plain
//! connections gets the default after all (see `Db::connect_with`).

use std::net::IpAddr;

use sea_orm::DbErr;

/// How to connect when the URL names no TLS mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tls {
    /// The URL or the environment decides (sqlx: `PGSSLMODE`, else `prefer`).
    AsConfigured,
    /// No TLS: the server is on this host and nothing asked for TLS.
    PlainOnThisHost,
}

/// `pgsslmode` is what sqlx reads from the environment (`PGSSLMODE`), `pghost` its
/// fallback host (`PGHOST`): both are passed in so the rule stays a pure function.
pub fn choose(url: &str, pgsslmode: Option<&str>, pghost: Option<&str>) -> Tls {
    let Ok(url) = url::Url::parse(url) else { return Tls::AsConfigured };
    let asks_for_tls = url.query_pairs().any(|(key, _)| matches!(&*key, "sslmode" | "ssl-mode" | "sslrootcert" | "sslcert"));
    if asks_for_tls || pgsslmode.is_some_and(|mode| !mode.is_empty()) {
        return Tls::AsConfigured;
    }
    // A `host` parameter overrides the URL's host; a path there is a Unix socket directory.
    let host_param = url.query_pairs().find(|(key, _)| key == "host").map(|(_, value)| value.into_owned());
    let host = host_param.or_else(|| url.host_str().filter(|h| !h.is_empty()).map(str::to_owned)).or_else(|| pghost.map(str::to_owned));
    match host {
        // sqlx's own default host is `localhost`.
        None => Tls::PlainOnThisHost,
        Some(host) if on_this_host(&host) => Tls::PlainOnThisHost,
        Some(_) => Tls::AsConfigured,
    }
}

fn on_this_host(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.starts_with('/') || bare.eq_ignore_ascii_case("localhost") || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Whether PostgreSQL turned the connection away for how it came in (pg_hba.conf: SQLSTATE
/// 28000, as when only `hostssl` lines match), so TLS may be what it wants.
pub fn refused_as_configured(error: &DbErr) -> bool {
    super::pg_conn::sqlx_error(error).and_then(|e| e.as_database_error()).and_then(|db| db.code()).is_some_and(|code| code == "28000")
}

#[cfg(test)]
mod tests {
    use super::*;
    use Tls::*;

    fn plain(url: &str) -> Tls {
        choose(url, None, None)
    }

    #[test]
    fn loopback_and_sockets_without_a_mode_go_plain() {
        for url in [
            "postgres://postgres@127.0.0.1:5432/test",
            "postgres://u:p@127.9.9.9/db",
            "postgres://postgres@localhost/test",
            "postgres://postgres@LOCALHOST:5433/test",
            "postgres://postgres@[::1]:5432/test",
            "postgres:///test",
            "postgres://postgres@localhost/test?host=/var/run/postgresql",
            "postgresql://postgres@db.example.com/test?host=/run/postgresql",
            "postgres://postgres@127.0.0.1/test?application_name=x",
        ] {
            assert_eq!(plain(url), PlainOnThisHost, "{url}");
        }
    }

    #[test]
    fn other_hosts_and_any_stated_mode_keep_the_default() {
        for url in [
            "postgres://postgres@db.example.com/test",
            "postgres://postgres@10.0.0.5:5432/test",
            "postgres://postgres@[2001:db8::1]/test",
            "postgres://postgres@db/test",
            "postgres://postgres@127.0.0.1/test?sslmode=prefer",
            "postgres://postgres@localhost/test?sslmode=require",
            "postgres://postgres@localhost/test?ssl-mode=verify-full",
            "postgres://postgres@localhost/test?sslrootcert=/etc/ca.pem",
            "postgres://postgres@127.0.0.1/test?host=db.example.com",
            "not a url",
        ] {
            assert_eq!(plain(url), AsConfigured, "{url}");
        }
    }

    #[test]
    fn the_environment_is_read_as_sqlx_reads_it() {
        assert_eq!(choose("postgres://postgres@127.0.0.1/test", Some("require"), None), AsConfigured);
        assert_eq!(choose("postgres://postgres@127.0.0.1/test", Some(""), None), PlainOnThisHost);
        assert_eq!(choose("postgres:///test", None, Some("db.example.com")), AsConfigured);
        assert_eq!(choose("postgres:///test", None, Some("/var/run/postgresql")), PlainOnThisHost);
        assert_eq!(choose("postgres://postgres@db.example.com/test", None, Some("localhost")), AsConfigured);
    }
}
