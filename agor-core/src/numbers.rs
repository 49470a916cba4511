//! The one meaning of a number a caller passes in (list limits, lease lengths): absent means the
//! documented default, otherwise it must lie in 1..=max. Every surface funnels its own integer
//! type through [`Count::check`], so 0, negatives and huge values are one `InvalidInput` error
//! with one wording everywhere — never "all", never "none", never an overflow error.

use std::fmt::Display;

use crate::error::{Error, Result};

/// Largest `limit` any list call accepts (inbox, history, feed, channel history, audit log).
pub const MAX_LIMIT: u32 = 10_000;
/// Most items one batch (`create_tasks`, `claim_tasks`, `complete_tasks`) holds: a shared
/// server bounds the work one call makes it do, and the write lock it holds that long.
pub const MAX_BATCH: u32 = 1_000;
/// Default lease: 15 minutes.
pub const DEFAULT_LEASE_SECS: u32 = 15 * 60;
/// Longest lease one claim or renewal may ask for: one day.
pub const MAX_LEASE_SECS: u32 = 24 * 60 * 60;
/// Longest a sender may give a recipient to acknowledge a message: thirty days.
pub const MAX_DEADLINE_SECS: u32 = 30 * 24 * 60 * 60;
/// Messages `history` returns when no limit is given.
pub const DEFAULT_HISTORY_LIMIT: u32 = 20;
/// Messages `feed` returns when no limit is given.
pub const DEFAULT_FEED_LIMIT: u32 = 50;
/// Posts `channel_history` returns when no limit is given.
pub const DEFAULT_CHANNEL_HISTORY_LIMIT: u32 = 30;
/// Rows `audit_log` returns when no limit is given.
pub const DEFAULT_AUDIT_LIMIT: u32 = 50;

/// A kind of count a caller passes in, with its bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    /// How many rows a list call returns: 1..=[`MAX_LIMIT`].
    Limit,
    /// A lease length in seconds: 1..=[`MAX_LEASE_SECS`].
    LeaseSecs,
    /// Seconds until a message's receipt is due: 1..=[`MAX_DEADLINE_SECS`].
    DeadlineSecs,
    /// How many items one batch holds (tasks to claim, create or complete): 1..=[`MAX_BATCH`].
    Batch,
}

impl Count {
    /// The argument's name in error messages.
    pub fn field(self) -> &'static str {
        match self {
            Count::Limit => "limit",
            Count::LeaseSecs => "lease",
            Count::DeadlineSecs => "deadline",
            Count::Batch => "count",
        }
    }

    /// The largest value accepted.
    pub fn max(self) -> u32 {
        match self {
            Count::Limit => MAX_LIMIT,
            Count::LeaseSecs => MAX_LEASE_SECS,
            Count::DeadlineSecs => MAX_DEADLINE_SECS,
            Count::Batch => MAX_BATCH,
        }
    }

    /// `value` if it lies in 1..=max, else [`Error::InvalidInput`]. Takes any integer width,
    /// so a surface never truncates (or overflows) before the rule is applied.
    pub fn check(self, value: impl Into<i128>) -> Result<u32> {
        let value = value.into();
        match u32::try_from(value) {
            Ok(v) if (1..=self.max()).contains(&v) => Ok(v),
            _ => Err(self.out_of_range(value)),
        }
    }

    /// The error for a value outside 1..=max, shown as the caller wrote it. For surfaces whose
    /// integers are wider than `i128` (Python) or that read digits (the CLI).
    pub fn out_of_range(self, shown: impl Display) -> Error {
        Error::invalid(
            self.field(),
            format!("must be between 1 and {}, not {shown}", self.max()),
        )
    }
}

/// Checks a list limit (the core methods take `u32`; 0 and values past [`MAX_LIMIT`] are refused).
pub(crate) fn check_limit(limit: u32) -> Result<u32> {
    Count::Limit.check(limit)
}

/// A length of time a caller gives in seconds (a wait's timeout, a busy timeout), as a
/// `Duration`: a negative number or NaN is "not a number of seconds >= 0", and one too large
/// for a `Duration` (`1e300`, infinity) is "too large", each an `InvalidInput` for `field`.
pub fn seconds(field: &'static str, secs: f64) -> Result<std::time::Duration> {
    std::time::Duration::try_from_secs_f64(secs).map_err(|_| {
        let reason = if secs.is_nan() || secs < 0.0 {
            format!("{secs} s is not a number of seconds >= 0")
        } else {
            format!(
                "{secs} s is too large (at most {} s)",
                std::time::Duration::MAX.as_secs()
            )
        };
        Error::invalid(field, reason)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // issue 19 item 14: a timeout of 1e300 s was "not a number of seconds"; it is too large.
    #[test]
    fn seconds_tell_negative_from_too_large() {
        assert_eq!(
            seconds("t", 1.5).unwrap(),
            std::time::Duration::from_millis(1500)
        );
        for (secs, words) in [
            (1e300, "too large"),
            (f64::INFINITY, "too large"),
            (-1.0, "not a number of seconds"),
            (f64::NAN, "not a number of seconds"),
        ] {
            let e = seconds("timeout", secs).unwrap_err().to_string();
            assert!(e.contains(words), "{secs}: {e}");
        }
        let e = crate::wait_timeout(Some(1e300)).unwrap_err().to_string();
        assert!(
            e.contains("too large") && !e.contains("not a number"),
            "{e}"
        );
    }

    #[test]
    fn one_rule_for_every_width() {
        use Count::*;
        let cases: &[(Count, i128, bool)] = &[
            (Limit, 1, true),
            (Limit, MAX_LIMIT as i128, true),
            (Limit, 0, false),
            (Limit, -1, false),
            (Limit, MAX_LIMIT as i128 + 1, false),
            (Limit, u32::MAX as i128, false),
            (Limit, 1 << 32, false),
            (Limit, 1 << 63, false),
            (Limit, i128::MAX, false),
            (Limit, i128::MIN, false),
            (LeaseSecs, 1, true),
            (LeaseSecs, MAX_LEASE_SECS as i128, true),
            (LeaseSecs, 0, false),
            (LeaseSecs, -900, false),
            (LeaseSecs, MAX_LEASE_SECS as i128 + 1, false),
        ];
        for &(count, value, ok) in cases {
            let got = count.check(value);
            assert_eq!(got.is_ok(), ok, "{count:?} {value}");
            match got {
                Ok(v) => assert_eq!(i128::from(v), value),
                Err(e) => {
                    assert_eq!(e.kind(), crate::ErrorKind::InvalidInput);
                    let text = e.to_string();
                    assert!(
                        text.contains(&format!("between 1 and {}", count.max()))
                            && text.contains(&value.to_string())
                            && text.contains(count.field()),
                        "{text}"
                    );
                }
            }
        }
    }

    #[test]
    fn wider_than_i128_reads_the_same() {
        let huge = "1".repeat(60);
        let e = Count::Limit.out_of_range(&huge).to_string();
        assert_eq!(
            e,
            format!("invalid limit: must be between 1 and 10000, not {huge}")
        );
        assert_eq!(
            Count::Limit.check(0).unwrap_err().to_string(),
            "invalid limit: must be between 1 and 10000, not 0"
        );
    }
}
