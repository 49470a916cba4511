//! The search query language, FTS5's (SPEC §10): words (implicitly AND-ed), `"phrases"`,
//! `prefix*`, `AND`, `OR`, `NOT` (binary: `a NOT b`), parentheses; precedence NOT, then AND,
//! then OR. agor parses it itself, so a malformed query is one clear error on both engines,
//! and writes it out for each: an FTS5 expression for SQLite, a `tsquery` for PostgreSQL.
//! Words are folded exactly as the indexed text is (see [`super::text`]).
//!
//! The parser is bounded (SPEC §2.2): a query is at most [`MAX_QUERY_BYTES`], nests
//! parentheses at most [`MAX_QUERY_DEPTH`] deep and holds at most [`MAX_QUERY_TERMS`] words,
//! so neither agor's recursion nor the engine's own parser (FTS5's stack holds about a hundred
//! entries) can be driven past its depth. Chains of one operator are kept flat (`a OR b OR c`
//! is one node, written without inner parentheses), so the tree and the expression the engine
//! reads are only as deep as the caller's parentheses.

use crate::error::{Error, Result};

use super::text;

/// The longest search query, in bytes of UTF-8.
pub const MAX_QUERY_BYTES: usize = 4096;
/// The deepest nesting of parentheses in a search query.
pub const MAX_QUERY_DEPTH: usize = 16;
/// The most words in a search query, counting every word of every phrase.
pub const MAX_QUERY_TERMS: usize = 64;

/// A parsed query.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Query {
    /// Consecutive words (one word is a phrase of one); the last may be a prefix.
    Phrase { words: Vec<String>, prefix: bool },
    /// Every part (two or more).
    And(Vec<Query>),
    /// Any part (two or more).
    Or(Vec<Query>),
    /// Matches `base` but none of `minus` (`a NOT b NOT c`).
    Not { base: Box<Query>, minus: Vec<Query> },
}

#[derive(Debug, Clone, PartialEq)]
enum Lexeme {
    Open,
    Close,
    And,
    Or,
    Not,
    /// A quoted phrase or a bare word, as written; `prefix` when a `*` follows.
    Text {
        raw: String,
        prefix: bool,
    },
}

fn invalid(reason: impl Into<String>) -> Error {
    Error::invalid("query", reason)
}

fn lex(q: &str) -> Result<Vec<Lexeme>> {
    let mut out = Vec::new();
    let mut chars = q.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' => {
                chars.next();
                out.push(Lexeme::Open);
            }
            ')' => {
                chars.next();
                out.push(Lexeme::Close);
            }
            '"' => {
                chars.next();
                let mut raw = String::new();
                loop {
                    match chars.next() {
                        // FTS5: "" inside a phrase is a literal quote.
                        Some('"') if chars.peek() == Some(&'"') => {
                            chars.next();
                            raw.push('"');
                        }
                        Some('"') => break,
                        Some(c) => raw.push(c),
                        None => {
                            return Err(invalid(format!("the phrase \"{raw} has no closing quote")))
                        }
                    }
                }
                let prefix = chars.peek() == Some(&'*');
                if prefix {
                    chars.next();
                }
                out.push(Lexeme::Text {
                    raw: format!("\"{raw}\""),
                    prefix,
                });
            }
            _ => {
                let mut raw = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || matches!(c, '(' | ')' | '"') {
                        break;
                    }
                    raw.push(c);
                    chars.next();
                }
                out.push(match raw.as_str() {
                    "AND" => Lexeme::And,
                    "OR" => Lexeme::Or,
                    "NOT" => Lexeme::Not,
                    _ => {
                        let prefix = raw.ends_with('*');
                        Lexeme::Text { raw, prefix }
                    }
                });
            }
        }
    }
    Ok(out)
}

struct Parser {
    lexemes: Vec<Lexeme>,
    at: usize,
    /// Parentheses open around the current position.
    depth: usize,
    /// Words read so far.
    terms: usize,
}

/// `parts` as one node of `join`, or the single part itself.
fn flat(mut parts: Vec<Query>, join: fn(Vec<Query>) -> Query) -> Query {
    if parts.len() == 1 {
        parts.pop().expect("one part")
    } else {
        join(parts)
    }
}

impl Parser {
    fn peek(&self) -> Option<&Lexeme> {
        self.lexemes.get(self.at)
    }

    fn or(&mut self) -> Result<Query> {
        let mut parts = vec![self.and()?];
        while self.peek() == Some(&Lexeme::Or) {
            self.at += 1;
            parts.push(self.operand("OR")?);
        }
        Ok(flat(parts, Query::Or))
    }

    fn and(&mut self) -> Result<Query> {
        let mut parts = vec![self.not()?];
        loop {
            match self.peek() {
                Some(Lexeme::And) => {
                    self.at += 1;
                    parts.push(self.operand_and()?);
                }
                // Two terms side by side: an implicit AND.
                Some(Lexeme::Text { .. } | Lexeme::Open) => parts.push(self.not()?),
                _ => return Ok(flat(parts, Query::And)),
            }
        }
    }

