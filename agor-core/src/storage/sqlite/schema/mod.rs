//! Numbered, append-only migrations tracked in `PRAGMA user_version`, and the check that a file
//! is ours (or the legacy scripts') before anything is written to it.

use rusqlite::Connection;

mod shape;

use crate::error::Result;

/// `PRAGMA application_id` of an agor database: the ASCII bytes "agor".
pub const APPLICATION_ID: i64 = 0x6167_6f72;

/// One step of the schema. Steps are never edited once released; new ones are appended.
struct Migration {
    version: i64,
    name: &'static str,
    apply: fn(&Connection) -> rusqlite::Result<()>,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "legacy baseline",
        apply: legacy_baseline,
    },
    Migration {
        version: 2,
        name: "agor indexes and dead-letter threads",
        apply: agor_additions,
    },
    Migration {
        version: 3,
        name: "task board: tags, leases, completion records",
        apply: task_board,
    },
    Migration {
        version: 4,
        name: "task dependencies",
        apply: |conn| conn.execute_batch(include_str!("0004_dependencies.sql")),
    },
    Migration {
        version: 5,
        name: "indexes for scan-free queries",
        apply: |conn| conn.execute_batch(include_str!("0005_query_indexes.sql")),
    },
    Migration {
        version: 6,
        name: "millisecond leases, legacy status spelling",
        apply: |conn| {
            ensure_column(conn, "tasks", "lease_expires_ms", "INTEGER")?;
            conn.execute_batch(include_str!("0006_leases_ms.sql"))
        },
    },
    Migration {
        version: 7,
        name: "the change feed",
        apply: |conn| conn.execute_batch(include_str!("0007_changes.sql")),
    },
    Migration {
        version: 8,
        name: "secrets for the MCP server",
        apply: |conn| conn.execute_batch(include_str!("0008_tokens.sql")),
    },
    Migration {
        version: 9,
        name: "full-text search",
        apply: |conn| conn.execute_batch(include_str!("0009_search.sql")),
    },
    Migration {
        version: 10,
        name: "file reservations",
        apply: |conn| conn.execute_batch(include_str!("0010_reservations.sql")),
    },
    Migration {
        version: 11,
        name: "usage and cost",
        apply: |conn| conn.execute_batch(include_str!("0011_usage.sql")),
    },
    Migration {
        version: 12,
        name: "work state",
        apply: |conn| conn.execute_batch(include_str!("0012_work_state.sql")),
    },
    Migration {
        version: 13,
        name: "archive, proposals and lanes",
        apply: |conn| conn.execute_batch(include_str!("0013_board.sql")),
    },
    Migration {
        version: 14,
        name: "removed agents",
        apply: |conn| conn.execute_batch(include_str!("0014_removed_agents.sql")),
    },
    Migration {
        version: 15,
        name: "roles as data",
        apply: |conn| conn.execute_batch(include_str!("0015_roles.sql")),
    },
    Migration {
        version: 16,
        name: "reserved agent ids, principal rows where agents are foreign keys",
        apply: reserved_ids,
    },
    Migration {
        version: 17,
        name: "status moves in the change feed",
        apply: |conn| conn.execute_batch(include_str!("0017_task_moves.sql")),
    },
    Migration {
        version: 18,
        name: "claims with their files",
        apply: |conn| conn.execute_batch(include_str!("0018_claim_paths.sql")),
    },
    Migration {
        version: 19,
        name: "importance, acknowledgements and approvals",
        apply: |conn| conn.execute_batch(include_str!("0019_attention.sql")),
    },
    Migration {
        version: 20,
        name: "requires, attempts, deferred work, settings",
        apply: |conn| conn.execute_batch(include_str!("0020_fit.sql")),
    },
    Migration {
        version: 21,
        name: "the lane index holds assigned tasks only",
        apply: |conn| conn.execute_batch(include_str!("0021_lean_lane.sql")),
    },
];

/// Columns migration 3 adds to `tasks`; all nullable, unknown to the legacy script.
const TASK_BOARD_COLUMNS: &[(&str, &str)] = &[
    ("definition_of_done", "TEXT"),
    ("lease_token", "TEXT"),
    ("lease_expires_at", "INTEGER"),
    ("summary", "TEXT"),
    ("artifacts", "TEXT"),
    ("result_ref", "TEXT"),
    ("next_step", "TEXT"),
];

fn task_board(conn: &Connection) -> rusqlite::Result<()> {
    for (column, decl) in TASK_BOARD_COLUMNS {
        ensure_column(conn, "tasks", column, decl)?;
    }
    conn.execute_batch(include_str!("0003_tasks.sql"))
}

/// The schema version of an SQLite file this build writes.
pub const LATEST_VERSION: i64 = MIGRATIONS[MIGRATIONS.len() - 1].version;

