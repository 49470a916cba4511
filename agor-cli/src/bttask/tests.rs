//! Parser tests of `bttask`: every command in its legacy positional and its flag form, global
//! options, and the usage errors a caller can make. Each command line is checked by the
//! catalogue request it builds (as JSON).

use super::*;
use crate::help::help as help_of;

crate::args::parser_test_helpers!("bttask");

fn help(topic: Option<&str>) -> Result<String, UsageError> {
    help_of(&PROGRAM, topic)
}

#[test]
fn list_and_board() {
    assert_eq!(
        req(&["list"]),
        json!({"op": "list_tasks", "all": false, "status": null, "tag": null, "group": null})
    );
    assert_eq!(
        same(&[
            &["list", "--all", "--status", "in-progress"],
            &["list", "-a", "--status=progress"],
        ]),
        json!({"op": "list_tasks", "all": true, "status": "in_progress", "tag": null, "group": null})
    );
    assert!(err(&["list", "--status", "doing"]).contains("unknown task status 'doing'"));
    assert_eq!(req(&["board"]), json!({"op": "board", "group": null}));
    // Issue 21 item 1: the operator's board of one group.
    assert_eq!(
        req(&["board", "--group", "core"]),
        json!({"op": "board", "group": "core"})
    );
    assert_eq!(who(&["board", "--group", "core"]), Who::Either);
    assert_eq!(req(&["ready"]), json!({"op": "ready_tasks"}));
    assert!(err(&["board", "extra"]).contains("unexpected argument 'extra'"));
}

