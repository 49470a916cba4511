//! The rules of agor as pure functions: who may do what (one permission table over
//! principal × action × target), and what counts as a principal's rank. Nothing here touches
//! storage, so each rule is tested from a table.

mod permissions;
mod principal;
mod roles;

pub use permissions::{decide, Action, RoleHolder, Target};
pub use principal::{AgentIdentity, Principal, PrincipalId, OPERATOR, SYSTEM};
pub use roles::{
    Capability, Permission, Role, RoleDef, ANY_LOWER_ROLE, TIER_ADMIN, TIER_MANAGEMENT,
    TIER_PROJECT,
};
