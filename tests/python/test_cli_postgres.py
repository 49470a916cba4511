"""btmsg and bttask on a PostgreSQL URL, as a newcomer would use them: `--db URL` or
`AGOR_DB=URL`, the same commands and output; and the failures a server adds (refused
credentials, an unreachable server, another application's schema, a newer agor's schema)
each one clear error line, nothing changed."""

from __future__ import annotations

import re
import subprocess

from cli_runner import Cli


def psql(url: str, sql: str) -> str:
    return subprocess.run(
        ["psql", url, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql],
        check=True, capture_output=True, text=True,
    ).stdout.strip()


def test_a_team_works_on_a_postgresql_url(btmsg_cmd, bttask_cmd, pg_db, tmp_path):
    btmsg = Cli("btmsg", btmsg_cmd, pg_db, tmp_path)
    bttask = Cli("bttask", bttask_cmd, pg_db, tmp_path)
    btmsg.ok("register", "mgr-1", "Manager", "manager", "core")
    btmsg.ok("register", "dev-1", "Dev One", "project", "core")
    btmsg.ok("allow", "mgr-1", "dev-1", "-b")
    btmsg.ok("send", "dev-1", "the parser is yours", agent="mgr-1")
    assert "the parser is yours" in btmsg.ok("inbox", agent="dev-1")
    task = bttask.json("add", "parser", agent="mgr-1")
    claim = bttask.json("claim", agent="dev-1")
    assert claim["task"]["id"] == task["id"]
    done = bttask.json(
        "complete", "--id", task["id"], "--token", claim["token"], "--summary", "merged",
        agent="dev-1",
    )
    assert done["status"] == "done"
    # AGOR_DB holding the URL reaches the same database, with no --db.
    board = bttask.json("board", agent="mgr-1", db=False, env={"AGOR_DB": pg_db})
    done_column = next(c for c in board if c["status"] == "done")
    assert [t["id"] for t in done_column["tasks"]] == [task["id"]]
    # The rows are in the server, where other machines' agents read them.
    assert psql(pg_db, "SELECT count(*) FROM messages") == "1"


def test_refused_credentials_and_unreachable_servers_are_one_clear_line(btmsg_cmd, pg_db, tmp_path):
    wrong = re.sub(r"://([^:]+):[^@]*@", r"://\1:not-the-password@", pg_db)
    assert wrong != pg_db
    line = Cli("btmsg", btmsg_cmd, wrong, tmp_path).fails(1, "graph")
    assert "refused the credentials" in line and "not-the-password" not in line
    gone = Cli("btmsg", btmsg_cmd, "postgresql://agor@/agor?host=/nonexistent-socket-dir", tmp_path)
    assert "cannot be reached" in gone.fails(1, "graph")


def test_another_applications_schema_is_refused_untouched(btmsg_cmd, pg_db, tmp_path):
    psql(pg_db, "CREATE TABLE invoices (id BIGINT PRIMARY KEY); INSERT INTO invoices VALUES (7)")
    line = Cli("btmsg", btmsg_cmd, pg_db, tmp_path).fails(1, "register", "a", "A", "project", "g")
    assert "not an agor database" in line and "invoices" in line
    tables = psql(pg_db, "SELECT string_agg(table_name, ',') FROM information_schema.tables "
                         "WHERE table_schema = current_schema()")
    assert tables == "invoices"


def test_a_newer_agors_schema_is_refused(btmsg_cmd, pg_db, tmp_path):
    cli = Cli("btmsg", btmsg_cmd, pg_db, tmp_path)
    cli.ok("register", "mgr-1", "Manager", "manager", "core")
    psql(pg_db, "UPDATE agor_meta SET value = '999' WHERE key = 'schema_version'")
    line = cli.fails(1, "graph")
    assert "newer agor" in line and "999" in line
    assert psql(pg_db, "SELECT value FROM agor_meta WHERE key = 'schema_version'") == "999"