#[test]
fn add_both_syntaxes() {
    let r = same(&[
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
    assert_eq!(
        r,
        json!({"op": "create_task", "title": "fix the parser", "description": "it drops",
               "priority": "high", "assign_to": null, "parent": null, "tags": [],
               "definition_of_done": null, "status": null, "approval": false,
               "requires": null, "max_attempts": null})
    );
    let r = req(&[
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
    ]);
    assert_eq!(r["assign_to"], json!("dev-1"));
    assert_eq!(r["parent"], json!("ab12"));
    assert_eq!(r["tags"], json!(["x", "y"]));
    assert_eq!(r["status"], json!("backlog"));
    // No priority: the catalogue's default (medium) applies.
    assert_eq!(r["priority"], json!(null));

    assert_eq!(err(&["add"]), "missing task title");
    assert!(err(&["add", "t", "--priority", "urgent"]).contains("unknown priority 'urgent'"));
    assert!(err(&["add", "t", "--desc", "a", "--description", "b"]).contains("give one"));
}

#[test]
fn status_both_syntaxes() {
    assert_eq!(
        req(&["status", "ab12", "done"]),
        json!({"op": "set_task_status", "task_id": "ab12", "status": "done", "expected_version": null})
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
        json!({"op": "set_task_status", "task_id": "ab12", "status": "review", "expected_version": 4})
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
        json!({"op": "assign_task", "task_id": "ab12", "agent_id": "dev-1"})
    );
    assert_eq!(
        same(&[
            &["comment", "ab12", "looks", "good"],
            &["comment", "--id", "ab12", "--content", "looks good"],
            &["comment", "ab12", "--", "looks", "good"],
        ]),
        json!({"op": "comment", "task_id": "ab12", "content": "looks good"})
    );
    assert_eq!(err(&["comment", "ab12"]), "missing comment text");
    assert_eq!(
        same(&[&["show", "ab12"], &["show", "--id=ab12"]]),
        json!({"op": "get_task", "task_id": "ab12"})
    );
    assert_eq!(
        same(&[&["delete", "ab12"], &["delete", "--id", "ab12"]]),
        json!({"op": "delete_task", "task_id": "ab12"})
    );
    assert_eq!(err(&["delete"]), "missing task id");
}

#[test]
fn claim_renew_release_complete() {
    assert_eq!(
        req(&["claim"]),
        json!({"op": "claim_task", "task_id": null, "lease_secs": null, "wait_secs": null})
    );
    // issue 21 item 3: a claim that waits for work.
    assert_eq!(
        req(&["claim", "--wait", "2.5"]),
        json!({"op": "claim_task", "task_id": null, "lease_secs": null, "wait_secs": 2.5})
    );
    assert!(err(&["claim", "--wait", "-1"]).contains("wait"));
    assert_eq!(
        same(&[
            &["claim", "--id", "ab12", "--lease", "60"],
            &["claim", "ab12", "--lease=60"],
        ]),
        json!({"op": "claim_task", "task_id": "ab12", "lease_secs": 60, "wait_secs": null})
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
        json!({"op": "renew_lease", "task_id": "ab12", "token": "k1", "lease_secs": 30})
    );
    assert_eq!(
        same(&[
            &["release", "--id", "ab12", "--token", "k1"],
            &["release", "ab12", "k1"],
        ]),
        json!({"op": "release_task", "task_id": "ab12", "token": "k1", "error": null})
    );
    assert!(err(&["release", "ab12"]).contains("missing lease token"));
    let r = same(&[
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
        r,
        json!({"op": "complete_task", "task_id": "ab12", "token": "k1",
               "summary": "parser fixed", "artifacts": ["file:src/parse.rs", "msg:77"],
               "result_ref": "commit:abc", "next": "add tests", "review": true})
    );
    assert!(err(&["complete", "--id", "ab12", "--token", "k1"]).contains("missing summary"));
}

#[test]
fn review_count_needs_no_agent_with_a_group() {
    let line = ["review-count", "--group", "core"];
    assert_eq!(
        req(&line),
        json!({"op": "review_queue_count", "group": "core"})
    );
    assert_eq!(who(&line), Who::Operator);
    assert_eq!(who(&["review-count"]), Who::Agent);
    assert_eq!(who(&["ready"]), Who::Agent);
}

#[test]
fn global_options_anywhere() {
    global_options_around("board", json!({"op": "board", "group": null}));
    assert!(err(&["board", "--version", "3"]).contains("unknown option '--version'"));
}

#[test]
fn help_version_and_unknown_commands() {
    assert_eq!(topic(&["--help"]), Some(None));
    assert_eq!(topic(&["help"]), Some(None));
    assert_eq!(topic(&["help", "claim"]), Some(Some("claim".into())));
    assert_eq!(topic(&["create", "-h"]), Some(Some("add".into())));
    assert_eq!(topic(&["status", "--help"]), Some(Some("status".into())));
    assert!(matches!(
        parse_line(&["-V"]).unwrap().command,
        Command::Version
    ));
    assert_eq!(err(&[]), "missing command; run `bttask --help`");
    assert!(err(&["frob"]).contains("unknown command 'frob'"));
    assert!(err(&["import", "/no/such/tasks.toml"]).contains("cannot read /no/such/tasks.toml"));
    assert_eq!(req(&["export"]), json!({"op": "export_tasks"}));
}

#[test]
fn help_texts_cover_the_table() {
    let all = help(None).unwrap();
    for def in COMMANDS {
        for line in def.usage_lines() {
            assert!(all.contains(line), "{line} missing from help");
        }
        assert!(help(Some(def.name)).unwrap().contains(def.about));
    }
    assert!(all.contains("import <file>") && all.contains("export [<file>]"));
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
        for word in def.usage_lines()[0].split(' ').skip(1) {
            let is_value = !word.is_empty() && word.chars().all(|c| c.is_ascii_uppercase());
            if word == "<state>" {
                line.push("done");
            } else if word == "yes|no" {
                line.push("yes");
            } else if word == "<file>" {
                // `import` reads its file while the line is parsed.
                line.push(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"));
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
        builds_a_declared_operation(def, &line);
    }
}

#[test]
fn depend_both_syntaxes() {
    assert_eq!(
        same(&[
            &["depend", "t1", "t0"],
            &["depend", "--id", "t1", "--on", "t0"],
        ]),
        json!({"op": "add_dependency", "task_id": "t1", "depends_on": "t0"})
    );
    assert_eq!(
        req(&["depend", "t1", "t0", "--remove"]),
        json!({"op": "remove_dependency", "task_id": "t1", "depends_on": "t0"})
    );
    // Issue 21 item 4.2: says which task is missing, not `missing task it depends on`.
    assert!(err(&["depend", "t1"]).contains("missing the task that t1 should wait for"));
}

#[test]
fn mistyped_words_get_a_suggestion() {
    assert_eq!(
        err(&["clam"]),
        "unknown command 'clam'; did you mean 'claim'?"
    );
    assert!(err(&["craete", "x"]).contains("did you mean 'create'?"));
    assert!(err(&["claim", "--leas", "5"]).contains("did you mean '--lease'?"));
    assert!(err(&["zzz"]).contains("run `bttask --help`"));
    assert!(help(Some("clam"))
        .unwrap_err()
        .0
        .contains("did you mean 'claim'?"));
}

#[test]
fn usage_errors_of_a_known_command_carry_its_usage_lines() {
    let e = parse_line(&["assign", "t1"]).unwrap_err();
    assert_eq!(e.0, "missing agent id");
    assert_eq!(
        e.usage(),
        [
            "bttask assign <task> <agent>",
            "bttask assign --id TASK --agent AGENT"
        ]
    );
    assert!(parse_line(&["clam"]).unwrap_err().usage().is_empty());
}

#[test]
fn paths_on_add_and_edit_and_blocked() {
    let r = req(&["add", "parser", "--paths", "src/**", "--paths=docs/*.md"]);
    assert_eq!(r["paths"], json!(["src/**", "docs/*.md"]));
    // Without --paths the request stays as it was (no empty list).
    assert!(req(&["add", "parser"]).get("paths").is_none());
    let r = req(&["edit", "ab12", "--version", "3", "--paths", "lib/*"]);
    assert_eq!(r["paths"], json!(["lib/*"]));
    let r = req(&["edit", "ab12", "--version", "3", "--no-paths"]);
    assert_eq!(r["paths"], json!([]));
    assert!(req(&["edit", "ab12", "--version", "3", "--title", "t"])
        .get("paths")
        .is_none());
    assert!(err(&[
        "edit",
        "ab12",
        "--version",
        "3",
        "--no-paths",
        "--paths",
        "x"
    ])
    .contains("not both"));
    assert_eq!(
        req(&["blocked"]),
        json!({"op": "claim_blockers", "task_id": null})
    );
    assert_eq!(
        same(&[&["blocked", "ab12"], &["blocked", "--id", "ab12"]]),
        json!({"op": "claim_blockers", "task_id": "ab12"})
    );
}

#[test]
fn batches() {
    assert_eq!(
        same(&[&["claim", "--count", "10"], &["claim", "--count=10"]]),
        json!({"op": "claim_tasks", "count": 10, "lease_secs": null})
    );
    assert_eq!(
        req(&["claim", "--count", "3", "--lease", "60"]),
        json!({"op": "claim_tasks", "count": 3, "lease_secs": 60})
    );
    assert_eq!(
        err(&["claim", "--count", "0"]),
        "invalid count: must be between 1 and 1000, not 0"
    );
    assert!(err(&["claim", "--count", "2", "--wait", "1"]).contains("--count"));
    assert!(err(&["claim", "ab12", "--count", "2"]).contains("unexpected argument 'ab12'"));
    assert_eq!(
        req(&["done-many", "t1", "k1", "t2", "k2", "--summary", "merged"]),
        json!({"op": "complete_tasks", "claims": [
            {"task_id": "t1", "token": "k1", "summary": "merged"},
            {"task_id": "t2", "token": "k2", "summary": "merged"},
        ]})
    );
    assert_eq!(
        req(&["done-many", "t1", "k1"]),
        json!({"op": "complete_tasks", "claims": [{"task_id": "t1", "token": "k1", "summary": null}]})
    );
    assert_eq!(err(&["done-many", "t1"]), "missing the token of task t1");
    assert_eq!(err(&["done-many"]), "missing task id and token");
    // add-many: a title per line, or a JSON object of add's fields; blank lines skipped.
    let file = std::env::temp_dir().join(format!("bttask-add-many-{}.txt", std::process::id()));
    std::fs::write(
        &file,
        "fix the parser\n\n{\"title\": \"urgent\", \"priority\": \"high\", \"tags\": [\"a\"]}\n",
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let r = same(&[&["add-many", path], &["add-many", "--file", path]]);
    assert_eq!(r["op"], "create_tasks");
    let tasks = r["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 2);
    assert_eq!(
        (tasks[0]["title"].as_str(), tasks[0]["priority"].as_str()),
        (Some("fix the parser"), None)
    );
    assert_eq!(
        (tasks[1]["title"].as_str(), tasks[1]["priority"].as_str()),
        (Some("urgent"), Some("high"))
    );
    std::fs::write(&file, "ok\n{\"title\": \"x\", \"colour\": 1}\n").unwrap();
    assert!(err(&["add-many", path]).starts_with("line 2: unknown field `colour`"));
    std::fs::write(&file, "\n\n").unwrap();
    assert_eq!(err(&["add-many", path]), "no tasks given (one per line)");
    std::fs::remove_file(&file).unwrap();
}
