//! Parser tests of `bttask`: every command in its legacy positional and its flag form, global
//! options, and the usage errors a caller can make.

use super::*;

crate::args::parser_test_helpers!("bttask");

#[test]
fn list_and_board() {
    assert_eq!(cmd(&["list"]), Command::List(TaskFilter::default()));
    assert_eq!(
        same(&[
            &["list", "--all", "--status", "in-progress"],
            &["list", "-a", "--status=progress"],
        ]),
        Command::List(TaskFilter {
            all: true,
            status: Some(TaskStatus::InProgress),
            tag: None,
        })
    );
    assert!(err(&["list", "--status", "doing"]).contains("unknown task status 'doing'"));
    assert_eq!(cmd(&["board"]), Command::Board);
    assert_eq!(cmd(&["ready"]), Command::Ready);
    assert!(err(&["board", "extra"]).contains("unexpected argument 'extra'"));
}

#[test]
fn add_both_syntaxes() {
    let c = same(&[
        &[
            "add",
            "fix",
            "the",
            "parser",
            "--desc",
            "it drops",
            "--priority",
            "high",
        ],
        &[
            "create",
            "--title",
            "fix the parser",
            "--priority",
            "high",
            "--description",
            "it drops",
        ],
        &[
            "add",
            "--priority=HIGH",
            "fix the parser",
            "--desc=it drops",
        ],
    ]);
    let Command::Add(t) = c else { panic!("{c:?}") };
    assert_eq!(t.title, "fix the parser");
    assert_eq!(t.description, "it drops");
    assert_eq!(t.priority, Priority::High);
    assert_eq!(t.status, TaskStatus::Todo);
    assert_eq!((t.assign_to, t.parent), (None, None));

    let Command::Add(t) = cmd(&[
        "add",
        "sub",
        "--assign",
        "dev-1",
        "--parent",
        "ab12",
        "--tag",
        "x",
        "--tag",
        "y",
        "--backlog",
    ]) else {
        panic!()
    };
    assert_eq!(t.assign_to.as_deref(), Some("dev-1"));
    assert_eq!(t.parent.as_deref(), Some("ab12"));
    assert_eq!(t.tags, ["x", "y"]);
    assert_eq!(t.status, TaskStatus::Backlog);
    assert_eq!(t.priority, Priority::Medium);

    assert_eq!(err(&["add"]), "missing task title");
    assert!(err(&["add", "t", "--priority", "urgent"]).contains("unknown priority 'urgent'"));
    assert!(err(&["add", "t", "--desc", "a", "--description", "b"]).contains("give one"));
}

#[test]
fn status_both_syntaxes() {
    assert_eq!(
        cmd(&["status", "ab12", "done"]),
        Command::Status {
            task: "ab12".into(),
            status: TaskStatus::Done,
            version: None,
        }
    );
    assert_eq!(
        same(&[
            &[
                "status",
                "--id",
                "ab12",
                "--status",
                "review",
                "--version",
                "4"
            ],
            &["status", "ab12", "review", "--version=4"],
            &[
                "--json",
                "status",
                "--version",
                "4",
                "--status",
                "review",
                "ab12"
            ],
        ]),
        Command::Status {
            task: "ab12".into(),
            status: TaskStatus::Review,
            version: Some(4),
        }
    );
    assert!(err(&["status", "ab12"]).contains("missing status"));
    assert!(err(&["status", "ab12", "later"]).contains("unknown task status"));
    assert!(err(&["status", "ab12", "done", "--version", "x"]).contains("task version"));
    // Before the command word, --version is the program's version, not the task's.
    assert!(err(&["--version", "status", "ab12", "done"]).contains("after the command"));
}

