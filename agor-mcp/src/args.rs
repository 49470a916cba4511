//! The command line of `agor` (parsed with `lexopt`).

use std::ffi::OsString;
use std::net::SocketAddr;
use std::time::Duration;

use crate::origin;
use crate::profiles::Profile;

/// The `agor --help` text.
pub const USAGE: &str = "\
agor: serve agor's operations to coding agents as MCP tools

usage: agor mcp [--db PATH|URL] [--agent ID] [--profile P] [--max-request-bytes N]
                                                            (stdio: one agent)
       agor mcp [--db PATH|URL] --http ADDR [--profile P] [BOUNDS] [--allow-origin ORIGIN]...
                                                            (HTTP: agents with secrets)
       agor serve [--db PATH|URL] [--http ADDR] [BOUNDS] [--allow-origin ORIGIN]...
                          (the team's page, its API and event stream, and /mcp: one process)
       agor init --agent ID [--db PATH|URL] [--dir DIR] [--role ROLE] [--http URL]
                                            (write an agent's files: see agor init --help)
       agor completions bash|zsh|fish                     (a shell completion script)
       agor man                                             (the man page, roff)
       agor --help | --version

  --db PATH|URL          the database (default: $AGOR_DB, else ~/.local/share/agor/btmsg.db)
  --agent ID             act as this agent (default: $BTMSG_AGENT_ID; neither: the operator)
  --profile P            the tools offered: worker, reviewer, manager, person, operator or
                         all, always only those the principal may call (default: from the
                         agent's role: human person, assign_work or tier 0 manager,
                         review_work without implement_tasks reviewer, else worker; the
                         operator's: operator);
                         over HTTP, without it, each request's principal gets its own
  --http ADDR            serve streamable HTTP on ADDR (e.g. 127.0.0.1:8765) at /mcp; each
                         request needs `Authorization: Bearer SECRET` from
                         `btmsg token issue AGENT` (or `--operator`); each request is
                         logged on stderr (never its secret); an address other than
                         loopback gets a warning: there is no TLS
  --allow-origin ORIGIN  also serve browser requests from ORIGIN (e.g. http://localhost:3000;
                         repeatable); a request with any other Origin than the server's own
                         gets 403, one without Origin (a CLI client) is served
  --stale-after SECS     an agent silent for longer is stale (default 300): the stale marks
                         of `agor serve`'s team view and `stale_agents` use it

bounds (HTTP; over one: a JSON refusal, 429 or 503, never a stall):
  --max-request-bytes N       refuse request bodies (and stdio lines) over N bytes
                              (default 2097152)
  --max-connections N         open connections; more get 503 (default 256)
  --max-sessions N            MCP sessions of the whole server; more get 503 (default 1024)
  --max-sessions-per-agent N  MCP sessions of one agent; more get 429 (default 16)
  --header-timeout SECS       a connection that has not sent a whole request (head, then
                              body) within SECS of opening or of its last answer is closed:
                              idle and half-sent connections (default 10)
  --session-timeout SECS      an MCP session without a request for SECS ends; its client
                              starts a new one (default 1800)
  --max-streams-per-principal N
                              what one principal follows at once: event streams (/events
                              of `agor serve`) and MCP sessions with resource subscriptions;
                              more get 429 or a tool error (default 8)
  --max-streams N             the same for the whole server (each holds a thread); more get
                              503 or a tool error (default 128)
";

/// The default bound on a request body (HTTP) or line (stdio): a message at agor's content
/// limit (256 KiB) fits even with every byte escaped in JSON.
pub const DEFAULT_MAX_REQUEST_BYTES: usize = 2 * 1024 * 1024;
/// The default bound on open HTTP connections, well under the usual 1024 file descriptors of
/// a process (the database, bells and waiters need some too).
pub const DEFAULT_MAX_CONNECTIONS: usize = 256;
/// The default bound on the MCP sessions of the whole HTTP server (each holds a task and its
/// buffers, about 50 kB).
pub const DEFAULT_MAX_SESSIONS: usize = 1024;
/// The default bound on the MCP sessions of one agent: a coding agent needs one per client
/// it runs, a few at most.
pub const DEFAULT_MAX_SESSIONS_PER_AGENT: usize = 16;
/// The default time a connection has to send a whole request head (from opening, or from its
/// previous answer), and then its body.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// The default time an MCP session lives without a request. Longer than any `wait` a client
/// should make in one call, since a session's call in progress does not count as activity.
pub const DEFAULT_SESSION_TIMEOUT: Duration = Duration::from_secs(1800);
/// The longest timeout the flags take (a day): larger values are surely a mistake.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(86_400);

/// How the server talks to its client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    /// JSON-RPC over stdin/stdout.
    Stdio,
    /// Streamable HTTP on this address.
    Http(SocketAddr),
    /// `agor serve`: the page, `/api`, `/events` and `/mcp` on this address.
    Serve(SocketAddr),
}

/// Where `agor serve` listens without `--http`: loopback only (another machine reaches it
/// through an SSH tunnel).
pub const DEFAULT_SERVE_ADDR: &str = "127.0.0.1:8765";

/// What `agor mcp` was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// `--db`; `None`: `$AGOR_DB` or the default path.
    pub db: Option<String>,
    /// `--agent` or `$BTMSG_AGENT_ID` (stdio only).
    pub agent: Option<String>,
    /// `--profile`; `None`: each principal's default.
    pub profile: Option<Profile>,
    /// stdio or HTTP.
    pub transport: Transport,
    /// What one client may take of the server.
    pub limits: Limits,
    /// `--stale-after`; `None`: the store's default.
    pub stale_after: Option<Duration>,
}

/// The bounds that keep one client from stopping, slowing or starving the others (SPEC §2.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// The bound on an HTTP request body or a stdio line.
    pub max_request_bytes: usize,
    /// Open HTTP connections.
    pub max_connections: usize,
    /// MCP sessions of the whole server.
    pub max_sessions: usize,
    /// MCP sessions of one agent.
    pub max_sessions_per_agent: usize,
    /// How long a connection may take to send a request head, and then its body.
    pub header_timeout: Duration,
    /// How long an MCP session lives without a request.
    pub session_timeout: Duration,
    /// Browser origins served besides the server's own (`--allow-origin`).
    pub allowed_origins: Vec<String>,
    /// Event streams and subscribing MCP sessions of one principal.
    pub max_streams_per_principal: usize,
    /// Event streams and subscribing MCP sessions of the whole server.
    pub max_streams: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_request_bytes: DEFAULT_MAX_REQUEST_BYTES,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_sessions: DEFAULT_MAX_SESSIONS,
            max_sessions_per_agent: DEFAULT_MAX_SESSIONS_PER_AGENT,
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            session_timeout: DEFAULT_SESSION_TIMEOUT,
            allowed_origins: Vec::new(),
            max_streams_per_principal: crate::streams::DEFAULT_MAX_STREAMS_PER_PRINCIPAL,
            max_streams: crate::streams::DEFAULT_MAX_STREAMS,
        }
    }
}

