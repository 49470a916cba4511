//! Help text, generated from a [`Program`]'s command table and from the exit-code mapping of
//! [`crate::exit`], so both programs say the same things the same way.

use crate::args::{Arity, Opt, UsageError};
use crate::command::{CommandDef, Lookup, Program, Who};
use crate::exit;
use crate::session::AGENT_ENV;

/// The full help text, or the help of one command or command group.
pub fn help(prog: &Program, topic: Option<&str>) -> Result<String, UsageError> {
    let Some(topic) = topic else {
        return Ok(overview(prog));
    };
    let defs: Vec<&CommandDef> = match prog.lookup(topic) {
        Lookup::Command(def) => vec![def],
        Lookup::Group(group) => prog
            .all()
            .filter(|d| d.name.split_once(' ').is_some_and(|(g, _)| g == group))
            .collect(),
        Lookup::Unknown => return Err(prog.unknown("no help for unknown command", topic)),
    };
    let mut s = String::new();
    for def in defs {
        if !s.is_empty() {
            s.push('\n');
        }
        for line in def.usage_lines() {
            s += &format!("usage: {} {line}\n", prog.name);
        }
        s += &format!("  {}\n", def.about);
        if !def.aliases.is_empty() {
            s += &format!("  also spelled: {}\n", def.aliases.join(", "));
        }
        if !def.ops.is_empty() {
            s += &format!("  runs: {}\n", def.ops.join(", "));
        }
        s += &format!("  {}\n", acts_as(def.who));
    }
    s += &format!(
        "\nGlobal options: --db PATH, --json, -h/--help. Run `{} --help` for exit codes.\n",
        prog.name
    );
    Ok(s)
}

fn acts_as(who: Who) -> String {
    match who {
        Who::Agent => format!("acts as ${AGENT_ENV}"),
        Who::Either => {
            format!("as the operator, or with ${AGENT_ENV} set as that agent within its rights")
        }
        Who::Operator => "as the operator".to_owned(),
    }
}

fn overview(prog: &Program) -> String {
    let mut s = format!(
        "{}: {}\n\n\
         usage: {} [--db PATH] [--json] <command> [arguments]\n\n\
         Commands (* acts as ${AGENT_ENV}); legacy positional and --flag forms both work,\n\
         and ids may be given as a unique prefix:\n",
        prog.name, prog.about, prog.name
    );
    for def in prog.all() {
        let mark = if def.who == Who::Agent { '*' } else { ' ' };
        let usage = def.usage_lines();
        s += &format!("{mark} {}\n", usage[0]);
        for more in &usage[1..] {
            s += &format!("  {more}\n");
        }
        s += &format!("      {}\n", def.about);
    }
    s += "\nGlobal options (accepted before or after the command):\n";
    let top = Opt::list(prog.top);
    for opt in Opt::list(prog.global).iter().chain(&top) {
        let before_only = top.contains(opt);
        s += &format!(
            "  {:<13}  {}\n",
            spelled(opt),
            option_about(prog.name, opt.long, before_only)
        );
    }
    s += "  --             end of options: what follows is text even if it starts with '-'\n";
    s += "\nEnvironment:\n";
    s += &format!(
        "  {AGENT_ENV:<16}  the agent you act as (register agents with `btmsg register`)\n"
    );
    for (name, about) in prog.environment {
        s += &format!("  {name:<16}  {about}\n");
    }
    s += "  AGOR_DB           database path when --db is not given\n";
    s += "  NO_COLOR          no colour (colour is only ever used when stdout is a terminal)\n";
    s += "\nExit codes:\n";
    // Exit code 6 belongs to the commands that run the `wait` operation.
    let times_out = prog.commands.iter().any(|c| c.ops.contains(&"wait"));
    s += &exit::help_section(prog.exit_notes, times_out);
    s += &format!(
        "Errors are printed to stderr as one line starting with `{}: error:`.\n",
        prog.name
    );
    s
}

fn spelled(opt: &Opt) -> String {
    let long = match opt.arity {
        Arity::Flag => format!("--{}", opt.long),
        _ => format!("--{} PATH", opt.long),
    };
    match opt.short {
        Some(c) => format!("-{c}, {long}"),
        None => long,
    }
}

fn option_about(prog: &str, long: &str, before_only: bool) -> String {
    let about = match long {
        "db" => "database file (default: $AGOR_DB, else ~/.local/share/agor/btmsg.db)".into(),
        "json" => "print the result as one JSON document on stdout".into(),
        "help" => format!("this help; `{prog} <command> --help` for one command"),
        "version" => "print the program version".into(),
        _ => String::new(),
    };
    if before_only {
        format!("{about} (before any command)")
    } else {
        about.to_owned()
    }
}
