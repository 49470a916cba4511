//! The rules for caller-supplied text: one cap per field, all here, and one notion of blank.
//! Pure functions; the core calls them at every validation point, so every surface agrees.
//!
//! Caps are in bytes of UTF-8 (what the file stores, and what a C caller can count), not in
//! characters. Identifiers (agent ids, roles, groups, channel names, tags) are ASCII tokens of
//! at most [`MAX_ID_LEN`]; see `ids.rs`.

use crate::error::{Error, Result};

/// Largest message, post or comment body (256 KiB). Larger payloads belong in a file
/// referenced from the message.
pub const MAX_CONTENT_BYTES: usize = 256 * 1024;
/// Longest agent id, role, group, channel name or tag (ASCII characters).
pub const MAX_ID_LEN: usize = 64;
/// Longest agent display name.
pub const MAX_NAME_BYTES: usize = 256;
/// Longest agent model name.
pub const MAX_MODEL_BYTES: usize = 256;
/// Longest agent working directory (Linux's `PATH_MAX`).
pub const MAX_CWD_BYTES: usize = 4096;
/// Longest task title.
pub const MAX_TITLE_BYTES: usize = 1024;
/// Longest task description.
pub const MAX_DESCRIPTION_BYTES: usize = 64 * 1024;
/// Longest definition of done.
pub const MAX_DEFINITION_OF_DONE_BYTES: usize = 16 * 1024;
/// Most tags on one task.
pub const MAX_TAGS: usize = 32;
/// Longest completion summary (one line).
pub const MAX_SUMMARY_BYTES: usize = 1024;
/// Longest artifact reference (`file:…`, `msg:…`) of a completion.
pub const MAX_ARTIFACT_BYTES: usize = 1024;
/// Most artifacts on one completion.
pub const MAX_ARTIFACTS: usize = 100;
/// Longest completion `result_ref`.
pub const MAX_RESULT_REF_BYTES: usize = 1024;
/// Longest completion `next` note.
pub const MAX_NEXT_BYTES: usize = 4096;
/// Longest session id given to `ack`.
pub const MAX_SESSION_ID_BYTES: usize = 256;

/// True when `text` shows nothing: empty, or only whitespace, control characters (NUL, …) and
/// invisible format characters (zero-width space/joiners, word joiner, BOM, bidi controls,
/// variation selectors, fillers). Every "must not be blank" check in agor uses this.
pub fn is_blank(text: &str) -> bool {
    text.chars().all(is_invisible)
}

/// A character that renders as nothing on its own.
fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(
            c,
            '\u{00AD}'                       // soft hyphen
            | '\u{034F}'                     // combining grapheme joiner
            | '\u{061C}'                     // Arabic letter mark
            | '\u{115F}' | '\u{1160}'        // Hangul fillers
            | '\u{17B4}' | '\u{17B5}'        // Khmer inherent vowels
            | '\u{180B}'..='\u{180F}'        // Mongolian variation selectors, vowel separator
            | '\u{200B}'..='\u{200F}'        // zero-width space, ZWNJ, ZWJ, LRM, RLM
            | '\u{202A}'..='\u{202E}'        // bidi embeddings and overrides
            | '\u{2060}'..='\u{206F}'        // word joiner, invisible operators, bidi isolates
            | '\u{2800}'                     // braille blank
            | '\u{3164}' | '\u{FFA0}'        // Hangul fillers
            | '\u{FE00}'..='\u{FE0F}'        // variation selectors
            | '\u{FEFF}'                     // zero-width no-break space (BOM)
            | '\u{FFF9}'..='\u{FFFB}'        // interlinear annotation controls
            | '\u{1BCA0}'..='\u{1BCA3}'      // shorthand format controls
            | '\u{1D173}'..='\u{1D17A}'      // musical formatting controls
            | '\u{E0000}'..='\u{E007F}'      // tag characters
            | '\u{E0100}'..='\u{E01EF}' // variation selectors supplement
        )
}

/// Refuses blank `value` for `field`.
pub(crate) fn require_not_blank(field: &'static str, value: &str) -> Result<()> {
    if is_blank(value) {
        return Err(Error::invalid(
            field,
            "must not be empty, whitespace or invisible characters only",
        ));
    }
    Ok(())
}

