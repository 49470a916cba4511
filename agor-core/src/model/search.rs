//! Search as records: the kinds of things searched, a hit, and where a hit comes from.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// What a hit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SearchKind {
    /// A direct message.
    Message,
    /// A post in a channel.
    Post,
    /// A task of the board (its title and description).
    Task,
    /// A comment on a task.
    Comment,
}

impl SearchKind {
    /// Every kind.
    pub const ALL: [SearchKind; 4] = [
        SearchKind::Message,
        SearchKind::Post,
        SearchKind::Task,
        SearchKind::Comment,
    ];

    /// The kind's name.
    pub fn as_str(self) -> &'static str {
        match self {
            SearchKind::Message => "message",
            SearchKind::Post => "post",
            SearchKind::Task => "task",
            SearchKind::Comment => "comment",
        }
    }

    pub(crate) fn source(self) -> Source {
        match self {
            SearchKind::Message => Source::Message,
            SearchKind::Post => Source::Post,
            SearchKind::Task => Source::Task,
            SearchKind::Comment => Source::Comment,
        }
    }
}

impl std::str::FromStr for SearchKind {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        SearchKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                Error::invalid(
                    "kind",
                    format!("unknown search kind '{s}'; use message, post, task or comment"),
                )
            })
    }
}

/// A table the index covers; its number is the document id's low two bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    Message = 0,
    Post = 1,
    Task = 2,
    Comment = 3,
}

impl Source {
    pub(crate) const ALL: [Source; 4] =
        [Source::Message, Source::Post, Source::Task, Source::Comment];

    pub(crate) fn table(self) -> &'static str {
        match self {
            Source::Message => "messages",
            Source::Post => "channel_messages",
            Source::Task => "tasks",
            Source::Comment => "task_comments",
        }
    }
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SearchHit {
    /// What was found.
    pub kind: SearchKind,
    /// The message, post, task or comment id.
    pub id: String,
    /// The channel of a post, the task of a comment.
    pub parent_id: Option<String>,
    /// The name of a post's channel, which people read where an id says nothing.
    #[serde(default)]
    pub channel: Option<String>,
    /// A piece of the text around the first match, matched words wrapped in `**`.
    pub snippet: String,
    /// Relevance, higher is better; compare hits of one search only.
    pub rank: f64,
    /// `YYYY-MM-DD HH:MM:SS` UTC.
    pub created_at: String,
}

/// The default number of hits.
pub const DEFAULT_SEARCH_LIMIT: u32 = 20;

deserialize_from_str!(SearchKind);
