//! Statements of `crate::channels`.
