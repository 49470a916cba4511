//! `agor mcp`: agor's operation catalogue served as Model Context Protocol tools (SPEC §11),
//! so coding agents (Claude Code, Codex, Cursor …) send, read, claim and wait as native tool
//! calls. Built on the official Rust SDK, `rmcp`.
//!
//! * **stdio** (the default): one agent per server process, named by `--agent` or
//!   `$BTMSG_AGENT_ID` (without either, the operator's tools: whoever runs it owns the file).
//! * **streamable HTTP** (`--http 127.0.0.1:PORT`): one server for several agents; every
//!   request carries its agent's secret (`Authorization: Bearer …`, issued by the operator with
//!   `btmsg token issue AGENT`; the operator's own with `--operator`), and each call acts as
//!   the principal that secret belongs to, never as another. Connections, request bodies, sessions and the time a client may take are
//!   bounded (SPEC §2.2); a browser origin other than the server's own is refused.
//!
//! Every catalogue operation is a tool of the same name, with the catalogue's JSON Schemas
//! trimmed (module `schemas`); a client is offered the tools of its profile ([`Profile`]);
//! a result is `{"result": …}` (structured content, also as JSON text), a failure a tool error
//! `{"error": {"kind", "message"}}` with agor's stable error kinds.

#![warn(missing_docs)]

mod annotations;
mod args;
mod auth;
mod connections;
mod dist;
mod http;
pub mod init;
mod jsonrpc;
mod origin;
mod profiles;
mod refusals;
mod request_log;
mod resources;
mod schemas;
mod serve;
mod server;
mod sessions;
mod stdio;
mod streams;
mod tools;

use std::ffi::OsString;

use agor_core::Store;

pub use args::{
    Limits, Options, Transport, DEFAULT_HEADER_TIMEOUT, DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_REQUEST_BYTES, DEFAULT_MAX_SESSIONS, DEFAULT_MAX_SESSIONS_PER_AGENT,
    DEFAULT_SESSION_TIMEOUT, MAX_TIMEOUT, USAGE,
};
pub use auth::Principal;
pub use profiles::Profile;
pub use server::AgorServer;
pub use streams::{DEFAULT_MAX_STREAMS, DEFAULT_MAX_STREAMS_PER_PRINCIPAL};
pub use tools::{MAX_WAITS_PER_AGENT, MAX_WAITS_PER_SERVER};

/// Runs the `agor` command with `argv` (`argv[0]` is the program name) and returns its exit
/// code: 0 when the server ended normally, 2 for a usage error, 1 when it could not start.
pub fn agor_main(argv: Vec<OsString>) -> i32 {
    if let Some(code) = dist::main(&argv) {
        return code;
    }
    if argv.get(1).is_some_and(|c| c == "init") {
        return init::main(argv);
    }
    let options = match args::parse(argv) {
        Ok(args::Parsed::Run(o)) => o,
        Ok(args::Parsed::Help) => {
            print!("{USAGE}");
            return 0;
        }
        Ok(args::Parsed::Version) => {
            println!("agor {}", env!("CARGO_PKG_VERSION"));
            return 0;
        }
        Err(e) => {
            eprintln!("agor: {e}\n\n{USAGE}");
            return 2;
        }
    };
    match run(options) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("agor mcp: {e}");
            1
        }
    }
}

/// Opens the store and serves until the client goes away (stdio) or the process is
/// interrupted (HTTP).
pub fn run(options: Options) -> Result<(), String> {
    // Serving never creates a database: a mistyped --db is an error naming the path.
    let mut builder = match &options.db {
        Some(db) => Store::builder().path(db),
        None => Store::builder(),
    };
    if let Some(after) = options.stale_after {
        builder = builder.stale_after(after);
    }
    let store = builder.create(false).open().map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    // The server's tasks get clones; this one outlives them all, so the database connection
    // is closed here, outside the async runtime (the PostgreSQL client blocks as it closes,
    // which an async thread must not do).
    let served = match options.transport {
        Transport::Stdio => {
            let principal = match &options.agent {
                Some(id) => {
                    // A typo in the agent id fails here, once, not on every call.
                    let actor = store.as_agent(id).map_err(|e| e.to_string())?;
                    actor.whoami().map_err(|e| e.to_string())?;
                    Principal::Agent(id.clone())
                }
                None => Principal::Operator,
            };
            let server = AgorServer::new(store.clone(), principal).with_profile(options.profile);
            runtime.block_on(stdio::serve(server, options.limits.max_request_bytes))
        }
        Transport::Http(addr) => runtime.block_on(http::serve(
            store.clone(),
            addr,
            options.profile,
            options.limits,
            None,
        )),
        Transport::Serve(addr) => runtime.block_on(http::serve(
            store.clone(),
            addr,
            options.profile,
            options.limits,
            Some(serve::routes),
        )),
    };
    // A `wait` still blocked (no timeout) must not hold the exit up: its thread is left
    // behind, and the process ends.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    drop(store);
    served
}
