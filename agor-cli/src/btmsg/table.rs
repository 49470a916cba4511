//! The command table of `btmsg`: for each command its syntax, its help, whom it acts as, and
//! the catalogue request it builds from the parsed line.

use agor_core::ops::{args as a, Request as R};
use agor_core::AgentStatus;

use super::show;
use crate::args::{parsed, Parsed, UsageError};
use crate::command::{job, job_as, run, Command, CommandDef, Job, Who};
use crate::session::wait_or_time_out;

/// What `send --importance/--ack/--deadline` asks of a message, or `None` when none is given.
type Asked = (Option<agor_core::Importance>, bool, Option<i64>);

fn asks(p: &mut Parsed) -> Result<Option<Asked>, UsageError> {
    let importance = p
        .value("importance")?
        .map(|i| i.parse::<agor_core::Importance>())
        .transpose()
        .map_err(|e| UsageError::new(e.to_string()))?;
    let ack = p.flag("ack");
    let deadline = p
        .value("deadline")?
        .map(|d| duration_secs(&d))
        .transpose()?;
    if deadline.is_some() && !ack {
        return Err(UsageError::new(
            "--deadline needs --ack (the receipt it waits for)",
        ));
    }
    Ok((importance.is_some() || ack).then_some((importance, ack, deadline)))
}

/// Seconds of a duration written `90`, `90s`, `30m`, `2h` or `1d`.
fn duration_secs(text: &str) -> Result<i64, UsageError> {
    let bad = || {
        UsageError::new(format!(
            "invalid --deadline '{text}': a number of seconds, or with s, m, h or d (30m)"
        ))
    };
    let (digits, unit) = match text.trim().char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&text.trim()[..i], c),
        _ => (text.trim(), 's'),
    };
    let n: i64 = digits.parse().map_err(|_| bad())?;
    let scale = match unit.to_ascii_lowercase() {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => return Err(bad()),
    };
    n.checked_mul(scale).ok_or_else(bad)
}

/// Default session id for `ack`.
pub const SESSION_ENV: &str = "BTMSG_SESSION_ID";

/// Session used by `ack` when neither `--session` nor `$BTMSG_SESSION_ID` names one, so the
/// documented `btmsg ack --message-id ID` works on its own.
pub const DEFAULT_SESSION: &str = "default";

const MSG: &str = "message text";

