//! `agor init`: writes the files one coding agent needs to join a team, into its folder:
//! `.mcp.json` (agor's MCP server, over stdio or HTTP), `.claude/settings.json` (Claude Code
//! hooks that report its work state and never block it) and the instructions of its role
//! (`.agor/<role>.md`: the loop with agor's tools). It registers nobody: the agent must exist.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use agor_core::rules::Capability;
use agor_core::Store;
use serde_json::{json, Value};

/// The `agor init --help` text.
pub const INIT_USAGE: &str = "\
agor init: write the files a coding agent needs to join the team, into its folder

usage: agor init --agent ID [--db PATH|URL] [--dir DIR] [--role ROLE]...
                 [--http URL [--issue-secret]] [--force]

  --agent ID       the agent the files are for; it must be registered (btmsg register)
  --db PATH|URL    the database (default: $AGOR_DB, else ~/.local/share/agor/btmsg.db);
                   a relative path is written out absolute
  --dir DIR        where to write (default: the current folder)
  --role ROLE      worker, reviewer, manager or all (repeatable); default: from the agent's
                   role (assign_work: manager, review_work: reviewer, else worker)
  --http URL       point .mcp.json at an `agor mcp --http` server (http://HOST:PORT[/mcp])
                   instead of starting `agor mcp` over stdio; the secret is read from
                   ${AGOR_SECRET} when the client starts
  --issue-secret   with --http: issue the agent a secret now and write it into .mcp.json
                   (readable by its owner only); the operator's act
  --force          overwrite files that exist (without it, nothing is written if any does)

writes: .mcp.json, .claude/settings.json (hooks: btmsg state --hook EVENT), .agor/ROLE.md
";

/// The instructions of each role, with `{agent}` and `{group}` filled in.
const WORKER: &str = include_str!("init/worker.md");
const REVIEWER: &str = include_str!("init/reviewer.md");
const MANAGER: &str = include_str!("init/manager.md");

/// The coding agent's hook events whose work-state meaning agor knows, in session order.
pub const HOOK_EVENTS: [&str; 5] = [
    "SessionStart",
    "UserPromptSubmit",
    "PreToolUse",
    "Stop",
    "SessionEnd",
];

/// A role's instructions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kit {
    Worker,
    Reviewer,
    Manager,
}

impl Kit {
    const ALL: [Kit; 3] = [Kit::Worker, Kit::Reviewer, Kit::Manager];

    fn name(self) -> &'static str {
        match self {
            Kit::Worker => "worker",
            Kit::Reviewer => "reviewer",
            Kit::Manager => "manager",
        }
    }

    fn template(self) -> &'static str {
        match self {
            Kit::Worker => WORKER,
            Kit::Reviewer => REVIEWER,
            Kit::Manager => MANAGER,
        }
    }
}

#[derive(Debug, Default)]
struct InitOptions {
    /// `argv[0]`: the `agor` the files will start.
    program: OsString,
    agent: String,
    db: Option<String>,
    dir: PathBuf,
    kits: Vec<Kit>,
    http: Option<String>,
    issue_secret: bool,
    force: bool,
}

/// Runs `agor init` with `argv` (`argv[0]` the program, `argv[1]` `init`): 0 when the files
/// were written, 2 for a usage error, 1 when they could not be.
pub fn main(argv: Vec<OsString>) -> i32 {
    let options = match parse(argv) {
        Ok(Some(o)) => o,
        Ok(None) => {
            print!("{INIT_USAGE}");
            return 0;
        }
        Err(e) => {
            eprintln!("agor init: {e}\n\n{INIT_USAGE}");
            return 2;
        }
    };
    match run(&options) {
        Ok(written) => {
            for path in &written {
                println!("wrote {}", path.display());
            }
            let kits: Vec<String> = written
                .iter()
                .filter(|p| p.extension().is_some_and(|e| e == "md"))
                .map(|p| format!("@.agor/{}", p.file_name().unwrap_or_default().display()))
                .collect();
            println!(
                "next: add {} to the agent's CLAUDE.md (or AGENTS.md), then start it in {}",
                kits.join(" "),
                options.dir.display()
            );
            0
        }
        Err(e) => {
            eprintln!("agor init: {e}");
            1
        }
    }
}

