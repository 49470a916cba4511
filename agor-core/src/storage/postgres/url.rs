//! PostgreSQL URLs: recognising one, showing it without its password, connecting with a
//! clear error for each way that fails.

use std::time::Duration;

use postgres::error::SqlState;
use postgres::{Client, Config, NoTls};

use crate::error::{Error, Result, StorageError};

/// The connection string with every password replaced by `***`: the one function through
/// which agor shows a PostgreSQL URL (`Store::path`, `repr(store)`, every error). It reads the
/// user info as the driver does, up to the `@` before the host, so a password holding `/`, `?`
/// or `@` unencoded is hidden whole; `password=` parameters (URL query or libpq key=value
/// form, quoted or not) are hidden too; and any text left that still holds a password (in
/// clear or percent-decoded) has it replaced, whatever shape the string had.
pub(crate) fn redact(url: &str) -> String {
    let shaped = match url.split_once("://") {
        Some((scheme, rest)) => {
            let (user_info, after) = split_user_info(rest);
            let user_info = match user_info.map(|u| u.split_once(':')) {
                Some(Some((user, _))) => format!("{user}:***@"),
                Some(None) => format!("{}@", user_info.unwrap_or_default()),
                None => String::new(),
            };
            format!("{scheme}://{user_info}{}", hide_password_values(after))
        }
        None => hide_password_values(url),
    };
    scrub(&shaped, url)
}

/// `text` with every password `url` holds (as written and percent-decoded) replaced by `***`:
/// for messages that quote what the driver or the server said about a connection.
pub(crate) fn scrub(text: &str, url: &str) -> String {
    let mut out = text.to_owned();
    let mut secrets = passwords(url);
    // Longest first, so a password that contains another is hidden whole.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    for secret in secrets.iter().filter(|s| s.len() >= 3) {
        out = out.replace(secret.as_str(), "***");
    }
    out
}

/// The user info of a URL's rest (after `scheme://`), if any, and what follows it. A password
/// may hold `/`, `?` and `@` unencoded, so the user info runs to the last `@` before the query
/// (the last `?` followed only by `key=value` pairs).
fn split_user_info(rest: &str) -> (Option<&str>, &str) {
    let is_query = |q: &str| {
        q.split('&').all(|kv| {
            kv.split_once('=').is_some_and(|(k, _)| {
                !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            })
        })
    };
    let query_at = rest
        .rmatch_indices('?')
        .map(|(i, _)| i)
        .find(|&i| is_query(&rest[i + 1..]))
        .unwrap_or(rest.len());
    match rest[..query_at].rfind('@') {
        Some(at) => (Some(&rest[..at]), &rest[at + 1..]),
        None => (None, rest),
    }
}

/// Where each `password=` value of `text` lies: a query parameter's runs to the next `&`, a
/// key=value one to the next space, or is a '…' quoted string.
fn password_values(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find("password=") {
        let start = from + i + "password=".len();
        let rest = &text[start..];
        let len = if let Some(quoted) = rest.strip_prefix('\'') {
            let mut end = quoted.len();
            let mut chars = quoted.char_indices();
            while let Some((j, c)) = chars.next() {
                match c {
                    '\\' => {
                        chars.next();
                    }
                    '\'' => {
                        end = j + 1;
                        break;
                    }
                    _ => {}
                }
            }
            1 + end
        } else {
            rest.find(['&', ' ', '\t', '\n', '#']).unwrap_or(rest.len())
        };
        out.push(start..start + len);
        from = start + len;
    }
    out
}

fn hide_password_values(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for r in password_values(text) {
        out.push_str(&text[at..r.start]);
        out.push_str("***");
        at = r.end;
    }
    out.push_str(&text[at..]);
    out
}

/// Every password a connection string holds, as written and percent-decoded.
fn passwords(url: &str) -> Vec<String> {
    let mut found: Vec<String> = password_values(url)
        .into_iter()
        .map(|r| url[r].trim_matches('\'').to_owned())
        .collect();
    if let Some((_, rest)) = url.split_once("://") {
        if let (Some(user_info), _) = split_user_info(rest) {
            found.extend(user_info.split_once(':').map(|(_, p)| p.to_owned()));
        }
    }
    let decoded: Vec<String> = found.iter().map(|p| percent_decoded(p)).collect();
    found.extend(decoded);
    found
}

