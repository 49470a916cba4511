//! Statements of `crate::ids`.
