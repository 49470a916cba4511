//! The command line of `agor` (parsed with `lexopt`).

use std::ffi::OsString;
use std::net::SocketAddr;

/// The `agor --help` text.
pub const USAGE: &str = "\
agor: serve agor's operations to coding agents as MCP tools

usage: agor mcp [--db PATH|URL] [--agent ID]                 (stdio: one agent)
       agor mcp [--db PATH|URL] --http ADDR [--max-request-bytes N]
                                                            (HTTP: agents with secrets)
       agor --help | --version

  --db PATH|URL          the database (default: $AGOR_DB, else ~/.local/share/agor/btmsg.db)
  --agent ID             act as this agent (default: $BTMSG_AGENT_ID; neither: the operator)
  --http ADDR            serve streamable HTTP on ADDR (e.g. 127.0.0.1:8765) at /mcp; each
                         request needs `Authorization: Bearer SECRET` from
                         `btmsg token issue AGENT`
  --max-request-bytes N  refuse HTTP request bodies over N bytes (default 2097152)
";

/// The default bound on an HTTP request body: a message at agor's content limit (256 KiB)
/// fits even with every byte escaped in JSON.
pub const DEFAULT_MAX_REQUEST_BYTES: usize = 2 * 1024 * 1024;

/// How the server talks to its client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    /// JSON-RPC over stdin/stdout.
    Stdio,
    /// Streamable HTTP on this address.
    Http(SocketAddr),
}

/// What `agor mcp` was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// `--db`; `None`: `$AGOR_DB` or the default path.
    pub db: Option<String>,
    /// `--agent` or `$BTMSG_AGENT_ID` (stdio only).
    pub agent: Option<String>,
    /// stdio or HTTP.
    pub transport: Transport,
    /// The bound on an HTTP request body.
    pub max_request_bytes: usize,
}

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
    let mut http = None;
    let mut max_request_bytes = DEFAULT_MAX_REQUEST_BYTES;
    while let Some(arg) = p.next().map_err(|e| e.to_string())? {
        match arg {
            Short('h') | Long("help") => return Ok(Parsed::Help),
            Short('V') | Long("version") => return Ok(Parsed::Version),
            Long("db") => db = Some(text(p.value(), "--db")?),
            Long("agent") => agent = Some(text(p.value(), "--agent")?),
            Long("http") => {
                let v = text(p.value(), "--http")?;
                let addr = v.parse::<SocketAddr>().map_err(|_| {
                    format!("--http takes an address with a port, like 127.0.0.1:8765, not '{v}'")
                })?;
                http = Some(addr);
            }
            Long("max-request-bytes") => {
                let v = text(p.value(), "--max-request-bytes")?;
                max_request_bytes = v.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                    format!("--max-request-bytes takes a number of bytes above 0, not '{v}'")
                })?;
            }
            Value(v) if command.is_none() => {
                command = Some(v.into_string().map_err(|_| "the command is not UTF-8")?)
            }
            other => return Err(other.unexpected().to_string()),
        }
    }
    match command.as_deref() {
        Some("mcp") => {}
        Some(other) => return Err(format!("unknown command '{other}' (the command is `mcp`)")),
        None => return Err("missing command: `agor mcp`".into()),
    }
    let env_agent = std::env::var("BTMSG_AGENT_ID")
        .ok()
        .filter(|a| !a.is_empty());
    let transport = match http {
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
        Transport::Http(_) => None,
    };
    Ok(Parsed::Run(Options {
        db,
        agent,
        transport,
        max_request_bytes,
    }))
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
    fn stdio_and_http_forms() {
        let o = run(&["mcp", "--db", "x.db", "--agent", "dev-1"]).unwrap();
        assert_eq!(o.transport, Transport::Stdio);
        assert_eq!(o.agent.as_deref(), Some("dev-1"));
        let o = run(&["mcp", "--http", "127.0.0.1:0", "--max-request-bytes", "10"]).unwrap();
        assert_eq!(o.transport, Transport::Http("127.0.0.1:0".parse().unwrap()));
        assert_eq!((o.agent, o.max_request_bytes), (None, 10));
    }

    #[test]
    fn usage_errors_say_what_is_wrong() {
        for (args, needle) in [
            (&["mcp", "--http", "8080"][..], "with a port"),
            (
                &["mcp", "--http", "127.0.0.1:1", "--agent", "a"][..],
                "--agent is for stdio",
            ),
            (&["serve"][..], "unknown command 'serve'"),
            (&[][..], "missing command"),
            (&["mcp", "--max-request-bytes", "0"][..], "above 0"),
            (&["mcp", "--db"][..], "--db"),
            (&["mcp", "--bogus"][..], "--bogus"),
        ] {
            let e = run(args).unwrap_err();
            assert!(e.contains(needle), "{args:?}: {e}");
        }
    }
}
