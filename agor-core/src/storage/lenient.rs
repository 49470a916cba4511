//! Reading columns that older tools filled: the legacy scripts and SQLite's loose typing let a
//! row hold NULL or another type in any non-key column, and one such row must not make an inbox,
//! a board or a log unreadable for good. Row mappers read every non-key column through these.

use crate::error::Result;
use crate::storage::{Row, ValueRef};

/// Any value as text (numbers in their decimal form); NULL as `None`.
pub(crate) fn opt_text(r: &Row<'_>, i: usize) -> Result<Option<String>> {
    Ok(match r.value(i)? {
        ValueRef::Null => None,
        ValueRef::Int(n) => Some(n.to_string()),
        ValueRef::Real(x) => Some(x.to_string()),
        ValueRef::Text(t) | ValueRef::Blob(t) => Some(String::from_utf8_lossy(t).into_owned()),
    })
}

/// Any value as text; NULL as "".
pub(crate) fn text(r: &Row<'_>, i: usize) -> Result<String> {
    Ok(opt_text(r, i)?.unwrap_or_default())
}

/// A number, from an integer, a real (truncated) or numeric text; anything else as `None`.
pub(crate) fn opt_int(r: &Row<'_>, i: usize) -> Result<Option<i64>> {
    Ok(match r.value(i)? {
        ValueRef::Int(n) => Some(n),
        // `as` saturates, and NaN becomes 0: no panic on any stored value.
        ValueRef::Real(x) => Some(x as i64),
        ValueRef::Text(t) => {
            let s = String::from_utf8_lossy(t);
            let s = s.trim();
            s.parse::<i64>()
                .ok()
                .or_else(|| s.parse::<f64>().ok().map(|x| x as i64))
        }
        ValueRef::Null | ValueRef::Blob(_) => None,
    })
}

/// A 0/1 flag such as `messages.read`: numbers by value, text `true`/`yes` as set.
pub(crate) fn flag(r: &Row<'_>, i: usize) -> Result<bool> {
    if let Some(n) = opt_int(r, i)? {
        return Ok(n != 0);
    }
    Ok(opt_text(r, i)?.is_some_and(|s| {
        matches!(
            s.trim().to_ascii_lowercase().as_str(),
            "true" | "t" | "yes" | "y"
        )
    }))
}

/// A legacy `created_at`-style column: text as stored; a number (unix seconds, as a tool using
/// `time.time()` writes it; a TEXT column stores it as numeric text) in the legacy
/// `YYYY-MM-DD HH:MM:SS` UTC form; NULL as "".
pub(crate) fn timestamp(r: &Row<'_>, i: usize) -> Result<String> {
    let secs = match r.value(i)? {
        ValueRef::Int(n) => n,
        ValueRef::Real(x) => x as i64,
        // The usual case, a `YYYY-MM-DD HH:MM:SS` text, is returned as it is without trying
        // to read it as a number first: every listed row passes here.
        ValueRef::Text(t)
            if !t
                .iter()
                .all(|b| b.is_ascii_digit() || b" .+-eE".contains(b)) =>
        {
            return Ok(String::from_utf8_lossy(t).into_owned())
        }
        ValueRef::Text(t) => match std::str::from_utf8(t).map(|s| s.trim().parse::<f64>()) {
            Ok(Ok(x)) if x.is_finite() => x as i64,
            _ => return text(r, i),
        },
        _ => return text(r, i),
    };
    Ok(chrono::DateTime::from_timestamp(secs, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|| secs.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::RowSource;

    /// One column holding the value SQLite would return for the literal `sql_value`.
    struct Literal(ValueRef<'static>);

    impl RowSource for Literal {
        fn value(&self, _: usize) -> Result<ValueRef<'_>> {
            Ok(self.0)
        }
    }

    fn read<T>(sql_value: &'static str, f: impl Fn(&Row<'_>) -> Result<T>) -> T {
        let v = match sql_value {
            "NULL" => ValueRef::Null,
            "x'6869'" => ValueRef::Blob(b"hi"),
            s if s.starts_with('\'') => ValueRef::Text(&s.as_bytes()[1..s.len() - 1]),
            s => match s.parse::<i64>() {
                Ok(n) => ValueRef::Int(n),
                Err(_) => ValueRef::Real(s.parse().unwrap()),
            },
        };
        f(&Row(&Literal(v))).unwrap()
    }

    #[test]
    fn every_storage_class_reads() {
        assert_eq!(read("NULL", |r| text(r, 0)), "");
        assert_eq!(read("NULL", |r| opt_text(r, 0)), None);
        assert_eq!(read("42", |r| text(r, 0)), "42");
        assert_eq!(read("x'6869'", |r| text(r, 0)), "hi");
        assert_eq!(read("' 7 '", |r| opt_int(r, 0)), Some(7));
        assert_eq!(read("'2.9'", |r| opt_int(r, 0)), Some(2));
        assert_eq!(read("'abc'", |r| opt_int(r, 0)), None);
        assert_eq!(read("1e300", |r| opt_int(r, 0)), Some(i64::MAX));
        assert!(read("'1'", |r| flag(r, 0)));
        assert!(read("'yes'", |r| flag(r, 0)));
        assert!(!read("NULL", |r| flag(r, 0)));
        assert!(!read("'no'", |r| flag(r, 0)));
        assert_eq!(read("0", |r| timestamp(r, 0)), "1970-01-01 00:00:00");
        assert_eq!(read("86400.75", |r| timestamp(r, 0)), "1970-01-02 00:00:00");
        assert_eq!(
            read("'2025-01-01 10:00:00'", |r| timestamp(r, 0)),
            "2025-01-01 10:00:00"
        );
        assert_eq!(read("NULL", |r| timestamp(r, 0)), "");
        assert_eq!(
            read("'86400.5'", |r| timestamp(r, 0)),
            "1970-01-02 00:00:00"
        );
        assert_eq!(read("'yesterday'", |r| timestamp(r, 0)), "yesterday");
    }
}
