//! Wake-ups on PostgreSQL: the store's one [`WakeSource`]. One connection per store
//! `LISTEN`s on the channels of the bells its waiters need (an agent's, a group's, or tier
//! 0's) and records them in `agor_listeners`; a write transaction that rang a bell someone
//! listens to `NOTIFY`s its channel, delivered by the server at commit (migration 3). So a busy
//! writer's commits wake only the waiters they concern, and commits nobody waits for notify
//! nobody. The connection belongs to one thread, which takes new channels between short
//! slices of waiting for notifications.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use postgres::fallible_iterator::FallibleIterator;
use postgres::Client;

use super::storage_error;
use crate::error::{Result, StorageError};
use crate::storage::wake::{Rings, WakeSource};
use crate::storage::Bell;

/// How often waiters look when the listening connection could not record itself (a role
/// that may not write `agor_listeners`, a lost connection): no writer would notify them.
const LOOK_UNREGISTERED: Duration = Duration::from_millis(500);
/// How often waiters look anyway when notifications do arrive: a safety net only.
const LOOK_REGISTERED: Duration = Duration::from_secs(60);
/// How long the listening thread waits for notifications before it takes new channels (the
/// most a second waiter's registration waits).
const SLICE: Duration = Duration::from_millis(50);

type Ack = mpsc::Sender<Result<()>>;

enum Request {
    Listen(Vec<String>, Ack),
    Unlisten(Vec<String>),
}

struct Shared {
    requests: Mutex<Vec<Request>>,
    stop: AtomicBool,
    registered: AtomicBool,
}

pub(super) struct PgSource {
    shared: Arc<Shared>,
}

struct Listening {
    url: String,
    shown: String,
    lock_key: i32,
    client: Client,
    /// The channels listened on, by bell name.
    bells: BTreeSet<String>,
    /// The commit whose bells were rung last (see [`bells_heard`]).
    last_commit: Option<String>,
    shared: Arc<Shared>,
    rings: Arc<Rings>,
}

impl PgSource {
    /// Connects (an error here is the caller's) and starts the listening thread.
    /// `lock_key` names the schema's write lock, taken while the listener records itself.
    pub(super) fn start(
        url: &str,
        shown: &str,
        lock_key: i32,
        rings: Arc<Rings>,
    ) -> Result<PgSource> {
        let client = super::url::connect(url, shown, Duration::from_secs(10))?;
        let shared = Arc::new(Shared {
            requests: Mutex::default(),
            stop: AtomicBool::new(false),
            registered: AtomicBool::new(true),
        });
        let listening = Listening {
            url: url.to_owned(),
            shown: shown.to_owned(),
            lock_key,
            client,
            bells: BTreeSet::new(),
            last_commit: None,
            shared: shared.clone(),
            rings,
        };
        std::thread::Builder::new()
            .name("agor-listen".into())
            .spawn(move || listening.run())
            .map_err(|e| StorageError::new(format!("cannot start the listening thread: {e}")))?;
        Ok(PgSource { shared })
    }

    fn request(&self, r: Request) {
        self.shared
            .requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(r);
    }
}

impl Drop for PgSource {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
    }
}

impl WakeSource for PgSource {
    fn listen(&self, bells: &[Bell]) -> Result<()> {
        let (ack, done) = mpsc::channel();
        self.request(Request::Listen(bells.iter().map(Bell::name).collect(), ack));
        done.recv_timeout(Duration::from_secs(30))
            .map_err(|_| StorageError::new("the listening connection did not answer"))?
    }

    fn unlisten(&self, bells: &[Bell]) {
        self.request(Request::Unlisten(bells.iter().map(Bell::name).collect()));
    }

    fn mark(&self) -> Result<i64> {
        Ok(0)
    }

    /// A notification is a commit; unregistered, every slow look is a wake-up.
    fn changed(&self, _mark: &mut i64, rung: bool) -> Result<bool> {
        Ok(rung || !self.shared.registered.load(Ordering::SeqCst))
    }

    fn timer(&self) -> Option<Duration> {
        Some(if self.shared.registered.load(Ordering::SeqCst) {
            LOOK_REGISTERED
        } else {
            LOOK_UNREGISTERED
        })
    }
}