pub const COMMANDS: &[CommandDef] = &[
    CommandDef::new(
        "register",
        Who::Either,
        &["register_agent"],
        "id= name= role= group= tier= model= cwd=",
    )
    .usage(&[
        "register <id> <name> <role> <group> [--tier N] [--model M] [--cwd DIR]",
        "register --id ID --name NAME --role ROLE --group GROUP [--tier N]",
    ])
    .about(
        "register an agent, or update it if the id exists (tier defaults from the role); \
         as the operator, or with $BTMSG_AGENT_ID set as that agent within its rights",
    )
    .build(|p| {
        let id = p.required(&["id"], "agent id")?;
        let name = p.required(&["name"], "agent name")?;
        let role = p.required(&["role"], "role")?;
        let group = p.required(&["group"], "group")?;
        let r = a::RegisterAgent {
            id,
            name,
            role,
            group,
            tier: p.number("tier", "0, 1 or 2")?,
            model: p.value("model")?,
            cwd: p.value("cwd")?,
        };
        job(R::RegisterAgent(r), show::registered)
    }),
    CommandDef::new(
        "send",
        Who::Agent,
        &["send", "send_to_role", "send_to_pattern"],
        "to= content= role= pattern= importance= ack deadline=",
    )
    .usage(&[
        "send <to> <message…>",
        "send --to ID --content TEXT",
        "send [--importance low|normal|high|urgent] [--ack [--deadline 30m]] <to> <message…>",
        "send --role ROLE <message…>",
        "send --pattern GLOB <message…>",
    ])
    .about(
        "send a direct message (to an id or unique prefix, every agent of a role, or ids \
         matching a glob); to one agent, --importance orders its inbox, --ack asks for a \
         receipt (its ack or reply) and --deadline (90s, 30m, 2h, 1d) lists it in `overdue` \
         once past unanswered",
    )
    .build(|p| {
        let role = p.value("role")?;
        let pattern = p.value("pattern")?;
        let asks = asks(p)?;
        if asks.is_some() && (role.is_some() || pattern.is_some()) {
            return Err(UsageError::new(
                "--importance, --ack and --deadline are for a message to one agent (--to)",
            ));
        }
        match (role, pattern, p.flag("to")) {
            (Some(role), None, false) => {
                let content = p.text("content", MSG)?;
                job(
                    R::SendToRole(a::SendToRole { role, content }),
                    show::delivery,
                )
            }
            (None, Some(pattern), false) => {
                let content = p.text("content", MSG)?;
                let r = a::SendToPattern { pattern, content };
                job(R::SendToPattern(r), show::delivery)
            }
            (None, None, _) => {
                let to = p.required(&["to"], "recipient")?;
                let content = p.text("content", MSG)?;
                let (importance, ack_required, deadline_secs) = asks.unwrap_or_default();
                let r = a::Send {
                    to,
                    content,
                    importance: importance.unwrap_or_default(),
                    ack_required,
                    deadline_secs,
                };
                job(R::Send(r), show::sent)
            }
            _ => Err(UsageError::new("give one of --to, --role and --pattern")),
        }
    }),
    CommandDef::new("broadcast", Who::Agent, &["broadcast"], "content=")
        .usage(&["broadcast <message…>"])
        .about("send to every other agent of your group")
        .build(|p| {
            let content = p.text("content", MSG)?;
            job(R::Broadcast(a::Broadcast { content }), show::delivery)
        }),
    CommandDef::new("reply", Who::Agent, &["reply"], "id= message-id= content=")
        .usage(&[
            "reply <message-id> <message…>",
            "reply --id ID --content TEXT",
        ])
        .about("reply to a message, threading it")
        .build(|p| {
            let message_id = p.required(&["id", "message-id"], "message id")?;
            let content = p.text("content", MSG)?;
            job(
                R::Reply(a::Reply {
                    message_id,
                    content,
                }),
                show::replied,
            )
        }),
    CommandDef::new("inbox", Who::Agent, &["inbox"], "all/a limit=")
        .usage(&["inbox [--all] [--limit N]"])
        .about("unread messages oldest first, or all newest first; marks nothing read")
        .build(|p| {
            let all = p.flag("all");
            let limit = limit(p)?;
            job(R::Inbox(a::Inbox { all, limit }), show::inbox)
        }),
    CommandDef::new(
        "read",
        Who::Agent,
        &["read", "read_unread"],
        "id= message-id=",
    )
    .usage(&["read <message-id>", "read"])
    .about("show one message and mark it read; with no id, show all unread and mark them read")
    .build(|p| match p.field(&["id", "message-id"], "message id")? {
        Some(message_id) => job(R::Read(a::Read { message_id }), show::message),
        None => job(R::ReadUnread(a::ReadUnread {}), show::unread_messages),
    }),
    CommandDef::new("peek", Who::Agent, &["peek"], "")
        .about("show unread messages without marking them read")
        .build(|_| job(R::Peek(a::Peek {}), show::unread_messages)),
    CommandDef::new("contacts", Who::Agent, &["contacts"], "")
        .about("agents you may message")
        .build(|_| job(R::Contacts(a::Contacts {}), show::agents)),
    CommandDef::new("history", Who::Agent, &["history"], "agent= limit=")
        .usage(&["history <agent> [--limit N]"])
        .about("your conversation with an agent, oldest first (default last 20)")
        .build(|p| {
            let other = p.required(&["agent"], "agent id")?;
            let limit = limit(p)?;
            job(R::History(a::History { other, limit }), show::conversation)
        }),
    CommandDef::new("status", Who::Either, &["list_agents"], "group=")
        .usage(&["status", "status --group GROUP"])
        .about("agents with status, unread count and last heartbeat: of your group, or as the \
                operator (no $BTMSG_AGENT_ID) of every group; --group narrows to one")
        .build(|p| {
            let group = p.value("group")?;
            job(R::ListAgents(a::ListAgents { group }), show::agents)
        }),
    CommandDef::new(
        "allow",
        Who::Either,
        &["allow"],
        "from= to= bidirectional/b",
    )
    .usage(&[
        "allow <a> <b> [-b|--bidirectional]",
        "allow --from A --to B [-b]",
    ])
    .about(
        "let agent a message agent b (and b message a with -b); as the operator, or with \
         $BTMSG_AGENT_ID set as that agent (managers, inside their group)",
    )
    .build(|p| {
        let r = a::Allow {
            from: p.required(&["from"], "agent that may send")?,
            to: p.required(&["to"], "agent that may receive")?,
            bidirectional: p.flag("bidirectional"),
        };
        job(R::Allow(r), show::allowed)
    }),
    CommandDef::new("remove", Who::Either, &["remove_agent", "restore_agent"], "id= agent= undo")
        .usage(&["remove <agent> [--undo]", "remove --id AGENT [--undo]"])
        .about("soft-delete an agent: hidden from lists, mail to it refused, history kept, id \
                reserved; --undo restores it (the operator; managers below them)")
        .build(|p| {
            let agent_id = p.required(&["id", "agent"], "agent id")?;
            if p.flag("undo") {
                job(R::RestoreAgent(a::RestoreAgent { agent_id }), show::registered)
            } else {
                job(R::RemoveAgent(a::RemoveAgent { agent_id }), show::removed)
            }
        }),
    CommandDef::new("purge", Who::Either, &["purge_agent"], "id= agent= force")
        .usage(&["purge <agent> [--force]", "purge --id AGENT [--force]"])
        .about("delete an agent for good, its messages kept as history: only a stopped one \
                unless --force")
        .build(|p| {
            let agent_id = p.required(&["id", "agent"], "agent id")?;
            let force = p.flag("force");
            job(R::PurgeAgent(a::PurgeAgent { agent_id, force }), show::removed)
        }),
    CommandDef::new("rename", Who::Either, &["rename_agent"], "id= agent= name=")
        .usage(&["rename <agent> <name…>", "rename --id AGENT --name NAME"])
        .about("change an agent's display name (yourself; managers: agents below them)")
        .build(|p| {
            let agent_id = p.required(&["id", "agent"], "agent id")?;
            let name = p.text("name", "new name")?;
            job(R::RenameAgent(a::RenameAgent { agent_id, name }), show::registered)
        }),
    CommandDef::new("role list", Who::Either, &["roles"], "")
        .aliases(&["roles"])
        .usage(&["role list", "roles"])
        .about("every role: the built-in rows, then custom ones, with tier, capabilities, \
                permissions and the roles each may create")
        .build(|_| job(R::Roles(a::Roles {}), show::roles)),
    CommandDef::new("role show", Who::Either, &["role"], "name=")
        .usage(&["role show <role>", "role show --name ROLE"])
        .about("one role's row")
        .build(|p| {
            let name = p.required(&["name"], "role name")?;
            job(R::Role(a::Role { name }), show::role)
        }),
    CommandDef::new(
        "role define",
        Who::Either,
        &["define_role"],
        "name= tier= capability=* permission=* creates=*",
    )
        .usage(&[
            "role define <role> [--tier N] [--capability C]… [--permission P]… [--creates ROLE]…",
        ])
        .about("define or redefine a custom role (the operator; holders of can_modify_roles \
                below their tier, granting nothing they lack); built-in roles are fixed")
        .build(|p| {
            let name = p.required(&["name"], "role name")?;
            let tier = p.number("tier", "a tier (0, 1 or 2)")?;
            let capabilities = p.values("capability")?.into_iter().map(parsed).collect::<Result<_, _>>()?;
            let permissions = p.values("permission")?.into_iter().map(parsed).collect::<Result<_, _>>()?;
            let creates = p.values("creates")?;
            let r = a::DefineRole { name, tier, capabilities, permissions, creates };
            job(R::DefineRole(r), show::role)
        }),
    CommandDef::new(
        "role check",
        Who::Either,
        &["has_capability", "check_permission"],
        "agent= right=",
    )
        .usage(&["role check <agent> <right>", "role check --agent AGENT --right RIGHT"])
        .about("whether an agent's role has a capability (assign_work, …) or holds a \
                permission (can_send_messages, …): prints yes or no")
        .build(|p| {
            let agent_id = p.required(&["agent"], "agent id")?;
            let right = p.required(&["right"], "capability or permission")?;
            // The two vocabularies are disjoint: permissions all start with `can_`.
            let request = if right.starts_with("can_") {
                R::CheckPermission(a::CheckPermission { agent_id, permission: parsed(right)? })
            } else {
                R::HasCapability(a::HasCapability { agent_id, capability: parsed(right)? })
            };
            job(request, show::yes_no)
        }),
    CommandDef::new("role can-create", Who::Either, &["can_create_role"], "creator= role=")
        .usage(&["role can-create <creator-role> <role>"])
        .about("whether agents of one role may create agents of another: prints yes or no")
        .build(|p| {
            let creator = p.required(&["creator"], "creating role")?;
            let role = p.required(&["role"], "role")?;
            job(R::CanCreateRole(a::CanCreateRole { creator, role }), show::yes_no)
        }),
    CommandDef::new("whoami", Who::Agent, &["whoami"], "")
        .about("the agent you act as")
        .build(|_| job(R::Whoami(a::Whoami {}), show::agent)),
    CommandDef::new("agent", Who::Operator, &["get_agent"], "id=")
        .usage(&["agent <id>", "agent --id ID"])
        .about("one agent's record by id or unique prefix, in any group")
        .build(|p| {
            let id = p.required(&["id"], "agent id")?;
            job(R::GetAgent(a::GetAgent { id }), show::agent)
        }),
    CommandDef::new("graph", Who::Either, &["contact_graph"], "")
        .about(
            "every edge of the contacts ACL (with $BTMSG_AGENT_ID set: those touching its \
             group)",
        )
        .build(|_| job(R::ContactGraph(a::ContactGraph {}), show::graph)),
    CommandDef::new("unread", Who::Agent, &["unread_count"], "")
        .about("number of unread messages")
        .build(|_| job(R::UnreadCount(a::UnreadCount {}), show::number)),
    CommandDef::new("overdue", Who::Agent, &["overdue"], "limit=")
        .usage(&["overdue [--limit N]"])
        .about(
            "your messages sent with --ack and a --deadline now past, still unanswered, the \
             longest overdue first",
        )
        .build(|p| {
            let limit = limit(p)?;
            job(R::Overdue(a::Overdue { limit }), show::overdue)
        }),
    CommandDef::new("notify", Who::Agent, &["notify"], "")
        .about("one line about unread mail for prompt hooks; prints nothing when there is none")
        .build(|_| job(R::Notify(a::Notify {}), show::summary)),
    CommandDef::new(
        "mark-read",
        Who::Agent,
        &["mark_conversation_read"],
        "agent=",
    )
    .usage(&["mark-read <agent>", "mark-read --agent AGENT"])
    .about("mark every message from an agent to you read; prints how many changed")
    .build(|p| {
        let other = p.required(&["agent"], "agent id")?;
        let r = a::MarkConversationRead { other };
        job(R::MarkConversationRead(r), show::marked_read)
    }),
    CommandDef::new("feed", Who::Agent, &["feed"], "limit= group=")
        .usage(&["feed [--limit N] [--group GROUP]"])
        .about("newest messages of a group, newest first (tier 0 only; default 50)")
        .build(|p| {
            let limit = limit(p)?;
            let group = p.value("group")?;
            job(R::Feed(a::Feed { limit, group }), show::feed)
        }),
    CommandDef::new("channel create", Who::Agent, &["create_channel"], "name=")
        .usage(&["channel create <name>"])
        .about("create a channel in your group and join it (managers)")
        .build(|p| {
            let name = p.required(&["name"], "channel name")?;
            job(
                R::CreateChannel(a::CreateChannel { name }),
                show::channel_created,
            )
        }),
    CommandDef::new("channel list", Who::Agent, &["list_channels"], "")
        .aliases(&["channels"])
        .usage(&["channel list", "channels"])
        .about("channels with member counts and last post")
        .build(|_| job(R::ListChannels(a::ListChannels {}), show::channels)),
    CommandDef::new("channel send", Who::Agent, &["post"], "channel= content=")
        .aliases(&["channel post", "channel-post"])
        .usage(&[
            "channel send <channel> <message…>",
            "channel-post --channel NAME --content TEXT",
        ])
        .about("post to a channel you belong to (by name or id)")
        .build(|p| {
            let channel = p.required(&["channel"], "channel")?;
            let content = p.text("content", MSG)?;
            job(R::Post(a::Post { channel, content }), show::posted)
        }),
    CommandDef::new(
        "channel history",
        Who::Agent,
        &["channel_history"],
        "channel= limit=",
    )
    .usage(&["channel history <channel> [--limit N]"])
    .about("last posts of a channel, oldest first (default 30)")
    .build(|p| {
        let channel = p.required(&["channel"], "channel")?;
        let limit = limit(p)?;
        job(
            R::ChannelHistory(a::ChannelHistory { channel, limit }),
            show::posts,
        )
    }),
    CommandDef::new(
        "channel add",
        Who::Agent,
        &["add_member"],
        "channel= agent=",
    )
    .usage(&["channel add <channel> <agent>"])
    .about("add an agent to a channel (managers and the channel's creator)")
    .build(|p| {
        let channel = p.required(&["channel"], "channel")?;
        let agent_id = p.required(&["agent"], "agent id")?;
        job(
            R::AddMember(a::AddMember { channel, agent_id }),
            show::member_added,
        )
    }),
    CommandDef::new(
        "channel review-setup",
        Who::Operator,
        &["ensure_review_channels"],
        "group=",
    )
    .usage(&[
        "channel review-setup <group>",
        "channel review-setup --group GROUP",
    ])
    .about("create a group's review-queue and review-log channels if missing")
    .build(|p| {
        let group = p.required(&["group"], "group")?;
        let r = a::EnsureReviewChannels { group };
        job(R::EnsureReviewChannels(r), show::channels)
    }),
    CommandDef::new("heartbeat", Who::Agent, &["heartbeat"], "")
        .about("record that you are alive; redelivers dead letters waiting for you")
        .build(|_| job(R::Heartbeat(a::Heartbeat {}), show::heartbeat)),
    CommandDef::new("ack", Who::Agent, &["ack"], "message-id= id= session=")
        .usage(&[
            "ack <message-id> [--session S]",
            "ack --message-id ID [--session S]",
        ])
        .about(
            "record that a session has seen a message (session: --session, else \
             $BTMSG_SESSION_ID, else \"default\"); the first ack of a message is its \
             receipt, which its sender sees",
        )
        .build(|p| {
            let message_id = p.required(&["message-id", "id"], "message id (--message-id)")?;
            let session_id = match p.value("session")? {
                Some(s) => s,
                None => session_from_env(),
            };
            job(
                R::Ack(a::Ack {
                    message_id,
                    session_id,
                }),
                show::acked,
            )
        }),
    CommandDef::new(
        "dead-letters",
        Who::Agent,
        &[
            "dead_letters",
            "redeliver_dead_letters",
            "clear_dead_letters",
        ],
        "redeliver=? clear=?",
    )
    .usage(&[
        "dead-letters",
        "dead-letters --redeliver [ID]",
        "dead-letters --clear [ID]",
    ])
    .about("list undeliverable messages you may act on, redeliver them, or clear them")
    .build(|p| match (p.flag("redeliver"), p.flag("clear")) {
        (true, true) => Err(UsageError::new("give --redeliver or --clear, not both")),
        (true, false) => {
            let id = dead_letter_id(p, "redeliver")?;
            let r = a::RedeliverDeadLetters { id };
            job(R::RedeliverDeadLetters(r), show::redelivered)
        }
        (false, true) => {
            let id = dead_letter_id(p, "clear")?;
            job(
                R::ClearDeadLetters(a::ClearDeadLetters { id }),
                show::cleared,
            )
        }
        (false, false) => job(R::DeadLetters(a::DeadLetters {}), show::dead_letters),
    }),
    CommandDef::new("stale", Who::Operator, &["stale_agents"], "threshold=")
        .usage(&["stale [--threshold SECONDS]"])
        .about("agents whose last heartbeat is older than the threshold (default 300)")
        .build(|p| {
            let threshold_secs = p.number("threshold", "a number of seconds")?;
            job(
                R::StaleAgents(a::StaleAgents { threshold_secs }),
                show::stale,
            )
        }),
    CommandDef::new("set-status", Who::Agent, &["set_status"], "status= agent=")
        .usage(&["set-status <active|sleeping|stopped> [<agent>]"])
        .about("set your status, or another agent's (managers)")
        .build(|p| {
            let status = p.required(&["status"], "status (active, sleeping or stopped)")?;
            let status: AgentStatus = crate::args::parsed(status)?;
            let agent_id = p.field(&["agent"], "agent id")?;
            job(
                R::SetStatus(a::SetStatus { agent_id, status }),
                show::status_set,
            )
        }),
    CommandDef::new("delete", Who::Agent, &["delete_message"], "id= message-id=")
        .usage(&["delete <message-id>"])
        .about("delete a direct message (managers)")
        .build(|p| {
            let message_id = p.required(&["id", "message-id"], "message id")?;
            job(
                R::DeleteMessage(a::DeleteMessage { message_id }),
                show::deleted,
            )
        }),
    CommandDef::new("audit", Who::Either, &["audit_log"], "agent= limit= group=")
        .usage(&["audit [--agent ID] [--group G] [--limit N]"])
        .about("the newest rows of the audit log, optionally of one agent or of one group's \
                agents (default 50); the operator, or an agent that may read the logs")
        .build(|p| {
            let agent_id = p.value("agent")?;
            let limit = limit(p)?;
            let group = p.value("group")?;
            job(R::AuditLog(a::AuditLog { agent_id, limit, group }), show::audit)
        }),
    CommandDef::new("wait", Who::Either, &["wait"], "timeout= kind=* since= group=")
        .usage(&["wait [--timeout S] [--kind K]… [--since CURSOR] [--group G]"])
        .about(
            "block until something arrives for you (kinds: message, post, task, agent; default \
             all) and print it; exit 6 when the timeout passes first (default: wait forever)",
        )
        .build(|p| {
            let timeout_secs = p.number::<f64>("timeout", "a number of seconds >= 0")?;
            agor_core::wait_timeout(timeout_secs).map_err(|e| UsageError::new(e.to_string()))?;
            let r = a::Wait {
                kinds: kinds(p)?,
                since: p.number("since", "a cursor from `changes` or `watch`")?,
                timeout_secs,
                group: p.value("group")?,
            };
            run(Job::new(R::Wait(r), show::changes).steps(wait_or_time_out))
        }),
    CommandDef::new("watch", Who::Either, &["wait"], "kind=* since= group=")
        .usage(&["watch [--kind K]… [--since CURSOR] [--group G] [--json]"])
        .about("print each change for you (the operator: of every group, or G) as it arrives \
                (one line or JSON object each), until interrupted")
        .build(|p| {
            Ok(Command::Watch {
                kinds: kinds(p)?,
                since: p.number("since", "a cursor from `changes` or `watch`")?,
                group: p.value("group")?,
            })
        }),
    CommandDef::new("changes", Who::Either, &["changes", "latest_change"], "since= limit= latest group=")
        .usage(&["changes [--since CURSOR] [--limit N] [--group G]", "changes --latest"])
        .about("the change feed you may see (the operator: every group's; --group: one), oldest \
                first (default the first 50); --latest: the newest cursor")
        .build(|p| {
            if p.flag("latest") {
                return job(R::LatestChange(a::LatestChange {}), show::cursor);
            }
            let since = p.number("since", "a cursor")?;
            let limit = limit(p)?;
            let group = p.value("group")?;
            job(R::Changes(a::Changes { since, limit, group }), show::changes)
        }),
    CommandDef::new("backup", Who::Operator, &["backup"], "file=")
        .usage(&["backup <file>", "backup --file FILE"])
        .about(
            "write a consistent copy of the database to a new FILE (not `cp`: recent commits \
             sit in -wal)",
        )
        .build(|p| {
            let path = p.required(&["file"], "backup file")?;
            job(R::Backup(a::Backup { path }), show::backup)
        }),
    CommandDef::new("state", Who::Agent, &["set_work_state", "work_state"], "state= task= hook= agent=")
        .usage(&[
            "state [idle|working|done|error|stopped] [--task ID]",
            "state --hook EVENT",
            "state [--agent ID]",
        ])
        .about(
            "your work state (or an agent's of your group); set it, or map a coding agent's hook \
             event (SessionStart, UserPromptSubmit, PreToolUse, Stop, SessionEnd …) to one",
        )
        .build(|p| {
            let hook = p.value("hook")?;
            let task_id = p.value("task")?;
            let state = p.field(&["state"], "work state")?;
            let parse = |s: String| s.parse().map_err(|e: agor_core::Error| UsageError::new(e.to_string()));
            if state.is_some() || hook.is_some() {
                let r = a::SetWorkState { state: state.map(parse).transpose()?, task_id, hook };
                return job(R::SetWorkState(r), show::work);
            }
            if task_id.is_some() {
                return Err(UsageError::new("--task goes with the working state"));
            }
            job(R::WorkState(a::WorkState { agent_id: p.value("agent")? }), show::work)
        }),
    CommandDef::new("usage", Who::Either, &["record_usage", "usage_summary", "usage_series"], "by= series= since= record input= output= cost= model= task= group=")
        .usage(&[
            "usage [--by agent|task|model|group] [--group G]",
            "usage --series hour|day [--by agent|task|model|group] [--since TIME] [--group G]",
            "usage --record --input N --output N --cost USD --model M [--task ID]",
        ])
        .about("usage and cost of your group (the operator: of every group; --group: one) summed \
                per agent, task, model or group; --series: per hour or day too (UTC, oldest first, \
                by model unless --by; --since YYYY-MM-DD[ HH:MM:SS]); --record reports one model \
                request (as $BTMSG_AGENT_ID)")
        .build(|p| {
            if p.flag("record") {
                let tokens = |p: &mut Parsed, long: &str| -> Result<i64, UsageError> {
                    p.number(long, "a number of tokens")?.ok_or_else(|| UsageError::new(format!("missing --{long}")))
                };
                let r = a::RecordUsage {
                    input_tokens: tokens(p, "input")?,
                    output_tokens: tokens(p, "output")?,
                    cost_usd: p.number("cost", "a cost in dollars")?.ok_or_else(|| UsageError::new("missing --cost"))?,
                    model: p.value("model")?.ok_or_else(|| UsageError::new("missing --model"))?,
                    task_id: p.value("task")?,
                };
                return job_as(Who::Agent, R::RecordUsage(r), show::usage_recorded);
            }
            let by = p.value("by")?.map(|b| b.parse().map_err(|e: agor_core::Error| UsageError::new(e.to_string()))).transpose()?;
            let group = p.value("group")?;
            if let Some(bucket) = p.value("series")? {
                let bucket = bucket.parse().map_err(|e: agor_core::Error| UsageError::new(e.to_string()))?;
                let r = a::UsageSeries { by, bucket: Some(bucket), since: p.value("since")?, group };
                return job(R::UsageSeries(r), show::usage_series);
            }
            if p.value("since")?.is_some() {
                return Err(UsageError::new("--since goes with --series"));
            }
            job(R::UsageSummary(a::UsageSummary { by, group }), show::usage)
        }),
    CommandDef::new("reserve", Who::Agent, &["reserve", "renew_reservations"], "path=* shared ttl= reason= renew id=*")
        .usage(&[
            "reserve <path-glob>… [--shared] [--ttl S] [--reason TEXT]",
            "reserve --renew [--id ID]… [--ttl S]",
        ])
        .about(
            "reserve files before editing them (exclusive unless --shared, default an hour), all \
             or none; --renew extends yours (the given ids, or all)",
        )
        .build(|p| {
            let ttl_secs = p.count("ttl", agor_core::Count::LeaseSecs)?.map(i64::from);
            if p.flag("renew") {
                let ids = p.values("id")?;
                return job(R::RenewReservations(a::RenewReservations { ids, ttl_secs }), show::reservations);
            }
            let mut paths = p.values("path")?;
            while let Some(path) = p.positional("path")? {
                paths.push(path);
            }
            if paths.is_empty() {
                return Err(UsageError::new("missing path to reserve"));
            }
            let r = a::Reserve { paths, shared: p.flag("shared"), ttl_secs, reason: p.value("reason")? };
            job(R::Reserve(r), show::reservations)
        }),
    CommandDef::new("release", Who::Agent, &["release_reservations"], "id=*")
        .usage(&["release [<reservation-id>…]"])
        .about("release your file reservations (the given ids, or all)")
        .build(|p| {
            let mut ids = p.values("id")?;
            while let Some(id) = p.positional("reservation id")? {
                ids.push(id);
            }
            job(R::ReleaseReservations(a::ReleaseReservations { ids }), show::released)
        }),
    CommandDef::new("reservations", Who::Agent, &["reservations"], "agent= path=")
        .usage(&["reservations [--agent ID] [--path PATH]"])
        .about("live file reservations of your group, of one agent and/or covering a path")
        .build(|p| {
            let r = a::Reservations { agent_id: p.value("agent")?, path: p.value("path")? };
            job(R::Reservations(r), show::reservations)
        }),
    CommandDef::new("search", Who::Either, &["search"], "query= kind=* limit= group=")
        .usage(&["search <query…> [--kind K]… [--limit N] [--group G]"])
        .about(
            "full-text search of what you may read (the operator: every group; --group: one; \
             kinds: message, post, task, comment; default all): words, \"phrases\", prefix*, AND, OR, NOT, best matches first",
        )
        .build(|p| {
            let query = p.text("query", "search query")?;
            let kinds = p
                .values("kind")?
                .iter()
                .flat_map(|v| v.split(','))
                .map(|k| k.trim().parse().map_err(|e: agor_core::Error| UsageError::new(e.to_string())))
                .collect::<Result<Vec<agor_core::SearchKind>, _>>()?;
            let limit = limit(p)?;
            let group = p.value("group")?;
            job(R::Search(a::Search { query, kinds, limit, group }), crate::render::search_hits)
        }),
    CommandDef::new("token issue", Who::Operator, &["issue_token"], "agent= operator")
        .usage(&["token issue <agent>", "token issue --agent ID", "token issue --operator"])
        .about(
            "issue a secret with which the agent (or, with --operator, the operator) reaches \
             agor through `agor mcp --http`; printed once, on its own line (agor keeps only a \
             hash)",
        )
        .build(|p| {
            let (agent_id, operator) = token_holder(p)?;
            job(R::IssueToken(a::IssueToken { agent_id, operator }), show::secret)
        }),
    CommandDef::new("token revoke", Who::Operator, &["revoke_tokens"], "agent= operator")
        .usage(&["token revoke <agent>", "token revoke --agent ID", "token revoke --operator"])
        .about("revoke every secret of the agent (or, with --operator, the operator's)")
        .build(|p| {
            let (agent_id, operator) = token_holder(p)?;
            job(R::RevokeTokens(a::RevokeTokens { agent_id, operator }), show::revoked)
        }),
    CommandDef::new("token list", Who::Operator, &["tokens"], "")
        .usage(&["token list"])
        .about("the issued secrets: agent, fingerprint, when (never the secrets)")
        .build(|_| job(R::Tokens(a::Tokens {}), show::tokens)),
];

