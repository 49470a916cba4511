//! What a command answers: one catalogue response, or a report made of several (a command's
//! steps), and the renderers' way to take the core's record out of it. Below both the session
//! (whose steps return one) and the command table (whose renderers take one).

use agor_core::ops::Response;
use serde::Serialize;

use crate::error::CliError;

/// What a job answers: one operation's typed response, or the report of a command made of
/// several operations. `--json` prints it as the response (or report) alone.
// One reply per command line: its size does not matter, a box would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Reply {
    /// The response of the job's operation (or of its last step).
    Op(Response),
    /// `review-count`: a group's review queue and its reviewers' attention score.
    ReviewCounts(ReviewCounts),
}

impl From<Response> for Reply {
    fn from(response: Response) -> Reply {
        Reply::Op(response)
    }
}

/// `review-count`'s report, `{"group", "count", "attention"}` in JSON.
#[derive(Debug, Serialize)]
pub struct ReviewCounts {
    pub group: String,
    pub count: i64,
    pub attention: i64,
}

/// The record a renderer needs, moved out of the reply as the core returned it (no trip
/// through JSON); asking for a type the operation does not answer with is an error naming both.
pub fn typed<T: 'static>(reply: Reply) -> Result<T, CliError> {
    let any: Box<dyn std::any::Any> = match reply {
        Reply::Op(response) => {
            return response
                .into_inner()
                .map_err(|e| CliError::Response(e.to_string()))
        }
        Reply::ReviewCounts(counts) => Box::new(counts),
    };
    any.downcast().map(|b| *b).map_err(|_| {
        CliError::Response(format!("a report is not a {}", std::any::type_name::<T>()))
    })
}