impl Listening {
    fn run(mut self) {
        while !self.shared.stop.load(Ordering::SeqCst) {
            let requests = std::mem::take(
                &mut *self
                    .shared
                    .requests
                    .lock()
                    .unwrap_or_else(|e| e.into_inner()),
            );
            let mut failed = false;
            for r in requests {
                match r {
                    Request::Listen(names, ack) => {
                        let r = self.listen(&names);
                        failed |= r.is_err();
                        let _ = ack.send(r);
                    }
                    Request::Unlisten(names) => failed |= self.unlisten(&names).is_err(),
                }
            }
            if failed || self.receive().is_err() {
                self.reconnect();
            }
        }
        // Best effort: a row left behind only costs a writer a NOTIFY nobody reads, until
        // the next listener drops it.
        let _ = self.client.execute(
            "DELETE FROM agor_listeners WHERE pid = pg_backend_pid()",
            &[],
        );
    }

    /// Waits one slice for notifications and rings their bells, all at once: a waiter of
    /// two bells of one commit wakes once.
    fn receive(&mut self) -> Result<()> {
        let mut notifications = self.client.notifications();
        // Bounded: the client adds the timeout to the current time.
        let mut next = notifications
            .timeout_iter(SLICE)
            .next()
            .map_err(storage_error)?;
        let mut rung = BTreeSet::new();
        while let Some(n) = next {
            rung.extend(bells_heard(
                n.channel(),
                n.payload(),
                &self.bells,
                &mut self.last_commit,
            ));
            // The rest are already queued: taken without waiting.
            next = notifications.iter().next().map_err(storage_error)?;
        }
        self.rings.ring_many(&rung.into_iter().collect::<Vec<_>>());
        Ok(())
    }

    fn channels(&mut self, names: &[String]) -> Result<Vec<String>> {
        Ok(self
            .client
            .query(
                "SELECT agor_channel(bell) FROM unnest($1::text[]) AS b(bell)",
                &[&names],
            )
            .map_err(storage_error)?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    fn listen(&mut self, names: &[String]) -> Result<()> {
        let channels = self.channels(names)?;
        for channel in &channels {
            self.client
                .batch_execute(&format!("LISTEN \"{channel}\""))
                .map_err(storage_error)?;
        }
        self.bells.extend(names.iter().cloned());
        let registered = register(&mut self.client, self.lock_key, &channels).is_ok();
        if !registered {
            self.shared.registered.store(false, Ordering::SeqCst);
        }
        Ok(())
    }

    fn unlisten(&mut self, names: &[String]) -> Result<()> {
        let channels = self.channels(names)?;
        for channel in &channels {
            self.client
                .batch_execute(&format!("UNLISTEN \"{channel}\""))
                .map_err(storage_error)?;
            self.bells
                .remove(channel.rsplit('_').next().unwrap_or_default());
        }
        self.client
            .execute(
                "DELETE FROM agor_listeners WHERE pid = pg_backend_pid() AND channel = ANY($1)",
                &[&channels],
            )
            .map_err(storage_error)?;
        Ok(())
    }

    /// After an error: waiters look on the fast timer and once now, while a new connection
    /// is made and listens again on every channel.
    fn reconnect(&mut self) {
        self.shared.registered.store(false, Ordering::SeqCst);
        self.rings.ring_all();
        while !self.shared.stop.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_secs(1));
            let Ok(client) = super::url::connect(&self.url, &self.shown, Duration::from_secs(10))
            else {
                continue;
            };
            self.client = client;
            // Another server (a restored one) may reuse the ids of commits heard before.
            self.last_commit = None;
            self.shared.registered.store(true, Ordering::SeqCst);
            let names: Vec<String> = self.bells.iter().cloned().collect();
            if names.is_empty() || self.listen(&names).is_ok() {
                self.rings.ring_all();
                return;
            }
        }
    }
}

/// The bells to ring for one notification on `channel` (`agor_<schema hash>_<bell name>`,
/// migration 3). Its payload, from `NOTIFY_LISTENED`, names the commit and all its bells: the
/// first notification of a commit rings those of them listened on here, and the commit's
/// other notifications (which the server sends right after, one commit's together) ring
/// nothing, even when they arrive in a later read. An empty payload (a list too long for one,
/// or an older writer) rings the channel's own bell.
fn bells_heard(
    channel: &str,
    payload: &str,
    listened: &BTreeSet<String>,
    last_commit: &mut Option<String>,
) -> Vec<String> {
    let own = channel.rsplit('_').next().unwrap_or_default().to_owned();
    let Some((commit, bells)) = payload.split_once(' ') else {
        return vec![own];
    };
    if last_commit.as_deref() == Some(commit) {
        return Vec::new();
    }
    *last_commit = Some(commit.to_owned());
    let mut heard: Vec<String> = bells
        .split(',')
        .filter(|b| listened.contains(*b) && **b != own)
        .map(str::to_owned)
        .collect();
    heard.push(own);
    heard
}

