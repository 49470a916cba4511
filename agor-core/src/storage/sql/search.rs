//! Statements of `crate::search`: the full-text index and the queries over it. The index is
//! one table of agor's own, `agor_search`, holding one document per searchable row of the
//! four sources (DMs, channel posts, tasks, task comments), keyed by `rowid * 4 + source`;
//! `agor_search_state` says how far each source is indexed. The only statements in the core
//! that differ by engine are here: an FTS5 table with `MATCH` and `bm25` on SQLite, a
//! `tsvector` column with a GIN index, `@@` and `ts_rank` on PostgreSQL.

use crate::error::Result;
use crate::model::search::{SearchKind, Source};

use crate::storage::lenient;
use crate::storage::sql::changes::Viewer;
use crate::storage::{args, Dialect, Param, Tx};

/// How far each source is indexed: the highest rowid done.
pub(crate) fn indexed_to(tx: &dyn Tx) -> Result<Vec<(String, i64)>> {
    tx.query_map(
        "SELECT source, indexed_to FROM agor_search_state",
        args![],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
}

/// Each source with how far it is indexed and its highest rowid now, in one statement (one
/// round trip on a server: it runs before every search).
pub(crate) fn progress(tx: &dyn Tx) -> Result<Vec<(String, i64, i64)>> {
    tx.query_map(
        "SELECT source, indexed_to,
                CASE source
                    WHEN 'messages' THEN (SELECT coalesce(max(rowid), 0) FROM messages)
                    WHEN 'channel_messages' THEN (SELECT coalesce(max(rowid), 0) FROM channel_messages)
                    WHEN 'tasks' THEN (SELECT coalesce(max(rowid), 0) FROM tasks)
                    ELSE (SELECT coalesce(max(rowid), 0) FROM task_comments)
                END
         FROM agor_search_state",
        args![],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
}

/// The highest rowid of a source (0 when empty): a walk to the end of its rowid index.
pub(crate) fn newest(tx: &dyn Tx, source: Source) -> Result<i64> {
    tx.query_row(
        &format!("SELECT coalesce(max(rowid), 0) FROM {}", source.table()),
        args![],
        |r| r.get(0),
    )
}

/// The next rows of a source after `after`, oldest first: (rowid, text to index).
pub(crate) fn rows_after(
    tx: &dyn Tx,
    source: Source,
    after: i64,
    limit: i64,
) -> Result<Vec<(i64, String)>> {
    let text = match source {
        Source::Task => "title, description",
        _ => "content, NULL",
    };
    tx.query_map(
        &format!(
            "SELECT rowid, {text} FROM {} WHERE rowid > ?1 ORDER BY rowid LIMIT ?2",
            source.table()
        ),
        args![after, limit],
        |r| {
            let mut body = lenient::text(r, 1)?;
            if let Some(more) = lenient::opt_text(r, 2)? {
                body.push('\n');
                body.push_str(&more);
            }
            Ok((r.get(0)?, body))
        },
    )
}

/// Indexes (or re-indexes) one document. `terms` is the engine's form of its words: a
/// space-separated list for FTS5, a `tsvector` literal for PostgreSQL.
pub(crate) fn put(tx: &dyn Tx, doc: i64, terms: &str) -> Result<()> {
    let sql = match tx.dialect() {
        Dialect::Sqlite => "INSERT OR REPLACE INTO agor_search (rowid, terms) VALUES (?1, ?2)",
        Dialect::Postgres => {
            "INSERT INTO agor_search (rowid, terms) VALUES (?1, CAST(CAST(?2 AS TEXT) AS tsvector))
             ON CONFLICT (rowid) DO UPDATE SET terms = EXCLUDED.terms"
        }
    };
    tx.execute(sql, args![doc, terms])?;
    Ok(())
}

pub(crate) fn set_indexed_to(tx: &dyn Tx, source: Source, rowid: i64) -> Result<()> {
    tx.execute(
        "UPDATE agor_search_state SET indexed_to = ?2 WHERE source = ?1",
        args![source.table(), rowid],
    )?;
    Ok(())
}

/// After agor wrote a row (its `id`): on SQLite a row may get the rowid of a deleted one at or
/// below the source's mark, which the catch-up would then skip; the mark comes back down so
/// the next search indexes it. PostgreSQL never reuses a rowid (an identity column), and on
/// SQLite this is a lookup that writes nothing unless a rowid was reused: a write pays no
/// indexing (one FTS5 segment per commit halved the speed of sends); the next search does it.
pub(crate) fn note_new(tx: &dyn Tx, source: Source, id: &str) -> Result<()> {
    if tx.dialect() == Dialect::Postgres {
        return Ok(());
    }
    let table = source.table();
    tx.execute(
        &format!(
            "UPDATE agor_search_state SET indexed_to = (SELECT rowid FROM {table} WHERE id = ?1) - 1
             WHERE source = ?2 AND indexed_to >= (SELECT rowid FROM {table} WHERE id = ?1)"
        ),
        args![id, table],
    )?;
    Ok(())
}

/// After rows of a source were deleted: SQLite gives the rowids above the highest one left
/// to the next rows, so the mark comes back down to it (those rows must be indexed anew).
pub(crate) fn rewind(tx: &dyn Tx, source: Source) -> Result<()> {
    let table = source.table();
    tx.execute(
        &format!(
            "UPDATE agor_search_state SET indexed_to = (SELECT coalesce(max(rowid), 0) FROM {table})
             WHERE source = ?1 AND indexed_to > (SELECT coalesce(max(rowid), 0) FROM {table})"
        ),
        args![table],
    )?;
    Ok(())
}

/// Drops the document of a DM about to be deleted.
pub(crate) fn forget_message(tx: &dyn Tx, id: &str) -> Result<()> {
    tx.execute(
        &format!(
            "DELETE FROM agor_search WHERE rowid = (SELECT rowid * 4 + {} FROM messages WHERE id = ?1)",
            Source::Message as i64
        ),
        args![id],
    )?;
    Ok(())
}

/// One hit before its snippet: id, parent (a post's channel, a comment's task), text, time,
/// rank (higher is better).
pub(crate) struct Row {
    pub id: String,
    pub parent: Option<String>,
    pub text: String,
    pub created_at: String,
    pub rank: f64,
}

/// The best `limit` documents of each of `kinds` matching `query` (in the engine's form) that
/// the viewer may read, best first within each kind: one statement for every kind.
pub(crate) fn hits(
    tx: &dyn Tx,
    viewer: &Viewer<'_>,
    kinds: &[SearchKind],
    query: &str,
    limit: i64,
) -> Result<Vec<(SearchKind, Row)>> {
    let dialect = tx.dialect();
    let parts: Vec<String> = kinds
        .iter()
        .map(|&k| {
            format!(
                "SELECT * FROM ({}) AS {}",
                hits_sql(dialect, viewer, k),
                k.as_str()
            )
        })
        .collect();
    let sql = parts.join("\nUNION ALL\n");
    let params: Vec<Param<'_>> = vec![
        query.into(),
        limit.into(),
        viewer.agent.into(),
        viewer.group.into(),
    ];
    tx.query_map(&sql, &params, |r| {
        let code: i64 = r.get(0)?;
        let kind = SearchKind::ALL
            .into_iter()
            .find(|k| k.source() as i64 == code)
            .unwrap_or(SearchKind::Comment);
        Ok((
            kind,
            Row {
                id: lenient::text(r, 1)?,
                parent: lenient::opt_text(r, 2)?,
                text: lenient::text(r, 3)?,
                created_at: lenient::timestamp(r, 4)?,
                rank: r.get(5)?,
            },
        ))
    })
}

/// The statement of [`hits`]: `?1` the query, `?2` the limit, `?3` the viewer, `?4` its
/// group. The index finds and ranks; the join to the source drops what was deleted since and
/// applies the same visibility as everywhere else.
pub(crate) fn hits_sql(dialect: Dialect, viewer: &Viewer<'_>, kind: SearchKind) -> String {
    let (matches, rank, order) = match dialect {
        Dialect::Sqlite => (
            "agor_search MATCH ?1",
            "-agor_search.rank",
            "agor_search.rank",
        ),
        Dialect::Postgres => (
            "agor_search.terms @@ CAST(CAST(?1 AS TEXT) AS tsquery)",
            "CAST(ts_rank(agor_search.terms, CAST(CAST(?1 AS TEXT) AS tsquery)) AS DOUBLE PRECISION)",
            "ts_rank(agor_search.terms, CAST(CAST(?1 AS TEXT) AS tsquery)) DESC",
        ),
    };
    let all = viewer.everything;
    // Everything of one group: the operator or tier 0 narrowed to it.
    let whole = viewer.whole_group && !all;
    let (select, join, visible) = match kind {
        SearchKind::Message => (
            "s.id, CAST(NULL AS TEXT), s.content, s.created_at",
            "messages AS s ON s.rowid = agor_search.rowid / 4",
            match (all, whole) {
                (true, _) => "TRUE",
                (false, true) => "(s.group_id = ?4 OR s.sender_group_id = ?4)",
                (false, false) => "(s.to_agent = ?3 OR s.from_agent = ?3)",
            },
        ),
        SearchKind::Post => (
            "s.id, s.channel_id, s.content, s.created_at",
            "channel_messages AS s ON s.rowid = agor_search.rowid / 4
             JOIN channels AS ch ON ch.id = s.channel_id",
            match (all, viewer.group_channels || whole) {
                (true, _) => "TRUE",
                (false, true) if whole => "ch.group_id = ?4",
                (false, true) => {
                    "(ch.group_id = ?4 OR EXISTS (SELECT 1 FROM channel_members AS cm
                        WHERE cm.channel_id = s.channel_id AND cm.agent_id = ?3))"
                }
                (false, false) => {
                    "EXISTS (SELECT 1 FROM channel_members AS cm
                        WHERE cm.channel_id = s.channel_id AND cm.agent_id = ?3)"
                }
            },
        ),
        SearchKind::Task => (
            "s.id, CAST(NULL AS TEXT), s.title || '\n' || coalesce(s.description, ''), s.created_at",
            "tasks AS s ON s.rowid = agor_search.rowid / 4",
            if all { "TRUE" } else { "s.group_id = ?4" },
        ),
        SearchKind::Comment => (
            "s.id, s.task_id, s.content, s.created_at",
            "task_comments AS s ON s.rowid = agor_search.rowid / 4
             JOIN tasks AS t ON t.id = s.task_id",
            if all { "TRUE" } else { "t.group_id = ?4" },
        ),
    };
    let source = kind.source() as i64;
    // `?3`/`?4` stay referenced for tier 0 too, so every statement takes the same parameters.
    format!(
        "SELECT {source} AS kind, {select}, {rank} AS rank FROM agor_search JOIN {join}
         WHERE {matches} AND agor_search.rowid % 4 = {source} AND {visible}
           AND CAST(?3 AS TEXT) IS NOT NULL AND CAST(?4 AS TEXT) IS NOT NULL
         ORDER BY {order}, agor_search.rowid DESC LIMIT ?2"
    )
}
