//! Statements of `crate::dependencies`.