/// Records the session's channels, under the schema's write lock: a writer committing
/// before this sees no row and does not notify, but the waiter's first look comes after and
/// sees its change; a writer after this sees the row. Rows of sessions that are gone are
/// dropped on the way.
fn register(client: &mut Client, lock_key: i32, channels: &[String]) -> Result<()> {
    let mut tx = client.transaction().map_err(storage_error)?;
    super::locks::take_write_lock(&mut tx, lock_key)?;
    tx.execute(
        "DELETE FROM agor_listeners
         WHERE pid NOT IN (SELECT pid FROM pg_stat_activity WHERE pid IS NOT NULL)",
        &[],
    )
    .map_err(storage_error)?;
    tx.execute(
        "INSERT INTO agor_listeners (channel, pid)
         SELECT c, pg_backend_pid() FROM unnest($1::text[]) AS t(c)
         ON CONFLICT DO NOTHING",
        &[&channels],
    )
    .map_err(storage_error)?;
    tx.commit().map_err(storage_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh schema's URL on the test server (`crate::test_env::postgres_server`): `None`,
    /// and the test returns early, without one, except in a strict run, where it fails.
    fn fresh_schema(name: &str) -> Option<String> {
        let url = crate::test_env::postgres_server()?;
        let schema = format!("{name}_{}", std::process::id());
        let mut admin = Client::connect(&url, postgres::NoTls).unwrap();
        admin
            .batch_execute(&format!(
                "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
            ))
            .unwrap();
        let sep = if url.contains('?') { '&' } else { '?' };
        Some(format!("{url}{sep}options=-csearch_path%3D{schema}"))
    }

    /// One commit's notifications ring its listened bells once, at the first; an empty
    /// payload rings its channel's bell; the next commit rings again.
    #[test]
    fn a_commits_notifications_ring_its_bells_at_the_first_only() {
        let listened: BTreeSet<String> = ["aX", "gY"].map(String::from).into();
        let mut last = None;
        let heard = |channel: &str, payload: &str, last: &mut Option<String>| {
            let mut b = bells_heard(channel, payload, &listened, last);
            b.sort();
            b
        };
        assert_eq!(
            heard("agor_1f_aX", "7 aX,gY,aZ", &mut last),
            ["aX", "gY"],
            "every listened bell of the commit, and no other"
        );
        assert!(heard("agor_1f_gY", "7 aX,gY,aZ", &mut last).is_empty());
        assert_eq!(heard("agor_1f_gY", "8 gY", &mut last), ["gY"]);
        assert_eq!(heard("agor_1f_aX", "", &mut last), ["aX"]);
        assert_eq!(heard("agor_1f_aX", "", &mut last), ["aX"]);
    }

    #[test]
    fn a_commit_in_another_session_wakes_the_listener_and_silence_times_out() {
        if let Some(location) = fresh_schema("signal") {
            crate::storage::check_change_signal(&location);
        }
    }

    /// On PostgreSQL a waiter is never woken for changes that concern others: a DM between
    /// two other agents sends it nothing, and a DM to it does.
    #[test]
    fn a_change_for_others_wakes_nobody() {
        use crate::{NewAgent, Store};
        let Some(location) = fresh_schema("signal_others") else {
            return;
        };
        let store = Store::open(&location).unwrap();
        for id in ["me", "a", "b"] {
            store
                .register_agent(&NewAgent::new(id, id, "project", "g"))
                .unwrap();
        }
        store.allow("a", "b", true).unwrap();
        store.allow("a", "me", true).unwrap();
        let who = crate::storage::Listener {
            agent: "me".into(),
            group: "g".into(),
            everything: false,
            any_ring: false,
        };
        let mut signal = store.inner.engine.change_signal(&who).unwrap();
        store
            .as_agent("a")
            .unwrap()
            .send("b", "not for me")
            .unwrap();
        assert!(
            !signal.wait(Duration::from_millis(300), None).unwrap(),
            "woken by others' DM"
        );
        store.as_agent("a").unwrap().send("me", "for me").unwrap();
        assert!(
            signal.wait(Duration::from_secs(10), None).unwrap(),
            "the DM went unseen"
        );
    }
}