#[test]
fn assign_comment_show_delete() {
    assert_eq!(
        same(&[
            &["assign", "ab12", "dev-1"],
            &["assign", "--id", "ab12", "--agent", "dev-1"],
            &["assign", "--task", "ab12", "--to", "dev-1"],
        ]),
        Command::Assign {
            task: "ab12".into(),
            agent: "dev-1".into(),
        }
    );
    assert_eq!(
        same(&[
            &["comment", "ab12", "looks", "good"],
            &["comment", "--id", "ab12", "--content", "looks good"],
            &["comment", "ab12", "--", "looks", "good"],
        ]),
        Command::Comment {
            task: "ab12".into(),
            content: "looks good".into(),
        }
    );
    assert_eq!(err(&["comment", "ab12"]), "missing comment text");
    assert_eq!(
        same(&[&["show", "ab12"], &["show", "--id=ab12"]]),
        Command::Show {
            task: "ab12".into()
        }
    );
    assert_eq!(
        same(&[&["delete", "ab12"], &["delete", "--id", "ab12"]]),
        Command::Delete {
            task: "ab12".into()
        }
    );
    assert_eq!(err(&["delete"]), "missing task id");
}

#[test]
fn claim_renew_release_complete() {
    assert_eq!(
        cmd(&["claim"]),
        Command::Claim {
            task: None,
            lease: DEFAULT_LEASE_SECS,
        }
    );
    assert_eq!(
        same(&[
            &["claim", "--id", "ab12", "--lease", "60"],
            &["claim", "ab12", "--lease=60"],
        ]),
        Command::Claim {
            task: Some("ab12".into()),
            lease: 60,
        }
    );
    // The library's one rule and wording: 0 is not "default", -5 not "huge".
    for bad in ["0", "-5", "86401", "4294967296", &"9".repeat(40)] {
        for cmd in [&["claim"][..], &["renew", "ab12", "k1"]] {
            let args: Vec<&str> = cmd.iter().copied().chain(["--lease", bad]).collect();
            assert_eq!(
                err(&args),
                format!("invalid lease: must be between 1 and 86400, not {bad}"),
                "{args:?}"
            );
        }
    }
    assert!(err(&["claim", "--lease", "1.5"]).contains("whole number"));
    assert_eq!(
        same(&[
            &["renew", "--id", "ab12", "--token", "k1", "--lease", "30"],
            &["renew", "ab12", "k1", "--lease", "30"],
        ]),
        Command::Renew {
            task: "ab12".into(),
            token: "k1".into(),
            lease: 30,
        }
    );
    assert_eq!(
        same(&[
            &["release", "--id", "ab12", "--token", "k1"],
            &["release", "ab12", "k1"],
        ]),
        Command::Release {
            task: "ab12".into(),
            token: "k1".into(),
        }
    );
    assert!(err(&["release", "ab12"]).contains("missing lease token"));
    let c = same(&[
        &[
            "complete",
            "--id",
            "ab12",
            "--token",
            "k1",
            "--summary",
            "parser fixed",
            "--artifact",
            "file:src/parse.rs",
            "--artifact",
            "msg:77",
            "--result-ref",
            "commit:abc",
            "--next",
            "add tests",
            "--review",
        ],
        &[
            "complete",
            "ab12",
            "k1",
            "parser",
            "fixed",
            "--review",
            "--artifact=file:src/parse.rs",
            "--next",
            "add tests",
            "--artifact",
            "msg:77",
            "--result-ref",
            "commit:abc",
        ],
    ]);
    assert_eq!(
        c,
        Command::Complete {
            task: "ab12".into(),
            token: "k1".into(),
            completion: Completion {
                summary: "parser fixed".into(),
                artifacts: vec!["file:src/parse.rs".into(), "msg:77".into()],
                result_ref: Some("commit:abc".into()),
                next: Some("add tests".into()),
            },
            review: true,
        }
    );
    assert!(err(&["complete", "--id", "ab12", "--token", "k1"]).contains("missing summary"));
}

#[test]
fn review_count_needs_no_agent_with_a_group() {
    let c = cmd(&["review-count", "--group", "core"]);
    assert_eq!(
        c,
        Command::ReviewCount {
            group: Some("core".into())
        }
    );
    assert!(!c.needs_actor());
    assert!(Command::ReviewCount { group: None }.needs_actor());
    assert!(Command::Ready.needs_actor());
}

