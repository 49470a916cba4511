//! Every statement of the core, written once in the SQL both engines read (see the parent
//! module for the dialect), one module per area of the domain, as typed functions. The domain
//! modules decide who may do what and in which order, and call these; none of them writes SQL.

pub(crate) mod agents;
pub(crate) mod approvals;
pub(crate) mod attempts;
pub(crate) mod audit;
pub(crate) mod board;
pub(crate) mod changes;
pub(crate) mod channels;
pub(crate) mod dependencies;
pub(crate) mod ids;
pub(crate) mod leases;
pub(crate) mod liveness;
pub(crate) mod messages;
pub(crate) mod proposals;
pub(crate) mod reservations;
pub(crate) mod roles;
pub(crate) mod search;
pub(crate) mod settings;
pub(crate) mod tasks;
pub(crate) mod tokens;
pub(crate) mod usage;
pub(crate) mod work;
