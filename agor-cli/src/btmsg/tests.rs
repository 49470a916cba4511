//! Parser tests of `btmsg`: both syntaxes of every command, help, and usage errors.

use super::*;

crate::args::parser_test_helpers!("btmsg");

#[test]
fn register_both_syntaxes() {
    let c = same(&[
        &[
            "register", "dev-1", "Dev One", "project", "core", "--tier", "2",
        ],
        &[
            "register", "--id", "dev-1", "--name", "Dev One", "--role", "project", "--group",
            "core", "--tier", "2",
        ],
        &[
            "register", "--tier=2", "dev-1", "--name", "Dev One", "project", "core",
        ],
    ]);
    let Command::Register(a) = c else {
        panic!("{c:?}")
    };
    assert_eq!(
        (
            a.id.as_str(),
            a.name.as_str(),
            a.role.as_str(),
            a.group.as_str()
        ),
        ("dev-1", "Dev One", "project", "core")
    );
    assert_eq!(a.tier, Some(2));
    assert_eq!(a.model, None);
    let Command::Register(a) = cmd(&["register", "a", "b", "c", "d", "--model", "m1"]) else {
        panic!()
    };
    assert_eq!((a.tier, a.model.as_deref()), (None, Some("m1")));
    assert_eq!(err(&["register", "a", "b", "c"]), "missing group");
    assert!(err(&["register", "a", "b", "c", "d", "--tier", "x"]).contains("0, 1 or 2"));
    assert_eq!(
        err(&["register", "a", "b", "c", "d", "e"]),
        "unexpected argument 'e'"
    );
}

#[test]
fn send_reply_broadcast() {
    let c = same(&[
        &["send", "bob", "fix", "the", "parser"],
        &["send", "--to", "bob", "--content", "fix the parser"],
        &["send", "--content", "fix the parser", "bob"],
        &["send", "--to=bob", "fix", "the", "parser"],
        &["send", "bob", "--", "fix", "the", "parser"],
    ]);
    assert_eq!(
        c,
        Command::Send {
            to: Target::Agent("bob".into()),
            content: "fix the parser".into()
        }
    );
    assert_eq!(
        cmd(&["send", "bob", "--", "use", "--force", "-v"]),
        Command::Send {
            to: Target::Agent("bob".into()),
            content: "use --force -v".into()
        }
    );
    assert_eq!(
        cmd(&["send", "--role", "tester", "run", "it"]),
        Command::Send {
            to: Target::Role("tester".into()),
            content: "run it".into()
        }
    );
    assert_eq!(
        cmd(&["send", "--pattern", "dev-*", "hi"]),
        Command::Send {
            to: Target::Pattern("dev-*".into()),
            content: "hi".into()
        }
    );
    assert_eq!(
        cmd(&["broadcast", "all", "hands"]),
        Command::Send {
            to: Target::Group,
            content: "all hands".into()
        }
    );
    assert_eq!(err(&["send", "bob"]), "missing message text");
    assert_eq!(err(&["send"]), "missing recipient");
    assert!(err(&["send", "--to", "a", "--role", "b", "x"]).contains("give one of"));
    assert!(err(&["send", "bob", "hi", "--force"]).contains("unknown option '--force'"));
    assert!(err(&["send", "--to", "bob", "--content", "a", "extra"]).contains("'extra'"));

    let c = same(&[
        &["reply", "abc123", "on", "it"],
        &["reply", "--id", "abc123", "--content", "on it"],
        &["reply", "--message-id", "abc123", "on it"],
    ]);
    assert_eq!(
        c,
        Command::Reply {
            id: "abc123".into(),
            content: "on it".into()
        }
    );
}

#[test]
fn reading_commands() {
    assert_eq!(
        cmd(&["inbox"]),
        Command::Inbox {
            all: false,
            limit: None
        }
    );
    same(&[
        &["inbox", "--all", "--limit", "5"],
        &["inbox", "-a", "--limit=5"],
    ]);
    assert_eq!(
        same(&[
            &["read", "abc"],
            &["read", "--id", "abc"],
            &["read", "--message-id=abc"]
        ]),
        Command::Read {
            id: Some("abc".into())
        }
    );
    assert_eq!(cmd(&["read"]), Command::Read { id: None });
    assert_eq!(cmd(&["peek"]), Command::Peek);
    assert_eq!(cmd(&["unread"]), Command::Unread);
    assert_eq!(cmd(&["notify"]), Command::Notify);
    assert_eq!(cmd(&["whoami"]), Command::Whoami);
    assert_eq!(cmd(&["contacts"]), Command::Contacts);
    assert_eq!(cmd(&["graph"]), Command::Graph);
    assert_eq!(
        same(&[
            &["history", "bob", "--limit", "3"],
            &["history", "--agent", "bob", "--limit", "3"]
        ]),
        Command::History {
            agent: "bob".into(),
            limit: 3
        }
    );
    assert_eq!(
        cmd(&["history", "bob"]),
        Command::History {
            agent: "bob".into(),
            limit: DEFAULT_HISTORY_LIMIT
        }
    );
    assert_eq!(
        cmd(&["feed"]),
        Command::Feed {
            limit: DEFAULT_FEED_LIMIT,
            group: None
        }
    );
    assert!(err(&["feed", "--limit", "0"]).contains("positive"));
    assert!(err(&["inbox", "--limit", "-1"]).contains("positive"));
    assert!(err(&["peek", "extra"]).contains("unexpected argument"));
    assert_eq!(cmd(&["status"]), Command::Status { group: None });
    assert_eq!(
        cmd(&["status", "--group", "core"]),
        Command::Status {
            group: Some("core".into())
        }
    );
}

