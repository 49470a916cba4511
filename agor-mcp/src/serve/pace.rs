//! A paced event stream (`GET /events?pace=N`): at most `N` changes a second one by one, and
//! past that `flood` events standing for the rest (one when the pace is passed, one when the
//! second ends). A person's page asks for it: a
//! writer making thousands of changes a second would otherwise have every open page parse
//! thousands of events a second that nobody can read card by card (the page reloads the board
//! once a flood calms instead), and the server copy them to each page.
//!
//! A `flood` event's id is the cursor of the newest change it stands for, so the stream's ids
//! still only grow and a client resuming from it misses nothing it was not told about: it was
//! told that those changes happened, and reloads what it shows.

use std::time::{Duration, Instant};

/// The span a pace counts over.
const WINDOW: Duration = Duration::from_secs(1);

/// The most changes a second a client may ask to get one by one (beyond it, ask for no pace).
pub(crate) const MAX_PACE: u32 = 100_000;

/// The changes a paced stream has folded into one `flood` event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Flood {
    /// How many changes it stands for.
    pub(crate) changes: usize,
    /// The newest one's cursor.
    pub(crate) cursor: i64,
}

impl Flood {
    /// The event as sent: its id the newest cursor, so a resumed stream starts after it.
    pub(crate) fn event(&self) -> String {
        format!(
            "id: {cursor}\nevent: flood\ndata: {{\"changes\":{changes},\"cursor\":{cursor}}}\n\n",
            cursor = self.cursor,
            changes = self.changes
        )
    }
}

/// Counts one window's changes: the first `per_second` go out; the first change past them
/// goes out as a [`Flood`] at once (so a client stops drawing change by change right away),
/// and the rest of the window's changes as one more when the window ends.
#[derive(Debug)]
pub(crate) struct Pace {
    per_second: usize,
    /// When the current window began (at its first change); none while the stream is quiet.
    window: Option<Instant>,
    sent: usize,
    /// Whether this window's flood has been announced.
    flooding: bool,
    folded: Option<Flood>,
}

impl Pace {
    pub(crate) fn new(per_second: u32) -> Pace {
        Pace {
            per_second: per_second as usize,
            window: None,
            sent: 0,
            flooding: false,
            folded: None,
        }
    }

    /// Of `n` changes arriving at `now`, the newest with cursor `newest`: how many (the oldest)
    /// go out one by one, and the flood to send after them when the pace is passed for the
    /// first time in this window; the rest are folded until the window ends. Call
    /// [`Pace::due`] first, so a window that has ended is closed before the next one counts.
    pub(crate) fn admit(&mut self, now: Instant, n: usize, newest: i64) -> (usize, Option<Flood>) {
        if n == 0 {
            return (0, None);
        }
        self.window.get_or_insert(now);
        let sent = n.min(self.per_second.saturating_sub(self.sent));
        self.sent += sent;
        if sent == n {
            return (sent, None);
        }
        let flood = Flood {
            changes: n - sent,
            cursor: newest,
        };
        if !self.flooding {
            self.flooding = true;
            return (sent, Some(flood));
        }
        let earlier = self.folded.map_or(0, |f| f.changes);
        self.folded = Some(Flood {
            changes: earlier + flood.changes,
            ..flood
        });
        (sent, None)
    }

    /// Once the window has ended at `now`: what it folded since its flood began (if
    /// anything), and a fresh count.
    pub(crate) fn due(&mut self, now: Instant) -> Option<Flood> {
        let began = self.window?;
        if now.saturating_duration_since(began) < WINDOW {
            return None;
        }
        self.window = None;
        self.sent = 0;
        self.flooding = false;
        self.folded.take()
    }

    /// When the folded changes are due to be sent, if any are waiting.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        self.folded.and(self.window).map(|began| began + WINDOW)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flood(changes: usize, cursor: i64) -> Option<Flood> {
        Some(Flood { changes, cursor })
    }

    #[test]
    fn within_the_pace_every_change_goes_out_and_nothing_is_due() {
        let mut pace = Pace::new(5);
        let t = Instant::now();
        assert_eq!(pace.admit(t, 3, 3), (3, None));
        assert_eq!(pace.admit(t + Duration::from_millis(100), 2, 5), (2, None));
        assert_eq!(pace.deadline(), None);
        assert_eq!(pace.due(t + WINDOW), None);
        // A new window counts afresh.
        assert_eq!(pace.admit(t + WINDOW, 5, 10), (5, None));
    }

    #[test]
    fn past_the_pace_a_flood_goes_out_at_once_and_the_rest_of_the_window_at_its_end() {
        let mut pace = Pace::new(5);
        let t = Instant::now();
        assert_eq!(pace.admit(t, 4, 4), (4, None));
        // One more goes out, then at once a flood for the other two of the batch.
        assert_eq!(
            pace.admit(t + Duration::from_millis(10), 3, 7),
            (1, flood(2, 7))
        );
        // The rest of the window folds into one flood when it ends.
        assert_eq!(pace.admit(t + Duration::from_millis(20), 10, 17), (0, None));
        assert_eq!(pace.admit(t + Duration::from_millis(30), 2, 19), (0, None));
        assert_eq!(pace.deadline(), Some(t + WINDOW));
        assert_eq!(pace.due(t + Duration::from_millis(999)), None);
        let rest = pace.due(t + WINDOW);
        assert_eq!(rest, flood(12, 19));
        assert_eq!(
            rest.map(|f| f.event()).as_deref(),
            Some("id: 19\nevent: flood\ndata: {\"changes\":12,\"cursor\":19}\n\n")
        );
        // Sent once; the next window starts with its first change and floods afresh.
        assert_eq!(pace.deadline(), None);
        assert_eq!(pace.due(t + WINDOW * 3), None);
        assert_eq!(pace.admit(t + WINDOW * 3, 8, 27), (5, flood(3, 27)));
        assert_eq!(pace.deadline(), None);
    }

    #[test]
    fn an_empty_look_starts_no_window() {
        let mut pace = Pace::new(1);
        let t = Instant::now();
        assert_eq!(pace.admit(t, 0, 0), (0, None));
        assert_eq!(pace.due(t + WINDOW), None);
        assert_eq!(pace.admit(t + WINDOW, 2, 9), (1, flood(1, 9)));
        assert_eq!(pace.admit(t + WINDOW, 1, 10), (0, None));
        assert_eq!(pace.deadline(), Some(t + WINDOW * 2));
    }
}
