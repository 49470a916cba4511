//! Statements written once in the SQL both engines read (see the parent module for the
//! dialect), for the areas whose SQL lives apart from their rules: agents and contacts, the
//! audit log, the change feed, channels, dependencies, id lookups, leases, liveness and messages so far.
//! The other domain modules still write their statements next to their rules, through the same
//! `Tx` in the same portable SQL; moving them here, area by area, is open work.

pub(crate) mod agents;
pub(crate) mod audit;
pub(crate) mod changes;
pub(crate) mod channels;
pub(crate) mod dependencies;
pub(crate) mod ids;
pub(crate) mod leases;
pub(crate) mod liveness;
pub(crate) mod messages;
