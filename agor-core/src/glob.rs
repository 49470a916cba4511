//! Glob patterns as SQLite's `GLOB` reads them (`*` any run, `?` one character, `[abc]`,
//! `[a-z]`, `[^a-z]` classes, `]` first in a class literal; case-sensitive), compiled once and
//! matched without backtracking. Pure; every engine matches alike.
//!
//! Matching simulates the pattern's automaton over all its positions at once, one bit per
//! position: each character of the text costs a few word operations per 64 pattern positions,
//! so a match costs O(text × pattern / 64) at worst, whatever the pattern (a backtracking
//! matcher costs pattern × text on `*a*a*a…b`, which is what let one call hold the lock for
//! seconds). Which positions accept an ASCII character is worked out once, at compile time.

/// One position of a pattern.
#[derive(Debug, Clone, PartialEq)]
enum Unit {
    /// `*`: any run, empty too (a run of stars is one).
    Star,
    /// `?`: any one character.
    Any,
    /// A character standing for itself.
    Char(char),
    /// `[...]`: inclusive ranges (a single member is a range of one); an unterminated class
    /// matches nothing, as in SQLite.
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

impl Unit {
    fn accepts(&self, c: char) -> bool {
        match self {
            Unit::Star => false,
            Unit::Any => true,
            Unit::Char(x) => *x == c,
            Unit::Class { negated, ranges } => {
                ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negated
            }
        }
    }
}

/// A compiled glob.
#[derive(Debug, Clone)]
pub(crate) struct Glob {
    units: Vec<Unit>,
    /// Words per set of positions (one bit per unit, and one for "matched all").
    width: usize,
    /// Bit `i`: unit `i` is a star.
    stars: Vec<u64>,
    /// For each ASCII character, the set of units that accept it (`width` words each),
    /// worked out once at compile time; other characters are worked out as they come.
    ascii: Vec<u64>,
}

fn set(bits: &mut [u64], i: usize) {
    bits[i / 64] |= 1 << (i % 64);
}

fn get(bits: &[u64], i: usize) -> bool {
    bits[i / 64] & (1 << (i % 64)) != 0
}

/// `bits |= (bits & mask) << 1` across words.
fn or_shifted(bits: &mut [u64], mask: &[u64]) {
    let mut carry = 0;
    for (w, m) in bits.iter_mut().zip(mask) {
        let moved = *w & m;
        *w |= (moved << 1) | carry;
        carry = moved >> 63;
    }
}

/// The class starting at `p[start]` (a `[`): the index after its `]` and the unit, or `None`
/// when it is never closed.
fn class(p: &[char], start: usize) -> Option<(usize, Unit)> {
    let mut i = start + 1;
    let negated = p.get(i) == Some(&'^');
    if negated {
        i += 1;
    }
    let first = i;
    // A `]` right after `[` or `[^` is a member, not the end.
    if p.get(i) == Some(&']') {
        i += 1;
    }
    while p.get(i).is_some_and(|c| *c != ']') {
        i += 1;
    }
    if i >= p.len() {
        return None;
    }
    let members = &p[first..i];
    let mut ranges = Vec::new();
    let mut j = 0;
    while j < members.len() {
        if j + 2 < members.len() && members[j + 1] == '-' {
            ranges.push((members[j], members[j + 2]));
            j += 3;
        } else {
            ranges.push((members[j], members[j]));
            j += 1;
        }
    }
    Some((i + 1, Unit::Class { negated, ranges }))
}

impl Glob {
    /// Compiles `pattern`; every pattern is valid (a stray `[` matches nothing, as in SQLite).
    pub(crate) fn new(pattern: &str) -> Glob {
        let p: Vec<char> = pattern.chars().collect();
        let mut units = Vec::with_capacity(p.len());
        let mut i = 0;
        while i < p.len() {
            let (next, unit) = match p[i] {
                '*' => (i + 1, Unit::Star),
                '?' => (i + 1, Unit::Any),
                '[' => class(&p, i).unwrap_or((
                    p.len(),
                    Unit::Class {
                        negated: false,
                        ranges: Vec::new(),
                    },
                )),
                c => (i + 1, Unit::Char(c)),
            };
            if !(unit == Unit::Star && units.last() == Some(&Unit::Star)) {
                units.push(unit);
            }
            i = next;
        }
        let width = units.len() / 64 + 1;
        let mut stars = vec![0; width];
        let mut ascii = vec![0; 128 * width];
        for (i, u) in units.iter().enumerate() {
            if *u == Unit::Star {
                set(&mut stars, i);
            }
            // A literal marks one character; only `?` and classes look at all 128.
            let candidates = match u {
                Unit::Star => 0..0,
                Unit::Char(c) if c.is_ascii() => *c as usize..*c as usize + 1,
                Unit::Char(_) => 0..0,
                Unit::Any | Unit::Class { .. } => 0..128,
            };
            for c in candidates {
                if u.accepts(char::from(c as u8)) {
                    set(&mut ascii[c * width..], i);
                }
            }
        }
        Glob {
            units,
            width,
            stars,
            ascii,
        }
    }

