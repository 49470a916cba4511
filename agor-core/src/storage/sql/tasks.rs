//! Statements of `crate::tasks`.