    fn operand_and(&mut self) -> Result<Query> {
        match self.peek() {
            Some(Lexeme::Text { .. } | Lexeme::Open) => self.not(),
            _ => Err(invalid("AND needs a term after it")),
        }
    }

    fn operand(&mut self, op: &str) -> Result<Query> {
        match self.peek() {
            Some(Lexeme::Text { .. } | Lexeme::Open) => {
                if op == "NOT" {
                    self.primary()
                } else {
                    self.and()
                }
            }
            _ => Err(invalid(format!("{op} needs a term after it"))),
        }
    }

    fn not(&mut self) -> Result<Query> {
        let base = self.primary()?;
        let mut minus = Vec::new();
        while self.peek() == Some(&Lexeme::Not) {
            self.at += 1;
            minus.push(self.operand("NOT")?);
        }
        Ok(if minus.is_empty() {
            base
        } else {
            Query::Not {
                base: Box::new(base),
                minus,
            }
        })
    }

    fn primary(&mut self) -> Result<Query> {
        let Some(next) = self.peek().cloned() else {
            return Err(invalid("the query ends where a term was expected"));
        };
        self.at += 1;
        match next {
            Lexeme::Open => {
                if self.peek() == Some(&Lexeme::Close) {
                    return Err(invalid("() holds no term"));
                }
                if self.depth == MAX_QUERY_DEPTH {
                    return Err(invalid(format!(
                        "the query nests parentheses deeper than the limit of {MAX_QUERY_DEPTH}"
                    )));
                }
                self.depth += 1;
                let q = self.or()?;
                self.depth -= 1;
                if self.peek() != Some(&Lexeme::Close) {
                    return Err(invalid("a ( has no matching )"));
                }
                self.at += 1;
                Ok(q)
            }
            Lexeme::Text { raw, prefix } => {
                let words: Vec<String> = text::tokens(&raw).into_iter().map(|t| t.word).collect();
                if words.is_empty() {
                    return Err(invalid(format!(
                        "{raw} has no letters or digits to search for"
                    )));
                }
                self.terms += words.len();
                if self.terms > MAX_QUERY_TERMS {
                    return Err(invalid(format!(
                        "the query has more words than the limit of {MAX_QUERY_TERMS}"
                    )));
                }
                Ok(Query::Phrase { words, prefix })
            }
            Lexeme::Close => Err(invalid("a ) has no matching (")),
            Lexeme::And | Lexeme::Or | Lexeme::Not => {
                let op = match next {
                    Lexeme::And => "AND",
                    Lexeme::Or => "OR",
                    _ => "NOT",
                };
                Err(invalid(format!("{op} needs a term before it")))
            }
        }
    }
}

/// Parses a query; `InvalidInput` naming the problem when it is malformed, empty or over one
/// of the bounds (length, depth, words), before any work that grows faster than its length.
pub(crate) fn parse(q: &str) -> Result<Query> {
    if q.len() > MAX_QUERY_BYTES {
        return Err(invalid(format!(
            "{} bytes is over the limit of {MAX_QUERY_BYTES} bytes",
            q.len()
        )));
    }
    let lexemes = lex(q)?;
    if lexemes.is_empty() {
        return Err(invalid("the query is empty; give a word to search for"));
    }
    let mut p = Parser {
        lexemes,
        at: 0,
        depth: 0,
        terms: 0,
    };
    let query = p.or()?;
    match p.peek() {
        None => Ok(query),
        Some(Lexeme::Close) => Err(invalid("a ) has no matching (")),
        Some(_) => Err(invalid("the query has a term out of place")),
    }
}

impl Query {
    /// The query as an FTS5 expression over words agor folded (each word quoted, so FTS5's
    /// own syntax never sees the caller's text).
    pub(crate) fn fts5(&self) -> String {
        match self {
            Query::Phrase { words, prefix } => {
                format!("\"{}\"{}", words.join(" "), if *prefix { " *" } else { "" })
            }
            Query::And(parts) => join(parts, " AND ", Query::fts5),
            Query::Or(parts) => join(parts, " OR ", Query::fts5),
            Query::Not { base, minus } => format!(
                "({} NOT {})",
                base.fts5(),
                minus
                    .iter()
                    .map(Query::fts5)
                    .collect::<Vec<_>>()
                    .join(" NOT ")
            ),
        }
    }

    /// The query as a PostgreSQL `tsquery` literal (words hold only letters and digits, so
    /// quoting them is enough).
    pub(crate) fn tsquery(&self) -> String {
        match self {
            Query::Phrase { words, prefix } => {
                let last = words.len() - 1;
                let parts: Vec<String> = words
                    .iter()
                    .enumerate()
                    .map(|(i, w)| format!("'{w}'{}", if *prefix && i == last { ":*" } else { "" }))
                    .collect();
                format!("({})", parts.join(" <-> "))
            }
            Query::And(parts) => join(parts, " & ", Query::tsquery),
            Query::Or(parts) => join(parts, " | ", Query::tsquery),
            Query::Not { base, minus } => format!(
                "({} & !{})",
                base.tsquery(),
                minus
                    .iter()
                    .map(Query::tsquery)
                    .collect::<Vec<_>>()
                    .join(" & !")
            ),
        }
    }

