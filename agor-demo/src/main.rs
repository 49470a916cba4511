//! A short tour of agor on a throw-away database: a small team registers, talks, splits the
//! work on the task board, claims and completes tasks, and the board is printed.
//!
//! Run: `cargo run -p agor-demo` (add `-- PATH` to keep the database; running
//! it again on that file adds another round of work for the same team).

#![warn(missing_docs)]

use std::process::ExitCode;

use agor_core::{Completion, NewAgent, NewTask, Priority, Store, TaskStatus};

/// A failure is one `error: …` line and a non-zero exit, not the `Debug` dump that returning
/// the error from `main` prints.
fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let scratch = tempfile::tempdir()?;
    let path = std::env::args()
        .nth(1)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| scratch.path().join("btmsg.db"));
    let store = Store::open(&path)?;
    println!("agor demo on {}\n", path.display());

    // 1. The team registers (once: a kept database already has it); the manager may talk to
    // both workers, and they to each other.
    if store.get_agent("mgr-1").is_ok() {
        println!("the demo team is already registered here: one more round of work\n");
    } else {
        register_team(&store)?;
    }
    talk_and_work(&store)
}

fn register_team(store: &Store) -> Result<(), Box<dyn std::error::Error>> {
    for (id, name, role) in [
        ("mgr-1", "Mira (manager)", "manager"),
        ("dev-1", "Dario (developer)", "project"),
        ("dev-2", "Ines (developer)", "project"),
        ("rev-1", "Rui (reviewer)", "reviewer"),
    ] {
        let agent = store.register_agent(&NewAgent::new(id, name, role, "demo"))?;
        println!(
            "registered {:<6} role={:<9} tier={}",
            agent.id, agent.role, agent.tier
        );
    }
    for worker in ["dev-1", "dev-2", "rev-1"] {
        store.allow("mgr-1", worker, true)?;
    }
    store.allow("dev-1", "dev-2", true)?;
    Ok(())
}

fn talk_and_work(store: &Store) -> Result<(), Box<dyn std::error::Error>> {
    // 2. They talk: a direct message, a reply, a channel post.
    let mgr = store.as_agent("mgr-1")?;
    let dev1 = store.as_agent("dev-1")?;
    let dev2 = store.as_agent("dev-2")?;
    let ask = mgr.send(
        "dev-1",
        "Parser first, then the docs. Claim from the board.",
    )?;
    println!("\n{}", dev1.notify()?.unwrap_or_default());
    for m in dev1.read_unread()? {
        println!("dev-1 reads  <{}> {}", m.from_agent, m.content);
    }
    dev1.reply(&ask.id, "On it.")?;
    if !mgr.list_channels()?.iter().any(|c| c.name == "standup") {
        mgr.create_channel("standup")?;
        for a in ["dev-1", "dev-2", "rev-1"] {
            mgr.add_member("standup", a)?;
        }
    }
    dev2.post("standup", "Picking up whatever is next.")?;

    // 3. The manager fills the board; workers claim the best next task under a lease.
    for (title, priority) in [
        ("Write the parser", Priority::Critical),
        ("Document the CLI", Priority::Medium),
        ("Fix flaky test", Priority::High),
        ("Tidy the README", Priority::Low),
    ] {
        mgr.create_task(&NewTask {
            priority,
            ..NewTask::new(title)
        })?;
    }
    println!();
    for (worker, review) in [(&dev1, true), (&dev2, false), (&dev1, false)] {
        let Some(claim) = worker.claim_task(None, 900)? else {
            break;
        };
        println!(
            "{} claimed  '{}' ({:?})",
            worker.id(),
            claim.task.title,
            claim.task.priority
        );
        let record = Completion {
            summary: format!("{} finished", claim.task.title),
            artifacts: vec![format!("file:notes/{}.md", &claim.task.id[..8])],
            ..Default::default()
        };
        let task = worker.complete_task(&claim.task.id, &claim.token, &record, review)?;
        println!(
            "{} completed '{}' -> {}",
            worker.id(),
            task.title,
            task.status
        );
    }

    // 4. The reviewer sees the review queue and approves.
    let rev = store.as_agent("rev-1")?;
    println!(
        "\nreview queue: {} task(s)",
        store.review_queue_count("demo")?
    );
    for task in rev.list_tasks(&agor_core::TaskFilter {
        status: Some(TaskStatus::Review),
        ..Default::default()
    })? {
        rev.set_task_status(&task.id, TaskStatus::Done, task.version)?;
        println!("rev-1 approved '{}'", task.title);
    }

    // 5. The board.
    println!("\n== board (group demo) ==");
    for (status, tasks) in mgr.board()? {
        if tasks.is_empty() {
            continue;
        }
        println!("{}", status.as_str().to_uppercase());
        for t in tasks {
            let who = t.assigned_to.as_deref().unwrap_or("-");
            println!(
                "  {}  {:<18} {:<9} {}",
                &t.id[..8],
                t.title,
                format!("{:?}", t.priority),
                who
            );
        }
    }
    println!(
        "\nstandup: {}",
        mgr.channel_history("standup", 5)?
            .iter()
            .map(|p| format!("<{}> {}", p.from_agent, p.content))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    println!(
        "audit log: {} entries",
        store.audit_log(None, 10_000)?.len()
    );
    Ok(())
}
