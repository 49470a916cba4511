"""Identity over the shared surfaces (issue 19): a removed or purged agent's secret is refused
by the real `agor mcp --http` server (401), and `btmsg channels` shows a channel's latest post
only to agents that may read the channel."""

from __future__ import annotations

import json

import pytest

import agor
from cli_runner import Cli, command_under_test
from conftest import location
from test_mcp import http_server, post

INIT = json.dumps(
    {"jsonrpc": "2.0", "id": 1, "method": "initialize",
     "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                "clientInfo": {"name": "t", "version": "1"}}}
).encode()


# issue 19 item 7: on 6c22b7e a removed agent's secret still got 200 and a session.
def test_http_refuses_removed_and_purged_agents_secrets(store: agor.Store) -> None:
    dev1, dev2 = store.issue_token("dev-1"), store.issue_token("dev-2")
    with http_server(location(store)) as url:
        assert post(url, INIT, dev1)[0] == 200
        store.remove_agent("dev-1")
        status, body = post(url, INIT, dev1)
        assert status == 401 and body["error"]["kind"] == "unauthorized", body
        store.restore_agent("dev-1")
        assert post(url, INIT, dev1)[0] == 200
        store.purge_agent("dev-2", force=True)
        assert post(url, INIT, dev2)[0] == 401
        # Its id is a tombstone: nobody registers it again and inherits its secrets or mail.
        with pytest.raises(agor.InvalidInputError, match="purged"):
            store.register_agent("dev-2", "Newcomer", "project", "core")


# issue 19 item 17: on 6c22b7e both a developer and the reviewer saw the review queue's last
# notice in `btmsg channels`, though reading the channel is refused to them.
def test_btmsg_channels_shows_the_last_post_only_to_readers(tmp_path) -> None:
    cli = Cli("btmsg", command_under_test("btmsg", "AGOR_BTMSG"), tmp_path / "team.db", tmp_path)
    with agor.open(str(tmp_path / "team.db")) as s:
        for agent in (("mgr-1", "M", "manager", "core"), ("dev-1", "D", "project", "core"),
                      ("rev-1", "R", "reviewer", "core")):
            s.register_agent(*agent)
        task = s.as_agent("mgr-1").create_task("Review me")
        dev = s.as_agent("dev-1")
        claim = dev.claim_task(task.id)
        dev.complete_task(task.id, claim.token, "done", review=True)

    def queue(agent: str) -> dict:
        listed = {c["name"]: c for c in cli.json("channels", agent=agent)}
        return listed["review-queue"]

    for outsider in ("dev-1",):
        assert queue(outsider)["last_message"] is None, outsider
        assert "Review requested" not in cli.ok("channels", agent=outsider)
    assert "Review me" in queue("mgr-1")["last_message"]["content"]
    # issue 21 item 3: the group's reviewers are members of its review channels.
    assert "Review me" in queue("rev-1")["last_message"]["content"]