    /// Whether a folded word is one the query looks for (not under a NOT): for marking
    /// snippets.
    pub(crate) fn wants(&self, word: &str) -> bool {
        match self {
            Query::Phrase { words, prefix } => words.iter().enumerate().any(|(i, w)| {
                w == word || (*prefix && i == words.len() - 1 && word.starts_with(w.as_str()))
            }),
            Query::And(parts) | Query::Or(parts) => parts.iter().any(|p| p.wants(word)),
            Query::Not { base, .. } => base.wants(word),
        }
    }
}

/// `parts` written by `write`, joined by `op`, in one pair of parentheses.
fn join(parts: &[Query], op: &str, write: fn(&Query) -> String) -> String {
    let parts: Vec<String> = parts.iter().map(write).collect();
    format!("({})", parts.join(op))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fts5_forms() {
        for (q, fts5, tsq) in [
            ("token", "\"token\"", "('token')"),
            (
                "auth token",
                "(\"auth\" AND \"token\")",
                "(('auth') & ('token'))",
            ),
            ("\"auth token\"", "\"auth token\"", "('auth' <-> 'token')"),
            ("tok*", "\"tok\" *", "('tok':*)"),
            (
                "a OR b c",
                "(\"a\" OR (\"b\" AND \"c\"))",
                "(('a') | (('b') & ('c')))",
            ),
            ("a NOT b", "(\"a\" NOT \"b\")", "(('a') & !('b'))"),
            (
                "(a OR b) AND Café",
                "((\"a\" OR \"b\") AND \"cafe\")",
                "((('a') | ('b')) & ('cafe'))",
            ),
            ("auth-token", "\"auth token\"", "('auth' <-> 'token')"),
            ("東京", "\"東 京\"", "('東' <-> '京')"),
            (
                "and or not",
                "(\"and\" AND \"or\" AND \"not\")",
                "(('and') & ('or') & ('not'))",
            ),
            (
                "a NOT b NOT c OR d",
                "((\"a\" NOT \"b\" NOT \"c\") OR \"d\")",
                "((('a') & !('b') & !('c')) | ('d'))",
            ),
        ] {
            let parsed = parse(q).unwrap();
            assert_eq!(parsed.fts5(), fts5, "{q}");
            assert_eq!(parsed.tsquery(), tsq, "{q}");
        }
    }

    #[test]
    fn malformed_queries_name_the_problem() {
        for (q, needle) in [
            ("", "empty"),
            ("   ", "empty"),
            ("\"unclosed", "no closing quote"),
            ("(a OR b", "no matching )"),
            ("a)", "no matching ("),
            ("AND a", "AND needs a term before it"),
            ("a OR", "OR needs a term after it"),
            ("a NOT", "NOT needs a term after it"),
            ("a AND", "AND needs a term after it"),
            ("()", "holds no term"),
            ("!!!", "no letters or digits"),
        ] {
            let e = parse(q).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::InvalidInput, "{q}");
            assert!(e.to_string().contains(needle), "{q}: {e}");
        }
    }

    // issue 19 item 1: nesting, word count and length are bounded before any deep work, so a
    // query nested thousands deep is refused without recursing (it aborted the process).
    #[test]
    fn queries_are_bounded() {
        let nested = |n: usize| format!("{}a{}", "(".repeat(n), ")".repeat(n));
        assert!(parse(&nested(MAX_QUERY_DEPTH)).is_ok());
        for q in [nested(MAX_QUERY_DEPTH + 1), nested(20_000)] {
            let e = parse(&q).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::InvalidInput);
            if q.len() <= MAX_QUERY_BYTES {
                assert!(e.to_string().contains(&MAX_QUERY_DEPTH.to_string()), "{e}");
            }
        }
        let chain = |n: usize, op: &str| vec!["w"; n].join(op);
        for op in [" AND ", " OR ", " NOT ", " "] {
            let ok = parse(&chain(MAX_QUERY_TERMS, op)).unwrap();
            // Flat: one node however long the chain, so the engine's parser sees no depth.
            assert!(!ok.fts5().contains("(("), "{op}: {}", ok.fts5());
            let e = parse(&chain(MAX_QUERY_TERMS + 1, op)).unwrap_err();
            assert!(e.to_string().contains(&MAX_QUERY_TERMS.to_string()), "{e}");
        }
        let e = parse(&"w ".repeat(MAX_QUERY_BYTES)).unwrap_err();
        assert!(e.to_string().contains(&MAX_QUERY_BYTES.to_string()), "{e}");
    }

    #[test]
    fn snippets_mark_wanted_words_only() {
        let q = parse("auth* NOT legacy").unwrap();
        assert!(q.wants("authorization") && q.wants("auth"));
        assert!(!q.wants("legacy") && !q.wants("au"));
    }
}
