//! How ids are shown to people: their first 8 characters, which are unique in practice and
//! accepted back as a prefix, also where the core's error texts quote a whole UUID.

/// The first 8 characters of an id: enough to be unique in practice, and accepted as a prefix.
pub fn short_id(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

/// `text` with every UUID (`8-4-4-4-12` hex digits) cut to its [`short_id`]: the core's
/// error texts name objects by full id, and people read the 8-character form everywhere else.
pub fn short_uuids(text: &str) -> String {
    const GROUPS: [usize; 5] = [8, 4, 4, 4, 12];
    let is_uuid = |s: &[u8]| {
        let mut at = 0;
        GROUPS.iter().enumerate().all(|(i, &n)| {
            let ok = s.len() >= at + n && s[at..at + n].iter().all(u8::is_ascii_hexdigit);
            at += n;
            let dash_ok = i == 4 || s.get(at) == Some(&b'-');
            at += 1;
            ok && dash_ok
        })
    };
    const LEN: usize = 36;
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let (mut i, mut copied) = (0, 0);
    while i + LEN <= bytes.len() {
        let word_start = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        let word_end = bytes
            .get(i + LEN)
            .is_none_or(|b| !b.is_ascii_alphanumeric());
        if word_start && word_end && is_uuid(&bytes[i..i + LEN]) {
            out.push_str(&text[copied..i + 8]);
            i += LEN;
            copied = i;
        } else {
            i += 1;
        }
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_ids() {
        assert_eq!(short_id("0123456789"), "01234567");
        assert_eq!(short_id("abc"), "abc");
    }

    /// Issue 21 item 4.3: errors print 8-character ids like everything else.
    #[test]
    fn uuids_in_a_text_are_cut_to_short_ids() {
        let a = "ded8ba37-29cd-4312-a38b-667219366829";
        let b = "39087D1D-DF0B-4E2E-BA59-FA9BB1F364B2";
        assert_eq!(
            short_uuids(&format!("task {a} cannot be done: it waits for {a}, {b}")),
            "task ded8ba37 cannot be done: it waits for ded8ba37, 39087D1D"
        );
        assert_eq!(short_uuids(a), "ded8ba37");
        // Not a whole UUID word: left alone.
        assert_eq!(short_uuids(&format!("x{a}")), format!("x{a}"));
        assert_eq!(short_uuids("é ded8ba37-29cd"), "é ded8ba37-29cd");
        assert_eq!(short_uuids(&format!("{a}0")), format!("{a}0"));
    }
}
