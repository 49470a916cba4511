//! The first API's twin functions, an operator form on the store (`agor_x(store, …)`) and an
//! agent form on an actor (`agor_actor_x(actor, …)`), as one operation: each form is a call of
//! the generated `agor_op_x(store, actor, …)`, so the catalogue's entry is the only body.
//! `define_role`'s twins, whose C arguments are not the operation's, share one private body
//! over [`Principal::caller`] instead.
//!
//! The twins checked their handle (and a required output) before their other arguments, the
//! generated functions check it last; [`change`] and [`ask`] keep the twins' order, so a call
//! with several bad arguments still names the one it always named.

use std::ffi::c_char;

use agor_core::Actor;

use crate::boundary::{call, optional_out, FfiError};
use crate::handles::{agor_actor, agor_store, Handle};
use crate::status::agor_status;

/// A handle a twin takes: the store (acting as the operator) or an actor (acting as its agent).
pub(crate) trait Principal: Handle {
    /// The `(store, actor)` pair a generated function takes for this handle.
    fn pair(&self) -> (Option<&agor_store>, Option<&agor_actor>);

    /// The core's acting handle for this handle's target, for a twin whose C arguments differ
    /// from its operation's (so it cannot call the generated function).
    fn caller(target: &Self::Target) -> Actor;
}

impl Principal for agor_store {
    fn pair(&self) -> (Option<&agor_store>, Option<&agor_actor>) {
        (Some(self), None)
    }

    fn caller(target: &agor_core::Store) -> Actor {
        target.as_operator()
    }
}

impl Principal for agor_actor {
    fn pair(&self) -> (Option<&agor_store>, Option<&agor_actor>) {
        (None, Some(self))
    }

    fn caller(target: &Actor) -> Actor {
        target.clone()
    }
}

/// Runs `op`, a generated function applied to every argument but the handle pair and the
/// output, as the handle `me` stands for; `out` (the caller may pass NULL) is cleared at
/// once and receives the response.
pub(crate) fn change<H: Principal>(
    me: Option<&H>,
    out: Option<&mut *mut c_char>,
    op: impl FnOnce(Option<&agor_store>, Option<&agor_actor>, Option<&mut *mut c_char>) -> agor_status,
) -> agor_status {
    let out = optional_out(out);
    match me {
        Some(me) => {
            let (store, actor) = me.pair();
            op(store, actor, out)
        }
        None => call(|| Err(FfiError::NullArgument(H::ARG))),
    }
}

