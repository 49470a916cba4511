//! PostgreSQL URLs: recognising one, showing it without its password, connecting with a
//! clear error for each way that fails.

use std::time::Duration;

use postgres::error::SqlState;
use postgres::{Client, Config, NoTls};

use crate::error::{Error, Result, StorageError};

/// Whether a `--db`/`AGOR_DB`/path value names a PostgreSQL database rather than a file.
pub(crate) fn is_url(s: &str) -> bool {
    s.starts_with("postgresql://") || s.starts_with("postgres://")
}

/// The URL with any password replaced by `***`, for messages and `Store::path`.
pub(crate) fn redact(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let authority = match authority.rsplit_once('@') {
        Some((user_info, host)) => match user_info.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => authority.to_owned(),
        },
        None => authority.to_owned(),
    };
    let tail = tail
        .split('&')
        .map(|kv| match kv.split_once("password=") {
            Some((before, _)) => format!("{before}password=***"),
            None => kv.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&");
    format!("{scheme}://{authority}{tail}")
}

/// Connects; an unreachable server, refused credentials and a missing database each get
/// an error that says so. Lock waits (the write lock) give up after `busy_timeout`.
pub(super) fn connect(url: &str, shown: &str, busy_timeout: Duration) -> Result<Client> {
    let mut config: Config = url.parse().map_err(|e| {
        Error::invalid("url", format!("{shown} is not a valid PostgreSQL URL: {e}"))
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
            Some(_) => e.to_string(),
            None => format!("the server cannot be reached ({e})"),
        };
        Error::Storage(StorageError::new(format!(
            "cannot connect to {shown}: {why}"
        )))
    })?;
    // Whole milliseconds, at least one: 0 would mean "wait forever".
    let ms = busy_timeout.as_millis().clamp(1, i32::MAX as u128);
    client
        .batch_execute(&format!("SET lock_timeout = {ms}"))
        .map_err(super::storage_error)?;
    Ok(client)
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
        assert!(is_url("postgres://x") && is_url("postgresql://x") && !is_url("/tmp/x.db"));
    }
}