#[test]
fn allow_both_syntaxes() {
    let c = same(&[
        &["allow", "a", "b", "-b"],
        &["allow", "a", "b", "--bidirectional"],
        &["allow", "--from", "a", "--to", "b", "-b"],
        &["allow", "-b", "a", "b"],
    ]);
    assert_eq!(
        c,
        Command::Allow {
            from: "a".into(),
            to: "b".into(),
            bidirectional: true
        }
    );
    assert_eq!(
        cmd(&["allow", "a", "b"]),
        Command::Allow {
            from: "a".into(),
            to: "b".into(),
            bidirectional: false
        }
    );
}

#[test]
fn channels_both_syntaxes() {
    assert_eq!(
        same(&[
            &["channel", "create", "ops"],
            &["channel", "create", "--name", "ops"]
        ]),
        Command::ChannelCreate { name: "ops".into() }
    );
    assert_eq!(
        same(&[
            &["channel", "list"],
            &["channels"],
            &["--json", "channel", "--json", "list"]
        ]),
        Command::ChannelList
    );
    assert_eq!(
        same(&[
            &["channel", "send", "ops", "hello", "all"],
            &["channel-post", "--channel", "ops", "--content", "hello all"],
            &["channel", "post", "ops", "hello all"],
        ]),
        Command::ChannelSend {
            channel: "ops".into(),
            content: "hello all".into()
        }
    );
    assert_eq!(
        same(&[
            &["channel", "history", "ops", "--limit", "4"],
            &["channel", "history", "--channel", "ops", "--limit", "4"]
        ]),
        Command::ChannelHistory {
            channel: "ops".into(),
            limit: 4
        }
    );
    assert_eq!(
        same(&[
            &["channel", "add", "ops", "bob"],
            &["channel", "add", "--channel", "ops", "--agent", "bob"]
        ]),
        Command::ChannelAdd {
            channel: "ops".into(),
            agent: "bob".into()
        }
    );
    assert!(err(&["channel"]).contains("create, list, send, history, add"));
    assert!(err(&["channel", "nuke"]).contains("unknown channel subcommand 'nuke'"));
}

#[test]
fn liveness_and_dead_letters() {
    assert_eq!(cmd(&["heartbeat"]), Command::Heartbeat);
    assert_eq!(
        same(&[&["backup", "copy.db"], &["backup", "--file", "copy.db"]]),
        Command::Backup {
            file: "copy.db".into()
        }
    );
    assert!(err(&["backup"]).contains("missing backup file"));
    assert_eq!(
        same(&[
            &["ack", "--message-id", "m1", "--session", "s"],
            &["ack", "m1", "--session=s"],
            &["ack", "--id", "m1", "--session", "s"]
        ]),
        Command::Ack {
            id: "m1".into(),
            session: Some("s".into())
        }
    );
    assert_eq!(
        cmd(&["ack", "m1"]),
        Command::Ack {
            id: "m1".into(),
            session: None
        }
    );
    assert!(err(&["ack"]).contains("missing message id"));
    use DeadLetterAction::*;
    assert_eq!(cmd(&["dead-letters"]), Command::DeadLetters(List));
    assert_eq!(
        cmd(&["dead-letters", "--redeliver"]),
        Command::DeadLetters(Redeliver(None))
    );
    assert_eq!(
        same(&[
            &["dead-letters", "--redeliver", "3"],
            &["dead-letters", "--redeliver=#3"]
        ]),
        Command::DeadLetters(Redeliver(Some(3)))
    );
    assert_eq!(
        cmd(&["dead-letters", "--clear", "--json"]),
        Command::DeadLetters(Clear(None))
    );
    assert_eq!(
        cmd(&["dead-letters", "--clear", "7"]),
        Command::DeadLetters(Clear(Some(7)))
    );
    assert!(err(&["dead-letters", "--clear", "x"]).contains("dead-letter number"));
    assert!(err(&["dead-letters", "--clear", "--redeliver"]).contains("not both"));
    assert_eq!(
        cmd(&["stale", "--threshold", "60"]),
        Command::Stale {
            threshold: Some(60)
        }
    );
    assert_eq!(
        same(&[
            &["set-status", "sleeping", "bob"],
            &["set-status", "--status", "sleeping", "--agent", "bob"]
        ]),
        Command::SetStatus {
            status: "sleeping".into(),
            agent: Some("bob".into())
        }
    );
    assert_eq!(cmd(&["delete", "m1"]), Command::Delete { id: "m1".into() });
}

