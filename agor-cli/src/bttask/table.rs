//! The command table of `bttask`: for each command its syntax, its help, and the catalogue
//! request it builds from the parsed line (all act as `$BTMSG_AGENT_ID`, but for
//! `review-count --group`).

use agor_core::ops::{args as a, Request as R};
use agor_core::{Agent, TaskStatus};

use super::render as show;
use crate::args::{parsed, Parsed, UsageError};
use crate::command::{job, run, CommandDef, Job, Who};
use crate::error::CliError;
use crate::reply::{typed, Reply, ReviewCounts};
use crate::session::Session;

pub const COMMANDS: &[CommandDef] = &[
    CommandDef::new("list", Who::Either, &["list_tasks"], "all/a status= tag= group=")
        .usage(&["list [--all] [--status S] [--tag T] [--group G]"])
        .about("tasks of your group (the operator: of every group; --group: one) by priority \
                then board order; open ones unless --all")
        .build(|p| {
            let r = a::ListTasks {
                all: p.flag("all"),
                status: p.value("status")?.map(parsed).transpose()?,
                tag: p.value("tag")?,
                group: p.value("group")?,
            };
            job(R::ListTasks(r), show::task_list)
        }),
    CommandDef::new("search", Who::Either, &["search"], "query= limit= group=")
        .usage(&["search <query…> [--limit N] [--group G]"])
        .about("full-text search of your group's tasks and their comments (the operator: every \
                group's; --group: one), best matches first")
        .build(|p| {
            let query = p.text("query", "search query")?;
            let limit = p.count("limit", agor_core::Count::Limit)?.map(i64::from);
            let kinds = vec![agor_core::SearchKind::Task, agor_core::SearchKind::Comment];
            let group = p.value("group")?;
            job(R::Search(a::Search { query, kinds, limit, group }), crate::render::search_hits)
        }),
    CommandDef::new("board", Who::Either, &["board"], "group=")
        .usage(&["board [--group G]"])
        .about("every status column of your group's board with its tasks (the operator, without \
                $BTMSG_AGENT_ID: every group's; --group: one)")
        .build(|p| {
            let group = p.value("group")?;
            job(R::Board(a::Board { group }), show::board)
        }),
    CommandDef::new(
        "add",
        Who::Agent,
        &["create_task"],
        "title= desc= description= priority= assign= parent= tag=* definition-of-done= backlog paths=* approval requires= max-attempts=",
    )
        .aliases(&["create"])
        .usage(&[
            "add <title…> [--desc D] [--priority P] [--assign A] [--parent T]",
            "create --title TITLE [--priority P] [--description D] [--tag T]… [--backlog]",
            "add <title…> --paths GLOB…   (its claim reserves these files)",
            "add <title…> --approval [options as above]",
            "add <title…> --requires capability:C|role:R [--max-attempts N]",
        ])
        .about("create a task in todo (claimable at once) or, with --backlog, in backlog \
                (managers); --paths (repeated) names the files its claim reserves exclusively; \
                with --approval a person approves it before it is done; --requires offers it \
                only to roles with that capability or of that role, --max-attempts sets its \
                failed attempts before it goes to failed")
        .build(|p| {
            let description = p.value_any(&["desc", "description"])?.unwrap_or_default();
            let priority = p.value("priority")?.map(parsed).transpose()?;
            let status = p.flag("backlog").then_some(TaskStatus::Backlog);
            let assign_to = p.value("assign")?;
            let parent = p.value("parent")?;
            let tags = p.values("tag")?;
            let definition_of_done = p.value("definition-of-done")?;
            let requires = p.value("requires")?;
            let max_attempts = p.number("max-attempts", "a number of attempts")?;
            let r = a::CreateTask {
                title: p.text("title", "task title")?,
                description,
                priority,
                assign_to,
                parent,
                tags,
                definition_of_done,
                status,
                paths: p.values("paths")?,
                approval: p.flag("approval"),
                requires,
                max_attempts,
            };
            job(R::CreateTask(r), show::created)
        }),
    CommandDef::new("edit", Who::Agent, &["update_task"], "id= task= version= title= description= desc= priority= dod= tag=* paths=* no-paths requires= max-attempts=")
        .usage(&[
            "edit <task> --version N [--title T] [--description D] [--priority P] [--dod TEXT] [--tag T]… [--paths GLOB…|--no-paths]",
            "edit <task> --version N [--requires capability:C|role:R|\"\"] [--max-attempts N|0]",
        ])
        .about("edit a task at the version you read (optimistic locking); --tag replaces its tags, \
                --paths its path globs (--no-paths clears them; not while it is claimed)")
        .build(|p| {
            let tags = p.values("tag")?;
            let r = a::UpdateTask {
                task_id: task_id(p)?,
                expected_version: p.number("version", "a task version")?.ok_or_else(|| UsageError::new("missing --version (the version you read: bttask show)"))?,
                title: p.value("title")?,
                description: p.value_any(&["description", "desc"])?,
                priority: p.value("priority")?.map(parsed).transpose()?,
                definition_of_done: p.value("dod")?,
                tags: (!tags.is_empty()).then_some(tags),
                paths: edited_paths(p)?,
                requires: p.value("requires")?,
                max_attempts: p.number("max-attempts", "a number of attempts")?,
            };
            job(R::UpdateTask(r), show::moved)
        }),
    CommandDef::new("assign", Who::Agent, &["assign_task"], "id= task= agent= to=")
        .usage(&["assign <task> <agent>", "assign --id TASK --agent AGENT"])
        .about("assign a task to an agent (managers)")
        .build(|p| {
            let r = a::AssignTask {
                task_id: task_id(p)?,
                agent_id: p.required(&["agent", "to"], "agent id")?,
            };
            job(R::AssignTask(r), show::assigned)
        }),
    CommandDef::new("status", Who::Agent, &["set_task_status"], "id= task= status= version=")
        .usage(&[
            "status <task> <state>",
            "status --id TASK --status STATE --version N",
        ])
        .about("move a task to backlog, todo, in_progress, review, done, blocked, failed or \
                cancelled. With --version N the move applies only if the task is still at \
                version N (else exit 3): the safe form. Without it the current version is read \
                and applied in the same call, so from the caller's view the last writer wins")
        .build(|p| {
            let r = a::SetTaskStatus {
                task_id: task_id(p)?,
                status: parsed(p.required(&["status"], "status")?)?,
                expected_version: p.number("version", "a task version number")?,
            };
            job(R::SetTaskStatus(r), show::moved)
        }),
    CommandDef::new("comment", Who::Agent, &["comment"], "id= task= content=")
        .usage(&["comment <task> <text…>", "comment --id TASK --content TEXT"])
        .about("comment on a task")
        .build(|p| {
            let r = a::Comment {
                task_id: task_id(p)?,
                content: p.text("content", "comment text")?,
            };
            job(R::Comment(r), show::commented)
        }),
    CommandDef::new("show", Who::Agent, &["get_task"], "id= task=")
        .usage(&["show <task>", "show --id TASK"])
        .about("one task with its completion record, subtasks and comments")
        .build(|p| {
            let task_id = task_id(p)?;
            job(R::GetTask(a::GetTask { task_id }), show::detail)
        }),
    CommandDef::new("history", Who::Either, &["task_history"], "id= task= limit=")
        .usage(&["history <task> [--limit N]", "history --id TASK [--limit N]"])
        .about("a task's status moves, oldest first: who moved it and when")
        .build(|p| {
            let task_id = task_id(p)?;
            let limit = p.count("limit", agor_core::Count::Limit)?.map(i64::from);
            job(R::TaskHistory(a::TaskHistory { task_id, limit }), show::history)
        }),
    CommandDef::new("delete", Who::Agent, &["delete_task"], "id= task=")
        .usage(&["delete <task>", "delete --id TASK"])
        .about("delete a task and its comments; its subtasks lose their parent (managers)")
        .build(|p| {
            let task_id = task_id(p)?;
            job(R::DeleteTask(a::DeleteTask { task_id }), show::deleted)
        }),
    CommandDef::new(
        "depend",
        Who::Agent,
        &["add_dependency", "remove_dependency", "dependencies"],
        "id= task= on= remove",
    )
        .usage(&["depend <task> <on-task> [--remove]", "depend --id TASK --on TASK [--remove]"])
        .about("make a task wait until another is done (or --remove that), then list what it \
                waits for; cycles are refused (managers)")
        .prints("a list of strings (the ids of the tasks it waits for)")
        .build(|p| {
            let task_id = task_id(p)?;
            // Said in full: with one task given, which one is missing is not obvious.
            let depends_on = p.field(&["on"], "task it waits for")?.ok_or_else(|| {
                UsageError::new(format!(
                    "missing the task that {task_id} should wait for: give it after {task_id} \
                     (or as --on TASK)"
                ))
            })?;
            let request = if p.flag("remove") {
                R::RemoveDependency(a::RemoveDependency { task_id, depends_on })
            } else {
                R::AddDependency(a::AddDependency { task_id, depends_on })
            };
            run(Job::new(request, show::waits_for).steps(depend_then_list))
        }),
    CommandDef::new("claim", Who::Agent, &["claim_task", "claim_tasks"], "id= task= lease= wait= count=")
        .usage(&[
            "claim [--id TASK] [--lease SECONDS] [--wait SECONDS]",
            "claim [<task>]",
            "claim --count N [--lease SECONDS]",
        ])
        .about("take a todo task (the given one, else the best next one) under a lease \
                (default 900 s); prints the task and the lease token that renew, release and \
                complete need. Prints nothing to claim (JSON null) and exits 0 when none is free \
                (with --wait: none became free within SECONDS; a task change wakes the claim). \
                With --count, up to N (1-1000) of the best next tasks at once, each with its own \
                lease and token (fewer when fewer fit; a JSON list)")
        .build(|p| {
            if let Some(count) = p.count("count", agor_core::Count::Batch)? {
                if ["id", "task", "wait"].iter().any(|o| p.flag(o)) {
                    return Err(UsageError::new(
                        "--count claims the best next tasks: give no task and no --wait",
                    ));
                }
                let lease_secs = lease(p)?;
                let r = a::ClaimTasks { count: i64::from(count), lease_secs };
                return job(R::ClaimTasks(r), show::claimed_many);
            }
            let wait_secs = p.number::<f64>("wait", "a number of seconds >= 0")?;
            if let Some(secs) = wait_secs {
                agor_core::seconds("wait", secs).map_err(|e| UsageError::new(e.to_string()))?;
            }
            let r = a::ClaimTask {
                task_id: p.field(&["id", "task"], "task id")?,
                lease_secs: lease(p)?,
                wait_secs,
            };
            job(R::ClaimTask(r), show::claimed)
        }),
    CommandDef::new("renew", Who::Agent, &["renew_lease"], "id= task= token= lease=")
        .usage(&[
            "renew --id TASK --token K [--lease SECONDS]",
            "renew <task> <token>",
        ])
        .about("extend your lease on a claimed task to SECONDS from now (default 900)")
        .build(|p| {
            let r = a::RenewLease {
                task_id: task_id(p)?,
                token: token(p)?,
                lease_secs: lease(p)?,
            };
            job(R::RenewLease(r), show::renewed)
        }),
    CommandDef::new("release", Who::Agent, &["release_task"], "id= task= token= error=")
        .usage(&[
            "release --id TASK --token K",
            "release <task> <token>",
            "release <task> <token> --error TEXT",
        ])
        .about("give a claimed task back: it returns to todo, unassigned; with --error, a failed \
                attempt (it waits a backoff, and past its max attempts goes to failed)")
        .build(|p| {
            let r = a::ReleaseTask {
                task_id: task_id(p)?,
                token: token(p)?,
                error: p.value("error")?,
            };
            job(R::ReleaseTask(r), show::released)
        }),
    CommandDef::new("retry", Who::Agent, &["retry_task"], "id= task=")
        .usage(&["retry <task>", "retry --id TASK"])
        .about("put a failed task back in todo with its failed attempts cleared (managers)")
        .build(|p| {
            let task_id = task_id(p)?;
            job(R::RetryTask(a::RetryTask { task_id }), show::moved)
        }),
    CommandDef::new("defer", Who::Agent, &["defer_task"], "id= task= until=")
        .usage(&["defer <task> <until>", "defer --id TASK --until UNTIL"])
        .about("hold a task back until UNTIL, an RFC 3339 time (2026-12-24T09:00:00Z) or a \
                duration from now (90s, 30m, 2h, 1d); `now` clears it (managers)")
        .build(|p| {
            let task_id = task_id(p)?;
            let until = Some(p.required(&["until"], "until (a time or a duration, or now)")?);
            job(R::DeferTask(a::DeferTask { task_id, until }), show::deferred)
        }),
    CommandDef::new("attempts", Who::Either, &["task_attempts"], "id= task=")
        .usage(&["attempts <task>", "attempts --id TASK"])
        .about("a task's attempts, oldest first: who claimed it, when, and how each claim ended")
        .build(|p| {
            let task_id = task_id(p)?;
            job(R::TaskAttempts(a::TaskAttempts { task_id }), show::attempts)
        }),
    CommandDef::new("settings", Who::Operator, &["settings"], "")
        .usage(&["settings"])
        .about("the store's settings with their values and defaults (the operator)")
        .build(|_| job(R::Settings(a::Settings {}), show::settings)),
    CommandDef::new("set-setting", Who::Operator, &["set_setting"], "key= value=")
        .usage(&["set-setting <key> <value>", "set-setting --key KEY --value VALUE"])
        .about("set one of the store's settings for every process on this database (the \
                operator): max_attempts, backoff_base_secs, backoff_cap_secs, reviewers_claim_work")
        .build(|p| {
            let key = p.required(&["key"], "setting key")?;
            let value = p.required(&["value"], "setting value")?;
            job(R::SetSetting(a::SetSetting { key, value }), show::setting)
        }),
    CommandDef::new(
        "complete",
        Who::Agent,
        &["complete_task"],
        "id= task= token= summary= artifact=* result-ref= next= review",
    )
        .usage(&[
            "complete --id TASK --token K --summary TEXT [--artifact REF]… [--result-ref R] [--next N] [--review]",
            "complete <task> <token> <summary…>",
        ])
        .about("finish a claimed task with a one-line summary and artifact refs (file:…, msg:…): \
                to done, or to review with --review (which notifies the review queue)")
        .build(|p| {
            let task_id = task_id(p)?;
            let token = token(p)?;
            let artifacts = p.values("artifact")?;
            let result_ref = p.value("result-ref")?;
            let next = p.value("next")?;
            let review = p.flag("review");
            let r = a::CompleteTask {
                summary: p.text("summary", "summary (--summary)")?,
                task_id,
                token,
                artifacts,
                result_ref,
                next,
                review,
            };
            job(R::CompleteTask(r), show::completed)
        }),
    CommandDef::new("done-many", Who::Agent, &["complete_tasks"], "summary=")
        .usage(&["done-many <task> <token>… [--summary TEXT]   (pairs of a task and its token)"])
        .about("complete several claims to done at once, each a task and its claim's token \
                (the pairs `claim --count` prints), with one summary for all (default \
                \"completed\"); all or nothing: a bad claim refuses every one, naming its place \
                (from 0)")
        .build(|p| {
            let summary = p.value("summary")?;
            let mut claims = Vec::new();
            while let Some(task_id) = p.positional("task id")? {
                let token = p
                    .positional("token")?
                    .ok_or_else(|| UsageError::new(format!("missing the token of task {task_id}")))?;
                claims.push(agor_core::ClaimDone { task_id, token, summary: summary.clone() });
            }
            if claims.is_empty() {
                return Err(UsageError::new("missing task id and token"));
            }
            job(R::CompleteTasks(a::CompleteTasks { claims }), show::completed_many)
        }),
    CommandDef::new("archive", Who::Agent, &["archive_task", "unarchive_task"], "id= task= undo")
        .usage(&["archive <task> [--undo]", "archive --id TASK [--undo]"])
        .about("hide a done or cancelled task from the board and lists, keeping it; --undo \
                puts it back (managers)")
        .build(|p| {
            let task_id = task_id(p)?;
            let request = if p.flag("undo") {
                R::UnarchiveTask(a::UnarchiveTask { task_id })
            } else {
                R::ArchiveTask(a::ArchiveTask { task_id })
            };
            job(request, show::archived)
        }),
    CommandDef::new("archived", Who::Agent, &["archived_tasks"], "")
        .about("archived tasks of your group, most recently archived first")
        .build(|_| job(R::ArchivedTasks(a::ArchivedTasks {}), show::task_list)),
    CommandDef::new("lane", Who::Either, &["lane"], "agent=")
        .usage(&["lane [<agent>]", "lane --agent AGENT"])
        .about("one agent's open tasks in its own order (default: yours; the operator names an \
                agent of any group)")
        .build(|p| {
            let agent_id = p.field(&["agent"], "agent id")?;
            job(R::Lane(a::Lane { agent_id }), show::task_list)
        }),
    CommandDef::new("reorder", Who::Agent, &["reorder_lane"], "agent= id=* task=*")
        .usage(&["reorder <task>… [--agent AGENT]", "reorder --id TASK… [--agent AGENT]"])
        .about("put the named tasks first in a lane (default: yours; managers: any of the \
                group), in the order given; prints the lane")
        .build(|p| {
            let agent_id = p.value("agent")?;
            let mut task_ids = p.values("id")?;
            task_ids.extend(p.values("task")?);
            while let Some(t) = p.positional("task id")? {
                task_ids.push(t);
            }
            job(R::ReorderLane(a::ReorderLane { agent_id, task_ids }), show::task_list)
        }),
    CommandDef::new("propose", Who::Agent, &["propose_task"], "id= task= agent= to=")
        .usage(&["propose <task> <agent>", "propose --id TASK --agent AGENT"])
        .about("offer a task to an agent (of another group through a contact): it stays \
                pending until that agent accepts or declines (managers)")
        .build(|p| {
            let r = a::ProposeTask {
                task_id: task_id(p)?,
                agent_id: p.required(&["agent", "to"], "agent id")?,
            };
            job(R::ProposeTask(r), show::proposal)
        }),
    CommandDef::new("proposals", Who::Agent, &["proposals"], "all/a")
        .usage(&["proposals [--all]"])
        .about("proposals offered to you or made from your group; pending ones unless --all")
        .build(|p| job(R::Proposals(a::Proposals { all: p.flag("all") }), show::proposals)),
    CommandDef::new("accept", Who::Agent, &["accept_proposal"], "id= proposal=")
        .usage(&["accept <proposal>", "accept --id PROPOSAL"])
        .about("accept a task proposed to you: it moves to your group, assigned to you")
        .build(|p| {
            let proposal_id = p.required(&["id", "proposal"], "proposal id")?;
            job(R::AcceptProposal(a::AcceptProposal { proposal_id }), show::assigned_to_me)
        }),
    CommandDef::new("decline", Who::Agent, &["decline_proposal"], "id= proposal= reason=")
        .usage(&["decline <proposal> [--reason TEXT]", "decline --id PROPOSAL [--reason TEXT]"])
        .about("decline a task proposed to you")
        .build(|p| {
            let proposal_id = p.required(&["id", "proposal"], "proposal id")?;
            let reason = p.value("reason")?;
            job(R::DeclineProposal(a::DeclineProposal { proposal_id, reason }), show::proposal)
        }),
    CommandDef::new("add-many", Who::Agent, &["create_tasks"], "file=")
        .usage(&["add-many <file>", "add-many [--file FILE]   (FILE - or none: standard input)"])
        .about("create many tasks at once (managers), one per line of FILE or standard input: \
                a line starting with { is a JSON object of add's fields (title, description, \
                priority, assign_to, tags, paths, requires, …), any other line a title; blank \
                lines are skipped. At most 1000; all or nothing: a bad line refuses every one, \
                naming its place (from 0)")
        .build(|p| {
            let path = p.field(&["file"], "file of tasks")?;
            let text = match path.as_deref() {
                None | Some("-") => read_stdin_capped(agor_core::MAX_TASKS_FILE_BYTES)?,
                Some(path) => read_capped(path, agor_core::MAX_TASKS_FILE_BYTES)?,
            };
            let tasks = task_lines(&text)?;
            job(R::CreateTasks(a::CreateTasks { tasks }), show::created_many)
        }),
    CommandDef::new("import", Who::Agent, &["import_tasks"], "file=")
        .usage(&["import <file>", "import --file FILE"])
        .about("import a tasks.toml into your group: new ids created, known ones updated where \
                the file differs; all or nothing, errors name the line (managers)")
        .build(|p| {
            let path = p.required(&["file"], "tasks.toml file")?;
            let toml = read_capped(&path, agor_core::MAX_TASKS_FILE_BYTES)?;
            job(R::ImportTasks(a::ImportTasks { toml }), show::imported)
        }),
    CommandDef::new("export", Who::Agent, &["export_tasks"], "file=")
        .usage(&["export [<file>]", "export --file FILE"])
        .about("write your group's board (archived tasks left out) as tasks.toml to FILE, or \
                print it")
        .build(|p| {
            let request = R::ExportTasks(a::ExportTasks {});
            match p.field(&["file"], "tasks.toml file")? {
                None => job(request, show::toml_text),
                Some(path) => run(Job::new(request, show::exported).output(path.into())),
            }
        }),
    CommandDef::new("approval", Who::Agent, &["require_approval"], "id= task= approval=")
        .usage(&["approval <task> yes|no", "approval --id TASK --approval yes|no"])
        .about("say whether a task needs a person's approval before it is done (managers)")
        .build(|p| {
            let task_id = task_id(p)?;
            let approval = yes_no(&p.required(&["approval"], "yes or no")?)?;
            job(R::RequireApproval(a::RequireApproval { task_id, approval }), show::moved)
        }),
    CommandDef::new("approve", Who::Either, &["approve_task"], "id= task=")
        .usage(&["approve <task>", "approve --id TASK"])
        .about("approve a task awaiting a person's approval: it moves to done (an agent of role \
                human, or the operator without $BTMSG_AGENT_ID)")
        .build(|p| {
            let task_id = task_id(p)?;
            job(R::ApproveTask(a::ApproveTask { task_id }), show::moved)
        }),
    CommandDef::new("reject", Who::Either, &["reject_task"], "id= task= reason=")
        .usage(&["reject <task> <reason…>", "reject --id TASK --reason TEXT"])
        .about("reject a task awaiting a person's approval, with a reason: it returns to todo \
                for the agent that did it, which is told (a human agent, or the operator)")
        .build(|p| {
            let task_id = task_id(p)?;
            let reason = p.text("reason", "reason")?;
            job(R::RejectTask(a::RejectTask { task_id, reason }), show::moved)
        }),
    CommandDef::new("waiting", Who::Either, &["waiting_on_people"], "limit= group=")
        .usage(&["waiting [--limit N] [--group G]"])
        .about("everything waiting on a person: tasks awaiting approval, pending proposals, \
                unanswered messages to people and dead letters (a human agent, or the operator; \
                every group, or --group G)")
        .build(|p| {
            let limit = p.count("limit", agor_core::Count::Limit)?.map(i64::from);
            let group = p.value("group")?;
            job(R::WaitingOnPeople(a::WaitingOnPeople { limit, group }), show::waiting)
        }),
    CommandDef::new("ready", Who::Agent, &["ready_tasks"], "")
        .about("todo tasks you could claim now (unassigned or yours, every dependency done), \
                in claim order")
        .build(|_| job(R::ReadyTasks(a::ReadyTasks {}), show::ready)),
    CommandDef::new("blocked", Who::Agent, &["claim_blockers"], "id= task=")
        .usage(&["blocked [<task>]", "blocked --id TASK"])
        .about("todo tasks you could claim but for files another agent holds (claim-next and \
                ready skip them), each with what blocks it: the agent, its pattern, and the \
                reservation or the task it claimed")
        .build(|p| {
            let task_id = p.field(&["id", "task"], "task id")?;
            job(R::ClaimBlockers(a::ClaimBlockers { task_id }), show::blocked)
        }),
    CommandDef::new(
        "review-count",
        Who::Agent,
        &["review_queue_count", "reviewer_attention"],
        "group=",
    )
        .usage(&["review-count [--group G]"])
        .prints("{\"group\", \"count\", \"attention\"}")
        .about("tasks waiting in review in your group (or G), with the reviewer attention score \
                (10 per task, at most 50); needs no agent when --group is given. JSON: \
                {\"group\", \"count\", \"attention\"}")
        .build(|p| {
            let group = p.value("group")?;
            // No group: the acting agent's, looked up when the store is open.
            let who = if group.is_some() { Who::Operator } else { Who::Agent };
            let group = group.unwrap_or_default();
            let request = R::ReviewQueueCount(a::ReviewQueueCount { group });
            run(Job::new(request, show::review_count)
                .who(who)
                .steps(review_counts))
        }),
];

