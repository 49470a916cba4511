//! The argv scanner shared by agor's commands: options anywhere until `--`, values as
//! `--opt V` or `--opt=V`, and fields that may come from a flag or from a positional.
//!
//! Hand-written rather than clap because the legacy and the documented syntaxes must both
//! work on the same command (`send bob hi` and `send --to bob --content hi`, or a mix), text
//! arguments are variadic and joined, and the hook path (`btmsg notify`) wants no start-up work.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::fmt;

use crate::suggest::did_you_mean;

/// How many values an option takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arity {
    /// A switch: `--json`.
    Flag,
    /// Always one value: `--limit 5` or `--limit=5`.
    Value,
    /// A value only when one follows that does not look like an option: `--clear` or `--clear 3`.
    OptionalValue,
    /// One value each time, and the option may be given several times: `--artifact A --artifact B`.
    Repeated,
}

/// One option a command accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opt {
    /// Its long name, without the dashes.
    pub long: &'static str,
    /// Its one-letter form, if any.
    pub short: Option<char>,
    /// Whether it takes a value, and how many times it may be given.
    pub arity: Arity,
}

// Tables spell their options as one line ([`Opt::list`]); the tests build them one by one.
#[cfg(test)]
impl Opt {
    pub(crate) const fn flag(long: &'static str) -> Opt {
        Opt {
            long,
            short: None,
            arity: Arity::Flag,
        }
    }

    pub(crate) const fn value(long: &'static str) -> Opt {
        Opt {
            long,
            short: None,
            arity: Arity::Value,
        }
    }

    pub(crate) const fn optional_value(long: &'static str) -> Opt {
        Opt {
            long,
            short: None,
            arity: Arity::OptionalValue,
        }
    }

    pub(crate) const fn repeated(long: &'static str) -> Opt {
        Opt {
            long,
            short: None,
            arity: Arity::Repeated,
        }
    }

    pub(crate) const fn short(self, c: char) -> Opt {
        Opt {
            short: Some(c),
            ..self
        }
    }
}

impl Opt {
    /// The options of a command table entry written as one line: words separated by spaces,
    /// each `name` (a flag), `name=` (a value), `name=?` (an optional value) or `name=*`
    /// (repeated), with `/c` after the name for a short spelling: `"all/a limit= tag=*"`.
    pub fn list(spec: &'static str) -> Vec<Opt> {
        spec.split_whitespace()
            .map(|word| {
                let (name, arity) = match word.split_once('=') {
                    None => (word, Arity::Flag),
                    Some((n, "")) => (n, Arity::Value),
                    Some((n, "?")) => (n, Arity::OptionalValue),
                    Some((n, "*")) => (n, Arity::Repeated),
                    Some(_) => panic!("bad option spec '{word}'"),
                };
                let (long, short) = match name.split_once('/') {
                    Some((l, s)) => (l, s.chars().next()),
                    None => (name, None),
                };
                Opt { long, short, arity }
            })
            .collect()
    }
}

/// A command line that does not fit the command's syntax (exit code 2): the message, and the
/// usage lines of the command it was meant for (printed under the error line) once known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UsageError(pub(crate) String, pub(crate) Vec<String>);

impl UsageError {
    /// A usage error with its message and no usage lines yet.
    pub fn new(message: impl Into<String>) -> UsageError {
        UsageError(message.into(), Vec::new())
    }

    /// Adds the usage lines of `prog`'s command, unless a more specific set is already there.
    pub fn with_usage(mut self, prog: &str, lines: &[&str]) -> UsageError {
        if self.1.is_empty() {
            self.1 = lines.iter().map(|l| format!("{prog} {l}")).collect();
        }
        self
    }

    /// `prog command …` lines showing the accepted forms, empty when the command is unknown.
    pub fn usage(&self) -> &[String] {
        &self.1
    }
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// The result of reading a command line.
pub(crate) type Result<T, E = UsageError> = std::result::Result<T, E>;

fn usage<T>(msg: impl Into<String>) -> Result<T> {
    Err(UsageError::new(msg.into()))
}

/// Options and positionals collected from argv, consumed by the command builders.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    options: Vec<(&'static str, Option<OsString>)>,
    positionals: VecDeque<OsString>,
}

/// Walks argv left to right. The caller switches option sets as it learns the command word,
/// so global options work before and after it.
#[derive(Debug)]
pub(crate) struct Scanner {
    tokens: VecDeque<OsString>,
    options_ended: bool,
}

