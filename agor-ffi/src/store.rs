//! Opening the database file and making actor handles (the handles themselves are in
//! [`crate::handles`]), registering agents, the contacts ACL.

use std::ffi::c_char;
use std::ptr;
use std::time::Duration;

use agor_core::Store;

use crate::boundary::{call, guard, handle, optional_texts, put_string, required_out, texts};
use crate::handles::{agor_actor, agor_store, query};
use crate::operations::{agor_op_allow, agor_op_register_agent};
use crate::status::agor_status;
use crate::twins::{change, Principal};

/// Pass as `tier` to `agor_register_agent` to take the role's default tier.
pub const AGOR_TIER_DEFAULT: i64 = -1;

/// Pass as `busy_timeout_ms` to `agor_store_open_with` for the default wait (10 s;
/// `(uint32_t)-1`). 0 means what it means in Rust and Python: do not wait at all.
pub const AGOR_DEFAULT_BUSY_TIMEOUT: u32 = u32::MAX;

/// Opens (creating if needed) the database at `path`, or at `$AGOR_DB` / the default
/// `~/.local/share/agor/btmsg.db` when `path` is NULL. `path` (and `$AGOR_DB`) may also be a
/// PostgreSQL URL, `postgresql://user:password@host/db`: the same API on a shared server.
/// Same as `agor_store_open_with(path,
/// AGOR_DEFAULT_BUSY_TIMEOUT, false, out_store)`.
///
/// A file (or PostgreSQL schema) that is not an agor database, or is from a newer agor, fails
/// with `AGOR_SCHEMA` and is left untouched; an unreachable server or refused credentials fail
/// with `AGOR_STORAGE` and a message naming the cause. An empty `path` is refused with `AGOR_INVALID_INPUT`.
///
/// Ownership: on success `*out_store` receives a new handle the caller releases with
/// `agor_store_free`; on failure it is set to NULL. `path` is only read during the call.
#[no_mangle]
pub unsafe extern "C" fn agor_store_open(
    path: *const c_char,
    out_store: Option<&mut *mut agor_store>,
) -> agor_status {
    // SAFETY: forwarded; the same contract.
    unsafe { agor_store_open_with(path, AGOR_DEFAULT_BUSY_TIMEOUT, false, out_store) }
}

/// Opens a database like `agor_store_open`, with options: `busy_timeout_ms` is how long a
/// write waits for another process's lock before failing with `AGOR_BUSY` (nothing written;
/// 0 fails at once, `AGOR_DEFAULT_BUSY_TIMEOUT` waits 10 s), and `read_only` opens an existing file for reading
/// only, so every write fails with `AGOR_READ_ONLY`.
///
/// Ownership: as for `agor_store_open`.
#[no_mangle]
pub unsafe extern "C" fn agor_store_open_with(
    path: *const c_char,
    busy_timeout_ms: u32,
    read_only: bool,
    out_store: Option<&mut *mut agor_store>,
) -> agor_status {
    // SAFETY: forwarded; the same contract.
    unsafe { open_store(path, busy_timeout_ms, read_only, true, out_store) }
}

/// Opens an existing database like `agor_store_open_with`, but never creates one: a missing
/// file (or a PostgreSQL schema without agor's tables) fails with `AGOR_NOT_FOUND`, a message
/// naming the path, and nothing created on disk. For tools that only read or act on a team
/// that must already exist, where a mistyped path should be an error, not a new empty file.
///
/// Ownership: as for `agor_store_open`.
#[no_mangle]
pub unsafe extern "C" fn agor_store_open_existing(
    path: *const c_char,
    busy_timeout_ms: u32,
    read_only: bool,
    out_store: Option<&mut *mut agor_store>,
) -> agor_status {
    // SAFETY: forwarded; the same contract.
    unsafe { open_store(path, busy_timeout_ms, read_only, false, out_store) }
}

/// The one body of the open functions.
///
/// # Safety
/// `path` is NULL or a NUL-terminated string (header conventions).
unsafe fn open_store(
    path: *const c_char,
    busy_timeout_ms: u32,
    read_only: bool,
    create: bool,
    out_store: Option<&mut *mut agor_store>,
) -> agor_status {
    call(|| {
        let out = required_out(out_store, "out_store")?;
        let path = optional_texts!(path);
        let mut builder = Store::builder().read_only(read_only).create(create);
        // An empty path is refused by the core; NULL asks for $AGOR_DB or the default file.
        if let Some(p) = path {
            builder = builder.path(p);
        }
        if busy_timeout_ms != AGOR_DEFAULT_BUSY_TIMEOUT {
            builder = builder.busy_timeout(Duration::from_millis(busy_timeout_ms.into()));
        }
        *out = Box::into_raw(Box::new(agor_store {
            store: builder.open()?,
        }));
        Ok(())
    })
}

