//! agor's C ABI: `extern "C"` wrappers over agor-core, built as `libagor.so` / `libagor.a`.
//! The header `include/agor.h` is generated from this crate by cbindgen and checked in CI.
//!
//! Conventions (also stated at the top of the header):
//! * every status-returning function returns [`agor_status`]; the text of a failure is in
//!   [`agor_last_error_message`], per thread;
//! * handles are `Box`es handed to C and taken back by their `*_free` function;
//! * records and lists are returned as JSON strings (serde of the core records) that the
//!   caller frees with [`agor_string_free`];
//! * a NULL where a value is required gives `AGOR_NULL_ARGUMENT`, bytes that are not UTF-8 give
//!   `AGOR_INVALID_UTF8`, and a panic is caught at the entry point and reported as `AGOR_PANIC`.
//!
//! The safety contract is the same for every `unsafe` entry point: each pointer argument is
//! NULL or valid for the duration of the call (strings NUL-terminated), and handles and strings
//! passed to a `*_free` function came from this library and are not used afterwards.
// The shared contract above replaces a `# Safety` section repeated on each entry point.
#![allow(clippy::missing_safety_doc)]
#![warn(missing_docs)]

// cbindgen lays the header out in this order: handles and agents, then messaging, then the
// task board, then the status and string helpers every caller needs.
mod handles;

mod store;

mod team;

mod roster;

mod messages;

mod channels;

mod liveness;

mod tasks;

mod board;

mod dependencies;

mod changes;

mod lifecycle;

mod ops;

// Generated one line a parameter list (see its module doc); rustfmt would spread it out.
#[rustfmt::skip]
mod operations;

mod op_args;

mod twins;

mod status;

mod boundary;

pub use boundary::{agor_last_error_message, agor_status_name, agor_string_free, agor_version};
pub use changes::{
    agor_changes, agor_latest_change, agor_wait, AGOR_WAIT_FOREVER, AGOR_WAIT_FROM_NOW,
};
pub use channels::{
    agor_add_member, agor_channel_history, agor_create_channel, agor_list_channels, agor_post,
};
pub use handles::{agor_actor, agor_store};
pub use liveness::{
    agor_clear_dead_letters, agor_dead_letters, agor_heartbeat, agor_redeliver_dead_letters,
    AGOR_ALL_DEAD_LETTERS,
};
pub use messages::{
    agor_ack, agor_broadcast, agor_contacts, agor_feed, agor_history, agor_inbox,
    agor_mark_conversation_read, agor_notify, agor_peek, agor_read, agor_read_unread, agor_reply,
    agor_send, agor_send_to_pattern, agor_send_to_role, agor_unread_count, agor_whoami,
    AGOR_DEFAULT_LIMIT, AGOR_MAX_LIMIT,
};
pub use status::agor_status;
pub use store::{
    agor_actor_free, agor_actor_new, agor_allow, agor_get_agent, agor_list_agents,
    agor_register_agent, agor_store_free, agor_store_open, agor_store_open_existing,
    agor_store_open_with, agor_store_path, AGOR_DEFAULT_BUSY_TIMEOUT, AGOR_TIER_DEFAULT,
};
pub use tasks::{
    agor_assign_task, agor_board, agor_claim_task, agor_claim_wait, agor_comment,
    agor_complete_task, agor_create_task, agor_create_task_json, agor_delete_task, agor_get_task,
    agor_list_tasks, agor_release_task, agor_renew_lease, agor_review_queue_count,
    agor_reviewer_attention, agor_set_task_status, AGOR_DEFAULT_LEASE, AGOR_MAX_LEASE_SECS,
};
