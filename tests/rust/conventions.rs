//! The conventions that hold on every surface, through the public Rust API: one meaning per
//! number (limits and lease lengths), a cap on every text field, one notion of blank text.

mod common;

use agor_core::{
    Completion, ErrorKind, NewAgent, NewTask, MAX_ARTIFACTS, MAX_ARTIFACT_BYTES, MAX_CONTENT_BYTES,
    MAX_CWD_BYTES, MAX_DEFINITION_OF_DONE_BYTES, MAX_DESCRIPTION_BYTES, MAX_LEASE_SECS, MAX_LIMIT,
    MAX_MODEL_BYTES, MAX_NAME_BYTES, MAX_NEXT_BYTES, MAX_RESULT_REF_BYTES, MAX_SESSION_ID_BYTES,
    MAX_SUMMARY_BYTES, MAX_TAGS, MAX_TITLE_BYTES,
};

fn invalid<T: std::fmt::Debug>(r: agor_core::Result<T>, what: &str) -> String {
    let e = r.expect_err(what);
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{what}: {e}");
    e.to_string()
}

#[test]
fn limits_are_one_to_max_on_every_list_call() {
    let t = common::team();
    let admin = t.store.as_agent("admin").unwrap();
    let mgr = t.store.as_agent("mgr").unwrap();
    mgr.send("dev1", "hello").unwrap();
    mgr.create_channel("general").unwrap();
    // 0 used to mean "none" (an empty list) here and "all" in C.
    for n in [0, MAX_LIMIT + 1, u32::MAX] {
        for (what, r) in [
            ("inbox", mgr.inbox(false, Some(n)).map(drop)),
            ("inbox all", mgr.inbox(true, Some(n)).map(drop)),
            ("history", mgr.history("dev1", n).map(drop)),
            ("feed", admin.feed(None, n).map(drop)),
            ("channel", mgr.channel_history("general", n).map(drop)),
            ("audit", t.store.audit_log(None, n).map(drop)),
        ] {
            let text = invalid(r, what);
            assert_eq!(
                text,
                format!("invalid limit: must be between 1 and {MAX_LIMIT}, not {n}"),
                "{what}"
            );
        }
    }
    assert_eq!(mgr.history("dev1", 1).unwrap().len(), 1);
    assert_eq!(mgr.history("dev1", MAX_LIMIT).unwrap().len(), 1);
    assert_eq!(t.store.audit_log(None, 1).unwrap().len(), 1);
}

#[test]
fn lease_lengths_are_one_to_max() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let dev = t.store.as_agent("dev1").unwrap();
    let task = mgr.create_task(&NewTask::new("lease me")).unwrap();
    for secs in [0, MAX_LEASE_SECS + 1, u32::MAX] {
        let text = invalid(dev.claim_task(Some(&task.id), secs), "claim");
        assert!(
            text.starts_with("invalid lease: must be between 1 and"),
            "{text}"
        );
    }
    let claim = dev
        .claim_task(Some(&task.id), MAX_LEASE_SECS)
        .unwrap()
        .unwrap();
    invalid(dev.renew_lease(&task.id, &claim.token, 0), "renew 0");
    dev.renew_lease(&task.id, &claim.token, 1).unwrap();
}

/// A string of exactly `n` bytes.
fn bytes(n: usize) -> String {
    "x".repeat(n)
}

