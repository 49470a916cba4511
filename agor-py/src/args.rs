//! Arguments of the hand-written methods turned into the core's values, each judged by the
//! core's own rules: counts, seconds and kind words. A bad value is an `InvalidInputError`
//! naming the argument, never `OverflowError`. (Methods derived from the catalogue leave their
//! arguments to the core's request, `agor._derived`.)

use std::time::Duration;

use agor_core as core;
use pyo3::prelude::*;

use crate::errors::{self, invalid, to_py_err};

/// A count argument (a limit, a lease length) given as any Python int, judged by the core's one
/// rule (`agor_core::Count`): None stays None (the caller applies the documented default),
/// else 1..=max. 0, negatives and values past the max — however many digits — raise the same
/// `InvalidInputError`, never `OverflowError` and never an empty result.
pub(crate) fn count(
    py: Python<'_>,
    kind: agor_core::Count,
    value: Option<&Bound<'_, PyAny>>,
) -> PyResult<Option<u32>> {
    let Some(value) = value else { return Ok(None) };
    match value.extract::<i128>() {
        Ok(v) => kind.check(v).map(Some),
        // Wider than i128: out of range by any measure; show it as the caller wrote it.
        Err(e) if e.is_instance_of::<pyo3::exceptions::PyOverflowError>(py) => {
            Err(kind.out_of_range(value.str()?))
        }
        Err(e) => return Err(e),
    }
    .map_err(|e| errors::to_py_err(py, e))
}

/// A list of words naming kinds (change kinds, search kinds …), each parsed by the core's
/// `FromStr`; None is the empty list (every kind). An unknown word raises the core's error.
pub(crate) fn kinds<T: std::str::FromStr<Err = agor_core::Error>>(
    py: Python<'_>,
    words: Option<Vec<String>>,
) -> PyResult<Vec<T>> {
    words
        .unwrap_or_default()
        .iter()
        .map(|k| k.parse())
        .collect::<agor_core::Result<Vec<T>>>()
        .map_err(|e| errors::to_py_err(py, e))
}

/// [`count`] for a `limit`, with the documented default when absent.
pub(crate) fn limit(
    py: Python<'_>,
    value: Option<&Bound<'_, PyAny>>,
    default: u32,
) -> PyResult<u32> {
    Ok(count(py, agor_core::Count::Limit, value)?.unwrap_or(default))
}

/// Seconds from Python (any int or float) as a `Duration`, refusing negatives, NaN, infinity
/// and values no float can hold with `InvalidInputError` (never `OverflowError`).
pub(crate) fn seconds(
    py: Python<'_>,
    field: &'static str,
    secs: &Bound<'_, PyAny>,
) -> PyResult<Duration> {
    let refuse = || {
        let shown = secs.str().map(|s| s.to_string()).unwrap_or_default();
        invalid(
            py,
            field,
            format!("{shown} is not a non-negative number of seconds"),
        )
    };
    let value: f64 = secs.extract().map_err(|_| refuse())?;
    // The core words a negative number and one too large (1e300) apart.
    agor_core::seconds(field, value).map_err(|e| to_py_err(py, e))
}

/// A lease length in seconds: None is the default (15 min), else 1..=`MAX_LEASE_SECONDS`.
pub(crate) fn lease(py: Python<'_>, seconds: Option<&Bound<'_, PyAny>>) -> PyResult<u32> {
    Ok(count(py, core::Count::LeaseSecs, seconds)?.unwrap_or(core::DEFAULT_LEASE_SECS))
}
