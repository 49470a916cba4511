//! Statements of `crate::audit`.
