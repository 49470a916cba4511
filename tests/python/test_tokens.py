"""Secrets for the MCP server's HTTP transport (SPEC §11): the operator issues them, agor keeps
only a hash, an agent cannot issue one for itself, revoking is by agent. Both engines."""

from __future__ import annotations

import pytest

import agor
from conftest import location, sql_behind_api


def test_issue_list_revoke(store: agor.Store) -> None:
    first = store.issue_token("dev-1")
    second = store.issue_token("dev-1")
    assert first != second and first.startswith("agor_") and len(first) == 69
    store.issue_token("ops-1")
    listed = store.tokens()
    assert [t.agent_id for t in listed] == ["dev-1", "dev-1", "ops-1"]
    assert all(len(t.fingerprint) == 12 for t in listed)
    # Only hashes reach the database: the secret is nowhere in it.
    rows = sql_behind_api(store, "SELECT hash FROM agor_tokens")
    assert rows and not any(first[5:] in str(r) or second[5:] in str(r) for r in rows)
    assert store.revoke_tokens("dev-1") == 2
    assert store.revoke_tokens("dev-1") == 0
    assert [t.agent_id for t in store.tokens()] == ["ops-1"]
    events = [e.event_type for e in store.audit_log(limit=5)]
    assert "token_issued" in events and "tokens_revoked" in events


def test_unknown_agent_and_agents_are_refused(store: agor.Store) -> None:
    with pytest.raises(agor.NotFoundError):
        store.issue_token("nobody")
    dev = store.as_agent("dev-1")
    # An agent (of this group or another) never mints secrets, for itself or anyone.
    for who in ("dev-1", "ops-1"):
        with pytest.raises(agor.PermissionDeniedError):
            store.as_agent(who).call({"op": "issue_token", "agent_id": who})
        with pytest.raises(agor.PermissionDeniedError):
            dev.call({"op": "tokens"})
    assert store.tokens() == []


def test_the_operations_are_in_the_catalogue(store: agor.Store) -> None:
    ops = {o["name"]: o for o in agor.operations()}
    for name in ("issue_token", "revoke_tokens", "tokens"):
        assert ops[name]["caller"] == "operator"
    assert location(store)
