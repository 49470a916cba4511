//! "Did you mean …?" for mistyped command and option names: the closest known name by edit
//! distance, offered only when it is close enough to be the likely intent.

/// Edits (insert, delete, substitute, swap two neighbours) between `a` and `b`; a swap counts
/// as one edit because `sned` for `send` is the commonest typo.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // d[i][j]: distance between the first i chars of a and the first j chars of b.
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// The candidate closest to `word`, if it is within a third of its length (at least one
/// edit): near enough to be a typo, far enough that `frob` suggests nothing.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (distance(word, c), c))
        .filter(|(d, c)| *d <= (c.chars().count().max(word.chars().count()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// `; did you mean 'send'?` after an error about `word`, or `otherwise` when nothing is close.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    otherwise: &str,
) -> String {
    match closest(word, candidates) {
        Some(c) => format!("; did you mean '{c}'?"),
        None => otherwise.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance("send", "send"), 0);
        assert_eq!(distance("sned", "send"), 1);
        assert_eq!(distance("clam", "claim"), 1);
        assert_eq!(distance("stauts", "status"), 1);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("kitten", "sitting"), 3);
    }

    #[test]
    fn close_names_are_suggested_and_far_ones_not() {
        let cmds = ["send", "status", "claim", "list", "inbox", "channel"];
        assert_eq!(closest("sned", cmds), Some("send"));
        assert_eq!(closest("clam", cmds), Some("claim"));
        assert_eq!(closest("chanel", cmds), Some("channel"));
        assert_eq!(closest("stauts", cmds), Some("status"));
        assert_eq!(closest("frob", cmds), None);
        assert_eq!(closest("x", cmds), None);
        assert_eq!(did_you_mean("inbx", cmds, "!"), "; did you mean 'inbox'?");
        assert_eq!(did_you_mean("zzzzzz", cmds, "!"), "!");
    }
}
