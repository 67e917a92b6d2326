//! The one-time setup code for a server's first account.
//!
//! The first account becomes admin. On a server reachable from outside, whoever finds a
//! fresh server's URL first would become its admin, so there the first registration must
//! show a code that only the operator can read: the server logs it at start. The code is
//! derived from the signing secret, so every instance of one deployment logs the same code
//! and a restart does not change it; it stops mattering once an account exists.

use std::net::SocketAddr;

use sha2::{Digest, Sha256};

use crate::auth::constant_time_eq;

/// What a first registration must show, if anything.
#[derive(Clone, Debug, Default)]
pub struct SetupCode(Option<String>);

impl SetupCode {
    /// Required while the server has no account and is public: it listens beyond loopback,
    /// or it is set up behind a reverse proxy (`behind_proxy`: trusted proxies or a public
    /// URL configured), which makes a loopback listener public too. Other loopback servers
    /// are reachable by their operator alone.
    pub fn for_server(listen: SocketAddr, behind_proxy: bool, has_accounts: bool, secret: &[u8]) -> Self {
        if has_accounts || (listen.ip().is_loopback() && !behind_proxy) {
            return SetupCode(None);
        }
        SetupCode(Some(derive(secret)))
    }

    /// The code to log at start, when one is required.
    pub fn code(&self) -> Option<&str> {
        self.0.as_deref()
    }

    /// Whether `given` opens the first registration (dashes, spaces and case don't matter).
    pub fn accepts(&self, given: Option<&str>) -> bool {
        let Some(code) = &self.0 else { return true };
        let given = given.map(normalize).unwrap_or_default();
        constant_time_eq(given.as_bytes(), normalize(code).as_bytes())
    }
}

fn normalize(code: &str) -> String {
    code.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_uppercase()).collect()
}

/// 16 hex digits in groups of four: 64 bits, short enough to type from a log.
fn derive(secret: &[u8]) -> String {
    let digest = Sha256::new().chain_update(b"raterhub first-account setup code\0").chain_update(secret).finalize();
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02X}")).collect();
    hex.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn only_a_public_server_without_accounts_needs_a_code() {
        assert!(SetupCode::for_server(addr("127.0.0.1:8000"), false, false, b"s").code().is_none());
        assert!(SetupCode::for_server(addr("[::1]:8000"), false, false, b"s").code().is_none());
        assert!(SetupCode::for_server(addr("127.0.0.1:8000"), true, false, b"s").code().is_some(), "a proxy makes it public");
        assert!(SetupCode::for_server(addr("0.0.0.0:8000"), false, true, b"s").code().is_none());
        let code = SetupCode::for_server(addr("0.0.0.0:8000"), false, false, b"s");
        assert_eq!(code.code().unwrap().len(), 19);
        assert!(SetupCode::for_server(addr("0.0.0.0:8000"), false, false, b"s").accepts(code.code()), "same secret, same code");
        assert_ne!(SetupCode::for_server(addr("0.0.0.0:8000"), false, false, b"t").code(), code.code());
    }

    #[test]
    fn the_code_is_checked_loosely_for_typing_but_exactly_for_content() {
        let setup = SetupCode::for_server(addr("10.0.0.5:8000"), false, false, b"secret");
        let code = setup.code().unwrap().to_owned();
        assert!(setup.accepts(Some(&code.to_lowercase().replace('-', " "))));
        assert!(!setup.accepts(None));
        assert!(!setup.accepts(Some("")));
        assert!(!setup.accepts(Some(&code[..code.len() - 1])));
        assert!(SetupCode::default().accepts(None));
    }
}
