//! The MCP sessions of the HTTP transport and who they belong to (SPEC §2.2): a session is
//! the principal's that opened it (an agent, or the operator with an operator secret), and a
//! request naming it with another principal's secret is
//! answered as if it did not exist (404, for every method: no one reads another's pending
//! results or ends its session). Sessions are bounded per agent (429 over the bound) and per
//! server (503); the SDK's session manager ends those idle too long (`--session-timeout`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;

use crate::auth::Principal;
use crate::auth::{self, Authenticated};
use crate::jsonrpc::Checked;
use crate::refusals::error_response;

/// The header that names a session (MCP's Streamable HTTP transport).
const SESSION_HEADER: &str = "mcp-session-id";

/// The sessions of one server and their owners. Cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct Sessions {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// The SDK's sessions: the live ones are those it still holds.
    manager: Arc<LocalSessionManager>,
    owners: Mutex<Owners>,
    max_total: usize,
    max_per_agent: usize,
}

#[derive(Debug, Default)]
struct Owners {
    /// Session id -> the principal (an agent, or the operator) that opened it.
    by_id: HashMap<String, Principal>,
    /// Sessions being opened (an `initialize` in flight), per agent: they count against the
    /// bounds already, so a burst of opens cannot slip past them.
    opening: HashMap<Principal, usize>,
}

/// Why a session cannot be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Full {
    Agent(usize),
    Server(usize),
}

impl Sessions {
    /// The sessions of `manager`, bounded by `max_total` and `max_per_agent`.
    pub(crate) fn new(
        manager: Arc<LocalSessionManager>,
        max_total: usize,
        max_per_agent: usize,
    ) -> Sessions {
        Sessions {
            inner: Arc::new(Inner {
                manager,
                owners: Mutex::new(Owners::default()),
                max_total,
                max_per_agent,
            }),
        }
    }

    /// Whether `agent` may use session `id`. An id no agent opened here is left to the SDK,
    /// which answers 404 like for any ended session.
    fn usable_by(&self, id: &str, agent: &Principal) -> bool {
        self.owners()
            .by_id
            .get(id)
            .is_none_or(|owner| owner == agent)
    }

    /// Counts a session being opened by `agent`, or says which bound is reached.
    async fn open(&self, agent: &Principal) -> Result<Opening, Full> {
        // Forget the sessions the SDK has ended (closed, expired, failed) first.
        let live = self.inner.manager.sessions.read().await;
        let mut owners = self.owners();
        owners.by_id.retain(|id, _| live.contains_key(id.as_str()));
        drop(live);
        let opening: usize = owners.opening.values().sum();
        if owners.by_id.len() + opening >= self.inner.max_total {
            return Err(Full::Server(self.inner.max_total));
        }
        let of_agent = owners.by_id.values().filter(|o| *o == agent).count()
            + owners.opening.get(agent).copied().unwrap_or(0);
        if of_agent >= self.inner.max_per_agent {
            return Err(Full::Agent(self.inner.max_per_agent));
        }
        *owners.opening.entry(agent.clone()).or_default() += 1;
        Ok(Opening {
            sessions: self.clone(),
            agent: agent.clone(),
        })
    }

    fn owners(&self) -> std::sync::MutexGuard<'_, Owners> {
        // The map stays consistent at every step: a panic elsewhere leaves it usable.
        self.inner
            .owners
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// A session being opened; it stops counting as such when dropped (answered, failed or
/// abandoned by its client), and counts as the agent's if [`Opening::opened`] recorded it.
#[derive(Debug)]
struct Opening {
    sessions: Sessions,
    agent: Principal,
}

impl Opening {
    fn opened(self, id: &str) {
        self.sessions
            .owners()
            .by_id
            .insert(id.to_owned(), self.agent.clone());
    }
}

impl Drop for Opening {
    fn drop(&mut self) {
        let mut owners = self.sessions.owners();
        if let Some(n) = owners.opening.get_mut(&self.agent) {
            *n -= 1;
            if *n == 0 {
                owners.opening.remove(&self.agent);
            }
        }
    }
}

/// The middleware: refuses another agent's session id, bounds new sessions, and records who
/// opened each. Runs after [`crate::http`] authenticated the request and checked its body.
pub(crate) async fn guard(
    State(sessions): State<Sessions>,
    request: Request,
    next: Next,
) -> Response {
    let Some(agent) = request
        .extensions()
        .get::<Authenticated>()
        .map(|a| a.0.clone())
    else {
        // Authentication runs first and marks every request it lets through.
        return next.run(request).await;
    };
    if let Some(id) = request.headers().get(SESSION_HEADER) {
        let id = id.to_str().unwrap_or_default();
        if !sessions.usable_by(id, &agent) {
            // The same answer as for an unknown session: no oracle of other agents' ids.
            return error_response(
                StatusCode::NOT_FOUND,
                "not_found",
                "no such session: it ended, or it is not yours (start a new one with initialize)",
            );
        }
        return next.run(request).await;
    }
    let opens = request.method() == Method::POST
        && request
            .extensions()
            .get::<Checked>()
            .is_some_and(Checked::opens_session);
    if !opens {
        return next.run(request).await;
    }
    let opening = match sessions.open(&agent).await {
        Ok(opening) => opening,
        Err(Full::Agent(max)) => {
            return error_response(
                StatusCode::TOO_MANY_REQUESTS,
                "busy",
                &format!(
                    "{} has {max} open sessions, its limit \
                     (--max-sessions-per-agent): end one (DELETE) or let it expire",
                    auth::name(&agent)
                ),
            )
        }
        Err(Full::Server(max)) => {
            return error_response(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                &format!("the server has {max} open sessions, its limit (--max-sessions)"),
            )
        }
    };
    let response = next.run(request).await;
    if let Some(id) = response
        .headers()
        .get(SESSION_HEADER)
        .and_then(|v| v.to_str().ok())
    {
        opening.opened(id);
    }
    response
}
