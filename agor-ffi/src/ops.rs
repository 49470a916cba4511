//! The generic entry points: `agor_call` runs any operation of the catalogue from a JSON
//! request, `agor_operations` lists the catalogue. The typed functions are conveniences over
//! the same core; this pair reaches every operation, including ones added after a host was
//! written.

use std::ffi::c_char;

use agor_core::ops;

use crate::boundary::{call, put_string, required_out, texts};
use crate::handles::{acting, agor_actor, agor_store};
use crate::status::agor_status;

/// Runs one operation of the catalogue. `request_json` is `{"op": "<name>", <arguments>…}`
/// (see `agor_operations` for every name and its JSON Schema).
///
/// `actor` NULL runs it as the operator (who sets the team up: `register_agent`, `allow`,
/// `audit_log`, …) on `store`; a non-NULL `actor` runs it as that agent, and `store` may then
/// be NULL. Every rule applies as in the typed functions; an unknown operation or a malformed
/// request is `AGOR_INVALID_INPUT` naming the problem.
///
/// Ownership: `*out_response` receives the response as JSON (`null` for operations that return
/// nothing), which the caller frees with `agor_string_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_call(
    store: Option<&agor_store>,
    actor: Option<&agor_actor>,
    request_json: *const c_char,
    out_response: Option<&mut *mut c_char>,
) -> agor_status {
    call(|| {
        let out = required_out(out_response, "out_response")?;
        let request = texts!(request_json);
        put_string(out, ops::call_json(&acting(store, actor)?, request)?);
        Ok(())
    })
}

/// The catalogue: a JSON array of every operation with its `name`, `doc`, `caller`
/// (`agent`, `operator` or `either`), permission `action`, and `request`/`response` JSON
/// Schemas.
///
/// Ownership: `*out_operations` receives a string the caller frees with `agor_string_free`.
#[no_mangle]
pub extern "C" fn agor_operations(out_operations: Option<&mut *mut c_char>) -> agor_status {
    call(|| {
        let out = required_out(out_operations, "out_operations")?;
        put_string(out, ops::catalogue_json().to_owned());
        Ok(())
    })
}