// Parsed once per process: a box would only add an allocation.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Parsed {
    Run(Options),
    Help,
    Version,
}

pub(crate) fn parse(argv: Vec<OsString>) -> Result<Parsed, String> {
    use lexopt::prelude::*;
    let mut p = lexopt::Parser::from_args(argv.into_iter().skip(1));
    let mut command = None;
    let mut db = None;
    let mut agent = None;
    let mut profile = None;
    let mut http = None;
    let mut limits = Limits::default();
    let mut stale_after = None;
    while let Some(arg) = p.next().map_err(|e| e.to_string())? {
        match arg {
            Short('h') | Long("help") => return Ok(Parsed::Help),
            Short('V') | Long("version") => return Ok(Parsed::Version),
            Long("db") => db = Some(text(p.value(), "--db")?),
            Long("agent") => agent = Some(text(p.value(), "--agent")?),
            Long("profile") => {
                let v = text(p.value(), "--profile")?;
                profile = Some(Profile::parse(&v).map_err(|e| format!("--profile: {e}"))?);
            }
            Long("http") => {
                let v = text(p.value(), "--http")?;
                let addr = v.parse::<SocketAddr>().map_err(|_| {
                    format!("--http takes an address with a port, like 127.0.0.1:8765, not '{v}'")
                })?;
                http = Some(addr);
            }
            Long("max-request-bytes") => {
                limits.max_request_bytes = count(p.value(), "--max-request-bytes", "bytes")?
            }
            Long("max-connections") => {
                limits.max_connections = count(p.value(), "--max-connections", "connections")?
            }
            Long("max-sessions") => {
                limits.max_sessions = count(p.value(), "--max-sessions", "sessions")?
            }
            Long("max-sessions-per-agent") => {
                limits.max_sessions_per_agent =
                    count(p.value(), "--max-sessions-per-agent", "sessions")?
            }
            Long("max-streams-per-principal") => {
                limits.max_streams_per_principal =
                    count(p.value(), "--max-streams-per-principal", "streams")?
            }
            Long("max-streams") => {
                limits.max_streams = count(p.value(), "--max-streams", "streams")?
            }
            Long("header-timeout") => {
                limits.header_timeout = seconds(p.value(), "--header-timeout")?
            }
            Long("session-timeout") => {
                limits.session_timeout = seconds(p.value(), "--session-timeout")?
            }
            Long("stale-after") => stale_after = Some(seconds(p.value(), "--stale-after")?),
            Long("allow-origin") => {
                let v = text(p.value(), "--allow-origin")?;
                origin::parse(&v).map_err(|e| format!("--allow-origin: {e}"))?;
                limits.allowed_origins.push(v);
            }
            Value(v) if command.is_none() => {
                command = Some(v.into_string().map_err(|_| "the command is not UTF-8")?)
            }
            other => return Err(other.unexpected().to_string()),
        }
    }
    let serving = command.as_deref() == Some("serve");
    match command.as_deref() {
        Some("mcp" | "serve") => {}
        Some(other) => {
            return Err(format!(
                "unknown command '{other}' (the commands are `mcp`, `serve` and `init`)"
            ))
        }
        None => return Err("missing command: `agor mcp`".into()),
    }
    let env_agent = std::env::var("BTMSG_AGENT_ID")
        .ok()
        .filter(|a| !a.is_empty());
    let transport = match http {
        _ if serving => {
            if agent.is_some() {
                return Err("--agent is not for `agor serve`: each request's secret or \
                            sign-in names its principal"
                    .into());
            }
            let default = DEFAULT_SERVE_ADDR.parse().expect("a valid address");
            Transport::Serve(http.unwrap_or(default))
        }
        Some(addr) => {
            if agent.is_some() {
                return Err(
                    "--agent is for stdio: over HTTP each request's secret names its agent".into(),
                );
            }
            Transport::Http(addr)
        }
        None => Transport::Stdio,
    };
    let agent = match transport {
        Transport::Stdio => agent.or(env_agent),
        Transport::Http(_) | Transport::Serve(_) => None,
    };
    Ok(Parsed::Run(Options {
        db,
        agent,
        profile,
        transport,
        limits,
        stale_after,
    }))
}

