//! Store and actor handles, and running a call through one. A handle is a boxed core object
//! that C owns from its `*_open`/`*_new` call to its `*_free` (see [`crate::store`]). This
//! module sits below every module of entry points, the generated ones included, so that none
//! of them imports another to reach a handle.

use agor_core::{Actor, Store};

use crate::boundary::{call, handle, optional_out, required_out, Deliver, FfiError};
use crate::status::agor_status;

/// An open database file. Opaque; create with `agor_store_open`, release with
/// `agor_store_free`. May be used from several threads at once.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct agor_store {
    pub(crate) store: Store,
}

/// A store seen as one agent: every call through it is permission-checked and audited as that
/// agent. Opaque; create with `agor_actor_new`, release with `agor_actor_free`.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct agor_actor {
    pub(crate) actor: Actor,
}

/// The acting handle a call runs as: `actor`'s when given, else the operator's on `store`.
pub(crate) fn acting(
    store: Option<&agor_store>,
    actor: Option<&agor_actor>,
) -> Result<Actor, FfiError> {
    match actor {
        Some(a) => Ok(a.actor.clone()),
        None => Ok(handle(store, "store")?.store.as_operator()),
    }
}

/// What entry points reach through a handle, and the argument name used in NULL errors.
pub(crate) trait Handle {
    type Target;
    const ARG: &'static str;
    fn target(&self) -> &Self::Target;
}

impl Handle for agor_store {
    type Target = Store;
    const ARG: &'static str = "store";
    fn target(&self) -> &Store {
        &self.store
    }
}

impl Handle for agor_actor {
    type Target = Actor;
    const ARG: &'static str = "actor";
    fn target(&self) -> &Actor {
        &self.actor
    }
}

/// Runs a read through a handle and writes its result (JSON for records) to a required
/// out-parameter. `op` converts its own string arguments, so their errors are reported too.
pub(crate) fn query<H: Handle, O: Deliver<T>, T>(
    target: Option<&H>,
    out: Option<&mut O>,
    out_arg: &'static str,
    op: impl FnOnce(&H::Target) -> Result<T, FfiError>,
) -> agor_status {
    call(|| {
        let out = required_out(out, out_arg)?;
        let target = handle(target, H::ARG)?.target();
        out.deliver(op(target)?);
        Ok(())
    })
}

/// Runs a change through a handle; its result goes to `out` unless the caller passed NULL
/// because it does not need it.
pub(crate) fn update<H: Handle, O: Deliver<T>, T>(
    target: Option<&H>,
    out: Option<&mut O>,
    op: impl FnOnce(&H::Target) -> Result<T, FfiError>,
) -> agor_status {
    call(|| {
        let out = optional_out(out);
        let target = handle(target, H::ARG)?.target();
        let result = op(target)?;
        if let Some(out) = out {
            out.deliver(result);
        }
        Ok(())
    })
}
