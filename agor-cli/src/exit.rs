//! Exit codes of the agor commands and the one place where core errors are mapped to them.
//! Scripts rely on these numbers, so they are part of the public interface.

use agor_core::ErrorKind;

/// Success.
pub const OK: i32 = 0;
/// Any failure without a more specific code (storage, busy, schema, read-only, unavailable recipient).
pub const ERROR: i32 = 1;
/// The command line, an argument's value or the environment (`BTMSG_AGENT_ID`) is wrong.
pub const USAGE: i32 = 2;
/// Version conflict, already claimed, or a lapsed/foreign lease: someone else got there first.
pub const CONFLICT: i32 = 3;
/// The acting agent may not do this (ACL, role or membership).
pub const PERMISSION_DENIED: i32 = 4;
/// An agent, message, channel, task or dead letter does not exist.
pub const NOT_FOUND: i32 = 5;
/// `wait`: the timeout passed before anything arrived.
pub const TIMED_OUT: i32 = 6;

/// What each exit code means, for the help; the core error kinds behind each code are
/// added from [`exit_code`], so the text cannot drift from the mapping.
const MEANINGS: &[(i32, &str)] = &[
    (OK, "ok"),
    (ERROR, "error"),
    (
        USAGE,
        "usage: bad arguments or values, BTMSG_AGENT_ID not set",
    ),
    (CONFLICT, "version conflict, already claimed, or lease lost"),
    (PERMISSION_DENIED, "permission denied"),
    (NOT_FOUND, "not found"),
    (TIMED_OUT, "wait: nothing arrived before the timeout"),
];

/// The "Exit codes" section of a program's help, with its own remarks under their codes.
/// [`TIMED_OUT`] is listed only for a program that can wait (`times_out`): bttask has no
/// `wait`, and its help must not promise a code it never returns.
pub fn help_section(notes: &[(i32, &str)], times_out: bool) -> String {
    let mut s = String::new();
    for &(code, meaning) in MEANINGS {
        if code == TIMED_OUT && !times_out {
            continue;
        }
        let kinds: Vec<String> = ErrorKind::ALL
            .into_iter()
            .filter(|k| exit_code(*k) == code)
            .map(kind_words)
            .filter(|w| !meaning.contains(w.as_str()))
            .collect();
        s += &format!("  {code}  {meaning}");
        if !kinds.is_empty() {
            s += &format!(" ({})", kinds.join(", "));
        }
        s.push('\n');
        for (_, note) in notes.iter().filter(|(c, _)| *c == code) {
            s += &format!("     {note}\n");
        }
    }
    s
}

/// `RecipientUnavailable` as `recipient unavailable`.
fn kind_words(kind: ErrorKind) -> String {
    let mut out = String::new();
    for c in format!("{kind:?}").chars() {
        if c.is_uppercase() && !out.is_empty() {
            out.push(' ');
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// The exit code for a core error kind.
///
/// Choices beyond the obvious ones: an ambiguous id prefix and an invalid value are the
/// caller's argument to fix, so they are usage errors (2); a lease error means another worker
/// owns the task now, like a conflict (3); an unavailable recipient is a plain error (1) — the
/// message was kept as a dead letter and the error line says which.
pub fn exit_code(kind: ErrorKind) -> i32 {
    match kind {
        ErrorKind::NotFound => NOT_FOUND,
        ErrorKind::PermissionDenied => PERMISSION_DENIED,
        ErrorKind::Conflict | ErrorKind::AlreadyClaimed | ErrorKind::Lease => CONFLICT,
        ErrorKind::Ambiguous | ErrorKind::InvalidInput => USAGE,
        ErrorKind::RecipientUnavailable
        | ErrorKind::Schema
        | ErrorKind::ReadOnly
        | ErrorKind::Busy
        | ErrorKind::Storage => ERROR,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_failure_code() {
        for kind in ErrorKind::ALL {
            let code = exit_code(kind);
            assert!((ERROR..=NOT_FOUND).contains(&code), "{kind:?} -> {code}");
        }
        assert_eq!(exit_code(ErrorKind::NotFound), NOT_FOUND);
        assert_eq!(exit_code(ErrorKind::PermissionDenied), PERMISSION_DENIED);
        assert_eq!(exit_code(ErrorKind::Conflict), CONFLICT);
        assert_eq!(exit_code(ErrorKind::AlreadyClaimed), CONFLICT);
    }

    #[test]
    fn the_help_section_names_every_kind_under_its_code() {
        let text = help_section(&[(OK, "also when nothing to claim")], true);
        assert!(text.contains("  5  not found\n"), "{text}");
        assert!(text.contains("  2  usage: bad arguments or values, BTMSG_AGENT_ID not set (ambiguous, invalid input)"), "{text}");
        assert!(
            text.contains("  1  error (recipient unavailable, schema, read only, busy, storage)"),
            "{text}"
        );
        assert!(
            text.contains("  0  ok\n     also when nothing to claim\n"),
            "{text}"
        );
        assert!(text.contains("  6  wait:"), "{text}");
    }

    /// Issue 21 item 4.6: a program without a waiting command does not list exit code 6.
    #[test]
    fn the_timeout_code_is_listed_only_where_a_command_waits() {
        let text = help_section(&[], false);
        assert!(!text.contains("  6 "), "{text}");
        assert!(text.contains("  5  not found"), "{text}");
    }
}
