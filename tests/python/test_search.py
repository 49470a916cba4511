"""Full-text search (SPEC §10) on both engines: what an agent finds is what it may read, rows
the legacy scripts wrote are found, deleted ones are not, the FTS5 query syntax works and a
malformed query is a clear error, accents and CJK are searchable."""

from __future__ import annotations

import re

import pytest

import agor
from conftest import sql_behind_api


def ids(hits: list) -> list[str]:
    return [h.id for h in hits]


@pytest.fixture
def board(store: agor.Store) -> agor.Store:
    mgr, dev1 = store.as_agent("mgr-1"), store.as_agent("dev-1")
    mgr.send("dev-1", "We decided the auth token format: JWT, 15-minute expiry.")
    mgr.send("dev-2", "Secret for dev-2 only: the auth token rotation plan.")
    dev1.send("mgr-1", "Understood, I will follow the token format.")
    task = mgr.create_task("Rotate the auth tokens", description="Token rotation every day")
    dev1.comment(task.id, "Rotation script drafted; the token rotates at midnight")
    ops = store.as_agent("ops-1")
    ops.create_task("Ops auth token audit", description="another group's token work")
    return store


def test_an_agent_finds_only_what_it_may_read(board: agor.Store) -> None:
    dev1 = board.as_agent("dev-1")
    hits = dev1.search("token")
    kinds = sorted(h.kind for h in hits)
    assert kinds == ["comment", "message", "message", "task"], [(h.kind, h.snippet) for h in hits]
    texts = " ".join(h.snippet for h in hits)
    assert "dev-2 only" not in texts and "Ops" not in texts  # another's DM, another group
    # ops-1 sees its own group's task, and none of core's DMs or tasks.
    ops = board.as_agent("ops-1").search("token")
    assert [(h.kind, "Ops" in h.snippet) for h in ops] == [("task", True)]
    # Tier 0 sees everything.
    assert len(board.as_agent("boss").search("token", limit=50)) == 6


def test_hits_carry_kind_snippet_rank_and_parent(board: agor.Store) -> None:
    dev1 = board.as_agent("dev-1")
    [comment] = dev1.search("midnight")
    task = dev1.list_tasks()[0]
    assert comment.kind == "comment" and comment.parent_id == task.id
    assert "**midnight**" in comment.snippet and comment.rank > 0
    assert comment.created_at[:2] == "20"
    ranked = dev1.search("token OR rotation", limit=10)
    assert [h.rank for h in ranked] == sorted((h.rank for h in ranked), reverse=True)
    assert len(dev1.search("token", limit=1)) == 1


def test_query_syntax(board: agor.Store) -> None:
    dev1 = board.as_agent("dev-1")
    assert {h.kind for h in dev1.search('"token format"')} == {"message"}
    assert len(dev1.search('"format token"')) == 0
    assert {h.kind for h in dev1.search("rot*")} == {"task", "comment"}
    assert {h.kind for h in dev1.search("token NOT rotation")} == {"message"}
    assert {h.kind for h in dev1.search("(jwt OR midnight) AND token")} == {"message", "comment"}
    assert {h.kind for h in dev1.search("token", kinds=["task", "comment"])} == {"task", "comment"}
    assert dev1.search("nothing-matches-this") == []


@pytest.mark.parametrize(
    "query, problem",
    [
        ("", "empty"),
        ('"unclosed phrase', "no closing quote"),
        ("(token OR jwt", "no matching )"),
        ("token)", "no matching ("),
        ("AND token", "AND needs a term before it"),
        ("token OR", "OR needs a term after it"),
        ("()", "holds no term"),
        ("***", "no letters or digits"),
    ],
)
def test_malformed_queries_are_invalid_input(board: agor.Store, query: str, problem: str) -> None:
    with pytest.raises(agor.InvalidInputError, match=re.escape(problem)):
        board.as_agent("dev-1").search(query)


# issue 19 item 1: a query nested 20,000 deep segfaulted the Python host, and long AND/OR
# chains came back as StorageError "fts5: parser stack overflow"; now each is InvalidInputError
# naming the bound it crossed, and the longest chain within the bounds runs.
@pytest.mark.parametrize(
    "query, bound",
    [
        ("(" * 20_000 + "token" + ")" * 20_000, "limit of 4096 bytes"),
        ("(" * 3_000 + "token" + ")" * 3_000, "limit of 4096 bytes"),
        ("(" * 17 + "token" + ")" * 17, "limit of 16"),
        (" OR ".join(["token"] * 65), "limit of 64"),
        (" AND ".join(["token"] * 100), "limit of 64"),
    ],
)
def test_deep_and_long_queries_are_invalid_input(board: agor.Store, query: str, bound: str) -> None:
    with pytest.raises(agor.InvalidInputError, match=re.escape(bound)):
        board.as_agent("dev-1").search(query)


