//! Parser tests of `btmsg`: both syntaxes of every command, help, and usage errors. Each
//! command line is checked by the catalogue request it builds (as JSON).

use super::*;
use crate::command::CommandDef;
use crate::help::help as help_of;

crate::args::parser_test_helpers!("btmsg");

fn help(topic: Option<&str>) -> Result<String, UsageError> {
    help_of(&PROGRAM, topic)
}

#[test]
fn register_both_syntaxes() {
    let r = same(&[
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
    assert_eq!(
        r,
        json!({"op": "register_agent", "id": "dev-1", "name": "Dev One", "role": "project",
               "group": "core", "tier": 2, "model": null, "cwd": null})
    );
    let r = req(&["register", "a", "b", "c", "d", "--model", "m1"]);
    assert_eq!((&r["tier"], &r["model"]), (&json!(null), &json!("m1")));
    assert_eq!(who(&["register", "a", "b", "c", "d"]), Who::Either);
    assert_eq!(err(&["register", "a", "b", "c"]), "missing group");
    assert!(err(&["register", "a", "b", "c", "d", "--tier", "x"]).contains("0, 1 or 2"));
    assert_eq!(
        err(&["register", "a", "b", "c", "d", "e"]),
        "unexpected argument 'e'"
    );
}

#[test]
fn send_reply_broadcast() {
    let r = same(&[
        &["send", "bob", "fix", "the", "parser"],
        &["send", "--to", "bob", "--content", "fix the parser"],
        &["send", "--content", "fix the parser", "bob"],
        &["send", "--to=bob", "fix", "the", "parser"],
        &["send", "bob", "--", "fix", "the", "parser"],
    ]);
    assert_eq!(
        r,
        json!({"op": "send", "to": "bob", "content": "fix the parser", "importance": "normal",
               "ack_required": false, "deadline_secs": null})
    );
    assert_eq!(
        req(&["send", "bob", "--", "use", "--force", "-v"]),
        json!({"op": "send", "to": "bob", "content": "use --force -v", "importance": "normal",
               "ack_required": false, "deadline_secs": null})
    );
    assert_eq!(
        req(&["send", "--role", "tester", "run", "it"]),
        json!({"op": "send_to_role", "role": "tester", "content": "run it"})
    );
    assert_eq!(
        req(&["send", "--pattern", "dev-*", "hi"]),
        json!({"op": "send_to_pattern", "pattern": "dev-*", "content": "hi"})
    );
    assert_eq!(
        req(&["broadcast", "all", "hands"]),
        json!({"op": "broadcast", "content": "all hands"})
    );
    assert_eq!(err(&["send", "bob"]), "missing message text");
    assert_eq!(err(&["send"]), "missing recipient");
    assert!(err(&["send", "--to", "a", "--role", "b", "x"]).contains("give one of"));
    assert!(err(&["send", "bob", "hi", "--force"]).contains("unknown option '--force'"));
    assert!(err(&["send", "--to", "bob", "--content", "a", "extra"]).contains("'extra'"));

    let r = same(&[
        &["reply", "abc123", "on", "it"],
        &["reply", "--id", "abc123", "--content", "on it"],
        &["reply", "--message-id", "abc123", "on it"],
    ]);
    assert_eq!(
        r,
        json!({"op": "reply", "message_id": "abc123", "content": "on it"})
    );
}

#[test]
fn reading_commands() {
    assert_eq!(
        req(&["inbox"]),
        json!({"op": "inbox", "all": false, "limit": null})
    );
    assert_eq!(
        same(&[
            &["inbox", "--all", "--limit", "5"],
            &["inbox", "-a", "--limit=5"],
        ]),
        json!({"op": "inbox", "all": true, "limit": 5})
    );
    assert_eq!(
        same(&[
            &["read", "abc"],
            &["read", "--id", "abc"],
            &["read", "--message-id=abc"]
        ]),
        json!({"op": "read", "message_id": "abc"})
    );
    assert_eq!(req(&["read"]), json!({"op": "read_unread"}));
    assert_eq!(req(&["peek"]), json!({"op": "peek"}));
    assert_eq!(req(&["unread"]), json!({"op": "unread_count"}));
    assert_eq!(req(&["notify"]), json!({"op": "notify"}));
    assert_eq!(req(&["whoami"]), json!({"op": "whoami"}));
    assert_eq!(req(&["contacts"]), json!({"op": "contacts"}));
    assert_eq!(req(&["graph"]), json!({"op": "contact_graph"}));
    assert_eq!(
        same(&[
            &["history", "bob", "--limit", "3"],
            &["history", "--agent", "bob", "--limit", "3"]
        ]),
        json!({"op": "history", "other": "bob", "limit": 3})
    );
    // No limit: the catalogue's default applies.
    assert_eq!(req(&["history", "bob"])["limit"], json!(null));
    assert_eq!(
        req(&["feed"]),
        json!({"op": "feed", "group": null, "limit": null})
    );
    // One wording with the library: `--limit 0` is never "all" or "none".
    for bad in [
        "0",
        "-1",
        "10001",
        "4294967296",
        "9223372036854775808",
        &"9".repeat(50),
    ] {
        for cmd in [
            &["feed"][..],
            &["inbox"],
            &["history", "bob"],
            &["channel", "history", "ops"],
        ] {
            let args: Vec<&str> = cmd.iter().copied().chain(["--limit", bad]).collect();
            assert_eq!(
                err(&args),
                format!("invalid limit: must be between 1 and 10000, not {bad}"),
                "{args:?}"
            );
        }
    }
    assert!(err(&["inbox", "--limit", "ten"]).contains("whole number"));
    assert!(err(&["peek", "extra"]).contains("unexpected argument"));
    assert_eq!(
        req(&["status"]),
        json!({"op": "list_agents", "group": null})
    );
    assert_eq!(who(&["status"]), Who::Either);
    assert_eq!(
        req(&["status", "--group", "core"]),
        json!({"op": "list_agents", "group": "core"})
    );
    assert_eq!(who(&["status", "--group", "core"]), Who::Either);
    assert_eq!(
        same(&[&["mark-read", "bob"], &["mark-read", "--agent", "bob"]]),
        json!({"op": "mark_conversation_read", "other": "bob"})
    );
}

#[test]
fn operator_commands() {
    assert_eq!(
        same(&[&["agent", "dev"], &["agent", "--id", "dev"]]),
        json!({"op": "get_agent", "id": "dev"})
    );
    assert_eq!(who(&["agent", "dev"]), Who::Operator);
    assert_eq!(
        req(&["audit", "--agent", "dev-1", "--limit", "5"]),
        json!({"op": "audit_log", "agent_id": "dev-1", "limit": 5, "group": null})
    );
    assert_eq!(
        same(&[
            &["channel", "review-setup", "core"],
            &["channel", "review-setup", "--group", "core"]
        ]),
        json!({"op": "ensure_review_channels", "group": "core"})
    );
    assert_eq!(who(&["stale"]), Who::Operator);
    assert_eq!(who(&["backup", "f.db"]), Who::Operator);
}

#[test]
fn allow_both_syntaxes() {
    let r = same(&[
        &["allow", "a", "b", "-b"],
        &["allow", "a", "b", "--bidirectional"],
        &["allow", "--from", "a", "--to", "b", "-b"],
        &["allow", "-b", "a", "b"],
    ]);
    assert_eq!(
        r,
        json!({"op": "allow", "from": "a", "to": "b", "bidirectional": true})
    );
    assert_eq!(req(&["allow", "a", "b"])["bidirectional"], json!(false));
}

#[test]
fn channels_both_syntaxes() {
    assert_eq!(
        same(&[
            &["channel", "create", "ops"],
            &["channel", "create", "--name", "ops"]
        ]),
        json!({"op": "create_channel", "name": "ops"})
    );
    assert_eq!(
        same(&[
            &["channel", "list"],
            &["channels"],
            &["--json", "channel", "--json", "list"]
        ]),
        json!({"op": "list_channels"})
    );
    assert_eq!(
        same(&[
            &["channel", "send", "ops", "hello", "all"],
            &["channel-post", "--channel", "ops", "--content", "hello all"],
            &["channel", "post", "ops", "hello all"],
        ]),
        json!({"op": "post", "channel": "ops", "content": "hello all"})
    );
    assert_eq!(
        same(&[
            &["channel", "history", "ops", "--limit", "4"],
            &["channel", "history", "--channel", "ops", "--limit", "4"]
        ]),
        json!({"op": "channel_history", "channel": "ops", "limit": 4})
    );
    assert_eq!(
        same(&[
            &["channel", "add", "ops", "bob"],
            &["channel", "add", "--channel", "ops", "--agent", "bob"]
        ]),
        json!({"op": "add_member", "channel": "ops", "agent_id": "bob"})
    );
    assert!(err(&["channel"]).contains("create, list, send, history, add"));
    assert!(err(&["channel", "nuke"]).contains("unknown channel subcommand 'nuke'"));
}

#[test]
fn liveness_and_dead_letters() {
    assert_eq!(req(&["heartbeat"]), json!({"op": "heartbeat"}));
    assert_eq!(
        same(&[&["backup", "copy.db"], &["backup", "--file", "copy.db"]]),
        json!({"op": "backup", "path": "copy.db"})
    );
    assert!(err(&["backup"]).contains("missing backup file"));
    assert_eq!(
        same(&[
            &["ack", "--message-id", "m1", "--session", "s"],
            &["ack", "m1", "--session=s"],
            &["ack", "--id", "m1", "--session", "s"]
        ]),
        json!({"op": "ack", "message_id": "m1", "session_id": "s"})
    );
    if std::env::var_os(SESSION_ENV).is_none() {
        assert_eq!(req(&["ack", "m1"])["session_id"], json!(DEFAULT_SESSION));
    }
    assert!(err(&["ack"]).contains("missing message id"));
    assert_eq!(req(&["dead-letters"]), json!({"op": "dead_letters"}));
    assert_eq!(
        req(&["dead-letters", "--redeliver"]),
        json!({"op": "redeliver_dead_letters", "id": null})
    );
    assert_eq!(
        same(&[
            &["dead-letters", "--redeliver", "3"],
            &["dead-letters", "--redeliver=#3"]
        ]),
        json!({"op": "redeliver_dead_letters", "id": 3})
    );
    assert_eq!(
        req(&["dead-letters", "--clear", "--json"]),
        json!({"op": "clear_dead_letters", "id": null})
    );
    assert_eq!(
        req(&["dead-letters", "--clear", "7"]),
        json!({"op": "clear_dead_letters", "id": 7})
    );
    assert!(err(&["dead-letters", "--clear", "x"]).contains("dead-letter number"));
    assert!(err(&["dead-letters", "--clear", "--redeliver"]).contains("not both"));
    assert_eq!(
        req(&["stale", "--threshold", "60"]),
        json!({"op": "stale_agents", "threshold_secs": 60})
    );
    assert_eq!(
        same(&[
            &["set-status", "sleeping", "bob"],
            &["set-status", "--status", "sleeping", "--agent", "bob"]
        ]),
        json!({"op": "set_status", "agent_id": "bob", "status": "sleeping"})
    );
    assert!(err(&["set-status", "dozing"]).contains("dozing"));
    assert_eq!(
        req(&["delete", "m1"]),
        json!({"op": "delete_message", "message_id": "m1"})
    );
}

#[test]
fn call_and_ops() {
    assert_eq!(
        req(&["call", r#"{"op": "send", "to": "bob", "content": "hi"}"#]),
        json!({"op": "send", "to": "bob", "content": "hi", "importance": "normal",
               "ack_required": false, "deadline_secs": null})
    );
    assert_eq!(who(&["call", r#"{"op": "peek"}"#]), Who::Either);
    assert!(job(&["call", r#"{"op": "peek"}"#]).always_json);
    assert!(err(&["call", r#"{"op": "fly"}"#]).contains("unknown operation 'fly'"));
    assert!(err(&["call"]).contains("missing request JSON"));
    assert!(matches!(
        parse_line(&["ops"]).unwrap().command,
        Command::Ops
    ));
}

#[test]
fn global_options_anywhere() {
    global_options_around("unread", json!({"op": "unread_count"}));
    let inv = parse_line(&["unread"]).unwrap();
    assert_eq!((inv.db, inv.json), (None, false));
    assert!(err(&["--db"]).contains("needs a value"));
    assert!(err(&["--json", "--json=x", "unread"]).contains("takes no value"));
}

#[test]
fn help_and_version() {
    assert_eq!(topic(&["--help"]), Some(None));
    assert_eq!(topic(&["-h"]), Some(None));
    assert_eq!(topic(&["help"]), Some(None));
    assert_eq!(topic(&["help", "send"]), Some(Some("send".into())));
    // Help wins over missing arguments, and works for aliases and groups.
    assert_eq!(topic(&["send", "--help"]), Some(Some("send".into())));
    assert_eq!(
        topic(&["channel-post", "-h"]),
        Some(Some("channel send".into()))
    );
    assert_eq!(topic(&["channel", "--help"]), Some(Some("channel".into())));
    assert!(matches!(
        parse_line(&["--version"]).unwrap().command,
        Command::Version
    ));
    assert_eq!(err(&[]), "missing command; run `btmsg --help`");
    assert!(err(&["frob"]).contains("unknown command 'frob'"));
    assert!(err(&["--frob", "unread"]).contains("unknown option '--frob'"));
}

#[test]
fn help_texts_cover_the_table() {
    let all = help(None).unwrap();
    for def in PROGRAM.all() {
        assert!(
            all.contains(def.usage_lines()[0]),
            "{} missing from help",
            def.name
        );
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
    for def in PROGRAM.all().filter(|d: &&CommandDef| d.name != "call") {
        let mut line: Vec<&str> = def.name.split(' ').collect();
        // A placeholder of choices (`<active|sleeping|stopped>`) takes its first choice.
        let positionals = def.usage_lines()[0]
            .split(' ')
            .filter(|w| w.starts_with('<'));
        line.extend(positionals.map(|w| match w.split_once('|') {
            Some((first, _)) => &first[1..],
            None if w == "<right>" => "assign_work",
            None => "x",
        }));
        builds_a_declared_operation(def, &line);
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
    assert_eq!(e.usage().len(), 5);
    let e = parse_line(&["channel", "add", "ops"]).unwrap_err();
    assert_eq!(e.usage(), ["btmsg channel add <channel> <agent>"]);
    // An unknown command has no usage of its own to show.
    assert!(parse_line(&["sned"]).unwrap_err().usage().is_empty());
}