/// `--lease`: absent is the default lease; anything given is judged by the core's one rule.
fn lease(p: &mut Parsed) -> Result<Option<i64>, UsageError> {
    Ok(p.count("lease", agor_core::Count::LeaseSecs)?
        .map(i64::from))
}

/// `yes`/`no` (or `true`/`false`, `on`/`off`) of a switch given a value.
fn yes_no(word: &str) -> Result<bool, UsageError> {
    match word.to_ascii_lowercase().as_str() {
        "yes" | "true" | "on" => Ok(true),
        "no" | "false" | "off" => Ok(false),
        _ => Err(UsageError::new(format!("expected yes or no, not '{word}'"))),
    }
}

fn task_id(p: &mut Parsed) -> Result<String, UsageError> {
    p.required(&["id", "task"], "task id")
}

fn token(p: &mut Parsed) -> Result<String, UsageError> {
    p.required(&["token"], "lease token (--token)")
}

/// `depend`: the change, then what the task waits for now (the JSON printed).
fn depend_then_list(s: &Session, request: R) -> Result<Reply, CliError> {
    let task_id = match &request {
        R::AddDependency(r) => r.task_id.clone(),
        R::RemoveDependency(r) => r.task_id.clone(),
        _ => unreachable!("depend builds a dependency change"),
    };
    s.call(request)?;
    Ok(s.call(R::Dependencies(a::Dependencies { task_id }))?.into())
}