/// Whose secrets a `token` command means: an agent, or `--operator`; exactly one.
fn token_holder(p: &mut Parsed) -> Result<(Option<String>, bool), UsageError> {
    if p.flag("operator") {
        if p.value("agent")?.is_some() {
            return Err(UsageError::new("give an agent or --operator, not both"));
        }
        return Ok((None, true));
    }
    Ok((
        Some(p.required(&["agent"], "agent id (or --operator)")?),
        false,
    ))
}

/// `--kind`: repeated or comma-separated change kinds; none means every kind.
fn kinds(p: &mut Parsed) -> Result<Vec<agor_core::ChangeKind>, UsageError> {
    p.values("kind")?
        .iter()
        .flat_map(|v| v.split(','))
        .map(|k| {
            k.trim()
                .parse()
                .map_err(|e: agor_core::Error| UsageError::new(e.to_string()))
        })
        .collect()
}

/// `--limit`: absent is the operation's default; anything given is judged by the core's one
/// rule (1..=max), with the library's wording.
fn limit(p: &mut Parsed) -> Result<Option<i64>, UsageError> {
    Ok(p.count("limit", agor_core::Count::Limit)?.map(i64::from))
}

fn dead_letter_id(p: &mut Parsed, long: &str) -> Result<Option<i64>, UsageError> {
    match p.value(long)? {
        None => Ok(None),
        Some(v) => v.trim_start_matches('#').parse().map(Some).map_err(|_| {
            UsageError::new(format!("--{long} takes a dead-letter number, not '{v}'"))
        }),
    }
}

/// `$BTMSG_SESSION_ID`, else the default session.
fn session_from_env() -> String {
    match std::env::var(SESSION_ENV) {
        Ok(s) if !s.is_empty() => s,
        _ => DEFAULT_SESSION.to_owned(),
    }
}
