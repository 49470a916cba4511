//! Every statement of the core, in the SQL both engines read (see the parent module for the
//! dialect), grouped by the area of the domain that calls it. The domain modules decide who
//! may do what and call these typed functions; none of them writes SQL.

pub(crate) mod agents;
pub(crate) mod audit;
pub(crate) mod changes;
pub(crate) mod channels;
pub(crate) mod dependencies;
pub(crate) mod ids;
pub(crate) mod leases;
pub(crate) mod liveness;
pub(crate) mod messages;
pub(crate) mod tasks;
