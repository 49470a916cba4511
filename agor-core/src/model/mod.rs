//! The ground floor's records: what the domain, the storage engines and every surface share
//! (tasks, agents, messages, …), with the pure rules that belong to a record (a status's
//! transitions, a completion's caps). Nothing here reads the database or the clock.

pub(crate) mod agents;
pub(crate) mod approvals;
pub(crate) mod attempts;
pub(crate) mod audit;
pub(crate) mod changes;
pub(crate) mod channels;
pub(crate) mod fit;
pub(crate) mod leases;
pub(crate) mod liveness;
pub(crate) mod messages;
pub(crate) mod proposals;
pub(crate) mod reservations;
pub(crate) mod search;
pub(crate) mod settings;
pub(crate) mod tasks;
pub(crate) mod tokens;
pub(crate) mod usage;
pub(crate) mod work;