/// As [`change`], for a read whose output `out_arg` the caller must pass.
pub(crate) fn ask<H: Principal>(
    me: Option<&H>,
    out: Option<&mut *mut c_char>,
    out_arg: &'static str,
    op: impl FnOnce(Option<&agor_store>, Option<&agor_actor>, Option<&mut *mut c_char>) -> agor_status,
) -> agor_status {
    match out {
        Some(out) => change(me, Some(out), op),
        None => call(|| Err(FfiError::NullArgument(out_arg))),
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::{CStr, CString};
    use std::ptr;

    use super::*;
    use crate::boundary::{agor_last_error_message, agor_string_free};
    use crate::operations::{agor_op_allow, agor_op_contact_graph, agor_op_register_agent};
    use crate::store::{
        agor_actor_allow, agor_actor_free, agor_actor_new, agor_actor_register_agent,
        agor_register_agent, agor_store_free, agor_store_open, AGOR_TIER_DEFAULT,
    };
    use crate::team::{agor_actor_contact_graph, agor_contact_graph};

    fn last_error() -> String {
        // SAFETY: agor_last_error_message never returns NULL and the text is NUL-terminated.
        unsafe { CStr::from_ptr(agor_last_error_message()) }
            .to_string_lossy()
            .into_owned()
    }

    /// Takes a string the library returned, or "" for NULL.
    fn take(s: *mut c_char) -> String {
        if s.is_null() {
            return String::new();
        }
        // SAFETY: a NUL-terminated string from the library, freed once here.
        let text = unsafe { CStr::from_ptr(s) }.to_string_lossy().into_owned();
        // SAFETY: as above.
        unsafe { agor_string_free(s) };
        text
    }

    struct Team {
        _dir: tempfile::TempDir,
        store: *mut agor_store,
        lead: *mut agor_actor,
    }

    impl Drop for Team {
        fn drop(&mut self) {
            // SAFETY: both handles came from this library and are freed once.
            unsafe {
                agor_actor_free(Some(Box::from_raw(self.lead)));
                agor_store_free(Some(Box::from_raw(self.store)));
            }
        }
    }

    /// A fresh store with a manager `lead-1` and a project agent `dev-1` in group `core`.
    fn team() -> Team {
        let dir = tempfile::tempdir().unwrap();
        let path = CString::new(dir.path().join("t.db").to_str().unwrap()).unwrap();
        let mut store = ptr::null_mut();
        let mut lead = ptr::null_mut();
        // SAFETY: valid NUL-terminated strings and output pointers.
        unsafe {
            assert_eq!(
                agor_store_open(path.as_ptr(), Some(&mut store)),
                agor_status::AGOR_OK
            );
            for (id, role) in [(c"lead-1", c"manager"), (c"dev-1", c"project")] {
                let status = agor_register_agent(
                    store.as_ref(),
                    id.as_ptr(),
                    c"Name".as_ptr(),
                    role.as_ptr(),
                    c"core".as_ptr(),
                    AGOR_TIER_DEFAULT,
                    ptr::null(),
                    ptr::null(),
                    None,
                );
                assert_eq!(status, agor_status::AGOR_OK, "{}", last_error());
            }
            let status = agor_actor_new(store.as_ref(), c"lead-1".as_ptr(), Some(&mut lead));
            assert_eq!(status, agor_status::AGOR_OK);
        }
        Team {
            _dir: dir,
            store,
            lead,
        }
    }

    #[test]
    fn a_twin_names_its_own_handle_first_and_clears_its_output() {
        let mut out = c"stale".as_ptr().cast_mut();
        // SAFETY: NULL handles and strings are allowed; `out` is a valid output pointer.
        let status = unsafe {
            agor_actor_register_agent(
                None,
                ptr::null(),
                c"Name".as_ptr(),
                c"project".as_ptr(),
                c"core".as_ptr(),
                AGOR_TIER_DEFAULT,
                ptr::null(),
                ptr::null(),
                Some(&mut out),
            )
        };
        assert_eq!(status, agor_status::AGOR_NULL_ARGUMENT);
        assert!(out.is_null());
        assert!(last_error().contains("`actor`"), "{}", last_error());
        // SAFETY: as above.
        let status = unsafe { agor_actor_allow(None, ptr::null(), ptr::null(), false) };
        assert_eq!(status, agor_status::AGOR_NULL_ARGUMENT);
        assert!(last_error().contains("`actor`"), "{}", last_error());
        // The generated function checks its arguments before its handles.
        // SAFETY: as above.
        let status = unsafe { agor_op_allow(None, None, ptr::null(), ptr::null(), false, None) };
        assert!(
            last_error().contains("`from`"),
            "{status:?}: {}",
            last_error()
        );
    }

    #[test]
    fn a_read_twin_wants_its_output_before_its_handle() {
        assert_eq!(
            agor_contact_graph(None, None),
            agor_status::AGOR_NULL_ARGUMENT
        );
        assert!(last_error().contains("`out_edges`"), "{}", last_error());
        let mut out = ptr::null_mut();
        assert_eq!(
            agor_actor_contact_graph(None, Some(&mut out)),
            agor_status::AGOR_NULL_ARGUMENT
        );
        assert!(last_error().contains("`actor`"), "{}", last_error());
    }

    #[test]
    fn both_forms_answer_as_the_generated_function() {
        let team = team();
        // SAFETY: the handles are live; the strings are NUL-terminated.
        unsafe {
            let (store, lead) = (team.store.as_ref(), team.lead.as_ref());
            assert_eq!(
                agor_actor_allow(lead, c"dev-1".as_ptr(), c"lead-1".as_ptr(), true),
                agor_status::AGOR_PERMISSION_DENIED
            );
            assert_eq!(
                crate::store::agor_allow(store, c"dev-1".as_ptr(), c"lead-1".as_ptr(), true),
                agor_status::AGOR_OK
            );
            let mut twin = ptr::null_mut();
            let mut generated = ptr::null_mut();
            assert_eq!(
                agor_contact_graph(store, Some(&mut twin)),
                agor_status::AGOR_OK
            );
            assert_eq!(
                agor_op_contact_graph(store, None, Some(&mut generated)),
                agor_status::AGOR_OK
            );
            let twin = take(twin);
            assert!(twin.contains("\"agent_id\":\"dev-1\""), "{twin}");
            assert_eq!(twin, take(generated));
            let (mut twin, mut generated) = (ptr::null_mut(), ptr::null_mut());
            assert_eq!(
                agor_actor_contact_graph(lead, Some(&mut twin)),
                agor_status::AGOR_OK
            );
            assert_eq!(
                agor_op_contact_graph(None, lead, Some(&mut generated)),
                agor_status::AGOR_OK
            );
            assert_eq!(take(twin), take(generated));
        }
    }

    #[test]
    fn the_default_tier_is_the_generated_functions_absent_tier() {
        let team = team();
        let register = |id: &CStr, tier: i64| {
            let mut out = ptr::null_mut();
            // SAFETY: the store is live; the strings are NUL-terminated.
            let status = unsafe {
                agor_register_agent(
                    team.store.as_ref(),
                    id.as_ptr(),
                    c"Name".as_ptr(),
                    c"manager".as_ptr(),
                    c"core".as_ptr(),
                    tier,
                    ptr::null(),
                    ptr::null(),
                    Some(&mut out),
                )
            };
            (status, take(out))
        };
        let (status, json) = register(c"mgr-2", AGOR_TIER_DEFAULT);
        assert_eq!(status, agor_status::AGOR_OK);
        assert!(json.contains("\"tier\":1"), "{json}");
        let (status, json) = register(c"mgr-3", 2);
        assert_eq!(status, agor_status::AGOR_OK);
        assert!(json.contains("\"tier\":2"), "{json}");
        let (status, json) = register(c"mgr-4", 7);
        assert_eq!(
            (status, json.as_str()),
            (agor_status::AGOR_INVALID_INPUT, "")
        );
        let twin_error = last_error();
        let tier = 7_i64;
        // SAFETY: as above; `tier` outlives the call.
        let status = unsafe {
            agor_op_register_agent(
                team.store.as_ref(),
                None,
                c"mgr-4".as_ptr(),
                c"Name".as_ptr(),
                c"manager".as_ptr(),
                c"core".as_ptr(),
                &tier,
                ptr::null(),
                ptr::null(),
                None,
            )
        };
        assert_eq!(status, agor_status::AGOR_INVALID_INPUT);
        assert_eq!(last_error(), twin_error);
    }
}
