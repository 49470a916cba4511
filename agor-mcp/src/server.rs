//! The MCP server: `tools/list` is the catalogue as far as the client's profile offers it,
//! `tools/call` runs an operation as the server's agent (stdio) or as the principal whose
//! secret authenticated the request (HTTP). The board, the inbox and the change feed are
//! resources with subscriptions ([`crate::resources`]).

use std::sync::{Arc, Mutex, PoisonError};

use agor_core::{Presence, Store};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, InitializeRequestParams,
    InitializeResult, ListResourcesResult, ListToolsResult, PaginatedRequestParams,
    ReadResourceRequestParams, ReadResourceResponse, ResourceUpdatedNotification,
    ResourceUpdatedNotificationParam, ServerCapabilities, ServerConfig, ServerNotification,
    SubscribeRequestParams, SubscriptionFilter, Tool, UnsubscribeRequestParams,
};
use rmcp::service::{RequestContext, SubscriptionContext};
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler};

use agor_core::ops::CallerKind;

use crate::annotations;
use crate::auth::{self, Authenticated, Principal};
use crate::connections::ConnectionGone;
use crate::profiles::Profile;
use crate::resources::{self, Subscriptions};
use crate::streams::Streams;
use crate::tools::{self, CallContext, WaitSlots};

/// The catalogue as an MCP server over one store. Cheap to clone (one per HTTP session).
#[derive(Debug, Clone)]
pub struct AgorServer {
    store: Store,
    /// Whom every call acts as (stdio); `None`: the principal each HTTP request's secret
    /// authenticated, and a request without one is refused.
    principal: Option<Principal>,
    /// The profile every client gets (`--profile`); `None`: each principal's default.
    profile: Option<Profile>,
    /// Every operation's tool, with who calls it.
    tools: Arc<Vec<(CallerKind, Tool)>>,
    /// Shared by every session: the caps on concurrent waits.
    waits: Arc<WaitSlots>,
    /// This session's agent counts as alive while the session is open (SPEC §2 liveness):
    /// set when the session starts, dropped with the session.
    presence: Arc<Mutex<Option<Presence>>>,
    /// Shared by every session (and `/events` under `agor serve`): the caps on what
    /// follows the change feed.
    streams: Arc<Streams>,
    /// This session's resource subscriptions (`resources/subscribe`).
    subscriptions: Arc<Subscriptions>,
}

impl AgorServer {
    /// A server over `store` whose calls act as `principal`: the operator (whoever runs the
    /// server owns the database), or one agent, for the whole session (stdio).
    pub fn new(store: Store, principal: Principal) -> AgorServer {
        AgorServer::serving(store, Some(principal))
    }

    /// A server over `store` whose calls act as the principal (an agent, or the operator)
    /// each HTTP request authenticated as.
    pub fn per_request(store: Store) -> AgorServer {
        AgorServer::serving(store, None)
    }

    fn serving(store: Store, principal: Option<Principal>) -> AgorServer {
        AgorServer {
            store,
            principal,
            profile: None,
            tools: Arc::new(tools::all()),
            waits: Arc::default(),
            presence: Arc::default(),
            streams: Arc::default(),
            subscriptions: Arc::default(),
        }
    }

    /// The server for one new session: shares everything but the session's presence.
    pub(crate) fn for_session(&self) -> AgorServer {
        AgorServer {
            presence: Arc::default(),
            subscriptions: Arc::default(),
            ..self.clone()
        }
    }

    /// Offers every client `profile` rather than its principal's default.
    pub fn with_profile(mut self, profile: Option<Profile>) -> AgorServer {
        self.profile = profile;
        self
    }

    /// Caps on concurrent `wait` calls: `per_agent` for one agent, `per_server` in all
    /// (defaults [`crate::MAX_WAITS_PER_AGENT`], [`crate::MAX_WAITS_PER_SERVER`]).
    pub fn with_wait_limits(mut self, per_agent: usize, per_server: usize) -> AgorServer {
        self.waits = Arc::new(WaitSlots::new(per_agent, per_server));
        self
    }

    /// Caps on what follows the change feed (resource subscriptions), shared with whatever
    /// else `streams` bounds (`/events` under `agor serve`).
    pub(crate) fn with_streams(mut self, streams: Arc<Streams>) -> AgorServer {
        self.streams = streams;
        self
    }

