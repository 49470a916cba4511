//! Words as search sees them, the same on both engines: agor splits text into tokens itself
//! (letters and digits, case and accents folded, each Chinese or Japanese character a token of
//! its own, since those scripts put no spaces between words) and hands the engines ready
//! tokens. So `café` finds `Cafe`, `東京` finds `東京タワー`, and SQLite's FTS5 and
//! PostgreSQL's tsvector agree on what a word is whatever their own parsers and locales say.

use std::ops::Range;

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Tokens longer than this many characters are cut (PostgreSQL refuses lexemes over 2 KB;
/// nobody searches for a 100-letter word).
const MAX_TOKEN_CHARS: usize = 100;

/// One word of a text: its folded form and where it is in the original.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    pub word: String,
    pub at: Range<usize>,
}

/// Han ideographs and the kana: scripts written without spaces between words.
fn unspaced(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x31F0..=0x31FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xF900..=0xFAFF | 0xFF66..=0xFF9F | 0x20000..=0x2FA1F)
}

/// `c` folded: compatibility-decomposed, accents dropped, lower case.
fn fold(c: char, into: &mut String) {
    for d in std::iter::once(c).nfkd().filter(|d| !is_combining_mark(*d)) {
        into.extend(d.to_lowercase());
    }
}

/// The tokens of `text`, in order.
pub(crate) fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut start = 0;
    let mut chars = 0;
    let flush = |word: &mut String, start: usize, end: usize, out: &mut Vec<Token>| {
        if !word.is_empty() {
            out.push(Token {
                word: std::mem::take(word),
                at: start..end,
            });
        }
    };
    for (i, c) in text.char_indices() {
        if unspaced(c) {
            flush(&mut word, start, i, &mut out);
            let mut w = String::new();
            fold(c, &mut w);
            out.push(Token {
                word: w,
                at: i..i + c.len_utf8(),
            });
            chars = 0;
        } else if c.is_alphanumeric() {
            if word.is_empty() {
                start = i;
                chars = 0;
            }
            if chars < MAX_TOKEN_CHARS {
                fold(c, &mut word);
            }
            chars += 1;
        } else {
            flush(&mut word, start, i, &mut out);
        }
    }
    flush(&mut word, start, text.len(), &mut out);
    out
}

/// The folded words of `text`, space-separated: what SQLite's index is given.
pub(crate) fn words(text: &str) -> String {
    let words: Vec<String> = tokens(text).into_iter().map(|t| t.word).collect();
    words.join(" ")
}

/// `text` as a PostgreSQL `tsvector` literal with positions (`'a':1 'b':2`), so phrases work
/// and the server's parser (which depends on its locale) is never involved. Tokens hold only
/// letters and digits, so they need no escaping.
pub(crate) fn tsvector(text: &str) -> String {
    let parts: Vec<String> = tokens(text)
        .into_iter()
        .enumerate()
        // Positions above 16383 are clamped by the server anyway.
        .map(|(i, t)| format!("'{}':{}", t.word, (i + 1).min(16383)))
        .collect();
    parts.join(" ")
}

/// A short piece of `text` around the first word that `matches`, with matched words wrapped
/// in `**`; `None` when no word matches.
pub(crate) fn snippet(text: &str, matches: impl Fn(&str) -> bool) -> Option<String> {
    const BEFORE: usize = 6;
    const AFTER: usize = 12;
    let tokens = tokens(text);
    let first = tokens.iter().position(|t| matches(&t.word))?;
    let from = first.saturating_sub(BEFORE);
    let to = (first + AFTER).min(tokens.len());
    let (start, end) = (tokens[from].at.start, tokens[to - 1].at.end);
    let mut out = String::new();
    if from > 0 {
        out.push('…');
    }
    let mut at = start;
    for t in &tokens[from..to] {
        let gap = &text[at..t.at.start];
        if matches(&t.word) {
            // A match right after a match (`東京`) is one marked run, not two.
            if gap.is_empty() && out.ends_with("**") && at > start {
                out.truncate(out.len() - 2);
                out.push_str(&text[t.at.clone()]);
                out.push_str("**");
                at = t.at.end;
                continue;
            }
            out.push_str(gap);
            out.push_str("**");
            out.push_str(&text[t.at.clone()]);
            out.push_str("**");
        } else {
            out.push_str(gap);
            out.push_str(&text[t.at.clone()]);
        }
        at = t.at.end;
    }
    debug_assert_eq!(at, end);
    if to < tokens.len() {
        out.push('…');
    }
    // Line breaks would split a one-line listing.
    Some(out.replace(['\n', '\r'], " "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words_of(s: &str) -> Vec<String> {
        tokens(s).into_iter().map(|t| t.word).collect()
    }

    #[test]
    fn folding_case_accents_and_unspaced_scripts() {
        assert_eq!(
            words_of("Café au LAIT, naïve!"),
            ["cafe", "au", "lait", "naive"]
        );
        assert_eq!(words_of("東京タワー"), ["東", "京", "タ", "ワ", "ー"]);
        assert_eq!(
            words_of("auth-token v2_final"),
            ["auth", "token", "v2", "final"]
        );
        assert_eq!(words_of("ＡＢＣ１２"), ["abc12"]);
        assert!(words_of("  -- !! ").is_empty());
        let long = "x".repeat(500);
        assert_eq!(words_of(&long)[0].len(), MAX_TOKEN_CHARS);
    }

    #[test]
    fn ranges_point_into_the_original() {
        let s = "Über den Fluß";
        for t in tokens(s) {
            assert!(!s[t.at.clone()].is_empty());
        }
        assert_eq!(tsvector("a b a"), "'a':1 'b':2 'a':3");
    }

    #[test]
    fn snippets_mark_matches_and_cut_long_texts() {
        let text = "one two three four five six seven eight nine ten eleven twelve thirteen \
                    fourteen fifteen sixteen seventeen eighteen nineteen twenty token twentyone";
        let s = snippet(text, |w| w == "token").unwrap();
        assert!(s.starts_with('…') && s.contains("**token**"), "{s}");
        assert_eq!(
            snippet("Der Fluß", |w| w == "fluß").unwrap(),
            "Der **Fluß**"
        );
        assert_eq!(
            snippet("line\nbreak", |w| w == "break").unwrap(),
            "line **break**"
        );
        assert_eq!(
            snippet("東京タワー", |w| w == "東" || w == "京").unwrap(),
            "**東京**タワー"
        );
        assert_eq!(snippet("nothing here", |w| w == "token"), None);
    }
}