impl Scanner {
    /// `args` without the program name.
    pub fn new(args: impl IntoIterator<Item = OsString>) -> Scanner {
        Scanner {
            tokens: args.into_iter().collect(),
            options_ended: false,
        }
    }

    /// Reads options into `into` until the next positional, which it returns (or `None` at the end).
    pub fn next_word(&mut self, specs: &[&[Opt]], into: &mut Parsed) -> Result<Option<OsString>> {
        while let Some(tok) = self.tokens.pop_front() {
            if let Some(word) = self.step(tok, specs, into)? {
                return Ok(Some(word));
            }
        }
        Ok(None)
    }

    /// Reads everything left: options into `into`, positionals in order.
    pub fn rest(&mut self, specs: &[&[Opt]], into: &mut Parsed) -> Result<()> {
        while let Some(word) = self.next_word(specs, into)? {
            into.positionals.push_back(word);
        }
        Ok(())
    }

    /// Handles one token: an option (recorded, returns `None`) or a positional (returned).
    fn step(
        &mut self,
        tok: OsString,
        specs: &[&[Opt]],
        into: &mut Parsed,
    ) -> Result<Option<OsString>> {
        if self.options_ended {
            return Ok(Some(tok));
        }
        // A token that is not UTF-8 cannot name an option; it is text or a path.
        let Some(text) = tok.to_str() else {
            return Ok(Some(tok));
        };
        if text == "--" {
            self.options_ended = true;
            return Ok(None);
        }
        if let Some(body) = text.strip_prefix("--") {
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n, Some(OsString::from(v))),
                None => (body, None),
            };
            let opt = find(specs, |o| o.long == name).ok_or_else(|| {
                let longs = specs.iter().flat_map(|s| s.iter()).map(|o| o.long);
                let dashed: Vec<String> = longs.map(|l| format!("--{l}")).collect();
                let spelled = format!("--{name}");
                let hint = did_you_mean(&spelled, dashed.iter().map(String::as_str), LITERAL_DASH);
                UsageError::new(format!("unknown option '{spelled}'{hint}"))
            })?;
            let value = self.value_for(opt, inline, &format!("--{name}"))?;
            into.record(opt, value)?;
            return Ok(None);
        }
        // `-` alone is conventional for stdin/text, and `-5` is a number, not an option.
        let is_short_cluster = text.len() > 1
            && text.starts_with('-')
            && !text[1..].starts_with(|c: char| c.is_ascii_digit());
        if !is_short_cluster {
            return Ok(Some(tok));
        }
        let cluster = &text[1..];
        for (i, c) in cluster.char_indices() {
            let opt = find(specs, |o| o.short == Some(c))
                .ok_or_else(|| UsageError::new(format!("unknown option '-{c}'{LITERAL_DASH}")))?;
            if opt.arity == Arity::Flag {
                into.record(opt, None)?;
                continue;
            }
            // A value-taking short option swallows the rest of the cluster as its value.
            let tail = &cluster[i + c.len_utf8()..];
            let inline = (!tail.is_empty()).then(|| OsString::from(tail));
            let value = self.value_for(opt, inline, &format!("-{c}"))?;
            into.record(opt, value)?;
            break;
        }
        Ok(None)
    }

    fn value_for(
        &mut self,
        opt: &Opt,
        inline: Option<OsString>,
        spelled: &str,
    ) -> Result<Option<OsString>> {
        match opt.arity {
            Arity::Flag => match inline {
                Some(_) => usage(format!("option {spelled} takes no value")),
                None => Ok(None),
            },
            Arity::Value | Arity::Repeated => match inline.or_else(|| self.tokens.pop_front()) {
                Some(v) => Ok(Some(v)),
                None => usage(format!("option {spelled} needs a value")),
            },
            Arity::OptionalValue => {
                if inline.is_some() {
                    return Ok(inline);
                }
                let next_is_value = self
                    .tokens
                    .front()
                    .is_some_and(|t| t.to_str().is_none_or(|s| !s.starts_with('-')));
                Ok(if next_is_value {
                    self.tokens.pop_front()
                } else {
                    None
                })
            }
        }
    }
}

fn find<'a>(specs: &[&'a [Opt]], pred: impl Fn(&Opt) -> bool) -> Option<&'a Opt> {
    specs.iter().flat_map(|s| s.iter()).find(|o| pred(o))
}

