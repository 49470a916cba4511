//! Man pages (roff, section 1) generated from a [`Synopsis`]: every command of the table with
//! its usage lines, options and help line, then the reference part of `--help` (options,
//! environment, exit codes). `btmsg man` prints one; `scripts/dist.sh` writes them under `dist/`.

use std::fmt::Write;

use crate::synopsis::{spellings, Synopsis};

/// The man page of `syn`.
pub fn page(syn: &Synopsis) -> String {
    let name = syn.name;
    let mut s = format!(
        ".TH {} 1 \"\" \"agor {}\" \"agor manual\"\n\
         .SH NAME\n{} \\- {}\n\
         .SH SYNOPSIS\n.B {}\n[\\fIoptions\\fR] \\fIcommand\\fR [\\fIarguments\\fR]\n\
         .SH COMMANDS\n",
        name.to_uppercase(),
        env!("CARGO_PKG_VERSION"),
        name,
        escape(&syn.about),
        name,
    );
    for e in &syn.commands {
        let _ = writeln!(s, ".TP\n.B {}", escape(e.name));
        for u in &e.usage {
            let _ = writeln!(s, "{} {}\n.br", name, escape(u));
        }
        let _ = writeln!(s, "{}", escape(&e.about));
        if !e.aliases.is_empty() {
            let _ = writeln!(s, ".br\nAlso spelled: {}.", escape(&e.aliases.join(", ")));
        }
        if !e.opts.is_empty() {
            let opts: Vec<String> = e.opts.iter().flat_map(spellings).collect();
            let _ = writeln!(s, ".br\nOptions: {}.", escape(&opts.join(", ")));
        }
    }
    if !syn.reference.is_empty() {
        let _ = write!(s, ".SH REFERENCE\n.nf\n{}.fi\n", escape(&syn.reference));
    }
    let others: Vec<&str> = ["btmsg", "bttask", "agor"]
        .into_iter()
        .filter(|n| *n != name)
        .collect();
    let _ = writeln!(
        s,
        ".SH SEE ALSO\n{}",
        others
            .iter()
            .map(|n| format!("\\fB{n}\\fR(1)"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    s
}

/// Text as roff reads it literally: backslashes and hyphens escaped, and no line starting
/// with a control character (`.` or `'`).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        if line.starts_with(['.', '\'']) {
            out.push_str("\\&");
        }
        out.push_str(&line.replace('\\', "\\e").replace('-', "\\-"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roff_control_characters_are_escaped() {
        assert_eq!(escape(".x\n'y -z \\"), "\\&.x\n\\&'y \\-z \\e");
    }
}
