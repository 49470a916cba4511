//! The operations themselves, one declaration each. The `operations!` macro turns every entry
//! into a request struct (with its JSON Schema), a variant of [`Request`], a variant of
//! [`Response`] carrying its typed answer, a line of the catalogue and an arm of dispatch, so
//! an operation cannot exist in one of those and not the others.
//!
//! An entry reads `name: Variant, Caller effect, Action { arguments } -> Response => body`:
//! who calls it (`Agent`, `Operator`, `Either`), what it does to the data (`reads`, `adds`,
//! `sets`, `removes`: see [`Effect`]) and the permission action the rules judge, if any.

use schemars::{schema_for, JsonSchema};
use serde::{Deserialize, Serialize};

use super::entry::{action_name, Caller, CallerKind, Effect, Operation};
use crate::error::{Error, Result};
use crate::rules::Action;
use crate::{
    AgentStatus, Completion, Count, NewAgent, NewTask, Priority, TaskFilter, TaskStatus,
    DEFAULT_AUDIT_LIMIT, DEFAULT_CHANNEL_HISTORY_LIMIT, DEFAULT_FEED_LIMIT, DEFAULT_HISTORY_LIMIT,
    DEFAULT_LEASE_SECS,
};

impl args::ClaimTask {
    /// Runs the claim as `actor`, waiting for work when `wait_secs` says so; `cancel` ends the
    /// wait early (a server whose client went away). The MCP server calls this too.
    pub fn claim(
        &self,
        actor: &crate::Actor,
        cancel: Option<&crate::CancelToken>,
    ) -> Result<Option<crate::Claim>> {
        let lease = self.lease()?;
        match self.wait()? {
            None => actor.claim_task(self.task_id.as_deref(), lease),
            Some(wait) => actor.claim_task_waiting(self.task_id.as_deref(), lease, wait, cancel),
        }
    }

    /// The lease it asks for, in seconds (absent: the default), checked.
    pub fn lease(&self) -> Result<u32> {
        count(Count::LeaseSecs, self.lease_secs, DEFAULT_LEASE_SECS)
    }

    /// How long it may wait for work (absent: not at all), checked.
    pub fn wait(&self) -> Result<Option<std::time::Duration>> {
        self.wait_secs
            .map(|secs| crate::seconds("wait_secs", secs))
            .transpose()
    }
}

impl From<args::CreateTask> for NewTask {
    /// A `create_task` request (alone, or an item of `create_tasks`) as the task it asks for.
    fn from(r: args::CreateTask) -> Self {
        NewTask {
            title: r.title,
            description: r.description,
            priority: r.priority.unwrap_or(Priority::Medium),
            assign_to: r.assign_to,
            parent: r.parent,
            tags: r.tags,
            definition_of_done: r.definition_of_done,
            status: r.status.unwrap_or(TaskStatus::Todo),
            paths: r.paths,
            approval: r.approval,
            requires: r.requires,
            max_attempts: r.max_attempts,
        }
    }
}

/// One column of the task board: a status and its tasks, in board order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct BoardColumn {
    /// The column's status.
    pub status: TaskStatus,
    /// Its tasks, in board order.
    pub tasks: Vec<crate::Task>,
}

/// A count argument of a request (`limit`, `lease_secs`): absent is `default`, anything given
/// is judged by the one rule of [`Count`], with the same wording as every other surface.
fn count(kind: Count, value: Option<i64>, default: u32) -> Result<u32> {
    value.map_or(Ok(default), |v| kind.check(v))
}

/// The error for arguments of `op` that do not deserialize: [`Error::InvalidInput`] for the
/// argument at fault when it is one of the operation's `fields` (the path below it, an item's
/// index or key, leads the reason), for the request as a whole otherwise (an argument missing
/// or unknown, which serde reports at the request).
fn bad_arguments(
    op: &str,
    fields: &'static [&'static str],
    e: serde_path_to_error::Error<serde_json::Error>,
) -> Error {
    let path = e.path().to_string();
    let at = match e.path().iter().next() {
        Some(serde_path_to_error::Segment::Map { key }) => {
            fields.iter().copied().find(|f| *f == key.as_str())
        }
        _ => None,
    };
    let inner = e.into_inner();
    match at {
        Some(field) if path == field => Error::invalid(field, inner.to_string()),
        Some(field) => Error::invalid(field, format!("{path}: {inner}")),
        None => Error::invalid("request", format!("bad arguments for '{op}': {inner}")),
    }
}