#[test]
fn global_options_anywhere() {
    for line in [
        &["--db", "/tmp/x.db", "--json", "board"][..],
        &["board", "--db", "/tmp/x.db", "--json"],
        &["--json", "board", "--db=/tmp/x.db"],
    ] {
        let inv = parse_line(line).unwrap();
        assert_eq!(inv.db.as_deref(), Some(std::path::Path::new("/tmp/x.db")));
        assert!(inv.json);
        assert_eq!(inv.command, Command::Board);
    }
    assert!(err(&["--db", "", "board"]).contains("must not be empty"));
    assert!(err(&["board", "--version", "3"]).contains("unknown option '--version'"));
}

#[test]
fn help_version_and_unknown_commands() {
    assert_eq!(cmd(&["--help"]), Command::Help(None));
    assert_eq!(cmd(&["help"]), Command::Help(None));
    assert_eq!(cmd(&["help", "claim"]), Command::Help(Some("claim".into())));
    assert_eq!(cmd(&["create", "-h"]), Command::Help(Some("add".into())));
    assert_eq!(
        cmd(&["status", "--help"]),
        Command::Help(Some("status".into()))
    );
    assert_eq!(cmd(&["-V"]), Command::Version);
    assert_eq!(err(&[]), "missing command; run `bttask --help`");
    assert!(err(&["frob"]).contains("unknown command 'frob'"));
    assert!(err(&["import", "tasks.toml"]).contains("not yet available"));
    assert!(err(&["export", "tasks.toml"]).contains("not yet available"));
}

#[test]
fn help_texts_cover_the_table() {
    let all = help(None).unwrap();
    for def in COMMANDS {
        for line in def.usage {
            assert!(all.contains(line), "{line} missing from help");
        }
        assert!(help(Some(def.name)).unwrap().contains(def.about));
    }
    assert!(all.contains("not yet available") || all.contains("Not yet available"));
    assert!(all.contains("import FILE"));
    assert!(help(Some("status")).unwrap().contains("last writer wins"));
    assert!(help(Some("ready"))
        .unwrap()
        .contains("every dependency done"));
    for code in [
        "0  ok",
        "2  usage",
        "3  version conflict",
        "4  permission",
        "5  not found",
    ] {
        assert!(all.contains(code), "exit code line '{code}' missing");
    }
    assert!(help(Some("nope")).is_err());
}

#[test]
fn every_table_entry_builds() {
    // The first usage line with its required positionals filled in must parse, and so must
    // the flag form's required options, so a table entry without a builder fails here.
    for def in COMMANDS {
        let mut line = vec![def.name];
        for word in def.usage[0].split(' ').skip(1) {
            let is_value = !word.is_empty() && word.chars().all(|c| c.is_ascii_uppercase());
            if word == "<state>" {
                line.push("done");
            } else if word.starts_with('<') {
                line.push("x");
            } else if word.starts_with("--") {
                line.push(word);
            } else if is_value {
                // The value of the preceding flag; statuses and numbers must be valid.
                line.push(match *line.last().unwrap() {
                    "--status" => "done",
                    "--version" | "--lease" => "1",
                    _ => "x",
                });
            }
        }
        parse_line(&line).unwrap_or_else(|e| panic!("{line:?}: {e}"));
    }
}

#[test]
fn depend_both_syntaxes() {
    let c = same(&[
        &["depend", "t1", "t0"],
        &["depend", "--id", "t1", "--on", "t0"],
    ]);
    assert_eq!(
        c,
        Command::Depend {
            task: "t1".into(),
            on: "t0".into(),
            remove: false
        }
    );
    assert!(matches!(
        cmd(&["depend", "t1", "t0", "--remove"]),
        Command::Depend { remove: true, .. }
    ));
    assert!(err(&["depend", "t1"]).contains("depends on"));
}