fn percent_decoded(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| char::from(c).to_digit(16);
        match (
            b[i],
            b.get(i + 1).copied().and_then(hex),
            b.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What went wrong, in the server's words where it answered: its message, detail, hint and
/// SQLSTATE (the driver's own text for those is only "db error"), else the driver's error
/// with its causes.
pub(crate) fn describe(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let mut text = format!("{}: {}", db.severity(), db.message());
        if let Some(detail) = db.detail() {
            text.push_str(&format!("; detail: {detail}"));
        }
        if let Some(hint) = db.hint() {
            text.push_str(&format!("; hint: {hint}"));
        }
        text.push_str(&format!(" (SQLSTATE {})", db.code().code()));
        return text;
    }
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        text.push_str(&format!(": {c}"));
        cause = c.source();
    }
    text
}

/// Connects; an unreachable server, refused credentials and a missing database each get
/// an error that says so. Lock waits (the write lock) give up after `busy_timeout`.
pub(super) fn connect(url: &str, shown: &str, busy_timeout: Duration) -> Result<Client> {
    let mut config: Config = url.parse().map_err(|e: postgres::Error| {
        let why = scrub(&describe(&e), url);
        Error::invalid(
            "url",
            format!("{shown} is not a valid PostgreSQL URL: {why}"),
        )
    })?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    if config.get_application_name().is_none() {
        config.application_name("agor");
    }
    let mut client = config.connect(NoTls).map_err(|e| {
        let why = match e.code() {
            Some(c) if *c == SqlState::INVALID_PASSWORD => {
                "the server refused the credentials (wrong user or password)".to_owned()
            }
            Some(c) if *c == SqlState::INVALID_AUTHORIZATION_SPECIFICATION => {
                "the server refused this user (check pg_hba.conf and the user name)".to_owned()
            }
            Some(c) if *c == SqlState::INVALID_CATALOG_NAME => {
                "the database does not exist (create it first: createdb NAME)".to_owned()
            }
            Some(_) => describe(&e),
            None => format!("the server cannot be reached ({})", describe(&e)),
        };
        Error::Storage(StorageError::new(scrub(
            &format!("cannot connect to {shown}: {why}"),
            url,
        )))
    })?;
    // Whole milliseconds, at least one: 0 would mean "wait forever".
    let ms = busy_timeout.as_millis().clamp(1, i32::MAX as u128);
    client
        .batch_execute(&format!("SET lock_timeout = {ms}"))
        .map_err(storage_error)?;
    Ok(client)
}

/// The driver's error as agor's, with the server's own text (message, detail, SQLSTATE).
pub(crate) fn storage_error(e: postgres::Error) -> Error {
    Error::Storage(StorageError::from_engine_with(describe(&e), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show() {
        assert_eq!(
            redact("postgresql://agor:s3cret@db.example:5432/team?sslmode=disable"),
            "postgresql://agor:***@db.example:5432/team?sslmode=disable"
        );
        assert_eq!(
            redact("postgres://agor@localhost/team?host=/tmp/pg&password=s3cret"),
            "postgres://agor@localhost/team?host=/tmp/pg&password=***"
        );
        assert_eq!(redact("postgresql:///team"), "postgresql:///team");
        // issue 19 item 10: a password holding `/`, `?` or `@`, encoded or not, in the user
        // info, a query parameter or the key=value form, never shows.
        for (url, shown) in [
            (
                "postgresql://agor:pa/ss?w@db:5432/team?sslmode=disable",
                "postgresql://agor:***@db:5432/team?sslmode=disable",
            ),
            (
                "postgresql://agor:p@ss/w?rd@db/team",
                "postgresql://agor:***@db/team",
            ),
            (
                "postgresql://agor:pa%2Fss%3Fw@db/team",
                "postgresql://agor:***@db/team",
            ),
            (
                "postgresql://agor@db/team?password=pa/ss?w&sslmode=disable",
                "postgresql://agor@db/team?password=***&sslmode=disable",
            ),
            (
                "host=/tmp/pg user=agor password='pa/ss? w' dbname=team",
                "host=/tmp/pg user=agor password=*** dbname=team",
            ),
            (
                "host=/tmp/pg password=pa/ss?w dbname=team",
                "host=/tmp/pg password=*** dbname=team",
            ),
        ] {
            assert_eq!(redact(url), shown, "{url}");
        }
        let said = "password authentication failed for pa/ss?w (decoded: pa/ss?w)";
        let url = "postgresql://agor:pa%2Fss%3Fw@db/team";
        assert!(!scrub(said, url).contains("pa/ss"), "{}", scrub(said, url));
        let is_url = crate::storage::is_postgres_url;
        assert!(is_url("postgres://x") && is_url("postgresql://x") && !is_url("/tmp/x.db"));
    }
}