    /// Starts following the feed as `who` for `uris` from now (whatever commits after it
    /// returns is seen), sending each update through `send` until `cancel` (or until `send`
    /// fails); refused over the stream caps.
    async fn follow<F, Fut>(
        &self,
        who: &Principal,
        uris: Arc<Mutex<std::collections::BTreeSet<String>>>,
        cancel: agor_core::CancelToken,
        send: F,
    ) -> Result<(), McpError>
    where
        F: Fn(String) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = bool> + Send,
    {
        let slot = self.streams.take(auth::name(who)).map_err(|full| {
            let message = full.message(auth::name(who), "streams", "end a subscription");
            McpError::invalid_request(message, Some(serde_json::json!({ "kind": "busy" })))
        })?;
        let (store, streams, whose) = (self.store.clone(), self.streams.clone(), who.clone());
        let follower =
            tokio::task::spawn_blocking(move || streams.feeds.follow(&store, &whose, None))
                .await
                .map_err(|e| {
                    McpError::internal_error(format!("the subscription failed: {e}"), None)
                })?
                .map_err(|e| resources::failed(&e))?;
        let (updated, mut updates) = tokio::sync::mpsc::channel::<String>(64);
        let (who, stop) = (who.clone(), cancel.clone());
        tokio::task::spawn_blocking(move || {
            resources::follow(follower, &who, slot, &uris, &stop, &updated)
        });
        tokio::spawn(async move {
            while let Some(uri) = updates.recv().await {
                if !send(uri).await {
                    break;
                }
            }
            // The client went: the follower stops and frees its slot.
            cancel.cancel();
        });
        Ok(())
    }

    fn principal(&self, context: &RequestContext<RoleServer>) -> Result<Principal, McpError> {
        match &self.principal {
            Some(principal) => Ok(principal.clone()),
            None => context
                .extensions
                .get::<axum::http::request::Parts>()
                .and_then(|parts| parts.extensions.get::<Authenticated>())
                .map(|a| a.0.clone())
                // The HTTP layer refuses such requests before they get here.
                .ok_or_else(|| McpError::invalid_request("the request carries no secret", None)),
        }
    }

    /// The profile of `who`'s client: the server's, or `who`'s default (read off the async
    /// threads: it may ask the database for the agent's role).
    async fn profile(&self, who: &Principal) -> Result<Profile, McpError> {
        if let Some(profile) = self.profile {
            return Ok(profile);
        }
        let (store, who) = (self.store.clone(), who.clone());
        tokio::task::spawn_blocking(move || Profile::default_for(&store, &who))
            .await
            .map_err(|e| McpError::internal_error(format!("the call failed: {e}"), None))?
            .map_err(|e| McpError::invalid_request(e.to_string(), None))
    }
}

/// The refusal of a tool outside the client's profile: for that client it does not exist.
fn not_offered(name: &str, caller: CallerKind, who: &Principal, profile: Profile) -> McpError {
    let why = match (caller, who) {
        (CallerKind::Operator, Principal::Agent(_)) => {
            "it is the operator's, and no agent's profile offers it".to_owned()
        }
        (CallerKind::Agent, Principal::Operator) => {
            "it acts as an agent, and the operator has no agent identity".to_owned()
        }
        _ => format!(
            "profile '{}' does not offer it (start the server with `agor mcp --profile all` \
             for every tool this principal may call)",
            profile.as_str()
        ),
    };
    McpError::invalid_params(
        format!("unknown tool '{name}' for {}: {why}", auth::name(who)),
        None,
    )
}

impl ServerHandler for AgorServer {
    fn get_info(&self) -> ServerConfig {
        let capabilities = ServerCapabilities::builder()
            .enable_resources()
            .enable_resources_subscribe()
            .enable_tools()
            .build();
        let mut config = ServerConfig::new(capabilities)
            .with_server_info(annotations::server_info())
            .with_instructions(
                "agor coordinates a team of agents: direct messages (send, inbox, read, reply), \
                 channels, and a task board (list_tasks, claim_task, complete_task). Call \
                 `wait` to block until something for you arrives instead of polling, or \
                 subscribe to the resources agor://board, agor://inbox and agor://changes. Each \
                 result is {\"result\": …}; a failure is a tool error {\"error\": {\"kind\", \
                 \"message\"}}.",
            );
        // `initialize` answers carry the server's name and version in `_meta` too, like
        // every other result (`server/discover` puts them there by itself).
        config.meta = Some(annotations::meta());
        config
    }