fn parse(argv: Vec<OsString>) -> Result<Option<InitOptions>, String> {
    use lexopt::prelude::*;
    let program = argv.first().cloned().unwrap_or_else(|| "agor".into());
    let mut p = lexopt::Parser::from_args(argv.into_iter().skip(2));
    let mut o = InitOptions {
        program,
        dir: PathBuf::from("."),
        ..InitOptions::default()
    };
    let mut agent = None;
    while let Some(arg) = p.next().map_err(|e| e.to_string())? {
        match arg {
            Short('h') | Long("help") => return Ok(None),
            Long("agent") => agent = Some(text(p.value(), "--agent")?),
            Long("db") => o.db = Some(text(p.value(), "--db")?),
            Long("dir") => o.dir = PathBuf::from(text(p.value(), "--dir")?),
            Long("role") => match text(p.value(), "--role")?.as_str() {
                "all" => o.kits.extend(Kit::ALL),
                name => {
                    o.kits
                        .push(Kit::ALL.into_iter().find(|k| k.name() == name).ok_or_else(
                        || format!("--role takes worker, reviewer, manager or all, not '{name}'"),
                    )?)
                }
            },
            Long("http") => o.http = Some(mcp_url(&text(p.value(), "--http")?)?),
            Long("issue-secret") => o.issue_secret = true,
            Long("force") => o.force = true,
            other => return Err(other.unexpected().to_string()),
        }
    }
    o.agent = agent.ok_or("missing --agent ID: the agent the files are for")?;
    agor_core::validate_agent_id(&o.agent).map_err(|e| e.to_string())?;
    if o.issue_secret && o.http.is_none() {
        return Err(
            "--issue-secret goes with --http (over stdio the server acts as --agent)".into(),
        );
    }
    o.kits.dedup();
    Ok(Some(o))
}

/// The server's MCP endpoint from `--http`: a URL (`/mcp` added when it has no path), or a
/// bare `HOST:PORT`.
fn mcp_url(v: &str) -> Result<String, String> {
    let (scheme, rest) = match v.split_once("://") {
        Some((s @ ("http" | "https"), rest)) => (s, rest),
        Some(_) => {
            return Err(format!(
                "--http takes an http:// or https:// URL, not '{v}'"
            ))
        }
        None => ("http", v),
    };
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    if host.is_empty() || !host.contains(':') {
        return Err(format!(
            "--http takes the server's address with its port, like http://127.0.0.1:8765, not '{v}'"
        ));
    }
    let path = if path.is_empty() { "mcp" } else { path };
    Ok(format!("{scheme}://{host}/{path}"))
}

fn text(value: Result<OsString, lexopt::Error>, flag: &str) -> Result<String, String> {
    let s = value
        .map_err(|e| e.to_string())?
        .into_string()
        .map_err(|_| format!("{flag} is not valid UTF-8"))?;
    if s.is_empty() {
        return Err(format!("{flag} is empty"));
    }
    Ok(s)
}

/// One file to write.
struct File {
    path: PathBuf,
    text: String,
    /// Holds a secret: readable by its owner only.
    private: bool,
}