/// Every non-key column of the legacy tables. An old file may lack any of them (the scripts
/// grew over time), so each is added when missing, nullable or defaulted so `ALTER TABLE ADD
/// COLUMN` is safe and old tools ignore it. The last field back-fills rows that predate the
/// column (SQLite forbids a non-constant default such as `datetime('now')` on ADD COLUMN).
const LEGACY_COLUMNS: &[(&str, &str, &str, Option<&str>)] = &[
    ("agents", "name", "TEXT", Some("id")),
    ("agents", "role", "TEXT", Some("'project'")),
    ("agents", "group_id", "TEXT", Some("'default'")),
    ("agents", "tier", "INTEGER NOT NULL DEFAULT 2", None),
    ("agents", "model", "TEXT", None),
    ("agents", "cwd", "TEXT", None),
    ("agents", "system_prompt", "TEXT", None),
    ("agents", "status", "TEXT NOT NULL DEFAULT 'active'", None),
    ("agents", "last_active_at", "TEXT", None),
    ("agents", "created_at", "TEXT", Some("datetime('now')")),
    ("messages", "from_agent", "TEXT", None),
    ("messages", "to_agent", "TEXT", None),
    ("messages", "content", "TEXT", Some("''")),
    ("messages", "read", "INTEGER NOT NULL DEFAULT 0", None),
    ("messages", "reply_to", "TEXT", None),
    ("messages", "group_id", "TEXT", None),
    ("messages", "sender_group_id", "TEXT", None),
    ("messages", "created_at", "TEXT", Some("datetime('now')")),
    ("channels", "name", "TEXT", Some("id")),
    ("channels", "group_id", "TEXT", None),
    ("channels", "created_by", "TEXT", None),
    ("channels", "created_at", "TEXT", Some("datetime('now')")),
    (
        "channel_members",
        "joined_at",
        "TEXT",
        Some("datetime('now')"),
    ),
    ("channel_messages", "channel_id", "TEXT", None),
    ("channel_messages", "from_agent", "TEXT", None),
    ("channel_messages", "content", "TEXT", Some("''")),
    (
        "channel_messages",
        "created_at",
        "TEXT",
        Some("datetime('now')"),
    ),
    ("tasks", "title", "TEXT", Some("id")),
    ("tasks", "description", "TEXT DEFAULT ''", None),
    ("tasks", "status", "TEXT NOT NULL DEFAULT 'todo'", None),
    ("tasks", "priority", "TEXT NOT NULL DEFAULT 'medium'", None),
    ("tasks", "assigned_to", "TEXT", None),
    ("tasks", "created_by", "TEXT", None),
    ("tasks", "group_id", "TEXT", None),
    ("tasks", "parent_task_id", "TEXT", None),
    ("tasks", "sort_order", "INTEGER DEFAULT 0", None),
    ("tasks", "created_at", "TEXT", Some("datetime('now')")),
    ("tasks", "updated_at", "TEXT", Some("datetime('now')")),
    ("tasks", "version", "INTEGER NOT NULL DEFAULT 1", None),
    ("task_comments", "task_id", "TEXT", None),
    ("task_comments", "agent_id", "TEXT", None),
    ("task_comments", "content", "TEXT", Some("''")),
    (
        "task_comments",
        "created_at",
        "TEXT",
        Some("datetime('now')"),
    ),
    ("dead_letter_queue", "error", "TEXT", None),
    (
        "dead_letter_queue",
        "created_at",
        "TEXT",
        Some("datetime('now')"),
    ),
    ("audit_log", "detail", "TEXT", None),
    ("audit_log", "created_at", "TEXT", Some("datetime('now')")),
];

fn legacy_baseline(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(include_str!("0001_legacy.sql"))?;
    for (table, column, decl, backfill) in LEGACY_COLUMNS {
        if ensure_column(conn, table, column, decl)? {
            if let Some(value) = backfill {
                conn.execute_batch(&format!(
                    "UPDATE {table} SET {column} = {value} WHERE {column} IS NULL"
                ))?;
            }
        }
    }
    // A `version` column that an old script added without a default may hold NULLs;
    // optimistic locking needs a number to compare.
    conn.execute("UPDATE tasks SET version = 1 WHERE version IS NULL", [])?;
    Ok(())
}

fn agor_additions(conn: &Connection) -> rusqlite::Result<()> {
    // Keeps a redelivered dead letter in its reply thread.
    ensure_column(conn, "dead_letter_queue", "reply_to", "TEXT")?;
    conn.execute_batch(include_str!("0002_agor.sql"))
}

/// The group of the rows that stand for principals that are not agents: a value agor refuses
/// as a group name (`:`), so no team of agor's shares it, and the desktop app, which lists
/// agents per group of its configuration, never shows them.
pub(crate) const PRINCIPAL_GROUP: &str = "agor:system";