/// `review-count`: the queue and the attention score of one group, both store-level reports.
fn review_counts(s: &Session, request: R) -> Result<Reply, CliError> {
    let R::ReviewQueueCount(a::ReviewQueueCount { mut group }) = request else {
        unreachable!("review-count builds a review_queue_count")
    };
    if group.is_empty() {
        let me: Agent = typed(s.call(R::Whoami(a::Whoami {}))?.into())?;
        group = me.group_id;
    }
    let count = typed(
        s.call_as_operator(R::ReviewQueueCount(a::ReviewQueueCount {
            group: group.clone(),
        }))?
        .into(),
    )?;
    let attention = typed(
        s.call_as_operator(R::ReviewerAttention(a::ReviewerAttention {
            group: group.clone(),
        }))?
        .into(),
    )?;
    Ok(Reply::ReviewCounts(ReviewCounts {
        group,
        count,
        attention,
    }))
}

/// The text of the file at `path`, reading no more than `max` bytes (the core's own cap): a
/// larger file is refused without being read whole.
fn read_capped(path: &str, max: usize) -> Result<String, UsageError> {
    use std::io::Read;
    let cannot = |e: std::io::Error| UsageError::new(format!("cannot read {path}: {e}"));
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .map_err(cannot)?
        .take(max as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() > max {
        return Err(UsageError::new(format!(
            "{path} is over the limit of {max} bytes for a tasks.toml"
        )));
    }
    String::from_utf8(bytes).map_err(|_| UsageError::new(format!("{path} is not UTF-8 text")))
}

/// Standard input, no more than `max` bytes (as [`read_capped`] reads a file).
fn read_stdin_capped(max: usize) -> Result<String, UsageError> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(max as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| UsageError::new(format!("cannot read standard input: {e}")))?;
    if bytes.len() > max {
        return Err(UsageError::new(format!(
            "standard input is over the limit of {max} bytes"
        )));
    }
    String::from_utf8(bytes).map_err(|_| UsageError::new("standard input is not UTF-8 text"))
}

