//! Statements of `crate::agents`.
