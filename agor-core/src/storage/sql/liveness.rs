//! Statements of `crate::liveness`.