    /// Whether the whole of `text` matches.
    pub(crate) fn matches(&self, text: &str) -> bool {
        let w = self.width;
        let mut state = vec![0u64; w];
        let mut other = vec![0u64; w];
        set(&mut state, 0);
        // A star is passed over without reading anything (stars are never adjacent, so one
        // step reaches every position that way).
        or_shifted(&mut state, &self.stars);
        for c in text.chars() {
            let accepts: &[u64] = match usize::try_from(u32::from(c)) {
                Ok(i) if i < 128 => &self.ascii[i * w..(i + 1) * w],
                _ => {
                    other.iter_mut().for_each(|b| *b = 0);
                    for (i, u) in self.units.iter().enumerate() {
                        if u.accepts(c) {
                            set(&mut other, i);
                        }
                    }
                    &other
                }
            };
            // A position that reads `c` moves on by one; a star reads it and stays.
            let mut carry = 0;
            let mut alive = 0;
            for i in 0..w {
                let s = state[i];
                let moved = s & accepts[i];
                state[i] = (moved << 1) | carry | (s & self.stars[i]);
                carry = moved >> 63;
                alive |= state[i];
            }
            if alive == 0 {
                return false;
            }
            or_shifted(&mut state, &self.stars);
        }
        get(&state, self.units.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glob_matches(pattern: &str, text: &str) -> bool {
        Glob::new(pattern).matches(text)
    }

    #[test]
    fn globs_match_as_sqlite_reads_them() {
        for (p, t, want) in [
            ("dev-*", "dev-1", true),
            ("dev-*", "dev-", true),
            ("dev-*", "mgr-1", false),
            ("*", "", true),
            ("", "", true),
            ("", "a", false),
            ("?", "", false),
            ("d?v", "dev", true),
            ("[dm]*", "mgr", true),
            ("[a-c]x", "bx", true),
            ("[^a-c]x", "bx", false),
            ("[^a-c]x", "dx", true),
            ("[]]", "]", true),
            ("[abc", "a", false),
            ("a[bc", "a[bc", false),
            ("*-1", "dev-1", true),
            ("*a*b", "xaxxb", true),
            ("*a*b", "xaxxc", false),
            ("DEV", "dev", false),
            ("**a**", "xay", true),
            ("a*b*c", "abc", true),
            ("a*b*c", "acb", false),
            ("src/*.rs", "src/a/b.rs", true),
            ("*?", "", false),
            ("*?", "x", true),
            ("é*ü", "éaü", true),
        ] {
            assert_eq!(glob_matches(p, t), want, "{p:?} vs {t:?}");
        }
    }

    // issue 19 item 3: the worst pair for a backtracking matcher (pattern length x path
    // length) at the caps answers at once.
    #[test]
    fn the_worst_pair_within_the_caps_is_fast() {
        let pattern = format!("{}b", "*a".repeat(511));
        let path = "a".repeat(1024);
        let started = std::time::Instant::now();
        assert!(!glob_matches(&pattern, &path));
        let classes = "[a-z]*".repeat(170);
        assert!(glob_matches(&classes, &path));
        assert!(
            started.elapsed() < std::time::Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn long_patterns_cross_word_boundaries() {
        for n in [63, 64, 65, 127, 128, 200] {
            let text = "a".repeat(n);
            assert!(glob_matches(&text, &text), "{n}");
            assert!(glob_matches(&"?".repeat(n), &text), "{n}");
            assert!(!glob_matches(&"?".repeat(n + 1), &text), "{n}");
            assert!(glob_matches(&format!("{}*", "a".repeat(n)), &text), "{n}");
        }
    }
}