    async fn initialize(
        &self,
        request: InitializeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<InitializeResult, McpError> {
        // An agent with an open session is alive: mail to it is delivered and wakes its
        // waits, however long it stays silent.
        if let Ok(Principal::Agent(agent)) = self.principal(&context) {
            // It records a sign of life at once: database work, off the async threads (the
            // PostgreSQL client must not block one).
            let store = self.store.clone();
            let presence = tokio::task::spawn_blocking(move || store.presence(&agent)).await;
            if let Ok(Ok(presence)) = presence {
                *self.presence.lock().unwrap_or_else(PoisonError::into_inner) = Some(presence);
            }
        }
        context.peer.set_peer_info(request.clone());
        self.negotiate_initialize(&request)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        let who = self.principal(&context)?;
        let profile = self.profile(&who).await?;
        let offered = self
            .tools
            .iter()
            .filter(|(caller, tool)| profile.offers(&tool.name, *caller, &who))
            .map(|(_, tool)| tool.clone())
            .collect();
        let mut list = ListToolsResult::with_all_items(offered);
        list.meta = Some(annotations::meta());
        Ok(list)
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        let who = self.principal(&context)?;
        let mut list = ListResourcesResult::with_all_items(resources::list(&who));
        list.meta = Some(annotations::meta());
        Ok(list)
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        let who = self.principal(&context)?;
        let (store, uri) = (self.store.clone(), request.uri.clone());
        let read = tokio::task::spawn_blocking(move || resources::read(&store, &who, &uri))
            .await
            .map_err(|e| McpError::internal_error(format!("the read failed: {e}"), None))?;
        match read {
            None => Err(resources::unknown(&request.uri)),
            Some(Err(e)) => Err(resources::failed(&e)),
            Some(Ok(mut result)) => {
                result.meta = Some(annotations::meta());
                Ok(result.into())
            }
        }
    }

    #[allow(deprecated)]
    async fn subscribe(
        &self,
        request: SubscribeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        let who = self.principal(&context)?;
        if resources::named(&request.uri, &who).is_none() {
            return Err(resources::unknown(&request.uri));
        }
        if !self.subscriptions.add(&request.uri) {
            return Ok(());
        }
        let cancel = agor_core::CancelToken::new();
        let peer = context.peer.clone();
        let started = self.follow(
            &who,
            self.subscriptions.uris(),
            cancel.clone(),
            move |uri| {
                let peer = peer.clone();
                async move {
                    let param = ResourceUpdatedNotificationParam::new(uri);
                    peer.notify_resource_updated(param).await.is_ok()
                }
            },
        );
        match started.await {
            Ok(()) => {
                self.subscriptions.following(cancel);
                Ok(())
            }
            Err(refused) => {
                self.subscriptions.remove(&request.uri);
                Err(refused)
            }
        }
    }

    #[allow(deprecated)]
    async fn unsubscribe(
        &self,
        request: UnsubscribeRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        self.subscriptions.remove(&request.uri);
        Ok(())
    }

    fn accepted_subscription_filter(
        &self,
        requested: &SubscriptionFilter,
    ) -> Option<SubscriptionFilter> {
        let uris = requested
            .resource_subscriptions
            .as_deref()
            .unwrap_or_default();
        let mut accepted = SubscriptionFilter::new();
        accepted.resource_subscriptions = Some(resources::accepted(uris));
        Some(accepted)
    }

    async fn listen(&self, context: SubscriptionContext) -> Result<(), McpError> {
        let who = self.principal(context.request_context())?;
        let uris: std::collections::BTreeSet<String> = context
            .accepted()
            .resource_subscriptions
            .iter()
            .flatten()
            .filter(|uri| resources::named(uri, &who).is_some())
            .cloned()
            .collect();
        if uris.is_empty() {
            context.cancelled().await;
            return Ok(());
        }
        let cancel = agor_core::CancelToken::new();
        let sink = context.sink().clone();
        let send = move |uri: String| {
            let sink = sink.clone();
            async move {
                let param = ResourceUpdatedNotificationParam::new(uri);
                let note = ResourceUpdatedNotification::new(param);
                sink.send(ServerNotification::ResourceUpdatedNotification(note))
                    .await
                    .is_ok()
            }
        };
        let initial: Vec<String> = uris.iter().cloned().collect();
        self.follow(
            &who,
            Arc::new(Mutex::new(uris)),
            cancel.clone(),
            send.clone(),
        )
        .await?;
        // The SDK acknowledged the listen before this handler ran, so a change may have
        // committed in between, before the waiter was in place: each resource is announced
        // once now that it is, and a client that re-reads then misses nothing.
        for uri in initial {
            if !send(uri).await {
                break;
            }
        }
        context.cancelled().await;
        cancel.cancel();
        Ok(())
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let name = request.name.to_string();
        let Some(&(caller, _)) = self.tools.iter().find(|(_, tool)| tool.name == name) else {
            return Err(McpError::invalid_params(
                format!("unknown tool '{name}': tools/list names every tool"),
                None,
            ));
        };
        let who = self.principal(&context)?;
        let profile = self.profile(&who).await?;
        if !profile.offers(&name, caller, &who) {
            return Err(not_offered(&name, caller, &who, profile));
        }
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
        // Over HTTP, also when the connection that carried the call closes (see
        // [`ConnectionGone`]); stdio has none, and its session ends with its input.
        let connection_gone = context
            .extensions
            .get::<axum::http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<ConnectionGone>())
            .map(|gone| gone.0.clone())
            .unwrap_or_default();
        tokio::spawn(async move {
            tokio::select! {
                _ = client_gone.cancelled() => cancel.cancel(),
                _ = connection_gone.cancelled() => cancel.cancel(),
                _ = finished => {}
            }
        });
        // Operations block (a write waits for the lock; `wait` for a change): off the async
        // threads, so one agent's wait never holds up another's call.
        tokio::task::spawn_blocking(move || tools::call(&store, &who, &name, arguments, &cx))
            .await
            .map(|result| CallToolResponse::from(with_meta(result)))
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

/// A tool's result with the server's name and version in its `_meta`.
fn with_meta(mut result: CallToolResult) -> CallToolResult {
    result.meta = Some(annotations::meta());
    result
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use agor_core::{NewAgent, Store};
    use rmcp::ServiceExt;
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

    use super::*;

    /// A store whose agents go stale after 2 s (its signs of life come every second), on
    /// `path`; two of them on one file behave as two processes.
    fn short_lived(path: &std::path::Path) -> Store {
        Store::builder()
            .path(path)
            .stale_after(Duration::from_secs(2))
            .open()
            .unwrap()
    }

    /// issue 19 item 16: an open MCP session is a sign of life. An agent that says nothing for
    /// longer than the stale threshold, with its session open, still gets its mail; once the
    /// session ends, it goes stale again and mail to it is dead-lettered.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_open_session_keeps_its_agent_alive_and_only_while_open() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("team.db");
        let store = short_lived(&db);
        for (id, role) in [("mgr", "manager"), ("dev", "project")] {
            store
                .register_agent(&NewAgent::new(id, id, role, "g"))
                .unwrap();
        }
        store.allow("mgr", "dev", true).unwrap();
        store.as_agent("dev").unwrap().heartbeat().unwrap();
        let sender = short_lived(&db).as_agent("mgr").unwrap();

        let (client, transport) = tokio::io::duplex(1 << 16);
        let server = AgorServer::new(store.clone(), Principal::Agent("dev".into()));
        let session = tokio::spawn(async move {
            let running = server.serve(transport).await.unwrap();
            running.waiting().await.unwrap();
        });
        let (from_server, mut to_server) = tokio::io::split(client);
        let init = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#;
        to_server
            .write_all(format!("{init}\n").as_bytes())
            .await
            .unwrap();
        let mut answers = BufReader::new(from_server).lines();
        let answer = answers.next_line().await.unwrap().unwrap();
        assert!(answer.contains("\"result\""), "{answer}");
        let initialized = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;
        to_server
            .write_all(format!("{initialized}\n").as_bytes())
            .await
            .unwrap();

        // Silent past the threshold, session open: alive.
        tokio::time::sleep(Duration::from_millis(3500)).await;
        let first = sender.clone();
        tokio::task::spawn_blocking(move || first.send("dev", "still there?"))
            .await
            .unwrap()
            .expect("an agent with an open session is not gone");

        // The session ends (the client closes its side): the agent is silent from then on.
        drop(to_server);
        drop(answers);
        session.await.unwrap();
        tokio::time::sleep(Duration::from_millis(3500)).await;
        let e = tokio::task::spawn_blocking(move || sender.send("dev", "gone?"))
            .await
            .unwrap()
            .unwrap_err();
        assert!(e.to_string().contains("unavailable"), "{e}");
    }
}
