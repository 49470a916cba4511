//! agor's tables in a PostgreSQL schema: numbered, append-only migrations of their own, the
//! version kept in `agor_meta`, and the check that a schema is agor's (or empty) before
//! anything is written to it.

use postgres::Client;

use super::storage_error;
use crate::error::{Error, Result, StorageError};

/// One step of the PostgreSQL schema. Never edited once released; new ones are appended.
struct Migration {
    version: i64,
    name: &'static str,
    sql: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "baseline",
        sql: include_str!("schema/0001_baseline.sql"),
    },
    Migration {
        version: 2,
        name: "the change feed",
        sql: include_str!("schema/0002_changes.sql"),
    },
    Migration {
        version: 3,
        name: "wake-ups only where someone waits",
        sql: include_str!("schema/0003_listeners.sql"),
    },
    Migration {
        version: 4,
        name: "secrets for the MCP server",
        sql: include_str!("schema/0004_tokens.sql"),
    },
    Migration {
        version: 5,
        name: "full-text search",
        sql: include_str!("schema/0005_search.sql"),
    },
    Migration {
        version: 6,
        name: "file reservations",
        sql: include_str!("schema/0006_reservations.sql"),
    },
    Migration {
        version: 7,
        name: "usage and cost",
        sql: include_str!("schema/0007_usage.sql"),
    },
    Migration {
        version: 8,
        name: "work state",
        sql: include_str!("schema/0008_work_state.sql"),
    },
    Migration {
        version: 9,
        name: "archive, proposals and lanes",
        sql: include_str!("schema/0009_board.sql"),
    },
    Migration {
        version: 10,
        name: "removed agents",
        sql: include_str!("schema/0010_removed_agents.sql"),
    },
    Migration {
        version: 11,
        name: "roles as data",
        sql: include_str!("schema/0011_roles.sql"),
    },
    Migration {
        version: 12,
        name: "reserved agent ids",
        sql: include_str!("schema/0012_reserved_ids.sql"),
    },
    Migration {
        version: 13,
        name: "status moves in the change feed",
        sql: include_str!("schema/0013_task_moves.sql"),
    },
    Migration {
        version: 14,
        name: "claims with their files",
        sql: include_str!("schema/0014_claim_paths.sql"),
    },
    Migration {
        version: 15,
        name: "importance, acknowledgements and approvals",
        sql: include_str!("schema/0015_attention.sql"),
    },
    Migration {
        version: 16,
        name: "requires, attempts, deferred work, settings",
        sql: include_str!("schema/0016_fit.sql"),
    },
];

/// The PostgreSQL schema version this build writes.
pub const LATEST_VERSION: i64 = MIGRATIONS[MIGRATIONS.len() - 1].version;

/// What the connection's current schema holds, judged without writing.
#[derive(Debug, PartialEq)]
enum State {
    Empty,
    Agor { version: i64 },
    Foreign { reason: String },
}

/// The connection's current schema and the key of its write lock (a hash of its name); an
/// error when no schema of the `search_path` exists.
pub(super) fn current(client: &mut Client) -> Result<(String, i32)> {
    let row = client
        .query_one("SELECT current_schema(), hashtext(current_schema())", &[])
        .map_err(storage_error)?;
    match (row.get(0), row.get(1)) {
        (Some(schema), Some(key)) => Ok((schema, key)),
        _ => Err(StorageError::new(
            "no schema of the search_path exists; create it or fix the URL's search_path",
        )
        .into()),
    }
}

