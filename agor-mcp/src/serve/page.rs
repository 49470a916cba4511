//! The page at `/`: HTML, CSS and JS built into the binary from `agor-mcp/web/` (nothing is
//! fetched from anywhere else), served with a content security policy that runs only these
//! scripts: what the page shows is data, set as text, never markup. The scripts are small
//! files, one per view, served as one `/app.js` in the order each needs the ones before.

use axum::http::header;
use axum::response::{IntoResponse, Response};

const INDEX: &str = include_str!("../../web/index.html");
const SCRIPT: &str = concat!(
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
);
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
    asset("text/javascript; charset=utf-8", SCRIPT)
}

pub(crate) async fn style() -> Response {
    asset("text/css; charset=utf-8", STYLE)
}
