//! Statements of `crate::messages`.