macro_rules! operations {
    ($(
        $(#[doc = $doc:literal])+
        $name:ident : $Variant:ident, $caller:ident $effect:ident $(, $action:ident)? {
            $( $(#[$fmeta:meta])* $field:ident : $fty:ty ),* $(,)?
        } -> $resp:ty => |$c:ident, $r:ident| $body:expr;
    )*) => {
        /// The request types, one per operation, named after it. Their fields are the
        /// operation's arguments, described by its JSON Schema in the catalogue.
        #[allow(missing_docs)]
        pub mod args {
            // Named in full rather than `super::*`: the same scope, and one the import-graph
            // check (tests/rust/floors.rs), which does not track inline modules, reads right.
            #[allow(unused_imports)]
            use crate::ops::catalogue::*;
            $(
                $(#[doc = $doc])+
                #[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
                #[serde(deny_unknown_fields)]
                pub struct $Variant {
                    $( $(#[$fmeta])* pub $field: $fty, )*
                }
            )*
        }

        /// A typed request for any operation: `{"op": "<name>", <arguments>…}` in JSON.
        #[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
        #[serde(tag = "op", rename_all = "snake_case")]
        pub enum Request {
            $( $(#[doc = $doc])+ $Variant(args::$Variant), )*
        }

        /// Every operation name, in declaration order.
        pub const NAMES: &[&str] = &[$(stringify!($name)),*];

        /// Every operation name with who calls it, in declaration order (no schema built).
        pub const CALLERS: &[(&str, CallerKind)] = &[$((stringify!($name), CallerKind::$caller)),*];

        impl Request {
            /// The request of operation `op` from its arguments (an object without `"op"`);
            /// an error names the argument at fault. None for an unknown operation.
            pub(super) fn from_arguments(op: &str, arguments: serde_json::Value) -> Option<Result<Request>> {
                match op {
                    $(
                        stringify!($name) => Some(
                            serde_path_to_error::deserialize(arguments)
                                .map(Request::$Variant)
                                .map_err(|e| bad_arguments(op, &[$(stringify!($field)),*], e)),
                        ),
                    )*
                    _ => None,
                }
            }

            /// The operation's name.
            pub fn name(&self) -> &'static str {
                match self {
                    $( Request::$Variant(_) => stringify!($name), )*
                }
            }

            pub(super) fn run(self, caller: &Caller) -> Result<Response> {
                match self {
                    $(
                        Request::$Variant($r) => {
                            let $c = caller;
                            let out: $resp = $body?;
                            Ok(Response::$Variant(out))
                        }
                    )*
                }
            }
        }

        /// A typed response of any operation: the variant of its request, carrying the record
        /// the operation answers with. It serializes as that record alone (`untagged`), which
        /// is the operation's JSON response in the catalogue.
        #[derive(Debug, Serialize)]
        #[serde(untagged)]
        pub enum Response {
            $( $(#[doc = $doc])+ $Variant($resp), )*
        }

        impl Response {
            /// The name of the operation that answered.
            pub fn name(&self) -> &'static str {
                match self {
                    $( Response::$Variant(_) => stringify!($name), )*
                }
            }

            /// The answer as a value of any type, for [`Response::into_inner`].
            pub(super) fn into_any(self) -> Box<dyn std::any::Any> {
                match self {
                    $( Response::$Variant(out) => Box::new(out), )*
                }
            }
        }

        /// Calls the macro named `$m` with the name of every variant of [`Response`]
        /// (`$m! { RegisterAgent, ... }`): a surface converts typed responses with one arm per
        /// variant, which the compiler keeps complete (agor-py's records). Not for Rust apps:
        /// use [`Response::into_inner`].
        #[doc(hidden)]
        #[macro_export]
        macro_rules! for_each_response {
            ($m:ident) => { $m! { $( $Variant, )* } };
        }

        pub(super) fn operations() -> Vec<Operation> {
            vec![$(
                operations!(@operation $name, $Variant, $caller, $effect, [$($action)?],
                    [$($doc)+], [$($field)*], $resp),
            )*]
        }

        /// One operation by name, building its schemas alone (not every operation's).
        pub(super) fn operation(name: &str) -> Option<Operation> {
            match name {
                $(
                    stringify!($name) => Some(operations!(@operation $name, $Variant, $caller,
                        $effect, [$($action)?], [$($doc)+], [$($field)*], $resp)),
                )*
                _ => None,
            }
        }
    };
    (@operation $name:ident, $Variant:ident, $caller:ident, $effect:ident, [$($action:ident)?],
        [$($doc:literal)+], [$($field:ident)*], $resp:ty) => {
        Operation {
            name: stringify!($name),
            doc: concat!($($doc, "\n"),+).trim(),
            caller: CallerKind::$caller,
            effect: operations!(@effect $effect),
            action: action_name(operations!(@action $($action)?)),
            fields: &[$(stringify!($field)),*],
            request: schema_for!(args::$Variant),
            response: schema_for!($resp),
        }
    };
    (@effect reads) => { Effect::Reads };
    (@effect adds) => { Effect::Adds };
    (@effect sets) => { Effect::Sets };
    (@effect removes) => { Effect::Removes };
    (@action) => { None };
    (@action $action:ident) => { Some(Action::$action) };
}

operations! {
    // --- the team ---------------------------------------------------------------------------
    /// Register an agent, or update it if the id exists: the operator registers anyone; an
    /// agent only within its rights (no rank at or above its own, inside its group).
    register_agent: RegisterAgent, Either sets, RegisterAgent {
        id: String,
        name: String,
        role: String,
        group: String,
        /// 0, 1 or 2; absent: the role's default (an existing agent keeps its tier).
        #[serde(default)] tier: Option<i64>,
        #[serde(default)] model: Option<String>,
        #[serde(default)] cwd: Option<String>,
    } -> crate::Agent => |c, r| {
        let new = NewAgent { id: r.id, name: r.name, role: r.role, group: r.group, tier: r.tier, model: r.model, cwd: r.cwd };
        c.register_agent(&new)
    };
    /// Soft-delete an agent: hidden from lists and lookups, mail to it refused as not found,
    /// its history kept, its id reserved (the operator; managers below them in their group).
    remove_agent: RemoveAgent, Either removes, DeleteAgent {
        agent_id: String,
    } -> () => |c, r| c.remove_agent(&r.agent_id);
    /// Bring a soft-deleted agent back (its exact id).
    restore_agent: RestoreAgent, Either sets, DeleteAgent {
        agent_id: String,
    } -> crate::Agent => |c, r| c.restore_agent(&r.agent_id);
    /// Delete an agent for good (its messages stay as history): only a stopped one (status or
    /// work state) unless `force`.
    purge_agent: PurgeAgent, Either removes, DeleteAgent {
        agent_id: String,
        #[serde(default)] force: bool,
    } -> () => |c, r| c.purge_agent(&r.agent_id, r.force);
    /// Change an agent's display name (yourself; managers: agents below them in the group).
    rename_agent: RenameAgent, Either sets, RegisterAgent {
        agent_id: String,
        name: String,
    } -> crate::Agent => |c, r| c.rename_agent(&r.agent_id, &r.name);
    /// Every role: the built-in rows (fixed), then custom roles by name.
    roles: Roles, Either reads, ListAgents {} -> Vec<crate::RoleDef> => |c, _r| c.roles();
    /// One role (built in or defined); an undefined name is not found.
    role: Role, Either reads, ListAgents {
        name: String,
    } -> crate::RoleDef => |c, r| c.role(&r.name);
    /// Define or redefine a custom role (the operator; holders of can_modify_roles below their
    /// tier, with no right they lack). `creates`: roles its holders may create, `*` any lower.
    define_role: DefineRole, Either sets, DefineRole {
        name: String,
        /// 0, 1 or 2; absent: 2.
        #[serde(default)] tier: Option<i64>,
        #[serde(default)] capabilities: Vec<crate::Capability>,
        #[serde(default)] permissions: Vec<crate::Permission>,
        #[serde(default)] creates: Vec<String>,
    } -> crate::RoleDef => |c, r| {
        let def = crate::RoleDef {
            name: r.name,
            tier: r.tier.unwrap_or(crate::TIER_PROJECT),
            capabilities: r.capabilities.into_iter().collect(),
            permissions: r.permissions.into_iter().collect(),
            creates: r.creates,
            built_in: false,
        };
        c.define_role(&def)
    };
    /// Whether an agent's role has a capability.
    has_capability: HasCapability, Either reads, ListAgents {
        agent_id: String,
        capability: crate::Capability,
    } -> bool => |c, r| c.has_capability(&r.agent_id, r.capability);
    /// Whether an agent's role holds a permission.
    check_permission: CheckPermission, Either reads, ListAgents {
        agent_id: String,
        permission: crate::Permission,
    } -> bool => |c, r| c.check_permission(&r.agent_id, r.permission);
    /// Whether agents of role `creator` may create agents of role `role`.
    can_create_role: CanCreateRole, Either reads, ListAgents {
        creator: String,
        role: String,
    } -> bool => |c, r| c.can_create_role(&r.creator, &r.role);
    /// Let agent `from` message agent `to` (and back when `bidirectional`).
    allow: Allow, Either sets, GrantContacts {
        from: String,
        to: String,
        #[serde(default)] bidirectional: bool,
    } -> () => |c, r| c.allow(&r.from, &r.to, r.bidirectional);
    /// One agent by id or unique prefix (operator view, any group).
    get_agent: GetAgent, Operator reads {
        id: String,
    } -> crate::Agent => |c, r| c.operator()?.get_agent(&r.id);
    /// Agents with their unread counts: the operator sees every group (or `group`), an agent
    /// its own group (tier 0: all).
    list_agents: ListAgents, Either reads, ListAgents {
        #[serde(default)] group: Option<String>,
    } -> Vec<crate::Agent> => |c, r| c.list_agents_of(r.group.as_deref());
    /// Edges of the contacts ACL (an agent: those touching its group).
    contact_graph: ContactGraph, Either reads, ListAgents {} -> Vec<crate::Contact> => |c, _r| c.contact_graph();
    /// The acting agent's own record.
    whoami: Whoami, Agent reads {} -> crate::Agent => |c, _r| c.agent()?.whoami();
    /// Agents the acting agent may message.
    contacts: Contacts, Agent reads, SendMessage {} -> Vec<crate::Agent> => |c, _r| c.agent()?.contacts();
    /// Set an agent's presence status (its own always; others': managers of its group).
    set_status: SetStatus, Agent sets, SetAgentStatus {
        /// Absent: the acting agent.
        #[serde(default)] agent_id: Option<String>,
        status: AgentStatus,
    } -> crate::Agent => |c, r| {
        let a = c.agent()?;
        a.set_status(r.agent_id.as_deref().unwrap_or(a.id()), r.status)
    };
    /// Record that the acting agent is alive; redelivers its dead letters.
    heartbeat: Heartbeat, Agent sets {} -> crate::Heartbeat => |c, _r| c.agent()?.heartbeat();
    /// Agents that heartbeated before but not within the threshold (default: the store's).
    stale_agents: StaleAgents, Operator reads {
        #[serde(default)] threshold_secs: Option<i64>,
    } -> Vec<crate::StaleAgent> => |c, r| c.operator()?.stale_agents(r.threshold_secs);
    /// The newest audit rows, optionally of one principal: the operator's and tier 0's of every
    /// group (or `group`), a manager's of its group's agents (needs can_view_logs).
    audit_log: AuditLog, Either reads, ReadAuditLog {
        #[serde(default)] agent_id: Option<String>,
        #[serde(default)] #[schemars(range(min = 1, max = crate::MAX_LIMIT))] limit: Option<i64>,
        /// Only the rows of this group's agents.
        #[serde(default)] group: Option<String>,
    } -> Vec<crate::AuditEntry> => |c, r| {
        let limit = count(Count::Limit, r.limit, DEFAULT_AUDIT_LIMIT)?;
        c.narrowed(r.group.as_deref()).audit_log(r.agent_id.as_deref(), limit)
    };

    /// Write a consistent single-file copy of the database to `path` (never overwriting a
    /// file); returns the path written.
    backup: Backup, Operator adds {
        path: String,
    } -> String => |c, r| c.operator()?.backup(&r.path).map(|p| p.to_string_lossy().into_owned());

    // --- direct messages --------------------------------------------------------------------
    /// Send a direct message to an agent (id or unique prefix) the ACL lets the actor reach;
    /// optionally ask for a receipt (ack or reply) by a deadline (see `overdue`).
    send: Send, Agent adds, SendMessage {
        to: String,
        content: String,
        #[serde(default)] importance: crate::Importance,
        #[serde(default)] ack_required: bool,
        /// 1..=2592000; needs ack_required. Its errors name it `deadline` (`x-count`).
        #[serde(default)]
        #[schemars(range(min = 1, max = crate::MAX_DEADLINE_SECS), extend("x-count" = "deadline"))]
        deadline_secs: Option<i64>,
    } -> crate::Message => |c, r| {
        let asks = crate::Asks {
            importance: r.importance,
            ack_required: r.ack_required,
            deadline_secs: r.deadline_secs.map(|s| Count::DeadlineSecs.check(s)).transpose()?,
        };
        c.agent()?.send_asking(&r.to, &r.content, &asks)
    };
    /// Reply to a message the actor sent or received, threading it.
    reply: Reply, Agent adds, SendMessage {
        message_id: String,
        content: String,
    } -> crate::Message => |c, r| c.agent()?.reply(&r.message_id, &r.content);
    /// Unread messages most important first, then oldest first; or with `all` every message
    /// newest first. Marks nothing.
    inbox: Inbox, Agent reads {
        #[serde(default)] all: bool,
        #[serde(default)] #[schemars(range(min = 1, max = crate::MAX_LIMIT))] limit: Option<i64>,
    } -> Vec<crate::Message> => |c, r| c.agent()?.inbox(r.all, r.limit.map(|l| Count::Limit.check(l)).transpose()?);
    /// Unread messages, oldest first, without marking them read.
    peek: Peek, Agent reads {} -> Vec<crate::Message> => |c, _r| c.agent()?.peek();
    /// One message by id or prefix; marks it read when the actor is its recipient.
    read: Read, Agent sets {
        message_id: String,
    } -> crate::Message => |c, r| c.agent()?.read(&r.message_id);
    /// Every unread message, oldest first, marked read in the same transaction.
    read_unread: ReadUnread, Agent sets {} -> Vec<crate::Message> => |c, _r| c.agent()?.read_unread();
    /// Mark every message from `other` to the actor read; returns how many changed.
    mark_conversation_read: MarkConversationRead, Agent sets {
        other: String,
    } -> usize => |c, r| c.agent()?.mark_conversation_read(&r.other);
    /// Record that a session has seen a message; false when it had already. The first ack
    /// from any session of its recipient is the message's receipt (`acked_at`, which its
    /// sender sees).
    ack: Ack, Agent sets {
        message_id: String,
        session_id: String,
    } -> bool => |c, r| c.agent()?.ack(&r.message_id, &r.session_id);
    /// Your messages that asked for a receipt by a deadline now past and have none, the
    /// longest overdue first (`limit` absent: 50).
    overdue: Overdue, Agent reads {
        #[serde(default)] #[schemars(range(min = 1, max = crate::MAX_LIMIT))] limit: Option<i64>,
    } -> Vec<crate::Message> => |c, r| c.agent()?.overdue(count(Count::Limit, r.limit, DEFAULT_FEED_LIMIT)?);
    /// Number of unread messages addressed to the actor.
    unread_count: UnreadCount, Agent reads {} -> i64 => |c, _r| c.agent()?.unread_count();
    /// The last messages between the actor and `other`, oldest first.
    history: History, Agent reads {
        other: String,
        #[serde(default)] #[schemars(range(min = 1, max = crate::MAX_LIMIT))] limit: Option<i64>,
    } -> Vec<crate::Message> => |c, r| c.agent()?.history(&r.other, count(Count::Limit, r.limit, DEFAULT_HISTORY_LIMIT)?);
    /// The newest messages of a group, newest first (tier 0).
    feed: Feed, Agent reads, ReadGroupFeed {
        #[serde(default)] group: Option<String>,
        #[serde(default)] #[schemars(range(min = 1, max = crate::MAX_LIMIT))] limit: Option<i64>,
    } -> Vec<crate::Message> => |c, r| c.agent()?.feed(r.group.as_deref(), count(Count::Limit, r.limit, DEFAULT_FEED_LIMIT)?);
    /// A one-line summary of unread mail, or null when there is none.
    notify: Notify, Agent reads {} -> Option<String> => |c, _r| c.agent()?.notify();
    /// Delete a direct message of the actor's group (managers).
    delete_message: DeleteMessage, Agent removes, DeleteMessage {
        message_id: String,
    } -> () => |c, r| c.agent()?.delete_message(&r.message_id);
    /// Send to every agent of a role in the actor's group.
    send_to_role: SendToRole, Agent adds, SendMessage {
        role: String,
        content: String,
    } -> crate::Delivery => |c, r| c.agent()?.send_to_role(&r.role, &r.content);
    /// Send to every agent whose id matches a glob, in the actor's group.
    send_to_pattern: SendToPattern, Agent adds, SendMessage {
        pattern: String,
        content: String,
    } -> crate::Delivery => |c, r| c.agent()?.send_to_pattern(&r.pattern, &r.content);
    /// Send to every other agent of the actor's group.
    broadcast: Broadcast, Agent adds, SendMessage {
        content: String,
    } -> crate::Delivery => |c, r| c.agent()?.broadcast(&r.content);

    // --- channels ---------------------------------------------------------------------------
    /// Create a channel in the actor's group and join it (managers).
    create_channel: CreateChannel, Agent adds, CreateChannel {
        name: String,
    } -> crate::Channel => |c, r| c.agent()?.create_channel(&r.name);
    /// Channels of the actor's group with member counts and last message.
    list_channels: ListChannels, Agent reads {} -> Vec<crate::Channel> => |c, _r| c.agent()?.list_channels();
    /// Post to a channel (by name or id) the actor belongs to.
    post: Post, Agent adds, PostToChannel {
        channel: String,
        content: String,
    } -> crate::ChannelMessage => |c, r| c.agent()?.post(&r.channel, &r.content);
    /// The last posts of a channel, oldest first (members and managers).
    channel_history: ChannelHistory, Agent reads, ReadChannel {
        channel: String,
        #[serde(default)] #[schemars(range(min = 1, max = crate::MAX_LIMIT))] limit: Option<i64>,
    } -> Vec<crate::ChannelMessage> => |c, r| c.agent()?.channel_history(&r.channel, count(Count::Limit, r.limit, DEFAULT_CHANNEL_HISTORY_LIMIT)?);
    /// Add an agent of the group to a channel (managers).
    add_member: AddMember, Agent sets, AddChannelMember {
        channel: String,
        agent_id: String,
    } -> crate::Channel => |c, r| c.agent()?.add_member(&r.channel, &r.agent_id);
    /// Create a group's review-queue and review-log channels if missing.
    ensure_review_channels: EnsureReviewChannels, Operator sets {
        group: String,
    } -> (crate::Channel, crate::Channel) => |c, r| c.operator()?.ensure_review_channels(&r.group);

    // --- dead letters -----------------------------------------------------------------------
    /// Dead letters the actor may see, oldest first.
    dead_letters: DeadLetters, Agent reads {} -> Vec<crate::DeadLetter> => |c, _r| c.agent()?.dead_letters();
    /// Move dead letters into the inbox now: one by id, or all the actor may act on.
    redeliver_dead_letters: RedeliverDeadLetters, Agent sets {
        #[serde(default)] id: Option<i64>,
    } -> Vec<crate::Message> => |c, r| c.agent()?.redeliver_dead_letters(r.id);
    /// Delete dead letters: one by id, or all the actor may act on; returns how many.
    clear_dead_letters: ClearDeadLetters, Agent removes {
        #[serde(default)] id: Option<i64>,
    } -> usize => |c, r| c.agent()?.clear_dead_letters(r.id);

    // --- the task board ---------------------------------------------------------------------
    /// Create a task in the actor's group (managers).
    create_task: CreateTask, Agent adds, CreateTask {
        title: String,
        #[serde(default)] description: String,
        #[serde(default)] priority: Option<Priority>,
        #[serde(default)] assign_to: Option<String>,
        #[serde(default)] parent: Option<String>,
        #[serde(default)] tags: Vec<String>,
        #[serde(default)] definition_of_done: Option<String>,
        /// `todo` (default) or `backlog`.
        #[serde(default)] status: Option<TaskStatus>,
        /// Path globs its claim reserves exclusively (claim-next skips it while another agent
        /// holds one of them).
        #[serde(default, skip_serializing_if = "Vec::is_empty")] paths: Vec<String>,
        /// A person approves it before it is done (completing it moves it to review).
        #[serde(default)] approval: bool,
        /// What the claimer's role must have: `capability:<word>` or `role:<name>`.
        #[serde(default)] requires: Option<String>,
        /// Failed attempts before it goes to `failed`; absent: the `max_attempts` setting.
        #[serde(default)] max_attempts: Option<i64>,
    } -> crate::Task => |c, r| {
        c.agent()?.create_task(&NewTask::from(r))
    };
    /// Create many tasks in one transaction, in order, each as create_task would (its
    /// arguments, checks, audit row and change); all or nothing: a bad item refuses the batch
    /// with an error naming its index (from 0). 1..=1000 tasks (managers).
    create_tasks: CreateTasks, Agent adds, CreateTask {
        tasks: Vec<args::CreateTask>,
    } -> Vec<crate::Task> => |c, r| {
        let tasks: Vec<NewTask> = r.tasks.into_iter().map(NewTask::from).collect();
        c.agent()?.create_tasks(&tasks)
    };
    /// Tasks of the actor's group (the operator: of every group), or of `group`, open ones
    /// unless `all`, by priority then sort order.
    list_tasks: ListTasks, Either reads, ListTasks {
        #[serde(default)] all: bool,
        #[serde(default)] status: Option<TaskStatus>,
        #[serde(default)] tag: Option<String>,
        #[serde(default)] group: Option<String>,
    } -> Vec<crate::Task> => |c, r| {
        let filter = TaskFilter { all: r.all, status: r.status, tag: r.tag };
        c.narrowed(r.group.as_deref()).list_tasks(&filter)
    };
    /// One task (id or prefix) with its comments and subtasks.
    get_task: GetTask, Agent reads, ListTasks {
        task_id: String,
    } -> crate::TaskDetail => |c, r| c.agent()?.get_task(&r.task_id);
    /// The status moves of one task (id or prefix), oldest first: the newest `limit` (default
    /// 20), each with who moved it and when, from the change feed.
    task_history: TaskHistory, Either reads, ListTasks {
        task_id: String,
        #[serde(default)] #[schemars(range(min = 1, max = crate::MAX_LIMIT))] limit: Option<i64>,
    } -> Vec<crate::StatusMove> => |c, r| {
        c.task_history(&r.task_id, count(Count::Limit, r.limit, DEFAULT_HISTORY_LIMIT)?)
    };
    /// Assign a task to an agent of the group (managers).
    assign_task: AssignTask, Agent sets, AssignTask {
        task_id: String,
        agent_id: String,
    } -> crate::Task => |c, r| c.agent()?.assign_task(&r.task_id, &r.agent_id);
    /// Edit a task's title, description, priority, definition of done or tags (each only when
    /// given; tags replace the set) if still at `expected_version` (optimistic locking).
    update_task: UpdateTask, Agent sets, CreateTask {
        task_id: String,
        expected_version: i64,
        #[serde(default)] title: Option<String>,
        #[serde(default)] description: Option<String>,
        #[serde(default)] priority: Option<Priority>,
        #[serde(default)] definition_of_done: Option<String>,
        #[serde(default)] tags: Option<Vec<String>>,
        /// The new set of path globs (empty: none); not while the task is claimed.
        #[serde(default, skip_serializing_if = "Option::is_none")] paths: Option<Vec<String>>,
        /// `capability:<word>` or `role:<name>`; "" clears it.
        #[serde(default)] requires: Option<String>,
        /// 1..=1000; 0 clears it (the setting applies).
        #[serde(default)] max_attempts: Option<i64>,
    } -> crate::Task => |c, r| {
        let change = crate::TaskUpdate { title: r.title, description: r.description, priority: r.priority, definition_of_done: r.definition_of_done, tags: r.tags, paths: r.paths, approval: None, requires: r.requires, max_attempts: r.max_attempts };
        c.agent()?.update_task(&r.task_id, r.expected_version, &change)
    };
    /// Move a task to `status` if still at `expected_version` (absent: the current version).
    set_task_status: SetTaskStatus, Agent sets, ChangeTaskStatus {
        task_id: String,
        status: TaskStatus,
        #[serde(default)] expected_version: Option<i64>,
    } -> crate::Task => |c, r| {
        let a = c.agent()?;
        match r.expected_version {
            Some(v) => a.set_task_status(&r.task_id, r.status, v),
            None => a.move_task(&r.task_id, r.status),
        }
    };
    /// Comment on a task of the group.
    comment: Comment, Agent adds, CommentOnTask {
        task_id: String,
        content: String,
    } -> crate::Comment => |c, r| c.agent()?.comment(&r.task_id, &r.content);
    /// Delete a task with its comments and tags (managers).
    delete_task: DeleteTask, Agent removes, DeleteTask {
        task_id: String,
    } -> () => |c, r| c.agent()?.delete_task(&r.task_id);
    /// Make `task_id` wait for `depends_on` (cycles refused; managers).
    add_dependency: AddDependency, Agent sets, ManageDependencies {
        task_id: String,
        depends_on: String,
    } -> () => |c, r| c.agent()?.add_dependency(&r.task_id, &r.depends_on);
    /// Remove a dependency (managers).
    remove_dependency: RemoveDependency, Agent removes, ManageDependencies {
        task_id: String,
        depends_on: String,
    } -> () => |c, r| c.agent()?.remove_dependency(&r.task_id, &r.depends_on);
    /// Ids of the tasks `task_id` waits for.
    dependencies: Dependencies, Agent reads, ListTasks {
        task_id: String,
    } -> Vec<String> => |c, r| c.agent()?.dependencies(&r.task_id);
    /// Todo tasks the actor could claim now, in claim order.
    ready_tasks: ReadyTasks, Agent reads, ListTasks {} -> Vec<crate::Task> => |c, _r| c.agent()?.ready_tasks();
    /// Todo tasks the actor could claim but for files another agent holds (claim-next and
    /// ready_tasks skip them), each with what blocks it: the other agent's reservation or
    /// claimed task. `task_id` asks about one task.
    claim_blockers: ClaimBlockers, Agent reads, ListTasks {
        #[serde(default)] task_id: Option<String>,
    } -> Vec<crate::BlockedTask> => |c, r| c.agent()?.claim_blockers(r.task_id.as_deref());
    /// The board of the actor's group (the operator: of every group), or of `group`: every
    /// status column with its tasks.
    board: Board, Either reads, ListTasks {
        #[serde(default)] group: Option<String>,
    } -> Vec<BoardColumn> => |c, r| c.narrowed(r.group.as_deref()).board().map(|cols| {
        cols.into_iter().map(|(status, tasks)| BoardColumn { status, tasks }).collect::<Vec<_>>()
    });
    /// Hide a done or cancelled task from the board, keeping it (managers).
    archive_task: ArchiveTask, Agent sets, DeleteTask {
        task_id: String,
    } -> crate::Task => |c, r| c.agent()?.archive_task(&r.task_id);
    /// Put an archived task back on the board (managers).
    unarchive_task: UnarchiveTask, Agent sets, DeleteTask {
        task_id: String,
    } -> crate::Task => |c, r| c.agent()?.unarchive_task(&r.task_id);
    /// The archived tasks of your group, most recently archived first.
    archived_tasks: ArchivedTasks, Agent reads, ListTasks {} -> Vec<crate::Task> => |c, _r| c.agent()?.archived_tasks();
    /// One agent's lane (default: yours; the operator names one, in any group): its open
    /// tasks in its own order.
    lane: Lane, Either reads, ListTasks {
        #[serde(default)] agent_id: Option<String>,
    } -> Vec<crate::Task> => |c, r| c.lane(r.agent_id.as_deref());
    /// Reorder a lane (default: yours; managers: any of the group): the named tasks first, in
    /// the order given, the rest after them in their order. Returns the lane.
    reorder_lane: ReorderLane, Agent sets, ReorderLane {
        #[serde(default)] agent_id: Option<String>,
        task_ids: Vec<String>,
    } -> Vec<crate::Task> => |c, r| c.agent()?.reorder_lane(r.agent_id.as_deref(), &r.task_ids);
    /// Offer a task of your group to an agent you may reach (your group or a contact in
    /// another group): pending until that agent accepts or declines (managers).
    propose_task: ProposeTask, Agent adds, AssignTask {
        task_id: String,
        agent_id: String,
    } -> crate::Proposal => |c, r| c.agent()?.propose_task(&r.task_id, &r.agent_id);
    /// Proposals offered to you or made from your group, pending ones unless `all`.
    proposals: Proposals, Agent reads {
        #[serde(default)] all: bool,
    } -> Vec<crate::Proposal> => |c, r| c.agent()?.proposals(r.all);
    /// Accept a task proposed to you: it moves to your group, assigned to you.
    accept_proposal: AcceptProposal, Agent sets, AnswerProposal {
        proposal_id: String,
    } -> crate::Task => |c, r| c.agent()?.accept_proposal(&r.proposal_id);
    /// Decline a task proposed to you, with an optional reason.
    decline_proposal: DeclineProposal, Agent sets, AnswerProposal {
        proposal_id: String,
        #[serde(default)] reason: Option<String>,
    } -> crate::Proposal => |c, r| c.agent()?.decline_proposal(&r.proposal_id, r.reason.as_deref());
    /// Import a `tasks.toml` (its text) into your group: unknown ids created, known ones
    /// updated where they differ; all or nothing, errors name the line (managers).
    import_tasks: ImportTasks, Agent sets, CreateTask {
        toml: String,
    } -> crate::ImportReport => |c, r| c.agent()?.import_tasks(&r.toml);
    /// Your group's board (archived tasks left out) as `tasks.toml` text.
    export_tasks: ExportTasks, Agent reads, ListTasks {} -> String => |c, _r| c.agent()?.export_tasks();
    /// Claim a todo task (the given one or the best next) under a lease; null if none. With
    /// `wait_secs`, a claim that finds nothing (or the task held) waits that long for a task
    /// change to make one fit.
    claim_task: ClaimTask, Agent adds, ClaimTask {
        #[serde(default)] task_id: Option<String>,
        /// Seconds; absent: 900.
        #[serde(default)] lease_secs: Option<i64>,
        /// Seconds to wait for work, >= 0; absent: answer at once.
        #[serde(default)] wait_secs: Option<f64>,
    } -> Option<crate::Claim> => |c, r| r.claim(c.agent()?, None);
    /// Claim up to `count` of the best next todo tasks at once, each under its own lease and
    /// token, chosen as claim_task chooses the best next (fit, files, deferral, dependencies,
    /// board order); fewer when fewer fit, none: an empty list.
    claim_tasks: ClaimTasks, Agent adds, ClaimTask {
        /// 1..=1000.
        count: i64,
        /// Seconds, for each claim; absent: 900.
        #[serde(default)] lease_secs: Option<i64>,
    } -> Vec<crate::Claim> => |c, r| {
        let lease = count(Count::LeaseSecs, r.lease_secs, DEFAULT_LEASE_SECS)?;
        c.agent()?.claim_tasks(Count::Batch.check(r.count)?, lease)
    };
    /// Extend a live lease to `lease_secs` from now.
    renew_lease: RenewLease, Agent sets, ClaimTask {
        task_id: String,
        token: String,
        #[serde(default)] lease_secs: Option<i64>,
    } -> crate::Claim => |c, r| c.agent()?.renew_lease(&r.task_id, &r.token, count(Count::LeaseSecs, r.lease_secs, DEFAULT_LEASE_SECS)?);
    /// Give a claimed task back to `todo`, unassigned; with `error` (what went wrong), a failed
    /// attempt, counted toward the task's `max_attempts` (past it: `failed`) and maybe held
    /// back for a backoff. A token that is not the live lease is a lease error.
    release_task: ReleaseTask, Agent sets, ClaimTask {
        task_id: String,
        token: String,
        #[serde(default)] error: Option<String>,
    } -> crate::Task => |c, r| c.agent()?.release_task_with(&r.task_id, &r.token, r.error.as_deref());
    /// Put a `failed` task back in `todo`, its failed attempts and backoff cleared (managers).
    retry_task: RetryTask, Agent sets, AssignTask {
        task_id: String,
    } -> crate::Task => |c, r| c.agent()?.retry_task(&r.task_id);
    /// Defer a task: not ready and not claimable before `until`, an RFC 3339 time or a
    /// duration from now (`90s`, `30m`, `2h`, `1d`); absent, "" or `now` clears it (managers).
    defer_task: DeferTask, Agent sets, AssignTask {
        task_id: String,
        #[serde(default)] until: Option<String>,
    } -> crate::Task => |c, r| c.agent()?.defer_task(&r.task_id, r.until.as_deref());
    /// The attempts at one task (id or prefix), oldest first: each claim with who made it,
    /// when, and how it ended (completed, released, released_with_error, lapsed, taken_over).
    task_attempts: TaskAttempts, Either reads, ListTasks {
        task_id: String,
    } -> Vec<crate::Attempt> => |c, r| c.task_attempts(&r.task_id);
    /// Complete a claimed task with its completion record: to `done`, or with `review` to
    /// `review` (posting to the group's `review-queue` channel). `summary` is one line;
    /// `artifacts` refs such as `file:src/x.rs` or `msg:<id>`. A token that is not the live
    /// lease (a lapsed one too) is a lease error.
    complete_task: CompleteTask, Agent sets, ClaimTask {
        task_id: String,
        token: String,
        summary: String,
        #[serde(default)] artifacts: Vec<String>,
        #[serde(default)] result_ref: Option<String>,
        #[serde(default)] next: Option<String>,
        #[serde(default)] review: bool,
    } -> crate::Task => |c, r| {
        let done = Completion { summary: r.summary, artifacts: r.artifacts, result_ref: r.result_ref, next: r.next };
        c.agent()?.complete_task(&r.task_id, &r.token, &done, r.review)
    };
    /// Complete several claims to done in one transaction, in order, each as complete_task
    /// would (its token the live claim; a summary, absent: "completed"); all or nothing: a bad
    /// item refuses the batch with an error naming its index (from 0). 1..=1000 claims.
    complete_tasks: CompleteTasks, Agent sets, ClaimTask {
        claims: Vec<crate::ClaimDone>,
    } -> Vec<crate::Task> => |c, r| c.agent()?.complete_tasks(&r.claims);
    /// Say whether a task of your group needs a person's approval before it is done
    /// (managers); a task already in review keeps waiting for its answer.
    require_approval: RequireApproval, Agent sets, CreateTask {
        task_id: String,
        approval: bool,
    } -> crate::Task => |c, r| c.agent()?.require_approval(&r.task_id, r.approval);
    /// Approve a task awaiting a person's approval (in review, with approval): it moves to
    /// done (an agent of role human, or the operator).
    approve_task: ApproveTask, Either sets, ApproveTask {
        task_id: String,
    } -> crate::Task => |c, r| c.approve_task(&r.task_id);
    /// Reject a task awaiting a person's approval, with a reason: it returns to todo,
    /// assigned to (and claimable only by) the agent that completed it, which is told
    /// (an agent of role human, or the operator).
    reject_task: RejectTask, Either sets, ApproveTask {
        task_id: String,
        reason: String,
    } -> crate::Task => |c, r| c.reject_task(&r.task_id, &r.reason);
    /// Everything waiting on a person, in one list: tasks awaiting approval, pending
    /// proposals, unanswered messages to people (role human) and dead letters, in that order,
    /// each oldest first, at most `limit` (default 50) of each; of every group (or `group`)
    /// for people and the operator.
    waiting_on_people: WaitingOnPeople, Either reads, WaitOnPeople {
        #[serde(default)] #[schemars(range(min = 1, max = crate::MAX_LIMIT))] limit: Option<i64>,
        #[serde(default)] group: Option<String>,
    } -> Vec<crate::Waiting> => |c, r| {
        let limit = count(Count::Limit, r.limit, DEFAULT_FEED_LIMIT)?;
        c.narrowed(r.group.as_deref()).waiting_on_people(limit)
    };
    /// Tasks of a group waiting in review.
    review_queue_count: ReviewQueueCount, Operator reads {
        group: String,
    } -> i64 => |c, r| c.operator()?.review_queue_count(&r.group);
    /// Reviewer attention score of a group: 10 per task in review, capped at 50.
    reviewer_attention: ReviewerAttention, Operator reads {
        group: String,
    } -> i64 => |c, r| c.operator()?.reviewer_attention(&r.group);

    // --- the change feed and wake-ups -------------------------------------------------------
    /// The change feed after a cursor, oldest first, as far as the actor may see it (the
    /// operator: every group), or of `group`.
    changes: Changes, Either reads, ViewGroup {
        /// A cursor from an earlier change; absent: from the start.
        #[serde(default)] since: Option<i64>,
        /// 1..=10000; absent: 50.
        #[serde(default)] #[schemars(range(min = 1, max = crate::MAX_LIMIT))] limit: Option<i64>,
        #[serde(default)] group: Option<String>,
    } -> Vec<crate::Change> => |c, r| {
        let (since, limit) = (r.since.unwrap_or(0), count(Count::Limit, r.limit, DEFAULT_FEED_LIMIT)?);
        c.narrowed(r.group.as_deref()).changes(since, limit)
    };
    /// The newest cursor of the change feed: where a wait that must miss nothing starts.
    latest_change: LatestChange, Either reads {} -> i64 => |c, _r| c.latest_change();
    /// Block until changes made by others arrive for the actor (the operator: in every group),
    /// or in `group` (of `kinds`, all when absent, after `since`, default now); returns them,
    /// each with what the actor may read of it (`content`: a DM's or post's text and sender, a
    /// task's title, status and holder), or an empty list when `timeout_secs` passes.
    wait: Wait, Either reads, ViewGroup {
        #[serde(default)] kinds: Vec<crate::ChangeKind>,
        #[serde(default)] since: Option<i64>,
        /// Seconds, >= 0; absent: wait until something arrives.
        #[serde(default)] timeout_secs: Option<f64>,
        #[serde(default)] group: Option<String>,
    } -> Vec<crate::Change> => |c, r| {
        let timeout = crate::wait_timeout(r.timeout_secs)?;
        c.narrowed(r.group.as_deref()).wait(&r.kinds, r.since, timeout)
    };

    // --- file reservations -------------------------------------------------------------------
    /// Reserve path globs before editing them, exclusive (default) or shared, for `ttl_secs`
    /// (default 3600), all or none: a conflicting reservation of another agent of the group
    /// is refused (already_claimed) naming the holder and the paths.
    reserve: Reserve, Agent adds {
        paths: Vec<String>,
        #[serde(default)] shared: bool,
        /// 1..=86400; absent: 3600.
        #[serde(default)] ttl_secs: Option<i64>,
        #[serde(default)] reason: Option<String>,
    } -> Vec<crate::Reservation> => |c, r| c.agent()?.reserve(&r.paths, !r.shared, count(Count::LeaseSecs, r.ttl_secs, crate::DEFAULT_RESERVATION_SECS)?, r.reason.as_deref());
    /// Extend your reservations (the given ids, or all) to `ttl_secs` from now.
    renew_reservations: RenewReservations, Agent sets {
        #[serde(default)] ids: Vec<String>,
        /// 1..=86400; absent: 3600.
        #[serde(default)] ttl_secs: Option<i64>,
    } -> Vec<crate::Reservation> => |c, r| c.agent()?.renew_reservations(&r.ids, count(Count::LeaseSecs, r.ttl_secs, crate::DEFAULT_RESERVATION_SECS)?);
    /// Release your reservations (the given ids, or all); returns how many.
    release_reservations: ReleaseReservations, Agent sets {
        #[serde(default)] ids: Vec<String>,
    } -> usize => |c, r| c.agent()?.release_reservations(&r.ids);
    /// Live reservations of your group: of one agent, and/or covering a path.
    reservations: Reservations, Agent reads {
        #[serde(default)] agent_id: Option<String>,
        #[serde(default)] path: Option<String>,
    } -> Vec<crate::Reservation> => |c, r| c.agent()?.reservations(r.agent_id.as_deref(), r.path.as_deref());

    // --- work state ----------------------------------------------------------------------------
    /// Set your work state (idle, working with an optional task, done, error, stopped; moves
    /// are validated), or apply a coding agent's hook event (`hook`: SessionStart,
    /// UserPromptSubmit, PreToolUse, Stop, SessionEnd …), which never fails on a move.
    set_work_state: SetWorkState, Agent sets {
        #[serde(default)] state: Option<crate::WorkState>,
        #[serde(default)] task_id: Option<String>,
        #[serde(default)] hook: Option<String>,
    } -> crate::AgentWork => |c, r| {
        let me = c.agent()?;
        match (r.state, r.hook) {
            (Some(s), None) => me.set_work_state(s, r.task_id.as_deref()),
            (None, Some(h)) if r.task_id.is_none() => me.apply_hook(&h),
            _ => Err(crate::Error::InvalidInput { field: "state", reason: "give a state (with an optional task_id) or a hook event".into() }),
        }
    };
    /// The work state of an agent of your group (default: yours).
    work_state: WorkState, Agent reads {
        #[serde(default)] agent_id: Option<String>,
    } -> crate::AgentWork => |c, r| c.agent()?.work_state(r.agent_id.as_deref());

    // --- usage and cost ------------------------------------------------------------------------
    /// Record one model request: tokens in and out, cost in US dollars, model, and the task
    /// it served (optional, an id or prefix of your group's).
    record_usage: RecordUsage, Agent adds {
        input_tokens: i64,
        output_tokens: i64,
        cost_usd: f64,
        model: String,
        #[serde(default)] task_id: Option<String>,
    } -> crate::UsageRecord => |c, r| c.agent()?.record_usage(r.input_tokens, r.output_tokens, r.cost_usd, &r.model, r.task_id.as_deref());
    /// Usage summed per agent, task, model or group (`by`, default agent) of your group (tier 0
    /// and the operator: every group), or of `group`, biggest cost first: tokens, cost, requests.
    usage_summary: UsageSummary, Either reads, ViewGroup {
        #[serde(default)] by: Option<crate::UsageBy>,
        #[serde(default)] group: Option<String>,
    } -> Vec<crate::UsageSummary> => |c, r| {
        let by = r.by.unwrap_or(crate::UsageBy::Agent);
        c.narrowed(r.group.as_deref()).usage_summary(by)
    };
    /// Usage over time: summed per `bucket` (hour or day, default day, UTC) and per agent,
    /// task, model or group (`by`, default model), of the groups usage_summary reads, from
    /// `since` on (`YYYY-MM-DD[ HH:MM:SS]` UTC; absent: all): oldest bucket first, within one
    /// the biggest cost first.
    usage_series: UsageSeries, Either reads, ViewGroup {
        #[serde(default)] by: Option<crate::UsageBy>,
        #[serde(default)] bucket: Option<crate::UsageBucket>,
        #[serde(default)] since: Option<String>,
        #[serde(default)] group: Option<String>,
    } -> Vec<crate::UsagePoint> => |c, r| {
        let by = r.by.unwrap_or(crate::UsageBy::Model);
        let bucket = r.bucket.unwrap_or(crate::UsageBucket::Day);
        c.narrowed(r.group.as_deref()).usage_series(by, bucket, r.since.as_deref())
    };

    // --- search ----------------------------------------------------------------------------
    /// Full-text search over what the actor may read (its DMs, its channels' posts, its
    /// group's tasks and comments; the operator: every group's), or over `group`: FTS5 syntax
    /// (words, "phrases", prefix*, AND, OR, NOT, parentheses); hits best first with a
    /// snippet, matched words in `**`.
    search: Search, Either reads, ViewGroup {
        query: String,
        /// message, post, task, comment; absent: all.
        #[serde(default)] kinds: Vec<crate::SearchKind>,
        /// 1..=10000; absent: 20.
        #[serde(default)] #[schemars(range(min = 1, max = crate::MAX_LIMIT))] limit: Option<i64>,
        #[serde(default)] group: Option<String>,
    } -> Vec<crate::SearchHit> => |c, r| {
        let limit = count(Count::Limit, r.limit, crate::DEFAULT_SEARCH_LIMIT)?;
        c.narrowed(r.group.as_deref()).search(&r.query, &r.kinds, limit)
    };

    // --- secrets for the MCP server's HTTP transport ----------------------------------------
    /// Issue a secret with which an agent (or, with `operator`, the operator) reaches agor
    /// through `agor mcp --http`; it is returned once and stored only hashed. Earlier secrets
    /// stay valid.
    issue_token: IssueToken, Operator adds {
        #[serde(default)] agent_id: Option<String>,
        /// The operator's own secret (no `agent_id`).
        #[serde(default)] operator: bool,
    } -> String => |c, r| c.operator()?.issue_token_to(&crate::TokenHolder::from_request(r.agent_id, r.operator)?);
    /// Revoke every secret of an agent (or, with `operator`, the operator's); returns how many
    /// there were.
    revoke_tokens: RevokeTokens, Operator removes {
        #[serde(default)] agent_id: Option<String>,
        /// The operator's secrets (no `agent_id`).
        #[serde(default)] operator: bool,
    } -> u64 => |c, r| c.operator()?.revoke_tokens_of(&crate::TokenHolder::from_request(r.agent_id, r.operator)?);
    /// The issued secrets (agent, fingerprint, when issued), never the secrets themselves.
    tokens: Tokens, Operator reads {} -> Vec<crate::TokenInfo> => |c, _r| c.operator()?.tokens();

    // --- the store's settings ---------------------------------------------------------------
    /// Every setting of the store (max_attempts, backoff_base_secs, backoff_cap_secs,
    /// reviewers_claim_work) with its value, its default and what it governs.
    settings: Settings, Operator reads {} -> Vec<crate::Setting> => |c, _r| c.operator()?.settings();
    /// Set one setting for every process on this database; unknown keys and bad values are
    /// refused, saying what is allowed.
    set_setting: SetSetting, Operator sets {
        key: String,
        value: String,
    } -> crate::Setting => |c, r| c.operator()?.set_setting(&r.key, &r.value);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// serde's snake_case of each variant is the name the catalogue lists.
    #[test]
    fn serde_names_match_the_catalogue() {
        for name in NAMES {
            let err = serde_json::from_str::<Request>(&format!(r#"{{"op": "{name}"}}"#))
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(!err.contains("unknown variant"), "{name}: {err}");
        }
    }

    #[test]
    fn the_tag_is_not_an_unknown_field() {
        let r: Request =
            serde_json::from_str(r#"{"op": "send", "to": "a", "content": "b"}"#).unwrap();
        assert_eq!(r.name(), "send");
        assert!(serde_json::from_str::<Request>(r#"{"op": "peek", "extra": 1}"#).is_err());
    }
}
