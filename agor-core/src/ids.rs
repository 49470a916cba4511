//! Validation of caller-supplied names and content (pure; resolving ids by prefix, which reads
//! the database, is in `prefixes.rs`). Every front end reaches these through the core, so the
//! rules are the same everywhere.

use crate::error::{Error, Result};
use crate::text::{self, MAX_CONTENT_BYTES, MAX_ID_LEN};

/// Checks an agent id: 1–64 characters of `[A-Za-z0-9_-]`.
pub fn validate_agent_id(id: &str) -> Result<()> {
    validate_token("agent id", id)
}

pub(crate) fn validate_token(field: &'static str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    if value.len() > MAX_ID_LEN {
        return Err(Error::invalid(
            field,
            format!(
                "'{}…' is longer than {MAX_ID_LEN} characters",
                value.chars().take(16).collect::<String>()
            ),
        ));
    }
    if let Some(bad) = value
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))
    {
        return Err(Error::invalid(
            field,
            format!("'{value}' contains {bad:?}; only letters, digits, '_' and '-' are allowed"),
        ));
    }
    Ok(())
}

/// Checks a message, post or comment body: not blank (see [`crate::is_blank`]), at most
/// [`MAX_CONTENT_BYTES`].
pub fn validate_content(content: &str) -> Result<()> {
    text::require_not_blank("content", content)?;
    if content.len() > MAX_CONTENT_BYTES {
        return Err(Error::invalid(
            "content",
            format!(
                "{} bytes is over the limit of {MAX_CONTENT_BYTES} bytes; put large payloads in a file and send its path",
                content.len()
            ),
        ));
    }
    Ok(())
}

/// Checks a free-text label such as an agent's display name: not blank, at most `max` bytes.
pub(crate) fn validate_label(field: &'static str, value: &str, max: usize) -> Result<()> {
    text::label(field, value, max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_ids() {
        assert!(validate_agent_id("mgr-1").is_ok());
        assert!(validate_agent_id("A_b-9").is_ok());
        assert!(validate_agent_id(&"x".repeat(64)).is_ok());
        for bad in ["", "a b", "a/b", "é", "a.b", "a;drop"] {
            assert!(validate_agent_id(bad).is_err(), "{bad:?} accepted");
        }
        assert!(validate_agent_id(&"x".repeat(65)).is_err());
    }

    #[test]
    fn content_limits() {
        assert!(validate_content("hi").is_ok());
        assert!(validate_content("  \n\t").is_err());
        assert!(validate_content("\0\u{200B}\u{FEFF}").is_err());
        assert!(validate_content(&"a".repeat(MAX_CONTENT_BYTES)).is_ok());
        assert!(validate_content(&"a".repeat(MAX_CONTENT_BYTES + 1)).is_err());
    }
}
