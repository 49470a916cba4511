//! Full-text search (SPEC §10) over what an actor may read: DMs to or from it, posts in its
//! channels, its group's tasks and their comments (tier 0: everything). Queries use FTS5's
//! syntax on both engines (see [`query`]); hits carry a snippet with the matched words marked.
//!
//! The index is agor's own table, never a trigger on the legacy tables: agor indexes what is
//! new in each source (whoever wrote it) on the way to every search, in transactions of a few
//! thousand rows, so rows the legacy scripts wrote are found too, those scripts keep writing
//! with any SQLite, and a send pays nothing for search.

mod query;
mod text;

use crate::actor::Actor;
use crate::error::{Error, Result};
use crate::model::search::{SearchHit, SearchKind, Source};
use crate::numbers::check_limit;
use crate::rules::Action;
use crate::sight::Sight;
use crate::storage::sql::search as sql;
use crate::storage::{Dialect, Tx};
pub use query::{MAX_QUERY_BYTES, MAX_QUERY_DEPTH, MAX_QUERY_TERMS};

/// Rows indexed per transaction while catching up, so writers are never held for long.
const CATCH_UP_CHUNK: i64 = 5_000;

impl Actor {
    /// Searches what the actor may read for `query` (FTS5 syntax: words, `"phrases"`,
    /// `prefix*`, `AND`/`OR`/`NOT`, parentheses), in `kinds` (all when empty); the best
    /// `limit` hits (1..=[`MAX_LIMIT`](crate::MAX_LIMIT)), best first. A malformed query is
    /// `InvalidInput` naming the problem.
    pub fn search(&self, query: &str, kinds: &[SearchKind], limit: u32) -> Result<Vec<SearchHit>> {
        search(&self.store, query, kinds, limit, |run| {
            self.read_as(|c, who| run(c, &self.sight(who, Action::ViewGroup)?))
        })
    }
}

impl crate::Store {
    /// [`Actor::search`] as the operator (no agent identity): every group's messages, posts,
    /// tasks and comments, or those of `group`.
    pub fn search(
        &self,
        query: &str,
        kinds: &[SearchKind],
        limit: u32,
        group: Option<&str>,
    ) -> Result<Vec<SearchHit>> {
        self.as_operator()
            .narrowed(group)
            .search(query, kinds, limit)
    }
}

/// The one search: checks the query, catches the index up, runs it inside `read` (which opens
/// the reader's transaction and judges its sight) and ranks the hits.
fn search(
    store: &crate::Store,
    query: &str,
    kinds: &[SearchKind],
    limit: u32,
    read: impl FnOnce(&dyn Fn(&dyn Tx, &Sight) -> Result<Vec<SearchHit>>) -> Result<Vec<SearchHit>>,
) -> Result<Vec<SearchHit>> {
    check_limit(limit)?;
    crate::ids::validate_content(query)
        .map_err(|_| Error::invalid("query", "the query is empty or over the content limit"))?;
    let parsed = query::parse(query)?;
    store.catch_up_search_index()?;
    let kinds = if kinds.is_empty() {
        &SearchKind::ALL[..]
    } else {
        kinds
    };
    let run = |c: &dyn Tx, sight: &Sight| {
        let viewer = sight.viewer();
        let engine_query = match c.dialect() {
            Dialect::Sqlite => parsed.fts5(),
            Dialect::Postgres => parsed.tsquery(),
        };
        let mut all = Vec::new();
        // Hits are few (at most `limit`) but may share channels: each name is read once.
        let mut channel_names = std::collections::HashMap::new();
        for (kind, row) in sql::hits(c, &viewer, kinds, &engine_query, limit.into())? {
            // A document whose text no longer holds a wanted word is stale (a legacy
            // edit, or a deleted row's rowid given to a new one): not a hit.
            let Some(snippet) = text::snippet(&row.text, |w| parsed.wants(w)) else {
                continue;
            };
            let channel = match (kind, &row.parent) {
                (SearchKind::Post, Some(id)) => match channel_names.get(id) {
                    Some(name) => Some(name),
                    None => {
                        let name = crate::storage::sql::channels::load(c, id)?.name;
                        Some(&*channel_names.entry(id.clone()).or_insert(name))
                    }
                }
                .cloned(),
                _ => None,
            };
            all.push(SearchHit {
                kind,
                snippet,
                id: row.id,
                parent_id: row.parent,
                channel,
                rank: row.rank,
                created_at: row.created_at,
            });
        }
        Ok(all)
    };
    let mut hits = read(&run)?;
    hits.sort_by(|a, b| {
        b.rank
            .total_cmp(&a.rank)
            .then_with(|| b.created_at.cmp(&a.created_at))
    });
    hits.truncate(limit as usize);
    Ok(hits)
}

impl crate::Store {
    /// Indexes every row added to a source since the last search, in chunks, each its own
    /// write transaction. A read-only store searches what is indexed already.
    pub(crate) fn catch_up_search_index(&self) -> Result<()> {
        loop {
            let behind: Vec<Source> = self.read_one(|c| {
                Ok(sql::progress(c)?
                    .into_iter()
                    .filter(|(_, done, newest)| done != newest)
                    .filter_map(|(table, _, _)| {
                        Source::ALL.into_iter().find(|s| s.table() == table)
                    })
                    .collect())
            })?;
            if behind.is_empty() {
                return Ok(());
            }
            let wrote = self.write(|c| {
                for &source in &behind {
                    index_chunk(c, source)?;
                }
                Ok(())
            });
            match wrote {
                Ok(()) => {}
                Err(e) if e.kind() == crate::ErrorKind::ReadOnly => return Ok(()),
                Err(e) => return Err(e),
            }
        }
    }
}

/// The words of `body` in the form the engine indexes.
fn terms(c: &dyn Tx, body: &str) -> String {
    match c.dialect() {
        Dialect::Sqlite => text::words(body),
        Dialect::Postgres => text::tsvector(body),
    }
}

/// Indexes the next chunk of one source, from where the state (read again inside this write,
/// since another process may have indexed meanwhile) says.
fn index_chunk(c: &dyn Tx, source: Source) -> Result<()> {
    let at = sql::indexed_to(c)?
        .into_iter()
        .find(|(s, _)| s == source.table())
        .map_or(0, |(_, n)| n);
    // Rows deleted from the top (by anyone) since: their rowids will be given out again.
    if sql::newest(c, source)? < at {
        return sql::rewind(c, source);
    }
    let rows = sql::rows_after(c, source, at, CATCH_UP_CHUNK)?;
    let Some(&(last, _)) = rows.last() else {
        return Ok(());
    };
    for (rowid, body) in &rows {
        sql::put(c, rowid * 4 + source as i64, &terms(c, body))?;
    }
    sql::set_indexed_to(c, source, last)
}