def test_the_longest_queries_within_the_bounds_run(board: agor.Store) -> None:
    dev1 = board.as_agent("dev-1")
    assert dev1.search(" OR ".join(["token"] * 64))
    assert dev1.search(" AND ".join(["token"] * 64))
    assert dev1.search("(" * 16 + "token" + ")" * 16)


def test_bad_arguments(board: agor.Store) -> None:
    dev1 = board.as_agent("dev-1")
    with pytest.raises(agor.InvalidInputError, match="unknown search kind"):
        dev1.search("token", kinds=["email"])
    for bad in (0, -1, agor.MAX_LIMIT + 1):
        with pytest.raises(agor.InvalidInputError):
            dev1.search("token", limit=bad)
    with pytest.raises(agor.InvalidInputError):
        dev1.search("x" * 300_000)
    with pytest.raises(agor.NotFoundError):
        board.as_agent("ghost").search("token")
    # The operator (the lead's view, issue 21) searches every group, mail included: it owns
    # the file; `group` narrows it to one group's part.
    def ids(**group: str) -> set[str]:
        return {h["id"] for h in board.call({"op": "search", "query": "token", **group})}

    every, core, ops = ids(), ids(group="core"), ids(group="ops")
    assert core and ops and not core & ops and core | ops <= every, (every, core, ops)


def test_unicode_accents_and_cjk(store: agor.Store) -> None:
    mgr = store.as_agent("mgr-1")
    mgr.send("dev-1", "Réunion au café demain, naïve question")
    mgr.send("dev-1", "東京タワーで会いましょう")
    mgr.send("dev-1", "Встреча в понедельник")
    dev1 = store.as_agent("dev-1")
    assert len(dev1.search("cafe")) == 1 and len(dev1.search("CAFÉ")) == 1
    assert "**café**" in dev1.search("reunion cafe")[0].snippet
    [tokyo] = dev1.search("東京")
    assert "**東京**" in tokyo.snippet
    assert len(dev1.search("タワー")) == 1 and dev1.search("京都") == []
    assert len(dev1.search("понедельник")) == 1


def test_rows_written_behind_agor_are_found(store: agor.Store) -> None:
    # As the legacy scripts write: plain INSERTs, no trigger, no index of their own.
    sql_behind_api(
        store,
        "INSERT INTO messages (id, from_agent, to_agent, content, read, created_at) "
        "VALUES ('legacy-1', 'mgr-1', 'dev-1', 'legacy deployment checklist', 0, '2024-01-02 03:04:05')",
        "INSERT INTO tasks (id, title, description, status, priority, group_id, created_at, updated_at) "
        "VALUES ('legacy-t', 'Legacy deployment task', '', 'todo', 'medium', 'core', "
        "'2024-01-02 03:04:05', '2024-01-02 03:04:05')",
    )
    dev1 = store.as_agent("dev-1")
    assert sorted(ids(dev1.search("deployment"))) == ["legacy-1", "legacy-t"]
    # And again after more arrive.
    sql_behind_api(
        store,
        "INSERT INTO messages (id, from_agent, to_agent, content, read, created_at) "
        "VALUES ('legacy-2', 'mgr-1', 'dev-1', 'second deployment note', 0, '2024-01-02 03:04:06')",
    )
    assert sorted(ids(dev1.search("deployment"))) == ["legacy-1", "legacy-2", "legacy-t"]


def test_deleted_rows_disappear(board: agor.Store) -> None:
    dev1 = board.as_agent("dev-1")
    [jwt] = dev1.search("jwt")
    board.as_agent("mgr-1").delete_message(jwt.id)
    assert dev1.search("jwt") == []
    # Deleted behind agor's back too.
    [mine] = dev1.search("understood")
    sql_behind_api(board, f"DELETE FROM messages WHERE id = '{mine.id}'")
    assert dev1.search("understood") == []
    # A new message is found, not a stale document of the old one.
    board.as_agent("mgr-1").send("dev-1", "fresh words only")
    assert dev1.search("understood") == [] and len(dev1.search("fresh")) == 1


def test_search_is_in_the_catalogue(board: agor.Store) -> None:
    dev1 = board.as_agent("dev-1")
    res = dev1.call({"op": "search", "query": "jwt", "kinds": ["message"]})
    assert [h["kind"] for h in res] == ["message"] and "**JWT**" in res[0]["snippet"]