fn inspect(client: &mut Client) -> Result<State> {
    let (schema, _) = current(client)?;
    // The catalog, not information_schema: the latter lists only the tables the current role
    // has some privilege on, so another application's tables that agor's role cannot read
    // would look like an empty schema, and agor would move in beside them.
    let tables: Vec<String> = client
        .query(
            "SELECT c.relname::text FROM pg_catalog.pg_class c
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
             ORDER BY c.relname",
            &[&schema],
        )
        .map_err(storage_error)?
        .iter()
        .map(|r| r.get(0))
        .collect();
    if tables.is_empty() {
        return Ok(State::Empty);
    }
    if !tables.iter().any(|t| t == "agor_meta") {
        let some = tables
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        return Ok(State::Foreign {
            reason: format!(
                "schema {schema} holds another application's tables ({some}) and no agor_meta"
            ),
        });
    }
    let meta = |client: &mut Client, key: &str| -> Result<Option<String>> {
        Ok(client
            .query_opt("SELECT value FROM agor_meta WHERE key = $1", &[&key])
            .map_err(storage_error)?
            .map(|r| r.get(0)))
    };
    if meta(client, "application")?.as_deref() != Some("agor") {
        return Ok(State::Foreign {
            reason: format!("schema {schema} has an agor_meta table not written by agor"),
        });
    }
    let version = meta(client, "schema_version")?
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| StorageError::new(format!("schema {schema}: agor_meta has no version")))?;
    Ok(State::Agor { version })
}

/// The schema version, or `None` when the schema holds no agor tables.
pub(super) fn version(client: &mut Client) -> Result<Option<i64>> {
    Ok(match inspect(client)? {
        State::Agor { version } => Some(version),
        _ => None,
    })
}

fn refuse(shown: &str, state: &State) -> Result<()> {
    match state {
        State::Foreign { reason } => Err(Error::NotAgorDatabase {
            path: shown.into(),
            reason: reason.clone(),
        }),
        State::Agor { version } if *version > LATEST_VERSION => Err(Error::SchemaTooNew {
            path: shown.into(),
            found: *version,
            supported: LATEST_VERSION,
        }),
        _ => Ok(()),
    }
}

/// Judges the schema and brings it to [`LATEST_VERSION`]. Looks before writing anything: a
/// foreign or newer schema is refused untouched. Migrates under the write lock, judging again
/// there, so when several processes connect at once the first migrates and the others find
/// the work done.
pub(super) fn prepare(
    client: &mut Client,
    shown: &str,
    key: i32,
    read_only: bool,
    create: bool,
) -> Result<()> {
    let state = inspect(client)?;
    refuse(shown, &state)?;
    if state == State::Empty && !create {
        // The server's database exists, but no agor database lives in this schema yet.
        return Err(Error::not_found(crate::ObjectKind::Database, shown));
    }
    if state
        == (State::Agor {
            version: LATEST_VERSION,
        })
    {
        return Ok(());
    }
    if read_only {
        return Err(Error::ReadOnly {
            path: shown.into(),
            reason: "the database needs agor's schema created or upgraded, which cannot be written"
                .into(),
        });
    }
    client.batch_execute("BEGIN").map_err(storage_error)?;
    let migrated = (|| {
        super::locks::take_write_lock(client, key)?;
        let state = inspect(client)?;
        refuse(shown, &state)?;
        let from = match state {
            State::Agor { version } => version,
            _ => 0,
        };
        migrate(client, from)
    })();
    match migrated {
        Ok(()) => client.batch_execute("COMMIT").map_err(storage_error),
        Err(e) => {
            let _ = client.batch_execute("ROLLBACK");
            Err(e)
        }
    }
}

fn migrate(client: &mut Client, from: i64) -> Result<()> {
    if from == 0 {
        client
            .batch_execute(
                "CREATE TABLE agor_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                 INSERT INTO agor_meta VALUES ('application', 'agor'), ('schema_version', '0');",
            )
            .map_err(storage_error)?;
    }
    for m in MIGRATIONS.iter().filter(|m| m.version > from) {
        client
            .batch_execute(m.sql)
            .and_then(|()| {
                client.execute(
                    "UPDATE agor_meta SET value = $1 WHERE key = 'schema_version'",
                    &[&m.version.to_string()],
                )
            })
            .map_err(|e| Error::Migration {
                version: m.version,
                name: m.name,
                source: StorageError::from_engine(e),
            })?;
    }
    Ok(())
}
