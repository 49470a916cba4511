//! The status codes every entry point returns, and the one mapping from core error kinds to them.
//! Codes are part of the ABI: a code is never renumbered or reused, new ones are only appended.

use std::ffi::CStr;

use agor_core::ErrorKind;

/// Outcome of an agor call. `AGOR_OK` (0) is success; any other value is an error whose text
/// `agor_last_error_message()` returns. Codes 1-99 mirror the core's error kinds; codes from
/// 100 are raised at the C boundary itself.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum agor_status {
    /// Success.
    AGOR_OK = 0,
    /// No agent, message, channel or dead letter has that id (or id prefix).
    AGOR_NOT_FOUND = 1,
    /// An id prefix matches several objects; the error message lists the candidates.
    AGOR_AMBIGUOUS = 2,
    /// The acting agent may not do this (not a contact, wrong role, not a member...).
    AGOR_PERMISSION_DENIED = 3,
    /// A version check failed: someone else changed the object first.
    AGOR_CONFLICT = 4,
    /// The task is already claimed by another agent.
    AGOR_ALREADY_CLAIMED = 5,
    /// A lease token is wrong or the lease has lapsed.
    AGOR_LEASE = 6,
    /// The recipient is stale; the message was kept as a dead letter and will be
    /// redelivered when it sends a heartbeat.
    AGOR_RECIPIENT_UNAVAILABLE = 7,
    /// An argument was rejected (empty or oversized content, malformed id, bad tier...).
    AGOR_INVALID_INPUT = 8,
    /// The file is not an agor database, or was written by a newer agor; it was left untouched.
    AGOR_SCHEMA = 9,
    /// The database was opened read-only or the file is not writable.
    AGOR_READ_ONLY = 10,
    /// Another process held the write lock for the whole busy timeout; nothing was written.
    AGOR_BUSY = 11,
    /// SQLite or file-system failure.
    AGOR_STORAGE = 12,
    /// A required pointer argument was NULL.
    AGOR_NULL_ARGUMENT = 100,
    /// A string argument was not valid UTF-8.
    AGOR_INVALID_UTF8 = 101,
    /// An internal error (a bug in agor) was caught at the boundary; the handle stays usable.
    AGOR_PANIC = 102,
}

impl agor_status {
    /// Every status, for the uniqueness and naming tests (not part of the C header).
    /// cbindgen:ignore
    pub const ALL: [agor_status; 16] = [
        agor_status::AGOR_OK,
        agor_status::AGOR_NOT_FOUND,
        agor_status::AGOR_AMBIGUOUS,
        agor_status::AGOR_PERMISSION_DENIED,
        agor_status::AGOR_CONFLICT,
        agor_status::AGOR_ALREADY_CLAIMED,
        agor_status::AGOR_LEASE,
        agor_status::AGOR_RECIPIENT_UNAVAILABLE,
        agor_status::AGOR_INVALID_INPUT,
        agor_status::AGOR_SCHEMA,
        agor_status::AGOR_READ_ONLY,
        agor_status::AGOR_BUSY,
        agor_status::AGOR_STORAGE,
        agor_status::AGOR_NULL_ARGUMENT,
        agor_status::AGOR_INVALID_UTF8,
        agor_status::AGOR_PANIC,
    ];

    /// The single mapping from core error kinds to C codes. The match is exhaustive, so a new
    /// `ErrorKind` does not compile until it has a code here.
    pub fn from_kind(kind: ErrorKind) -> agor_status {
        match kind {
            ErrorKind::NotFound => agor_status::AGOR_NOT_FOUND,
            ErrorKind::Ambiguous => agor_status::AGOR_AMBIGUOUS,
            ErrorKind::PermissionDenied => agor_status::AGOR_PERMISSION_DENIED,
            ErrorKind::Conflict => agor_status::AGOR_CONFLICT,
            ErrorKind::AlreadyClaimed => agor_status::AGOR_ALREADY_CLAIMED,
            ErrorKind::Lease => agor_status::AGOR_LEASE,
            ErrorKind::RecipientUnavailable => agor_status::AGOR_RECIPIENT_UNAVAILABLE,
            ErrorKind::InvalidInput => agor_status::AGOR_INVALID_INPUT,
            ErrorKind::Schema => agor_status::AGOR_SCHEMA,
            ErrorKind::ReadOnly => agor_status::AGOR_READ_ONLY,
            ErrorKind::Busy => agor_status::AGOR_BUSY,
            ErrorKind::Storage => agor_status::AGOR_STORAGE,
        }
    }

    /// The constant's name as spelled in the header, e.g. `AGOR_NOT_FOUND`.
    pub fn name(self) -> &'static CStr {
        match self {
            agor_status::AGOR_OK => c"AGOR_OK",
            agor_status::AGOR_NOT_FOUND => c"AGOR_NOT_FOUND",
            agor_status::AGOR_AMBIGUOUS => c"AGOR_AMBIGUOUS",
            agor_status::AGOR_PERMISSION_DENIED => c"AGOR_PERMISSION_DENIED",
            agor_status::AGOR_CONFLICT => c"AGOR_CONFLICT",
            agor_status::AGOR_ALREADY_CLAIMED => c"AGOR_ALREADY_CLAIMED",
            agor_status::AGOR_LEASE => c"AGOR_LEASE",
            agor_status::AGOR_RECIPIENT_UNAVAILABLE => c"AGOR_RECIPIENT_UNAVAILABLE",
            agor_status::AGOR_INVALID_INPUT => c"AGOR_INVALID_INPUT",
            agor_status::AGOR_SCHEMA => c"AGOR_SCHEMA",
            agor_status::AGOR_READ_ONLY => c"AGOR_READ_ONLY",
            agor_status::AGOR_BUSY => c"AGOR_BUSY",
            agor_status::AGOR_STORAGE => c"AGOR_STORAGE",
            agor_status::AGOR_NULL_ARGUMENT => c"AGOR_NULL_ARGUMENT",
            agor_status::AGOR_INVALID_UTF8 => c"AGOR_INVALID_UTF8",
            agor_status::AGOR_PANIC => c"AGOR_PANIC",
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn codes_and_names_are_unique() {
        let codes: HashSet<i32> = agor_status::ALL.iter().map(|s| *s as i32).collect();
        assert_eq!(
            codes.len(),
            agor_status::ALL.len(),
            "two statuses share a code"
        );
        let names: HashSet<&CStr> = agor_status::ALL.iter().map(|s| s.name()).collect();
        assert_eq!(
            names.len(),
            agor_status::ALL.len(),
            "two statuses share a name"
        );
        assert_eq!(agor_status::AGOR_OK as i32, 0);
    }

    #[test]
    fn every_error_kind_maps_to_its_own_error_code() {
        let mapped: Vec<agor_status> = ErrorKind::ALL
            .iter()
            .map(|k| agor_status::from_kind(*k))
            .collect();
        let distinct: HashSet<agor_status> = mapped.iter().copied().collect();
        assert_eq!(
            distinct.len(),
            ErrorKind::ALL.len(),
            "two kinds share a code: {mapped:?}"
        );
        for status in mapped {
            assert_ne!(status, agor_status::AGOR_OK);
            assert!(agor_status::ALL.contains(&status));
            assert!(
                (1..100).contains(&(status as i32)),
                "{status:?} outside the core range"
            );
        }
    }
}
