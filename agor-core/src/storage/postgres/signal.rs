//! Wake-ups on PostgreSQL: a waiter `LISTEN`s on a connection of its own; every write
//! transaction `NOTIFY`s the schema's channel, which the server delivers at commit.

use std::time::Duration;

use postgres::fallible_iterator::FallibleIterator;
use postgres::Client;

use super::storage_error;
use crate::error::Result;
use crate::storage::ChangeSignal;

pub(super) struct PgSignal {
    client: Client,
}

impl PgSignal {
    pub(super) fn listen(url: &str, shown: &str, channel: &str) -> Result<PgSignal> {
        // No lock waits on this connection: it only listens.
        let mut client = super::url::connect(url, shown, Duration::from_secs(10))?;
        client
            .batch_execute(&format!("LISTEN {channel}"))
            .map_err(storage_error)?;
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
