//! Wake-ups on PostgreSQL: a waiter `LISTEN`s on a connection of its own, on the channels of
//! the changes that concern it; a trigger on `agor_changes` (migration 2) `NOTIFY`s the
//! channels of each change's audience, delivered by the server at commit. So a busy writer's
//! commits wake only the waiters they concern.

use std::time::Duration;

use postgres::fallible_iterator::FallibleIterator;
use postgres::Client;

use super::storage_error;
use crate::error::Result;
use crate::storage::{ChangeSignal, Listener};

pub(super) struct PgSignal {
    client: Client,
}

impl PgSignal {
    pub(super) fn listen(url: &str, shown: &str, who: &Listener) -> Result<PgSignal> {
        // No lock waits on this connection: it only listens.
        let mut client = super::url::connect(url, shown, Duration::from_secs(10))?;
        // The same names the trigger computes: short (a channel name has at most 63 bytes)
        // hashes of the schema and of the agent or group; a collision only wakes someone
        // for nothing.
        let row = client
            .query_one(
                "SELECT agor_channel('a', $1), agor_channel('g', $2), agor_channel('all', '')",
                &[&who.agent, &who.group],
            )
            .map_err(storage_error)?;
        let channels: Vec<String> = if who.everything {
            vec![row.get(2)]
        } else {
            vec![row.get(0), row.get(1)]
        };
        for channel in channels {
            client
                .batch_execute(&format!("LISTEN \"{channel}\""))
                .map_err(storage_error)?;
        }
        Ok(PgSignal { client })
    }
}

impl ChangeSignal for PgSignal {
    fn wait(&mut self, timeout: Duration) -> Result<bool> {
        let mut notifications = self.client.notifications();
        let woken = notifications
            // Bounded: the client adds the timeout to the current time.
            .timeout_iter(timeout.min(Duration::from_secs(3600)))
            .next()
            .map_err(storage_error)?
            .is_some();
        // Several commits may have queued several notifications: one wake-up covers them.
        while notifications
            .iter()
            .next()
            .map_err(storage_error)?
            .is_some()
        {}
        Ok(woken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs with `AGOR_TEST_PG` naming a server (scripts/test.sh starts one).
    #[test]
    fn a_commit_in_another_session_wakes_the_listener_and_silence_times_out() {
        let Some(url) = std::env::var("AGOR_TEST_PG").ok().filter(|u| !u.is_empty()) else {
            eprintln!("skipped: AGOR_TEST_PG is not set");
            return;
        };
        let schema = format!("signal_{}", std::process::id());
        let mut admin = Client::connect(&url, postgres::NoTls).unwrap();
        admin
            .batch_execute(&format!(
                "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
            ))
            .unwrap();
        let sep = if url.contains('?') { '&' } else { '?' };
        crate::storage::check_change_signal(&format!("{url}{sep}options=-csearch_path%3D{schema}"));
    }
}
