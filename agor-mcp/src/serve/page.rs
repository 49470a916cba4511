//! The page at `/`: HTML, CSS and JS built into the binary from `agor-mcp/web/` (nothing is
//! fetched from anywhere else), served with a content security policy that runs only these
//! scripts: what the page shows is data, set as text, never markup. The scripts are small
//! files, one per view, served as one `/app.js` in the order each needs the ones before.

use std::sync::LazyLock;

use axum::http::header;
use axum::response::{IntoResponse, Response};

const INDEX: &str = include_str!("../../web/index.html");
/// The page's scripts in the order each needs the ones before it (`core` first, `main`
/// last), each ending its last line.
const SCRIPTS: [&str; 10] = [
    include_str!("../../web/js/core.js"),
    include_str!("../../web/js/board.js"),
    include_str!("../../web/js/details.js"),
    include_str!("../../web/js/team.js"),
    include_str!("../../web/js/messages.js"),
    include_str!("../../web/js/waiting.js"),
    include_str!("../../web/js/charts.js"),
    include_str!("../../web/js/usage.js"),
    include_str!("../../web/js/search.js"),
    include_str!("../../web/js/main.js"),
];
/// `/app.js`: the scripts as one file, joined once.
static SCRIPT: LazyLock<String> = LazyLock::new(|| SCRIPTS.concat());
const STYLE: &str = include_str!("../../web/app.css");

/// Only the page's own files; no inline script, no framing by another site.
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
                      connect-src 'self'; img-src 'self'; form-action 'self'; \
                      base-uri 'none'; frame-ancestors 'none'";

fn asset(content_type: &'static str, text: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_SECURITY_POLICY, POLICY),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        text,
    )
        .into_response()
}

pub(crate) async fn index() -> Response {
    asset("text/html; charset=utf-8", INDEX)
}

pub(crate) async fn script() -> Response {
    asset("text/javascript; charset=utf-8", SCRIPT.as_str())
}

pub(crate) async fn style() -> Response {
    asset("text/css; charset=utf-8", STYLE)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The page sets data as text: none of its scripts reaches for a way to parse a string
    /// as markup or code (the browser tests check the same from outside, with payloads).
    #[test]
    fn the_scripts_never_parse_data_as_markup() {
        for sink in [
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
            "eval(",
            "new Function",
            "createContextualFragment",
        ] {
            assert!(!SCRIPT.contains(sink), "the page's scripts use {sink}");
        }
    }

    /// Each script ends its last line, so joined they stay separate statements.
    #[test]
    fn every_script_ends_its_last_line() {
        for script in SCRIPTS {
            let first = script.lines().next().unwrap_or_default();
            assert!(
                script.ends_with(";\n") || script.ends_with("}\n"),
                "{first}"
            );
        }
        assert!(INDEX.contains("/app.js") && STYLE.contains("prefers-color-scheme"));
    }
}