/// Migration 16: reserved ids, and rows for the principals where the file needs them.
///
/// A file the desktop app created declares `REFERENCES agents(id)` on the columns where agor
/// names who acted (`audit_log.agent_id`, `task_comments.agent_id`, `channel_messages.from_agent`,
/// `tasks.created_by`, …), and agor, like the desktop, runs with foreign keys on. The audit must
/// still name the acting principal (SPEC §2.1), `operator` or `agor`, so such a file gets an
/// `agents` row for each: tier 2 with no contacts (a legacy tool acting under that name gets no
/// rights), status `stopped`, in [`PRINCIPAL_GROUP`] (the desktop's lists are per group), and
/// marked removed for agor (hidden from every list and lookup, mail to it refused, never an
/// actor). Their ids are reserved, so nobody registers, restores or purges them. A file without
/// such foreign keys (agor's own, the legacy scripts') gets no rows: nothing to satisfy there.
fn reserved_ids(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(include_str!("0016_reserved_ids.sql"))?;
    let references_agents: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_schema s, pragma_foreign_key_list(s.name) f
             WHERE s.type = 'table' AND f.\"table\" = 'agents')",
        [],
        |r| r.get(0),
    )?;
    if references_agents {
        conn.execute(
            "INSERT INTO agents (id, name, role, group_id, tier, status, created_at)
             SELECT agent_id, agent_id || ' (agor principal, not an agent)', 'system', ?1, 2,
                 'stopped', datetime('now')
             FROM agor_reserved_ids WHERE reason = 'principal'",
            [PRINCIPAL_GROUP],
        )?;
        conn.execute_batch(
            "INSERT INTO agor_removed_agents (agent_id, removed_by, removed_at)
             SELECT agent_id, 'agor', datetime('now') FROM agor_reserved_ids
             WHERE reason = 'principal'",
        )?;
    }
    Ok(())
}

/// Adds `column` to `table` unless present; returns whether it was added.
fn ensure_column(
    conn: &Connection,
    table: &str,
    column: &str,
    decl: &str,
) -> rusqlite::Result<bool> {
    if column_exists(conn, table, column)? {
        return Ok(false);
    }
    conn.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} {decl}"))?;
    Ok(true)
}

fn column_exists(conn: &Connection, table: &str, column: &str) -> rusqlite::Result<bool> {
    let mut stmt = conn.prepare("SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2")?;
    stmt.exists([table, column])
}

/// What a file holds, judged without writing to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FileState {
    /// No tables at all: gets the full schema.
    Empty,
    /// Written by the legacy scripts (no agor version yet): upgraded additively.
    Legacy,
    /// An agor database at `version` (may be older, current or newer than this build).
    Agor { version: i64 },
    /// Some other SQLite database: refused.
    Foreign { reason: String },
}

/// Judges the file in one read transaction, so a migration committed by another process
/// between two of these reads cannot make a half-upgraded file look foreign.
pub(crate) fn inspect(conn: &Connection) -> rusqlite::Result<FileState> {
    if !conn.is_autocommit() {
        return classify(conn);
    }
    conn.execute_batch("BEGIN DEFERRED")?;
    let state = classify(conn);
    // Ending a read transaction cannot lose anything; keep the classification's own error.
    let _ = conn.execute_batch("COMMIT");
    state
}

fn classify(conn: &Connection) -> rusqlite::Result<FileState> {
    let app_id: i64 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if app_id == APPLICATION_ID {
        return Ok(FileState::Agor { version });
    }
    if app_id != 0 {
        return Ok(FileState::Foreign {
            reason: format!("its application_id is {app_id:#x}, not agor's {APPLICATION_ID:#x}"),
        });
    }
    // Any schema object counts: a file holding only a view or a trigger is someone's file.
    let objects: i64 = conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'",
        [],
        |r| r.get(0),
    )?;
    if objects == 0 {
        return Ok(FileState::Empty);
    }
    if let Some(reason) = shape::mismatch(conn)? {
        return Ok(FileState::Foreign { reason });
    }
    if !shape::has_marker(conn)? {
        return Ok(FileState::Foreign {
            reason: format!(
                "it has none of the btmsg tables ({})",
                shape::MARKERS.join(", ")
            ),
        });
    }
    if version != 0 {
        return Ok(FileState::Foreign {
            reason: format!("it has btmsg tables but an unknown user_version {version}"),
        });
    }
    Ok(FileState::Legacy)
}

/// Applies every migration after `from`, inside the caller's write transaction,
/// and stamps `user_version`/`application_id` in that same transaction.
pub(crate) fn migrate(conn: &Connection, from: i64) -> Result<()> {
    for m in MIGRATIONS.iter().filter(|m| m.version > from) {
        (m.apply)(conn).map_err(|source| crate::Error::Migration {
            version: m.version,
            name: m.name,
            source: crate::error::StorageError::from_engine(source),
        })?;
        conn.pragma_update(None, "user_version", m.version)
            .map_err(crate::storage::sqlite::errors::storage_error)?;
    }
    conn.pragma_update(None, "application_id", APPLICATION_ID)
        .map_err(crate::storage::sqlite::errors::storage_error)?;
    Ok(())
}