/// Closes a store handle. Actors created from it keep the database open until they are freed
/// too. NULL is accepted and ignored; the handle is invalid afterwards.
#[no_mangle]
pub extern "C" fn agor_store_free(store: Option<Box<agor_store>>) {
    guard((), || drop(store));
}

/// The path of the store's database file (useful after opening with a NULL path).
///
/// Ownership: `*out_path` receives a string the caller frees with `agor_string_free`.
#[no_mangle]
pub extern "C" fn agor_store_path(
    store: Option<&agor_store>,
    out_path: Option<&mut *mut c_char>,
) -> agor_status {
    call(|| {
        let out = required_out(out_path, "out_path")?;
        let store = handle(store, "store")?;
        put_string(out, store.store.path().to_string_lossy().into_owned());
        Ok(())
    })
}

/// Writes a consistent copy of the whole database to `path`: a new single file that opens as
/// an agor database on its own. Use it rather than copying the file: in WAL mode recent
/// commits sit in the `-wal` file until a checkpoint, so a copy of the main file alone misses
/// them. Other processes may keep writing meanwhile; the copy is one snapshot.
///
/// An existing file at `path` is never overwritten (`AGOR_STORAGE`, the message names it).
/// `path` is only read during the call.
#[no_mangle]
pub unsafe extern "C" fn agor_store_backup(
    store: Option<&agor_store>,
    path: *const c_char,
) -> agor_status {
    call(|| {
        let store = handle(store, "store")?;
        let path = texts!(path);
        store.store.backup(path)?;
        Ok(())
    })
}

/// Registers an agent, or updates its name, role, group, tier, model and cwd if the id exists,
/// as the operator (who sets the team up). Agents use `agor_op_register_agent(NULL, actor, …)`.
///
/// `tier` is 0 (admin), 1 (management) or 2 (project), or `AGOR_TIER_DEFAULT` for the role's
/// default (an existing agent whose role is unchanged keeps its tier). `model` and `cwd` may
/// be NULL. Text is capped in bytes (name and model 256, cwd 4096; id, role and group 64
/// characters of `[A-Za-z0-9_-]`); a longer or blank (only whitespace or invisible
/// characters) name is `AGOR_INVALID_INPUT`. `out_agent` may be NULL; otherwise it receives
/// the agent as JSON, which the caller frees with `agor_string_free`.
///
/// Kept, with the same behaviour: it is `agor_op_register_agent(store, NULL, …)`, whose `tier`
/// is a pointer (NULL for the role's default) where this takes `AGOR_TIER_DEFAULT`.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
#[rustfmt::skip] // a twin's shim, one line for its signature and one for its body (see `twins`)
pub unsafe extern "C" fn agor_register_agent(store: Option<&agor_store>, id: *const c_char, name: *const c_char, role: *const c_char, group: *const c_char, tier: i64, model: *const c_char, cwd: *const c_char, out_agent: Option<&mut *mut c_char>) -> agor_status {
    // SAFETY: forwarded; the same contract.
    unsafe { register_agent(store, id, name, role, group, tier, model, cwd, out_agent) }
}

/// Registers or updates an agent as the acting agent, within its rights: managers create
/// agents of the roles below them in their group, any agent may re-register itself with the
/// same role, tier and group, tier 0 may do anything. Otherwise `AGOR_PERMISSION_DENIED`.
/// Arguments and ownership as `agor_register_agent`.
///
/// Deprecated, kept with the same behaviour: it is `agor_op_register_agent(NULL, actor, …)`
/// (`tier` as for `agor_register_agent`), which new code calls.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
#[rustfmt::skip] // a twin's shim, one line for its signature and one for its body (see `twins`)
pub unsafe extern "C" fn agor_actor_register_agent(actor: Option<&agor_actor>, id: *const c_char, name: *const c_char, role: *const c_char, group: *const c_char, tier: i64, model: *const c_char, cwd: *const c_char, out_agent: Option<&mut *mut c_char>) -> agor_status {
    // SAFETY: forwarded; the same contract.
    unsafe { register_agent(actor, id, name, role, group, tier, model, cwd, out_agent) }
}

