//! Statements of `crate::leases`.