fn run(o: &InitOptions) -> Result<Vec<PathBuf>, String> {
    let db = o.db.as_deref().map(absolute_db).transpose()?;
    let store = match &db {
        Some(db) => Store::open(db),
        None => Store::open_default(),
    }
    .map_err(|e| e.to_string())?;
    let agent = store
        .get_agent(&o.agent)
        .ok()
        .filter(|a| a.id == o.agent)
        .ok_or_else(|| {
            format!(
                "agent {} is not registered in this database; register it first \
                 (btmsg register {} --name NAME --role ROLE --group GROUP)",
                o.agent, o.agent
            )
        })?;
    let kits = if o.kits.is_empty() {
        vec![kit_of(&store, &agent.id)?]
    } else {
        o.kits.clone()
    };
    let tools = Tools::for_program(&o.program);
    let mut files = vec![
        File {
            path: o.dir.join(".mcp.json"),
            text: String::new(),
            private: o.issue_secret,
        },
        File {
            path: o.dir.join(".claude").join("settings.json"),
            text: pretty(&hooks(&tools, &agent.id, db.as_deref())),
            private: false,
        },
    ];
    for kit in kits {
        let text = kit
            .template()
            .replace("{agent}", &agent.id)
            .replace("{group}", &agent.group_id);
        files.push(File {
            path: o.dir.join(".agor").join(format!("{}.md", kit.name())),
            text,
            private: false,
        });
    }
    // All or nothing: refuse before writing (or issuing a secret) when a file exists.
    if !o.force {
        let existing: Vec<String> = files
            .iter()
            .filter(|f| f.path.symlink_metadata().is_ok())
            .map(|f| f.path.display().to_string())
            .collect();
        if !existing.is_empty() {
            return Err(format!(
                "{} already exist{}; nothing was written (--force overwrites)",
                existing.join(", "),
                if existing.len() == 1 { "s" } else { "" }
            ));
        }
    }
    let server = match &o.http {
        None => stdio_server(&tools, &agent.id, db.as_deref()),
        Some(url) => {
            let secret = if o.issue_secret {
                store.issue_token(&agent.id).map_err(|e| e.to_string())?
            } else {
                "${AGOR_SECRET}".to_owned()
            };
            json!({
                "type": "http",
                "url": url,
                "headers": { "Authorization": format!("Bearer {secret}") },
            })
        }
    };
    files[0].text = pretty(&json!({ "mcpServers": { "agor": server } }));
    for f in &files {
        write(f)?;
    }
    Ok(files.into_iter().map(|f| f.path).collect())
}

/// The instructions an agent gets by default: its role's capabilities decide.
fn kit_of(store: &Store, agent: &str) -> Result<Kit, String> {
    let has = |c| store.has_capability(agent, c).map_err(|e| e.to_string());
    Ok(if has(Capability::AssignWork)? {
        Kit::Manager
    } else if has(Capability::ReviewWork)? {
        Kit::Reviewer
    } else {
        Kit::Worker
    })
}

/// A database path as the files name it: absolute, since the agent and its hooks may start
/// in another folder. URLs are kept as they are.
fn absolute_db(db: &str) -> Result<String, String> {
    if db.contains("://") {
        return Ok(db.to_owned());
    }
    std::path::absolute(db)
        .map(|p| p.to_string_lossy().into_owned())
        .map_err(|e| format!("--db {db}: {e}"))
}

/// Where the `agor` and `btmsg` the files start live: the `agor` that was run (a native
/// binary or the Python console script, which is why `argv[0]` and not the running
/// executable), and the `btmsg` beside it; a name the agent's PATH finds when not found.
struct Tools {
    agor: String,
    btmsg: String,
}

impl Tools {
    fn for_program(argv0: &std::ffi::OsStr) -> Tools {
        let named = Path::new(argv0);
        let agor = if named.components().count() > 1 {
            std::path::absolute(named).ok()
        } else {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|dir| dir.join(named))
                    .find(|p| p.is_file())
            })
        };
        let btmsg = agor
            .as_deref()
            .and_then(Path::parent)
            .map(|dir| dir.join("btmsg"))
            .filter(|p| p.is_file());
        let text = |p: Option<PathBuf>, name: &str| {
            p.map_or_else(|| name.to_owned(), |p| p.to_string_lossy().into_owned())
        };
        Tools {
            agor: text(agor, "agor"),
            btmsg: text(btmsg, "btmsg"),
        }
    }
}

fn stdio_server(tools: &Tools, agent: &str, db: Option<&str>) -> Value {
    let mut args = vec!["mcp".to_owned()];
    if let Some(db) = db {
        args.extend(["--db".to_owned(), db.to_owned()]);
    }
    args.extend(["--agent".to_owned(), agent.to_owned()]);
    json!({ "type": "stdio", "command": tools.agor, "args": args })
}

