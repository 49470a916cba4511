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
            let prints = def
                .prints
                .map_or_else(|| json_output(def.ops), str::to_owned);
            s += &format!("  --json prints: {prints}\n");
        }
        s += &format!("  {}\n", acts_as(def.who));
    }
    s += &format!(
        "\nGlobal options: --db PATH, --json, -h/--help. Run `{} --help` for exit codes.\n",
        prog.name
    );
    Ok(s)
}

/// What `--json` prints for a command running `ops`, in words read from each operation's
/// response schema in the catalogue (`Message (send); Delivery (send_to_role, …)`), so the
/// help of a command says it without a word written per operation.
fn json_output(ops: &[&str]) -> String {
    let catalogue = agor_core::ops::catalogue();
    let mut groups: Vec<(String, Vec<&str>)> = Vec::new();
    for &name in ops {
        let Some(op) = catalogue.iter().find(|op| op.name == name) else {
            continue;
        };
        let words = response_words(&serde_json::to_value(&op.response).unwrap_or_default());
        match groups.iter_mut().find(|(w, _)| *w == words) {
            Some((_, names)) => names.push(name),
            None => groups.push((words, vec![name])),
        }
    }
    if let [(words, _)] = groups.as_slice() {
        return words.clone();
    }
    let parts: Vec<String> = groups
        .iter()
        .map(|(words, names)| format!("{words} ({})", names.join(", ")))
        .collect();
    parts.join("; ")
}

/// A JSON Schema in a few words: a record's name, `a list of Task`, `Claim or null`.
fn response_words(schema: &serde_json::Value) -> String {
    let record = |s: &serde_json::Value| {
        s["$ref"]
            .as_str()
            .map(|r| r.rsplit('/').next().unwrap_or(r).to_owned())
    };
    if let Some(name) = record(schema) {
        return name;
    }
    if let Some(alternatives) = schema["anyOf"].as_array() {
        let words: Vec<String> = alternatives.iter().map(response_words).collect();
        return words.join(" or ");
    }
    let types: Vec<&str> = match &schema["type"] {
        serde_json::Value::String(t) => vec![t.as_str()],
        serde_json::Value::Array(ts) => ts.iter().filter_map(|t| t.as_str()).collect(),
        _ => Vec::new(),
    };
    let words: Vec<String> = types
        .iter()
        .map(|t| match *t {
            "object" => schema["title"].as_str().unwrap_or("an object").to_owned(),
            "array" if schema["prefixItems"].is_array() => {
                let items: Vec<String> = schema["prefixItems"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(response_words)
                    .collect();
                format!("a pair of {}", items.join(" and "))
            }
            "array" => match response_words(&schema["items"]).as_str() {
                "a string" => "a list of strings".to_owned(),
                item => format!("a list of {item}"),
            },
            "string" => "a string".to_owned(),
            "integer" | "number" => "a number".to_owned(),
            "boolean" => "true or false".to_owned(),
            other => other.to_owned(),
        })
        .collect();
    words.join(" or ")
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

#[cfg(test)]
mod tests {
    use super::json_output;

    /// A command's help names what `--json` prints from the catalogue's response schemas,
    /// grouping the operations that print the same.
    #[test]
    fn what_json_prints_is_read_from_the_catalogue() {
        assert_eq!(
            json_output(&["send", "send_to_role", "send_to_pattern"]),
            "Message (send); Delivery (send_to_role, send_to_pattern)"
        );
        assert_eq!(json_output(&["claim_task"]), "Claim or null");
        assert_eq!(json_output(&["dependencies"]), "a list of strings");
        assert_eq!(
            json_output(&["ensure_review_channels"]),
            "a pair of Channel and Channel"
        );
        assert_eq!(json_output(&["delete_task"]), "null");
    }
}
