//! Whether the objects of a file that bear legacy btmsg/bttask names have the legacy shape.
//! Read-only: it decides whether a file may be upgraded, so it must never write.

use rusqlite::Connection;

/// Every legacy table and the columns the legacy scripts cannot work without: keys and the
/// columns that give a row its meaning. Other columns were added to the scripts over time, so
/// a missing one is added by the baseline migration instead of refusing the file.
const REQUIRED_COLUMNS: &[(&str, &[&str])] = &[
    ("agents", &["id", "name", "role"]),
    ("contacts", &["agent_id", "contact_id"]),
    ("messages", &["id", "from_agent", "to_agent", "content"]),
    ("channels", &["id", "name"]),
    ("channel_members", &["channel_id", "agent_id"]),
    (
        "channel_messages",
        &["id", "channel_id", "from_agent", "content"],
    ),
    ("tasks", &["id", "title", "status"]),
    ("task_comments", &["id", "task_id", "content"]),
    ("heartbeats", &["agent_id", "timestamp"]),
    (
        "dead_letter_queue",
        &["id", "from_agent", "to_agent", "content"],
    ),
    ("audit_log", &["id", "event_type"]),
    ("seen_messages", &["session_id", "message_id"]),
];

/// Legacy tables whose `id` is a uuid (or other text) written by the scripts and by agor.
/// An `id INTEGER PRIMARY KEY` there is another application's rowid: agor's inserts would fail.
const TEXT_ID_TABLES: &[&str] = &[
    "agents",
    "messages",
    "channels",
    "channel_messages",
    "tasks",
    "task_comments",
];

/// Legacy tables keyed by an `id INTEGER PRIMARY KEY AUTOINCREMENT` that agor leaves to SQLite.
const ROWID_TABLES: &[&str] = &["dead_letter_queue", "audit_log"];

/// Tables whose presence marks a file as written by the legacy scripts.
pub(super) const MARKERS: &[&str] = &["agents", "messages", "tasks", "contacts"];

/// Why the legacy-named objects of this file are not the legacy tables, or `None` when every
/// one of them is a table of the legacy shape (the file may still have no legacy table at all).
pub(super) fn mismatch(conn: &Connection) -> rusqlite::Result<Option<String>> {
    for (table, required) in REQUIRED_COLUMNS {
        // A view, index or trigger with a legacy name would make the baseline's
        // `CREATE TABLE IF NOT EXISTS` fail, or would be written through as if it were ours.
        // A virtual table (FTS, …) says type 'table' too, but cannot gain columns.
        let kinds: Vec<String> = conn
            .prepare_cached(
                "SELECT CASE WHEN sql LIKE 'CREATE VIRTUAL%' THEN 'virtual table' ELSE type END
                 FROM sqlite_master WHERE name = ?1 COLLATE NOCASE",
            )?
            .query_map([table], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if let Some(kind) = kinds.iter().find(|k| *k != "table") {
            return Ok(Some(format!(
                "it has a {kind} named '{table}' where the btmsg table would be"
            )));
        }
        if kinds.is_empty() {
            continue;
        }
        let columns = table_columns(conn, table)?;
        let missing: Vec<&str> = required
            .iter()
            .copied()
            .filter(|c| !columns.iter().any(|col| col.name.eq_ignore_ascii_case(c)))
            .collect();
        if !missing.is_empty() {
            return Ok(Some(format!(
                "its table '{table}' lacks the btmsg column(s) {}",
                missing.join(", ")
            )));
        }
        if TEXT_ID_TABLES.contains(table) && has_rowid_alias_id(&columns) {
            return Ok(Some(format!(
                "its table '{table}' has an INTEGER PRIMARY KEY id, where btmsg uses text ids"
            )));
        }
        if ROWID_TABLES.contains(table) && !has_rowid_alias_id(&columns) {
            return Ok(Some(format!(
                "its table '{table}' lacks the INTEGER PRIMARY KEY id btmsg numbers rows with"
            )));
        }
    }
    Ok(None)
}

/// Whether any marker table exists.
pub(super) fn has_marker(conn: &Connection) -> rusqlite::Result<bool> {
    for name in MARKERS {
        let exists = conn
            .prepare_cached(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1 COLLATE NOCASE",
            )?
            .exists([name])?;
        if exists {
            return Ok(true);
        }
    }
    Ok(false)
}

struct Column {
    name: String,
    decl_type: String,
    pk: i64,
}

fn table_columns(conn: &Connection, table: &str) -> rusqlite::Result<Vec<Column>> {
    conn.prepare_cached("SELECT name, type, pk FROM pragma_table_info(?1)")?
        .query_map([table], |r| {
            Ok(Column {
                name: r.get(0)?,
                decl_type: r.get(1)?,
                pk: r.get(2)?,
            })
        })?
        .collect()
}

/// SQLite makes a lone `INTEGER PRIMARY KEY` column an alias of the rowid, which accepts
/// integers only.
fn has_rowid_alias_id(columns: &[Column]) -> bool {
    let pk: Vec<&Column> = columns.iter().filter(|c| c.pk > 0).collect();
    matches!(pk.as_slice(), [c] if c.name.eq_ignore_ascii_case("id")
        && c.decl_type.eq_ignore_ascii_case("INTEGER"))
}