#[test]
fn every_text_field_has_a_cap() {
    let t = common::team();
    let s = &t.store;
    let mgr = s.as_agent("mgr").unwrap();

    // Agent fields: (field, cap, builder).
    type AgentCase = (&'static str, usize, fn(&mut NewAgent, String));
    let agent_cases: [AgentCase; 3] = [
        ("name", MAX_NAME_BYTES, |a, v| a.name = v),
        ("model", MAX_MODEL_BYTES, |a, v| a.model = Some(v)),
        ("cwd", MAX_CWD_BYTES, |a, v| a.cwd = Some(v)),
    ];
    for (field, max, set) in agent_cases {
        for (n, ok) in [
            (max - 1, true),
            (max, true),
            (max + 1, false),
            (5 << 20, false),
        ] {
            let mut a = NewAgent::new("capped", "Capped", "project", "core");
            set(&mut a, bytes(n));
            match s.register_agent(&a) {
                Ok(_) => assert!(ok, "{field} of {n} bytes accepted"),
                Err(e) => {
                    assert!(!ok, "{field} of {n} bytes refused: {e}");
                    assert!(e.to_string().contains(field), "{e}");
                }
            }
        }
    }

    // Task fields.
    type TaskCase = (&'static str, usize, fn(&mut NewTask, String));
    let task_cases: [TaskCase; 3] = [
        ("title", MAX_TITLE_BYTES, |t, v| t.title = v),
        ("description", MAX_DESCRIPTION_BYTES, |t, v| {
            t.description = v
        }),
        (
            "definition of done",
            MAX_DEFINITION_OF_DONE_BYTES,
            |t, v| t.definition_of_done = Some(v),
        ),
    ];
    for (field, max, set) in task_cases {
        for (n, ok) in [(max - 1, true), (max, true), (max + 1, false)] {
            let mut task = NewTask::new("t");
            set(&mut task, bytes(n));
            assert_eq!(mgr.create_task(&task).is_ok(), ok, "{field} of {n} bytes");
        }
    }
    for (n, ok) in [
        (MAX_TAGS - 1, true),
        (MAX_TAGS, true),
        (MAX_TAGS + 1, false),
        (10_000, false),
    ] {
        let mut task = NewTask::new("tagged");
        task.tags = (0..n).map(|i| format!("t{i}")).collect();
        assert_eq!(mgr.create_task(&task).is_ok(), ok, "{n} tags");
    }

    // Completion fields: every case is checked before the lease, so a bogus token will do
    // for the refusals; the accepted ones need a real claim.
    type DoneCase = (&'static str, usize, fn(&mut Completion, String));
    let done_cases: [DoneCase; 4] = [
        ("summary", MAX_SUMMARY_BYTES, |c, v| c.summary = v),
        ("artifact", MAX_ARTIFACT_BYTES, |c, v| c.artifacts = vec![v]),
        ("result_ref", MAX_RESULT_REF_BYTES, |c, v| {
            c.result_ref = Some(v)
        }),
        ("next", MAX_NEXT_BYTES, |c, v| c.next = Some(v)),
    ];
    let dev = s.as_agent("dev1").unwrap();
    for (field, max, set) in done_cases {
        for (n, ok) in [(max - 1, true), (max, true), (max + 1, false)] {
            let task = mgr.create_task(&NewTask::new("to finish")).unwrap();
            let claim = dev.claim_task(Some(&task.id), 60).unwrap().unwrap();
            let mut c = Completion {
                summary: "done".into(),
                ..Default::default()
            };
            set(&mut c, bytes(n));
            let r = dev.complete_task(&task.id, &claim.token, &c, false);
            assert_eq!(r.is_ok(), ok, "{field} of {n} bytes: {r:?}");
        }
    }
    for (n, ok) in [(MAX_ARTIFACTS, true), (MAX_ARTIFACTS + 1, false)] {
        let task = mgr.create_task(&NewTask::new("many artifacts")).unwrap();
        let claim = dev.claim_task(Some(&task.id), 60).unwrap().unwrap();
        let c = Completion {
            summary: "done".into(),
            artifacts: (0..n).map(|i| format!("file:{i}")).collect(),
            ..Default::default()
        };
        let r = dev.complete_task(&task.id, &claim.token, &c, false);
        assert_eq!(r.is_ok(), ok, "{n} artifacts");
    }

    // Bodies and session ids.
    let msg = mgr.send("dev1", &bytes(MAX_CONTENT_BYTES)).unwrap();
    invalid(
        mgr.send("dev1", &bytes(MAX_CONTENT_BYTES + 1)),
        "body over the cap",
    );
    dev.ack(&msg.id, &bytes(MAX_SESSION_ID_BYTES)).unwrap();
    invalid(
        dev.ack(&msg.id, &bytes(MAX_SESSION_ID_BYTES + 1)),
        "session id",
    );
    // Names used only as filters are capped too: they reach the audit log.
    invalid(mgr.send_to_role(&bytes(5 << 20), "hi"), "role filter");
    invalid(mgr.send_to_pattern(&bytes(5 << 20), "hi"), "pattern");
}

#[test]
fn invisible_only_text_is_blank_everywhere() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    mgr.create_channel("general").unwrap();
    let task = mgr.create_task(&NewTask::new("real")).unwrap();
    for blank in [
        "\0",
        "\0\0",
        "\u{200B}",
        "\u{200C}\u{200D}",
        "\u{2060}",
        "\u{FEFF}",
        " \u{200B}\n",
    ] {
        invalid(mgr.send("dev1", blank), "send");
        invalid(mgr.post("general", blank), "post");
        invalid(mgr.comment(&task.id, blank), "comment");
        invalid(mgr.broadcast(blank), "broadcast");
        invalid(mgr.create_task(&NewTask::new(blank)), "title");
        invalid(
            t.store
                .register_agent(&NewAgent::new("blank-name", blank, "project", "core")),
            "name",
        );
    }
    assert_eq!(t.store.as_agent("dev1").unwrap().unread_count().unwrap(), 0);
}