/// How to pass text that looks like an option, told when an unknown one is not a typo.
const LITERAL_DASH: &str = " (to pass text that starts with '-', put it after `--`)";

fn utf8(value: OsString, what: &str) -> Result<String> {
    value
        .into_string()
        .or_else(|_| usage(format!("{what} is not valid UTF-8")))
}

impl Parsed {
    fn record(&mut self, opt: &Opt, value: Option<OsString>) -> Result<()> {
        let once = !matches!(opt.arity, Arity::Flag | Arity::Repeated);
        if once && self.options.iter().any(|(n, _)| *n == opt.long) {
            return usage(format!("option --{} given more than once", opt.long));
        }
        self.options.push((opt.long, value));
        Ok(())
    }

    /// True when the option was given (with or without a value).
    pub fn flag(&self, long: &str) -> bool {
        self.options.iter().any(|(n, _)| *n == long)
    }

    /// The raw value of an option, for paths that need not be UTF-8.
    pub fn value_os(&mut self, long: &str) -> Option<OsString> {
        let i = self.options.iter().position(|(n, _)| *n == long)?;
        self.options.remove(i).1
    }

    /// The value of an option as text.
    pub fn value(&mut self, long: &str) -> Result<Option<String>> {
        self.value_os(long)
            .map(|v| utf8(v, &format!("the value of --{long}")))
            .transpose()
    }

    /// Every value of a repeatable option, in the order given.
    pub fn values(&mut self, long: &str) -> Result<Vec<String>> {
        let mut out = Vec::new();
        while let Some(v) = self.value(long)? {
            out.push(v);
        }
        Ok(out)
    }

    /// The first of several spellings of one option that was given; giving two is an error.
    pub fn value_any(&mut self, longs: &[&str]) -> Result<Option<String>> {
        let given: Vec<&str> = longs.iter().copied().filter(|l| self.flag(l)).collect();
        match given.as_slice() {
            [] => Ok(None),
            [one] => self.value(one),
            [a, b, ..] => usage(format!("--{a} and --{b} mean the same; give one")),
        }
    }

    /// A number-valued option; `what` describes the accepted range in the error.
    pub fn number<T: std::str::FromStr>(&mut self, long: &str, what: &str) -> Result<Option<T>> {
        match self.value(long)? {
            None => Ok(None),
            Some(v) => v
                .parse()
                .map(Some)
                .or_else(|_| usage(format!("--{long} must be {what}, not '{v}'"))),
        }
    }

    /// A count option (`--limit`, `--lease`): absent is `None`; anything given is judged by the
    /// core's one rule, so `--limit 0`, `-1` or a 30-digit number is a usage error worded
    /// exactly as the library's `InvalidInput` error.
    pub fn count(&mut self, long: &str, kind: agor_core::Count) -> Result<Option<u32>> {
        let Some(v) = self.value(long)? else {
            return Ok(None);
        };
        let digits = v.strip_prefix(['-', '+']).unwrap_or(&v);
        let judged = match v.parse::<i128>() {
            Ok(n) => kind.check(n),
            // A whole number too wide even for i128: out of range, shown as written.
            Err(_) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => {
                Err(kind.out_of_range(&v))
            }
            Err(_) => return usage(format!("--{long} must be a whole number, not '{v}'")),
        };
        judged.map(Some).map_err(|e| UsageError::new(e.to_string()))
    }

    /// The next positional, if any.
    pub fn positional(&mut self, what: &str) -> Result<Option<String>> {
        self.positionals
            .pop_front()
            .map(|v| utf8(v, what))
            .transpose()
    }

    /// A field given either as one of the options `longs` or as the next positional.
    pub fn field(&mut self, longs: &[&str], what: &str) -> Result<Option<String>> {
        match self.value_any(longs)? {
            Some(v) => Ok(Some(v)),
            None => self.positional(what),
        }
    }

    /// Like [`Parsed::field`], but missing is a usage error.
    pub fn required(&mut self, longs: &[&str], what: &str) -> Result<String> {
        self.field(longs, what)?
            .ok_or_else(|| UsageError::new(format!("missing {what}")))
    }

    /// Free text: the option's value, or every remaining positional joined by spaces
    /// (the legacy `btmsg send <to> <message…>` form).
    pub fn text(&mut self, long: &str, what: &str) -> Result<String> {
        if let Some(v) = self.value(long)? {
            return Ok(v);
        }
        let words = std::mem::take(&mut self.positionals)
            .into_iter()
            .map(|w| utf8(w, what))
            .collect::<Result<Vec<_>>>()?;
        if words.is_empty() {
            return usage(format!("missing {what}"));
        }
        Ok(words.join(" "))
    }