/// The tasks of `add-many`'s lines: a line starting with `{` is a JSON object of `add`'s
/// request fields, any other non-blank line a title. A bad line is a usage error naming it.
fn task_lines(text: &str) -> Result<Vec<a::CreateTask>, UsageError> {
    let mut tasks = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let task = if line.starts_with('{') {
            serde_json::from_str(line)
                .map_err(|e| UsageError::new(format!("line {}: {e}", n + 1)))?
        } else {
            serde_json::from_value(serde_json::json!({ "title": line }))
                .map_err(|e| UsageError::new(format!("line {}: {e}", n + 1)))?
        };
        tasks.push(task);
    }
    if tasks.is_empty() {
        return Err(UsageError::new("no tasks given (one per line)"));
    }
    Ok(tasks)
}

/// `edit`'s new path globs: `--paths` (repeated) replaces them, `--no-paths` clears them.
fn edited_paths(p: &mut Parsed) -> Result<Option<Vec<String>>, UsageError> {
    let paths = p.values("paths")?;
    match (p.flag("no-paths"), paths.is_empty()) {
        (true, false) => Err(UsageError::new("give --paths or --no-paths, not both")),
        (true, true) => Ok(Some(Vec::new())),
        (false, false) => Ok(Some(paths)),
        (false, true) => Ok(None),
    }
}