/// Claude Code's hooks: each event reports the agent's work state. `btmsg state --hook`
/// exits 0 even when it cannot apply an event (to a hook, exit 2 would block the agent).
fn hooks(tools: &Tools, agent: &str, db: Option<&str>) -> Value {
    let mut command = format!("BTMSG_AGENT_ID={} {}", quote(agent), quote(&tools.btmsg));
    if let Some(db) = db {
        command += &format!(" --db {}", quote(db));
    }
    let mut events = serde_json::Map::new();
    for event in HOOK_EVENTS {
        let hook = json!({
            "type": "command",
            "command": format!("{command} state --hook {event}"),
            "timeout": 10,
        });
        let mut entry = json!({ "hooks": [hook] });
        if event == "PreToolUse" {
            entry["matcher"] = json!("*");
        }
        events.insert(event.to_owned(), json!([entry]));
    }
    json!({ "hooks": events })
}

/// A word for `sh`: single-quoted unless plainly safe.
fn quote(s: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./:@%+=,".contains(c);
    if !s.is_empty() && s.chars().all(plain) {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

fn pretty(v: &Value) -> String {
    // Plain JSON values with string keys: serializing cannot fail.
    let mut s = serde_json::to_string_pretty(v).expect("JSON serializes");
    s.push('\n');
    s
}

fn write(f: &File) -> Result<(), String> {
    use std::io::Write;
    let fail = |e: std::io::Error| format!("cannot write {}: {e}", f.path.display());
    if let Some(dir) = f.path.parent() {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    let mut open = std::fs::OpenOptions::new();
    open.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if f.private {
        use std::os::unix::fs::OpenOptionsExt;
        open.mode(0o600);
    }
    let mut file = open.open(&f.path).map_err(fail)?;
    #[cfg(unix)]
    if f.private {
        // An existing file (--force) keeps its mode on open: narrow it.
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(fail)?;
    }
    file.write_all(f.text.as_bytes()).map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(args: &[&str]) -> Result<Option<InitOptions>, String> {
        let argv = ["agor", "init"]
            .into_iter()
            .chain(args.iter().copied())
            .map(OsString::from);
        parse(argv.collect())
    }

    #[test]
    fn usage_errors_say_what_is_wrong() {
        for (args, needle) in [
            (&[][..], "missing --agent"),
            (&["--agent", "dev 1"][..], "agent"),
            (&["--agent", "a", "--role", "boss"][..], "worker, reviewer"),
            (&["--agent", "a", "--http", "8765"][..], "with its port"),
            (&["--agent", "a", "--http", "ftp://h:1"][..], "http://"),
            (&["--agent", "a", "--issue-secret"][..], "goes with --http"),
            (&["--agent", "a", "--bogus"][..], "--bogus"),
        ] {
            let e = parsed(args).err().unwrap_or_default();
            assert!(e.contains(needle), "{args:?}: {e}");
        }
        assert!(parsed(&["--help"]).unwrap().is_none());
    }

    #[test]
    fn http_urls_get_the_mcp_path() {
        assert_eq!(
            mcp_url("127.0.0.1:8765").unwrap(),
            "http://127.0.0.1:8765/mcp"
        );
        assert_eq!(mcp_url("https://h:1").unwrap(), "https://h:1/mcp");
        assert_eq!(mcp_url("http://h:1/x/mcp").unwrap(), "http://h:1/x/mcp");
    }

    #[test]
    fn shell_words_are_quoted() {
        assert_eq!(quote("/usr/bin/btmsg"), "/usr/bin/btmsg");
        assert_eq!(quote("/my dir/x.db"), "'/my dir/x.db'");
        assert_eq!(quote("it's"), "'it'\\''s'");
    }

    /// The instructions name only tools that exist: a renamed operation fails here.
    #[test]
    fn the_instructions_name_only_catalogue_operations() {
        let names = agor_core::ops::names();
        for kit in Kit::ALL {
            let text = kit.template();
            let mut named = 0;
            for quoted in text.split('`').skip(1).step_by(2) {
                let word = quoted.split('(').next().unwrap_or_default();
                if quoted.ends_with(')') {
                    assert!(names.contains(&word), "{}: `{quoted}`", kit.name());
                    named += 1;
                }
            }
            assert!(named >= 5, "{} names its tools as `tool(...)`", kit.name());
        }
    }
}