    /// Fails on anything the command did not consume.
    pub fn finish(mut self) -> Result<()> {
        match self.positionals.pop_front() {
            None => Ok(()),
            Some(extra) => usage(format!("unexpected argument '{}'", extra.to_string_lossy())),
        }
    }
}

/// A value the core parses (status, priority), checked before the database is opened so a
/// typo is a usage error (exit 2) whatever the state of the file.
pub(crate) fn parsed<T>(v: String) -> Result<T>
where
    T: std::str::FromStr<Err = agor_core::Error>,
{
    v.parse()
        .map_err(|e: agor_core::Error| UsageError::new(e.to_string()))
}

/// Defines the parser-test helpers of one program (`parse_line`, `req`, `who`, `topic`,
/// `err`, `same`); `PROGRAM` must be in scope.
#[cfg(test)]
macro_rules! parser_test_helpers {
    ($prog:literal) => {
        #[allow(unused_imports)]
        use crate::args::UsageError;
        #[allow(unused_imports)]
        use crate::command::{Command, Invocation, Job, Who};
        #[allow(unused_imports)]
        use serde_json::json;

        fn parse_line(line: &[&str]) -> Result<Invocation, UsageError> {
            PROGRAM.parse(
                std::iter::once($prog)
                    .chain(line.iter().copied())
                    .map(std::ffi::OsString::from)
                    .collect(),
            )
        }

        fn job(line: &[&str]) -> Job {
            match parse_line(line)
                .unwrap_or_else(|e| panic!("{line:?}: {e}"))
                .command
            {
                Command::Run(job) => job,
                other => panic!("{line:?} parsed as {other:?}"),
            }
        }

        /// The catalogue request the line runs, as JSON.
        fn req(line: &[&str]) -> serde_json::Value {
            serde_json::to_value(job(line).request).unwrap()
        }

        #[allow(dead_code)]
        fn who(line: &[&str]) -> Who {
            job(line)
                .who
                .expect("the parser fills in whom a job acts as")
        }

        /// `Some(topic)` for a help line (`Some(None)`: the overview), `None` otherwise.
        fn topic(line: &[&str]) -> Option<Option<String>> {
            match parse_line(line)
                .unwrap_or_else(|e| panic!("{line:?}: {e}"))
                .command
            {
                Command::Help(t) => Some(t),
                _ => None,
            }
        }

        fn err(line: &[&str]) -> String {
            match parse_line(line) {
                Ok(inv) => panic!("{line:?} parsed as {inv:?}"),
                Err(e) => e.0,
            }
        }

        /// `--db` and `--json` are read before or after `command` (which runs `request`),
        /// and an empty `--db` is refused: what every program's global options promise.
        fn global_options_around(command: &str, request: serde_json::Value) {
            for line in [
                &["--db", "/tmp/x.db", "--json", command][..],
                &[command, "--db", "/tmp/x.db", "--json"],
                &["--json", command, "--db=/tmp/x.db"],
            ] {
                let inv = parse_line(line).unwrap();
                assert_eq!(inv.db.as_deref(), Some(std::path::Path::new("/tmp/x.db")));
                assert!(inv.json);
                assert_eq!(req(line), request);
            }
            assert!(err(&["--db", "", command]).contains("must not be empty"));
        }

        /// Asserts that `line` parses and runs an operation its entry declares (what the
        /// coverage test counts).
        #[allow(dead_code)]
        fn builds_a_declared_operation(def: &crate::command::CommandDef, line: &[&str]) {
            let inv = parse_line(line).unwrap_or_else(|e| panic!("{line:?}: {e}"));
            if let Command::Run(job) = inv.command {
                let op = job.request.name();
                assert!(
                    def.ops.contains(&op),
                    "{line:?} runs {op}, not {:?}",
                    def.ops
                );
            }
        }

        /// Asserts that every spelling in `lines` builds the same request.
        fn same(lines: &[&[&str]]) -> serde_json::Value {
            let first = req(lines[0]);
            for line in &lines[1..] {
                assert_eq!(req(line), first, "{line:?} differs from {:?}", lines[0]);
            }
            first
        }
    };
}
#[cfg(test)]
pub(crate) use parser_test_helpers;

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &[Opt] = &[
        Opt::flag("json"),
        Opt::value("limit"),
        Opt::flag("bidirectional").short('b'),
        Opt::value("to").short('t'),
        Opt::optional_value("clear"),
        Opt::repeated("tag"),
    ];

    fn scan(args: &[&str]) -> Result<Parsed> {
        let mut p = Parsed::default();
        Scanner::new(args.iter().map(OsString::from)).rest(&[SPEC], &mut p)?;
        Ok(p)
    }

    #[test]
    fn option_lists_spell_every_arity() {
        assert_eq!(
            Opt::list("json limit= bidirectional/b to/t= clear=? tag=*"),
            SPEC
        );
        assert!(Opt::list("  ").is_empty());
    }

    #[test]
    fn options_anywhere_and_both_value_spellings() {
        let mut p = scan(&["a", "--limit", "5", "b", "--json", "--to=x"]).unwrap();
        assert!(p.flag("json"));
        assert_eq!(p.number::<u32>("limit", "n").unwrap(), Some(5));
        assert_eq!(p.value("to").unwrap().as_deref(), Some("x"));
        assert_eq!(p.text("content", "message").unwrap(), "a b");
    }

    #[test]
    fn double_dash_ends_options() {
        let mut p = scan(&["--", "--json", "-b"]).unwrap();
        assert!(!p.flag("json"));
        assert_eq!(p.text("content", "message").unwrap(), "--json -b");
    }

    #[test]
    fn short_options_and_clusters() {
        let mut p = scan(&["-b", "-tbob"]).unwrap();
        assert!(p.flag("bidirectional"));
        assert_eq!(p.value("to").unwrap().as_deref(), Some("bob"));
        let mut p = scan(&["-bt", "ann"]).unwrap();
        assert_eq!(p.value("to").unwrap().as_deref(), Some("ann"));
    }

    #[test]
    fn negative_numbers_and_lone_dash_are_positionals() {
        let mut p = scan(&["-5", "-"]).unwrap();
        assert_eq!(p.text("content", "text").unwrap(), "-5 -");
    }

    #[test]
    fn optional_values() {
        let mut p = scan(&["--clear", "3"]).unwrap();
        assert_eq!(p.value("clear").unwrap().as_deref(), Some("3"));
        let p = scan(&["--clear", "--json"]).unwrap();
        assert!(p.flag("clear") && p.flag("json"));
        let mut p = scan(&["--clear"]).unwrap();
        assert!(p.flag("clear"));
        assert_eq!(p.value("clear").unwrap(), None);
    }

    #[test]
    fn repeated_values_keep_their_order() {
        let mut p = scan(&["--tag", "a", "x", "--tag=b", "--tag", "c"]).unwrap();
        assert_eq!(p.values("tag").unwrap(), ["a", "b", "c"]);
        assert!(p.values("tag").unwrap().is_empty());
        assert!(scan(&["--tag"]).unwrap_err().0.contains("needs a value"));
    }

    #[test]
    fn usage_errors() {
        let err = |args: &[&str]| scan(args).unwrap_err().0;
        assert!(err(&["--nope"]).contains("unknown option '--nope' (to pass"));
        assert!(err(&["--limt", "3"]).contains("unknown option '--limt'; did you mean '--limit'?"));
        assert!(err(&["-x"]).contains("unknown option '-x'"));
        assert!(err(&["--limit"]).contains("needs a value"));
        assert!(err(&["--json=1"]).contains("takes no value"));
        assert!(err(&["--to", "a", "--to", "b"]).contains("more than once"));
        let mut p = scan(&["--limit", "ten"]).unwrap();
        assert!(p
            .number::<u32>("limit", "a positive number")
            .unwrap_err()
            .0
            .contains("not 'ten'"));
        let mut p = scan(&["one", "two"]).unwrap();
        p.positional("x").unwrap();
        assert_eq!(p.finish().unwrap_err().0, "unexpected argument 'two'");
        assert_eq!(
            scan(&[]).unwrap().text("content", "message").unwrap_err().0,
            "missing message"
        );
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_is_text_and_reported_when_used_as_text() {
        use std::os::unix::ffi::OsStringExt;
        let bad = OsString::from_vec(vec![b'-', b'-', 0xff]);
        let mut p = Parsed::default();
        Scanner::new([bad]).rest(&[SPEC], &mut p).unwrap();
        assert!(p
            .positional("the recipient")
            .unwrap_err()
            .0
            .contains("the recipient is not valid UTF-8"));
    }
}