#[test]
fn global_options_anywhere() {
    for line in [
        &["--db", "/tmp/x.db", "--json", "unread"][..],
        &["unread", "--db", "/tmp/x.db", "--json"],
        &["--json", "unread", "--db=/tmp/x.db"],
    ] {
        let inv = parse_line(line).unwrap();
        assert_eq!(inv.db.as_deref(), Some(std::path::Path::new("/tmp/x.db")));
        assert!(inv.json);
        assert_eq!(inv.command, Command::Unread);
    }
    let inv = parse_line(&["unread"]).unwrap();
    assert_eq!((inv.db, inv.json), (None, false));
    assert!(err(&["--db", "", "unread"]).contains("must not be empty"));
    assert!(err(&["--db"]).contains("needs a value"));
    assert!(err(&["--json", "--json=x", "unread"]).contains("takes no value"));
}

#[test]
fn help_and_version() {
    assert_eq!(cmd(&["--help"]), Command::Help(None));
    assert_eq!(cmd(&["-h"]), Command::Help(None));
    assert_eq!(cmd(&["help"]), Command::Help(None));
    assert_eq!(cmd(&["help", "send"]), Command::Help(Some("send".into())));
    // Help wins over missing arguments, and works for aliases and groups.
    assert_eq!(cmd(&["send", "--help"]), Command::Help(Some("send".into())));
    assert_eq!(
        cmd(&["channel-post", "-h"]),
        Command::Help(Some("channel send".into()))
    );
    assert_eq!(
        cmd(&["channel", "--help"]),
        Command::Help(Some("channel".into()))
    );
    assert_eq!(cmd(&["--version"]), Command::Version);
    assert_eq!(err(&[]), "missing command; run `btmsg --help`");
    assert!(err(&["frob"]).contains("unknown command 'frob'"));
    assert!(err(&["--frob", "unread"]).contains("unknown option '--frob'"));
}

#[test]
fn help_texts_cover_the_table() {
    let all = help(None).unwrap();
    for def in COMMANDS {
        assert!(all.contains(def.usage[0]), "{} missing from help", def.name);
        assert!(help(Some(def.name)).unwrap().contains(def.about));
    }
    for code in [
        "0  ok",
        "2  usage",
        "3  version conflict",
        "4  permission",
        "5  not found",
    ] {
        assert!(all.contains(code), "exit code line '{code}' missing");
    }
    assert!(help(Some("channel")).unwrap().contains("channel add"));
    assert!(help(Some("nope")).is_err());
}

#[test]
fn every_table_entry_builds() {
    // The first usage line with its required positionals filled in must parse, so a new
    // table entry without a builder (or with a wrong usage line) fails here.
    for def in COMMANDS {
        let mut line: Vec<&str> = def.name.split(' ').collect();
        let first_usage = def.usage[0];
        let positionals = first_usage
            .split(' ')
            .filter(|w| w.starts_with('<'))
            .count();
        line.extend(std::iter::repeat("x").take(positionals));
        parse_line(&line).unwrap_or_else(|e| panic!("{line:?}: {e}"));
    }
}

#[test]
fn mistyped_words_get_a_suggestion() {
    assert_eq!(
        err(&["sned", "bob", "hi"]),
        "unknown command 'sned'; did you mean 'send'?"
    );
    assert!(err(&["chanel", "list"]).contains("did you mean 'channel'?"));
    assert!(err(&["frobnicate"]).contains("run `btmsg --help`"));
    assert!(err(&["channel", "lsit"]).contains("did you mean 'list'?"));
    assert!(err(&["inbox", "--al"]).contains("did you mean '--all'?"));
    assert!(help(Some("sned"))
        .unwrap_err()
        .0
        .contains("did you mean 'send'?"));
}

#[test]
fn usage_errors_of_a_known_command_carry_its_usage_lines() {
    let e = parse_line(&["send", "bob"]).unwrap_err();
    assert_eq!(e.0, "missing message text");
    assert_eq!(e.usage()[0], "btmsg send <to> <message…>");
    assert_eq!(e.usage().len(), 4);
    let e = parse_line(&["channel", "add", "ops"]).unwrap_err();
    assert_eq!(e.usage(), ["btmsg channel add <channel> <agent>"]);
    // An unknown command has no usage of its own to show.
    assert!(parse_line(&["sned"]).unwrap_err().usage().is_empty());
}
