//! The search query language, FTS5's (SPEC §10): words (implicitly AND-ed), `"phrases"`,
//! `prefix*`, `AND`, `OR`, `NOT` (binary: `a NOT b`), parentheses; precedence NOT, then AND,
//! then OR. agor parses it itself, so a malformed query is one clear error on both engines,
//! and writes it out for each: an FTS5 expression for SQLite, a `tsquery` for PostgreSQL.
//! Words are folded exactly as the indexed text is (see [`super::text`]).

use crate::error::{Error, Result};

use super::text;

/// A parsed query.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Query {
    /// Consecutive words (one word is a phrase of one); the last may be a prefix.
    Phrase {
        words: Vec<String>,
        prefix: bool,
    },
    And(Box<Query>, Box<Query>),
    Or(Box<Query>, Box<Query>),
    /// Matches the left side but not the right.
    Not(Box<Query>, Box<Query>),
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
}

impl Parser {
    fn peek(&self) -> Option<&Lexeme> {
        self.lexemes.get(self.at)
    }

    fn or(&mut self) -> Result<Query> {
        let mut q = self.and()?;
        while self.peek() == Some(&Lexeme::Or) {
            self.at += 1;
            let right = self.operand("OR")?;
            q = Query::Or(Box::new(q), Box::new(right));
        }
        Ok(q)
    }

    fn and(&mut self) -> Result<Query> {
        let mut q = self.not()?;
        loop {
            match self.peek() {
                Some(Lexeme::And) => {
                    self.at += 1;
                    let right = self.operand_and()?;
                    q = Query::And(Box::new(q), Box::new(right));
                }
                // Two terms side by side: an implicit AND.
                Some(Lexeme::Text { .. } | Lexeme::Open) => {
                    let right = self.not()?;
                    q = Query::And(Box::new(q), Box::new(right));
                }
                _ => return Ok(q),
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
        let mut q = self.primary()?;
        while self.peek() == Some(&Lexeme::Not) {
            self.at += 1;
            let right = self.operand("NOT")?;
            q = Query::Not(Box::new(q), Box::new(right));
        }
        Ok(q)
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
                let q = self.or()?;
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

/// Parses a query; `InvalidInput` naming the problem when it is malformed or empty.
pub(crate) fn parse(q: &str) -> Result<Query> {
    let lexemes = lex(q)?;
    if lexemes.is_empty() {
        return Err(invalid("the query is empty; give a word to search for"));
    }
    let mut p = Parser { lexemes, at: 0 };
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
            Query::And(a, b) => format!("({} AND {})", a.fts5(), b.fts5()),
            Query::Or(a, b) => format!("({} OR {})", a.fts5(), b.fts5()),
            Query::Not(a, b) => format!("({} NOT {})", a.fts5(), b.fts5()),
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
            Query::And(a, b) => format!("({} & {})", a.tsquery(), b.tsquery()),
            Query::Or(a, b) => format!("({} | {})", a.tsquery(), b.tsquery()),
            Query::Not(a, b) => format!("({} & !{})", a.tsquery(), b.tsquery()),
        }
    }

    /// Whether a folded word is one the query looks for (not under a NOT): for marking
    /// snippets.
    pub(crate) fn wants(&self, word: &str) -> bool {
        match self {
            Query::Phrase { words, prefix } => words.iter().enumerate().any(|(i, w)| {
                w == word || (*prefix && i == words.len() - 1 && word.starts_with(w.as_str()))
            }),
            Query::And(a, b) | Query::Or(a, b) => a.wants(word) || b.wants(word),
            Query::Not(a, _) => a.wants(word),
        }
    }
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
                "((\"and\" AND \"or\") AND \"not\")",
                "((('and') & ('or')) & ('not'))",
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

    #[test]
    fn snippets_mark_wanted_words_only() {
        let q = parse("auth* NOT legacy").unwrap();
        assert!(q.wants("authorization") && q.wants("auth"));
        assert!(!q.wants("legacy") && !q.wants("au"));
    }
}
