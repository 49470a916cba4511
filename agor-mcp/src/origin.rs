//! The browser rule of the HTTP transport (SPEC §2.2; the MCP transport's DNS-rebinding rule):
//! a request that carries an `Origin` header is served only when that origin is the server's
//! own or one the operator admitted with `--allow-origin`; any other gets 403, so no web page
//! (nor a DNS-rebound host name) can drive a local server from a visitor's browser. Requests
//! without `Origin` (CLI and agent clients never send one) are served.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use crate::refusals::error_response;

/// An origin as RFC 6454 compares them: scheme, host and port (the scheme's default port when
/// none is written). The opaque origin `null` (sandboxed frames, files) is its own value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Origin {
    scheme: String,
    host: String,
    port: Option<u16>,
}

/// Parses `scheme://host[:port]` (an `Origin` header or an `--allow-origin` value), or `null`.
pub(crate) fn parse(text: &str) -> Result<Origin, String> {
    let text = text.trim().to_ascii_lowercase();
    if text == "null" {
        return Ok(Origin {
            scheme: "null".into(),
            host: String::new(),
            port: None,
        });
    }
    let (scheme, rest) = text
        .split_once("://")
        .ok_or_else(|| format!("'{text}' is not an origin: it needs a scheme, like http://"))?;
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    if !scheme_ok {
        return Err(format!("'{text}' has no valid scheme"));
    }
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    if authority.contains(['/', '?', '#', '@']) {
        return Err(format!(
            "'{text}' is not an origin: no path, query or user, just scheme://host[:port]"
        ));
    }
    let (host, port) = match authority.rsplit_once(':') {
        // A colon inside brackets belongs to an IPv6 address.
        Some((host, port)) if !port.contains(']') => {
            let port = port
                .parse::<u16>()
                .map_err(|_| format!("'{text}' has no valid port"))?;
            (host, Some(port))
        }
        _ => (authority, None),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return Err(format!("'{text}' has no host"));
    }
    let port = port.or(match scheme {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    });
    Ok(Origin {
        scheme: scheme.to_owned(),
        host: host.to_owned(),
        port,
    })
}

/// The origins a server admits: its own (a page it would serve itself) and the operator's.
#[derive(Debug, Clone)]
pub(crate) struct Origins {
    admitted: HashSet<Origin>,
}

impl Origins {
    /// The origins of a server listening on `bound`, and those of `allowed` (already checked
    /// by the command line; one that does not parse admits nothing).
    pub(crate) fn new(bound: SocketAddr, allowed: &[String]) -> Origins {
        let port = Some(bound.port());
        let mut hosts = vec![bound.ip().to_string()];
        // A server on a loopback or every address is reached as localhost too.
        if bound.ip().is_loopback() || bound.ip().is_unspecified() {
            hosts.extend(["localhost", "127.0.0.1", "::1"].map(String::from));
        }
        let own = hosts.into_iter().map(|host| Origin {
            scheme: "http".into(),
            host,
            port,
        });
        let admitted = own
            .chain(allowed.iter().filter_map(|a| parse(a).ok()))
            .collect();
        Origins { admitted }
    }

    /// Whether a request with this `Origin` header value may be served.
    pub(crate) fn admits(&self, origin: &str) -> bool {
        parse(origin).is_ok_and(|o| self.admitted.contains(&o))
    }
}

/// Refuses a request whose `Origin` is not the server's own or an admitted one (403).
pub(crate) async fn check_origin(
    State(origins): State<Arc<Origins>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(origin) = request.headers().get(header::ORIGIN) else {
        return next.run(request).await;
    };
    let origin = String::from_utf8_lossy(origin.as_bytes()).into_owned();
    if origins.admits(&origin) {
        return next.run(request).await;
    }
    error_response(
        StatusCode::FORBIDDEN,
        "permission_denied",
        &format!(
            "requests from the browser origin '{origin}' are refused: this server serves its \
             own origin only (its operator admits another with `agor mcp --allow-origin ORIGIN`)"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_servers_own_origin_and_the_admitted_ones_pass() {
        let bound: SocketAddr = "127.0.0.1:8765".parse().unwrap();
        let origins = Origins::new(bound, &["https://app.example.com".into(), "null".into()]);
        for ok in [
            "http://127.0.0.1:8765",
            "http://localhost:8765",
            "HTTP://LOCALHOST:8765/",
            "http://[::1]:8765",
            "https://app.example.com",
            "https://app.example.com:443",
            "null",
        ] {
            assert!(origins.admits(ok), "{ok}");
        }
        for refused in [
            "https://evil.example.com",
            "http://localhost:8766",
            "http://localhost",
            "https://localhost:8765",
            "http://app.example.com",
            "http://127.0.0.1:8765.evil.example.com",
            "garbage",
            "",
        ] {
            assert!(!origins.admits(refused), "{refused}");
        }
        assert!(!Origins::new(bound, &[]).admits("null"));
    }

    #[test]
    fn parse_names_what_is_wrong() {
        assert!(parse("localhost:3000").unwrap_err().contains("scheme"));
        assert!(parse("http://a.example/x").unwrap_err().contains("path"));
        assert!(parse("http://a.example:99999")
            .unwrap_err()
            .contains("port"));
        assert!(parse("http://").unwrap_err().contains("host"));
        assert_eq!(
            parse("http://[::1]:80").unwrap(),
            parse("http://[::1]").unwrap()
        );
    }
}
