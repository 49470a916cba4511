//! The MCP server: `tools/list` is the catalogue, `tools/call` runs an operation as the
//! server's agent (stdio) or as the agent whose secret authenticated the request (HTTP).

use std::sync::Arc;

use agor_core::Store;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, Implementation, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler, ServiceExt};

use crate::http::Authenticated;
use crate::tools::{self, CallContext, Principal, WaitSlots};

/// Who the server's calls act as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// The operator (stdio without an agent): whoever runs the server owns the database.
    Operator,
    /// One agent, for the whole session (stdio).
    Agent(String),
    /// The agent each HTTP request authenticated as; a request without one is refused.
    PerRequest,
}

/// The catalogue as an MCP server over one store. Cheap to clone (one per HTTP session).
#[derive(Debug, Clone)]
pub struct AgorServer {
    store: Store,
    identity: Identity,
    tools: Arc<Vec<Tool>>,
    /// Shared by every session: the caps on concurrent waits.
    waits: Arc<WaitSlots>,
}

impl AgorServer {
    /// A server over `store` acting as `identity`.
    pub fn new(store: Store, identity: Identity) -> AgorServer {
        AgorServer {
            store,
            identity,
            tools: Arc::new(tools::all()),
            waits: Arc::default(),
        }
    }

    /// Caps on concurrent `wait` calls: `per_agent` for one agent, `per_server` in all
    /// (defaults [`crate::MAX_WAITS_PER_AGENT`], [`crate::MAX_WAITS_PER_SERVER`]).
    pub fn with_wait_limits(mut self, per_agent: usize, per_server: usize) -> AgorServer {
        self.waits = Arc::new(WaitSlots::new(per_agent, per_server));
        self
    }

    fn principal(&self, context: &RequestContext<RoleServer>) -> Result<Principal, McpError> {
        match &self.identity {
            Identity::Operator => Ok(Principal::Operator),
            Identity::Agent(id) => Ok(Principal::Agent(id.clone())),
            Identity::PerRequest => context
                .extensions
                .get::<axum::http::request::Parts>()
                .and_then(|parts| parts.extensions.get::<Authenticated>())
                .map(|a| Principal::Agent(a.0.clone()))
                // The HTTP layer refuses such requests before they get here.
                .ok_or_else(|| {
                    McpError::invalid_request("the request carries no agent secret", None)
                }),
        }
    }
}

impl ServerHandler for AgorServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("agor", env!("CARGO_PKG_VERSION")))
            .with_instructions(
                "agor coordinates a team of agents: direct messages (send, inbox, read, reply), \
                 channels, and a task board (list_tasks, claim_task, complete_task). Call \
                 `wait` to block until something for you arrives instead of polling. Each \
                 result is {\"result\": …}; a failure is a tool error {\"error\": {\"kind\", \
                 \"message\"}}.",
            )
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        Ok(ListToolsResult::with_all_items(self.tools.as_ref().clone()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let name = request.name.to_string();
        if !tools::exists(&name) {
            return Err(McpError::invalid_params(
                format!("unknown tool '{name}': tools/list names every operation"),
                None,
            ));
        }
        let who = self.principal(&context)?;
        let store = self.store.clone();
        let arguments = request.arguments.unwrap_or_default();
        // A wait ends when its client goes: the session closes or the client cancels the
        // request (rmcp cancels `ct`), or this call's future is dropped.
        let cx = CallContext {
            waits: self.waits.clone(),
            cancel: agor_core::CancelToken::new(),
        };
        let (cancel, (done, finished)) = (cx.cancel.clone(), tokio::sync::oneshot::channel());
        let _cancel_on_drop = CancelOnDrop(cx.cancel.clone(), Some(done));
        let client_gone = context.ct.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = client_gone.cancelled() => cancel.cancel(),
                _ = finished => {}
            }
        });
        // Operations block (a write waits for the lock; `wait` for a change): off the async
        // threads, so one agent's wait never holds up another's call.
        tokio::task::spawn_blocking(move || tools::call(&store, &who, &name, arguments, &cx))
            .await
            .map(CallToolResponse::from)
            .map_err(|e| McpError::internal_error(format!("the call failed: {e}"), None))
    }
}

/// Cancels a call's token when the call's future ends or is dropped, and ends the task that
/// watched its client.
struct CancelOnDrop(
    agor_core::CancelToken,
    Option<tokio::sync::oneshot::Sender<()>>,
);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
        if let Some(done) = self.1.take() {
            let _ = done.send(());
        }
    }
}

/// Serves one agent (or the operator) on stdin/stdout until the client closes stdin. Each line
/// is checked first (see [`crate::jsonrpc`]): a bad one is answered with a JSON-RPC error on
/// stdout and the session goes on; good ones reach the MCP session through a pipe.
pub(crate) async fn serve_stdio(server: AgorServer) -> Result<(), String> {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

    let (ours, sdk) = tokio::io::duplex(1 << 16);
    let (sdk_in, sdk_out) = tokio::io::split(sdk);
    let (from_sdk, mut to_sdk) = tokio::io::split(ours);
    // The session starts by waiting for the client's `initialize`, which comes through the
    // loop below: so it runs on a task of its own.
    let session = tokio::spawn(async move {
        let running = server
            .serve((sdk_in, sdk_out))
            .await
            .map_err(|e| format!("the MCP session did not start: {e}"))?;
        running
            .waiting()
            .await
            .map(drop)
            .map_err(|e| format!("the MCP session ended abnormally: {e}"))
    });
    // One writer owns stdout: the session's answers and our rejections, whole lines each.
    let (lines_tx, mut lines_rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let rejections = lines_tx.clone();
    let answers = tokio::spawn(async move {
        let mut from_sdk = BufReader::new(from_sdk).lines();
        while let Ok(Some(line)) = from_sdk.next_line().await {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let writer = tokio::spawn(async move {
        let mut stdout = tokio::io::stdout();
        while let Some(line) = lines_rx.recv().await {
            let written = async {
                stdout.write_all(line.as_bytes()).await?;
                stdout.write_all(b"\n").await?;
                stdout.flush().await
            };
            if written.await.is_err() {
                break;
            }
        }
    });
    let mut stdin = BufReader::new(tokio::io::stdin()).lines();
    while let Ok(Some(line)) = stdin.next_line().await {
        if line.trim().is_empty() {
            continue;
        }
        match crate::jsonrpc::check(line.as_bytes()) {
            Ok(()) => {
                let forwarded = async {
                    to_sdk.write_all(line.as_bytes()).await?;
                    to_sdk.write_all(b"\n").await
                };
                if forwarded.await.is_err() {
                    break;
                }
            }
            Err(rejected) => {
                let _ = rejections.send(rejected.response().to_string());
            }
        }
    }
    // End of input: the session sees its input close and ends; then the writer drains.
    let _ = to_sdk.shutdown().await;
    drop(rejections);
    let ended = session
        .await
        .map_err(|e| format!("the MCP session failed: {e}"))?;
    let _ = answers.await;
    let _ = writer.await;
    ended
}
