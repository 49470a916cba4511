//! What the functions generated from the catalogue (`operations.rs`) share: each one builds its
//! request from typed C arguments with [`Args`] and runs it through the catalogue's dispatch
//! with [`run`], as the operator (`actor` NULL) or as an agent. Every check of the request
//! (types, ranges, who may call) is the catalogue's, the same as for `agor_call`.

use std::ffi::c_char;

use agor_core::ops;
use serde_json::{Map, Value};

use crate::boundary::{
    call, optional_out, optional_text, put_string, text, text_array, FfiError, FfiResult,
};
use crate::handles::{acting, agor_actor, agor_store};
use crate::status::agor_status;

/// The arguments of one request, gathered from C parameters. A parameter that C leaves NULL
/// (an optional string, number or list) is left out, so the operation's default applies.
#[derive(Debug, Default)]
pub(crate) struct Args(Map<String, Value>);

impl Args {
    fn put(&mut self, name: &str, value: impl Into<Value>) -> FfiResult {
        self.0.insert(name.to_owned(), value.into());
        Ok(())
    }

    /// A required string (NULL: `AGOR_NULL_ARGUMENT`).
    ///
    /// # Safety
    /// `ptr` is NULL or a NUL-terminated string valid for the call.
    pub(crate) unsafe fn text(&mut self, name: &'static str, ptr: *const c_char) -> FfiResult {
        // SAFETY: forwarded contract.
        self.put(name, unsafe { text(ptr, name) }?)
    }

    /// An optional string: NULL leaves it out.
    ///
    /// # Safety
    /// As for [`Args::text`].
    pub(crate) unsafe fn optional_text(
        &mut self,
        name: &'static str,
        ptr: *const c_char,
    ) -> FfiResult {
        // SAFETY: forwarded contract.
        match unsafe { optional_text(ptr, name) }? {
            Some(value) => self.put(name, value),
            None => Ok(()),
        }
    }

    /// A required number.
    pub(crate) fn value(&mut self, name: &'static str, value: impl Into<Value>) -> FfiResult {
        self.put(name, value)
    }

    /// An optional number: a NULL pointer leaves it out.
    ///
    /// # Safety
    /// `ptr` is NULL or points to a value valid for the call.
    pub(crate) unsafe fn optional_value<T: Copy + Into<Value>>(
        &mut self,
        name: &'static str,
        ptr: *const T,
    ) -> FfiResult {
        // SAFETY: NULL or valid per this function's contract.
        match unsafe { ptr.as_ref() } {
            Some(value) => self.put(name, *value),
            None => Ok(()),
        }
    }

    /// A required list of records, given as JSON text (an array of objects, such as the tasks
    /// of `create_tasks`): C has no form for them, and their fields are the catalogue's.
    ///
    /// # Safety
    /// As for [`Args::text`].
    pub(crate) unsafe fn json(&mut self, name: &'static str, ptr: *const c_char) -> FfiResult {
        // SAFETY: forwarded contract.
        let json = unsafe { text(ptr, name) }?;
        let value: Value = serde_json::from_str(json).map_err(|e| {
            FfiError::from(agor_core::Error::InvalidInput {
                field: name,
                reason: format!("not JSON: {e}"),
            })
        })?;
        self.put(name, value)
    }

    /// A required list of `len` strings (`len` 0: empty, and `ptr` may be NULL).
    ///
    /// # Safety
    /// `ptr` is NULL or points to `len` NUL-terminated strings valid for the call.
    pub(crate) unsafe fn texts(
        &mut self,
        name: &'static str,
        ptr: *const *const c_char,
        len: usize,
    ) -> FfiResult {
        // SAFETY: forwarded contract.
        self.put(name, unsafe { text_array(ptr, len, name) }?)
    }

    /// An optional list: a NULL `ptr` leaves it out (an empty list is `ptr` non-NULL, `len` 0).
    ///
    /// # Safety
    /// As for [`Args::texts`].
    pub(crate) unsafe fn optional_texts(
        &mut self,
        name: &'static str,
        ptr: *const *const c_char,
        len: usize,
    ) -> FfiResult {
        if ptr.is_null() {
            return Ok(());
        }
        // SAFETY: forwarded contract.
        self.put(name, unsafe { text_array(ptr, len, name) }?)
    }
}

/// Runs operation `op` with the arguments `fill` gathers: as the operator on `store` when
/// `actor` is NULL, else as that agent. `*out_response` (when not NULL) receives the response
/// as JSON (`null` for operations that return nothing).
pub(crate) fn run(
    store: Option<&agor_store>,
    actor: Option<&agor_actor>,
    out_response: Option<&mut *mut c_char>,
    op: &'static str,
    fill: impl FnOnce(&mut Args) -> FfiResult,
) -> agor_status {
    call(|| {
        let out = optional_out(out_response);
        let mut args = Args::default();
        args.put("op", op)?;
        fill(&mut args)?;
        let caller = acting(store, actor)?;
        let response = ops::call_value(&caller, Value::Object(args.0)).map_err(FfiError::from)?;
        if let Some(out) = out {
            put_string(out, response);
        }
        Ok(())
    })
}