/// A count above 0 (`what` names its unit in the error).
fn count(value: Result<OsString, lexopt::Error>, flag: &str, what: &str) -> Result<usize, String> {
    let v = text(value, flag)?;
    v.parse()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("{flag} takes a number of {what} above 0, not '{v}'"))
}

/// Seconds, above 0 and at most [`MAX_TIMEOUT`], with a fraction if wanted (`0.5`).
fn seconds(value: Result<OsString, lexopt::Error>, flag: &str) -> Result<Duration, String> {
    let v = text(value, flag)?;
    let secs: f64 = v
        .parse()
        .map_err(|_| format!("{flag} takes a number of seconds, not '{v}'"))?;
    // A comparison that NaN fails too; the bound keeps Duration's conversion from panicking.
    if !(secs > 0.0 && secs <= MAX_TIMEOUT.as_secs_f64()) {
        return Err(format!(
            "{flag} takes seconds above 0 and at most {} (a day), not '{v}'",
            MAX_TIMEOUT.as_secs()
        ));
    }
    Ok(Duration::from_secs_f64(secs))
}

fn text(value: Result<OsString, lexopt::Error>, flag: &str) -> Result<String, String> {
    let value = value.map_err(|e| e.to_string())?;
    let s = value
        .into_string()
        .map_err(|_| format!("{flag} is not valid UTF-8"))?;
    if s.is_empty() {
        return Err(format!("{flag} is empty"));
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Result<Options, String> {
        let argv = std::iter::once("agor")
            .chain(args.iter().copied())
            .map(OsString::from);
        match parse(argv.collect())? {
            Parsed::Run(o) => Ok(o),
            _ => Err("not a run".into()),
        }
    }

    #[test]
    fn stale_after_sets_the_stores_threshold() {
        assert_eq!(run(&["serve"]).unwrap().stale_after, None);
        let o = run(&["serve", "--stale-after", "7200"]).unwrap();
        assert_eq!(o.stale_after, Some(Duration::from_secs(7200)));
        for bad in ["0", "-5", "soon"] {
            let err = run(&["mcp", "--stale-after", bad]).map(|_| ()).unwrap_err();
            assert!(err.contains("--stale-after"), "{err}");
        }
    }

    #[test]
    fn stdio_and_http_forms() {
        let o = run(&["mcp", "--db", "x.db", "--agent", "dev-1"]).unwrap();
        assert_eq!(o.transport, Transport::Stdio);
        assert_eq!(o.agent.as_deref(), Some("dev-1"));
        assert_eq!(o.profile, None);
        let o = run(&["mcp", "--agent", "dev-1", "--profile", "all"]).unwrap();
        assert_eq!(o.profile, Some(Profile::All));
        let o = run(&["mcp", "--http", "127.0.0.1:0", "--max-request-bytes", "10"]).unwrap();
        assert_eq!(o.transport, Transport::Http("127.0.0.1:0".parse().unwrap()));
        assert_eq!((o.agent, o.limits.max_request_bytes), (None, 10));
        // `agor serve` listens on loopback unless told otherwise.
        let o = run(&["serve"]).unwrap();
        assert_eq!(
            o.transport,
            Transport::Serve("127.0.0.1:8765".parse().unwrap())
        );
        let o = run(&[
            "serve",
            "--http",
            "0.0.0.0:9000",
            "--allow-origin",
            "http://a.b",
        ])
        .unwrap();
        assert_eq!(
            o.transport,
            Transport::Serve("0.0.0.0:9000".parse().unwrap())
        );
        assert_eq!(o.limits.allowed_origins, ["http://a.b"]);
    }

    #[test]
    fn bounds_and_origins() {
        let o = run(&["mcp", "--http", "127.0.0.1:0"]).unwrap();
        assert_eq!(o.limits, Limits::default());
        let o = run(&[
            "mcp",
            "--http",
            "127.0.0.1:0",
            "--max-connections",
            "3",
            "--max-sessions",
            "4",
            "--max-sessions-per-agent",
            "2",
            "--header-timeout",
            "0.5",
            "--session-timeout",
            "60",
            "--allow-origin",
            "http://localhost:3000",
            "--allow-origin",
            "https://app.example.com",
        ])
        .unwrap();
        let l = o.limits;
        assert_eq!(
            (l.max_connections, l.max_sessions, l.max_sessions_per_agent),
            (3, 4, 2)
        );
        assert_eq!(l.header_timeout, Duration::from_millis(500));
        assert_eq!(l.session_timeout, Duration::from_secs(60));
        assert_eq!(
            l.allowed_origins,
            ["http://localhost:3000", "https://app.example.com"]
        );
        let o = run(&[
            "serve",
            "--max-streams-per-principal",
            "2",
            "--max-streams",
            "5",
        ])
        .unwrap();
        assert_eq!(
            (o.limits.max_streams_per_principal, o.limits.max_streams),
            (2, 5)
        );
        assert!(run(&["serve", "--max-streams", "0"]).is_err());
    }

    #[test]
    fn usage_errors_say_what_is_wrong() {
        for (args, needle) in [
            (&["mcp", "--http", "8080"][..], "with a port"),
            (
                &["mcp", "--http", "127.0.0.1:1", "--agent", "a"][..],
                "--agent is for stdio",
            ),
            (&["serve", "--agent", "a"][..], "not for `agor serve`"),
            (&["bogus"][..], "unknown command 'bogus'"),
            (&[][..], "missing command"),
            (&["mcp", "--max-request-bytes", "0"][..], "above 0"),
            (
                &["mcp", "--max-connections", "-1"][..],
                "number of connections",
            ),
            (
                &["mcp", "--max-sessions-per-agent", "x"][..],
                "number of sessions",
            ),
            (&["mcp", "--header-timeout", "1e300"][..], "at most 86400"),
            (&["mcp", "--header-timeout", "0"][..], "above 0"),
            (&["mcp", "--session-timeout", "NaN"][..], "above 0"),
            (
                &["mcp", "--session-timeout", "soon"][..],
                "number of seconds",
            ),
            (&["mcp", "--allow-origin", "localhost"][..], "scheme"),
            (
                &["mcp", "--allow-origin", "http://a.example/path"][..],
                "path",
            ),
            (&["mcp", "--db"][..], "--db"),
            (&["mcp", "--profile", "boss"][..], "worker, reviewer"),
            (&["mcp", "--bogus"][..], "--bogus"),
        ] {
            let e = run(args).unwrap_err();
            assert!(e.contains(needle), "{args:?}: {e}");
        }
    }
}
