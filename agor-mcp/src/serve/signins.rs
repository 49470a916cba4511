//! The open sign-ins of `agor serve` ([`super::signin`] makes and ends them): a random id per
//! sign-in, mapped to its principal and its secret's fingerprint (never the secret) until it
//! expires; and the sign-in id a request's cookie carries. Below the handlers and what they
//! share ([`super::web`] reads a request's sign-in here).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use agor_core::{Store, TokenHolder};
use axum::http::{header, HeaderMap};

/// The cookie's name.
pub(crate) const COOKIE: &str = "agor_session";
/// How long a sign-in lasts.
pub(crate) const LIFETIME: Duration = Duration::from_secs(12 * 3600);
/// The most sign-ins open at once (each is a few bytes; the bound keeps a loop of sign-ins
/// from growing the server without end).
const MAX_SIGNINS: usize = 4096;

/// The open sign-ins by id.
#[derive(Default)]
pub(crate) struct SignIns {
    open: Mutex<HashMap<String, SignIn>>,
}

/// Who signed in, with which secret (its fingerprint), until when.
#[derive(Clone)]
pub(crate) struct SignIn {
    pub who: TokenHolder,
    fingerprint: String,
    expires: Instant,
}

impl SignIns {
    /// A new sign-in for `who`: its id, or `None` when too many are open.
    pub(crate) fn start(&self, who: TokenHolder, secret: &str) -> Option<String> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        open.retain(|_, s| s.expires > now);
        if open.len() >= MAX_SIGNINS {
            return None;
        }
        // 244 random bits from the operating system's generator, as the secrets have.
        let id = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        let signin = SignIn {
            who,
            fingerprint: fingerprint(secret),
            expires: now + LIFETIME,
        };
        open.insert(id.clone(), signin);
        Some(id)
    }

    /// A sign-in that has not expired.
    pub(crate) fn find(&self, id: &str) -> Option<SignIn> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        match open.get(id) {
            Some(s) if s.expires > Instant::now() => Some(s.clone()),
            Some(_) => {
                open.remove(id);
                None
            }
            None => None,
        }
    }

    pub(crate) fn end(&self, id: &str) {
        self.open
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id);
    }
}

impl SignIn {
    /// Whether the secret it was made with is still issued (and, for an agent, the agent
    /// still there); blocking.
    pub(crate) fn still_valid(&self, store: &Store) -> bool {
        let issued = store.tokens().is_ok_and(|tokens| {
            tokens.iter().any(|t| {
                t.fingerprint == self.fingerprint
                    && match &self.who {
                        TokenHolder::Operator => t.operator,
                        TokenHolder::Agent(id) => !t.operator && t.agent_id == *id,
                    }
            })
        });
        issued
            && match &self.who {
                TokenHolder::Operator => true,
                TokenHolder::Agent(id) => store.as_agent(id).and_then(|a| a.whoami()).is_ok(),
            }
    }
}

/// The fingerprint of a secret as `btmsg token list` shows it: the start of its SHA-256.
fn fingerprint(secret: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(secret.as_bytes())
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The sign-in id of a request's `Cookie` header.
pub(crate) fn cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v)
}