/// The one body of both `register_agent` twins: the generated function, with
/// `AGOR_TIER_DEFAULT` as its "not given".
///
/// # Safety
/// Each pointer is NULL or a NUL-terminated string (header conventions).
#[allow(clippy::too_many_arguments)] // mirrors the agent record's fields, as in the other APIs
unsafe fn register_agent<H: Principal>(
    me: Option<&H>,
    id: *const c_char,
    name: *const c_char,
    role: *const c_char,
    group: *const c_char,
    tier: i64,
    model: *const c_char,
    cwd: *const c_char,
    out_agent: Option<&mut *mut c_char>,
) -> agor_status {
    let given = (tier != AGOR_TIER_DEFAULT).then_some(tier);
    let tier = given.as_ref().map_or(ptr::null(), ptr::from_ref);
    change(me, out_agent, |store, actor, out| {
        // SAFETY: per this function's contract; `given` outlives the call.
        unsafe {
            agor_op_register_agent(store, actor, id, name, role, group, tier, model, cwd, out)
        }
    })
}

/// One agent by id or unique id prefix, as JSON (with its unread count).
///
/// Ownership: `*out_agent` receives a string the caller frees with `agor_string_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_get_agent(
    store: Option<&agor_store>,
    id: *const c_char,
    out_agent: Option<&mut *mut c_char>,
) -> agor_status {
    query(store, out_agent, "out_agent", |store| {
        let id = texts!(id);
        Ok(store.get_agent(id)?)
    })
}

/// All agents, or those of `group` when it is not NULL, as a JSON array.
///
/// Ownership: `*out_agents` receives a string the caller frees with `agor_string_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_list_agents(
    store: Option<&agor_store>,
    group: *const c_char,
    out_agents: Option<&mut *mut c_char>,
) -> agor_status {
    query(store, out_agents, "out_agents", |store| {
        let group = optional_texts!(group);
        Ok(store.list_agents(group)?)
    })
}

/// Lets agent `from` message agent `to` (and `to` message `from` when `bidirectional`), as
/// the operator. Agents use `agor_op_allow(NULL, actor, …)`.
///
/// Kept, with the same behaviour: it is `agor_op_allow(store, NULL, from, to, bidirectional,
/// NULL)`.
#[no_mangle]
#[rustfmt::skip] // a twin's shim, one line for its signature and one for its body (see `twins`)
pub unsafe extern "C" fn agor_allow(store: Option<&agor_store>, from: *const c_char, to: *const c_char, bidirectional: bool) -> agor_status {
    // SAFETY: the entry point's contract is the generated function's.
    change(store, None, |s, a, out| unsafe { agor_op_allow(s, a, from, to, bidirectional, out) })
}

/// Grants contacts as the acting agent: managers between agents of their group other than
/// themselves, tier 0 anywhere; nobody grants itself contacts (`AGOR_PERMISSION_DENIED`).
///
/// Deprecated, kept with the same behaviour: it is `agor_op_allow(NULL, actor, from, to,
/// bidirectional, NULL)`, which new code calls.
#[no_mangle]
#[rustfmt::skip] // a twin's shim, one line for its signature and one for its body (see `twins`)
pub unsafe extern "C" fn agor_actor_allow(actor: Option<&agor_actor>, from: *const c_char, to: *const c_char, bidirectional: bool) -> agor_status {
    // SAFETY: the entry point's contract is the generated function's.
    change(actor, None, |s, a, out| unsafe { agor_op_allow(s, a, from, to, bidirectional, out) })
}

/// A handle acting as agent `agent_id` (exact id). The id's format is checked here; that the
/// agent exists is checked by each call made through the handle (`AGOR_NOT_FOUND`).
///
/// Ownership: on success `*out_actor` receives a new handle the caller releases with
/// `agor_actor_free`. It shares the store's database connection and stays valid even after
/// `agor_store_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_actor_new(
    store: Option<&agor_store>,
    agent_id: *const c_char,
    out_actor: Option<&mut *mut agor_actor>,
) -> agor_status {
    call(|| {
        let out = required_out(out_actor, "out_actor")?;
        let store = handle(store, "store")?;
        let agent_id = texts!(agent_id);
        let actor = store.store.as_agent(agent_id)?;
        *out = Box::into_raw(Box::new(agor_actor { actor }));
        Ok(())
    })
}

/// Releases an actor handle. NULL is accepted and ignored; the handle is invalid afterwards.
#[no_mangle]
pub extern "C" fn agor_actor_free(actor: Option<Box<agor_actor>>) {
    guard((), || drop(actor));
}