/// Refuses `value` longer than `max` bytes of UTF-8.
pub(crate) fn cap(field: &'static str, value: &str, max: usize) -> Result<()> {
    if value.len() > max {
        return Err(Error::invalid(
            field,
            format!("{} bytes is over the limit of {max} bytes", value.len()),
        ));
    }
    Ok(())
}

/// [`cap`] for an optional field.
pub(crate) fn cap_optional(field: &'static str, value: Option<&str>, max: usize) -> Result<()> {
    value.map_or(Ok(()), |v| cap(field, v, max))
}

/// Refuses a list of more than `max` items.
pub(crate) fn cap_count<T>(field: &'static str, items: &[T], max: usize) -> Result<()> {
    if items.len() > max {
        return Err(Error::invalid(
            field,
            format!("{} items is over the limit of {max}", items.len()),
        ));
    }
    Ok(())
}

/// A required label (a name, a title, a summary): not blank, at most `max` bytes.
pub(crate) fn label(field: &'static str, value: &str, max: usize) -> Result<()> {
    require_not_blank(field, value)?;
    cap(field, value, max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_is_whatever_shows_nothing() {
        let blank = [
            "",
            " ",
            "\n\t\r",
            "\0",
            "\0\0\0",
            "\u{200B}",
            "\u{200C}\u{200D}",
            "\u{2060}",
            "\u{FEFF}",
            " \u{200B}\0\u{FEFF}\n",
            "\u{202E}",
            "\u{2066}\u{2069}",
            "\u{00AD}",
            "\u{3000}",
            "\u{00A0}",
            "\u{1B}",
            "\u{FE0F}",
            "\u{E0041}",
            "\u{3164}",
        ];
        for s in blank {
            assert!(is_blank(s), "{s:?} should be blank");
            assert!(require_not_blank("content", s).is_err(), "{s:?}");
        }
        let visible = [
            "a",
            " a ",
            "\0x",
            "\u{200B}a",
            "😀",
            "中",
            "é",
            "-",
            "\u{0600}", // Arabic number sign: a format character with a glyph
        ];
        for s in visible {
            assert!(!is_blank(s), "{s:?} should not be blank");
        }
    }

    #[test]
    fn caps_just_under_at_and_over() {
        let fields: &[(&str, usize)] = &[
            ("content", MAX_CONTENT_BYTES),
            ("name", MAX_NAME_BYTES),
            ("model", MAX_MODEL_BYTES),
            ("cwd", MAX_CWD_BYTES),
            ("title", MAX_TITLE_BYTES),
            ("description", MAX_DESCRIPTION_BYTES),
            ("definition of done", MAX_DEFINITION_OF_DONE_BYTES),
            ("summary", MAX_SUMMARY_BYTES),
            ("artifact", MAX_ARTIFACT_BYTES),
            ("result_ref", MAX_RESULT_REF_BYTES),
            ("next", MAX_NEXT_BYTES),
            ("session id", MAX_SESSION_ID_BYTES),
        ];
        for &(field, max) in fields {
            let field: &'static str = Box::leak(field.to_owned().into_boxed_str());
            assert!(cap(field, &"x".repeat(max - 1), max).is_ok(), "{field}");
            assert!(cap(field, &"x".repeat(max), max).is_ok(), "{field}");
            let e = cap(field, &"x".repeat(max + 1), max)
                .unwrap_err()
                .to_string();
            assert!(e.contains(field) && e.contains(&max.to_string()), "{e}");
            // Bytes, not characters: a 2-byte character at the edge tips it over.
            assert!(cap(field, &format!("{}é", "x".repeat(max - 1)), max).is_err());
        }
        for (field, max) in [("tags", MAX_TAGS), ("artifacts", MAX_ARTIFACTS)] {
            assert!(cap_count(field, &vec![(); max - 1], max).is_ok());
            assert!(cap_count(field, &vec![(); max], max).is_ok());
            assert!(cap_count(field, &vec![(); max + 1], max).is_err());
        }
    }

    #[test]
    fn labels_need_both_rules() {
        assert!(label("title", "ship it", MAX_TITLE_BYTES).is_ok());
        assert!(label("title", "\u{200B}\u{200B}", MAX_TITLE_BYTES).is_err());
        assert!(label("title", &"x".repeat(MAX_TITLE_BYTES + 1), MAX_TITLE_BYTES).is_err());
        assert!(cap_optional("next", None, 1).is_ok());
        assert!(cap_optional("next", Some("ab"), 1).is_err());
    }
}
