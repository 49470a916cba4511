//! The one path from a command's result to a terminal. Text from the database or the command
//! line is untrusted: it becomes a [`Cell`] (escaped when made) before anything can print it,
//! and only [`Term`] writes to the terminal, adding colour itself.
//!
//! Printing is done with `say!`, which converts every argument into a `Cell`, so a raw
//! `&str` cannot reach the terminal by accident; tables pad by the width of the escaped text
//! as the terminal shows it, so hostile or wide names do not shift the columns.

use std::fmt::{self, Display, Write as _};
use std::io::{self, IsTerminal, Write};

use unicode_width::UnicodeWidthStr;

/// True for characters that must not reach a terminal as themselves: C0 and C1 controls and
/// DEL (escape sequences, a bare `\r` that rewrites the line, BEL), Unicode bidi controls (they
/// reorder what follows, so `txt.exe` can display as `exe.txt`), and invisible format
/// characters (zero-width spaces and joiners, BOM, line separators, tag characters) that hide
/// text from the reader or make two different names look the same.
pub fn must_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{2069}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
                | '\u{E0000}'..='\u{E007F}'
        )
}

/// `text` with every [`must_escape`] character spelled out as `\u{1b}`; a tab is kept only
/// when `keep_tab` (in flowing text it indents, in a table cell it would break the columns).
fn escape_into(out: &mut String, text: &str, keep_tab: bool) {
    for c in text.chars() {
        if must_escape(c) && !(keep_tab && c == '\t') {
            let _ = write!(out, "{}", c.escape_unicode());
        } else {
            out.push(c);
        }
    }
}

/// How a cell is shown when colour is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    Bold,
    Dim,
    /// Agent ids and channel names.
    Name,
    /// Message and record ids.
    Id,
    Warn,
}

impl Style {
    fn sgr(self) -> Option<&'static str> {
        match self {
            Style::Plain => None,
            Style::Bold => Some("1"),
            Style::Dim => Some("2"),
            Style::Name => Some("36"),
            Style::Id => Some("33"),
            Style::Warn => Some("31"),
        }
    }
}

/// A piece of text ready for a terminal: escaped when it was made, so it holds no control
/// or bidi character, and styled only when [`Term`] writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    text: String,
    style: Style,
}

impl Cell {
    /// Any value, formatted then escaped (tabs too).
    pub fn new(value: impl Display) -> Cell {
        let raw = value.to_string();
        let mut text = String::with_capacity(raw.len());
        escape_into(&mut text, &raw, false);
        Cell {
            text,
            style: Style::Plain,
        }
    }

    /// One line of a message body or description: escaped, but tabs kept for indentation.
    pub fn body_line(line: &str) -> Cell {
        let mut text = String::with_capacity(line.len());
        escape_into(&mut text, line, true);
        Cell {
            text,
            style: Style::Plain,
        }
    }

    pub fn styled(self, style: Style) -> Cell {
        Cell { style, ..self }
    }

    /// Columns the escaped text takes on a terminal (wide characters count two).
    pub fn width(&self) -> usize {
        self.text.width()
    }

    /// The escaped text, without style.
    #[cfg(test)]
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

pub fn bold(v: impl Display) -> Cell {
    Cell::new(v).styled(Style::Bold)
}

pub fn dim(v: impl Display) -> Cell {
    Cell::new(v).styled(Style::Dim)
}

pub fn name(v: impl Display) -> Cell {
    Cell::new(v).styled(Style::Name)
}

pub fn id(v: impl Display) -> Cell {
    Cell::new(v).styled(Style::Id)
}

pub fn warn(v: impl Display) -> Cell {
    Cell::new(v).styled(Style::Warn)
}

/// What `say!` accepts as an argument: a [`Cell`] as it is, anything else escaped.
pub trait IntoCell {
    fn into_cell(self) -> Cell;
}

impl IntoCell for Cell {
    fn into_cell(self) -> Cell {
        self
    }
}

impl<T: Display + ?Sized> IntoCell for &T {
    fn into_cell(self) -> Cell {
        Cell::new(self)
    }
}

macro_rules! into_cell_by_value {
    ($($t:ty),*) => {$(
        impl IntoCell for $t {
            fn into_cell(self) -> Cell {
                Cell::new(self)
            }
        }
    )*};
}
into_cell_by_value!(String, i64, i32, u32, u64, usize, char);

/// ANSI colour, on only when stdout is a terminal, `NO_COLOR` is unset or empty, and `TERM`
/// is not `dumb`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paint {
    on: bool,
}

impl Paint {
    pub fn for_stdout() -> Paint {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
        Paint {
            on: !no_color && !dumb && io::stdout().is_terminal(),
        }
    }

    pub fn plain() -> Paint {
        Paint { on: false }
    }

    #[cfg(test)]
    pub fn colour() -> Paint {
        Paint { on: true }
    }
}

/// A cell as `say!` formats it: the style's escape codes around the text, padded to the
/// format width by display width (`{:8}` left, `{:>8}` right), the codes excluded.
#[doc(hidden)]
#[derive(Debug)]
pub struct Painted(pub Paint, pub Cell);

impl Display for Painted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Painted(paint, cell) = self;
        let pad = f.width().unwrap_or(0).saturating_sub(cell.width());
        let (before, after) = match f.align() {
            Some(fmt::Alignment::Right) => (pad, 0),
            Some(fmt::Alignment::Center) => (pad / 2, pad - pad / 2),
            _ => (0, pad),
        };
        let spaces = |f: &mut fmt::Formatter<'_>, n| (0..n).try_for_each(|_| f.write_char(' '));
        spaces(f, before)?;
        match cell.style.sgr().filter(|_| paint.on) {
            Some(code) => write!(f, "\x1b[{code}m{}\x1b[0m", cell.text)?,
            None => f.write_str(&cell.text)?,
        }
        spaces(f, after)
    }
}

/// True when a format string captures a variable by name (`"{title}"`), which would bypass
/// the escaping of `say!`; checked at compile time. Widths such as `{:w$}` are allowed.
#[doc(hidden)]
pub const fn captures_a_name(fmt: &str) -> bool {
    let b = fmt.as_bytes();
    let mut i = 0;
    while i + 1 < b.len() {
        if b[i] == b'{' {
            if b[i + 1] == b'{' {
                i += 2;
                continue;
            }
            if b[i + 1].is_ascii_alphabetic() || b[i + 1] == b'_' {
                return true;
            }
        }
        i += 1;
    }
    false
}

/// Writes one line to a [`Term`]: `say!(t, "sent {} to {}", id(&m.id), &m.to_agent)`. Every
/// argument becomes a [`Cell`] (escaped unless it already is one); naming variables inside
/// the format string is refused at compile time, as that would print them raw.
macro_rules! say {
    ($t:expr, $fmt:literal $(, $arg:expr)* $(,)?) => {{
        const _: () = assert!(
            !$crate::terminal::captures_a_name($fmt),
            "say!: pass values as arguments so they are escaped, not as {{name}} in the format"
        );
        let term: &mut $crate::terminal::Term<'_> = $t;
        #[allow(unused_variables)] // a line without arguments has no use for it
        let paint = term.paint();
        term.__write_line(format_args!(
            $fmt $(, $crate::terminal::Painted(paint, $crate::terminal::IntoCell::into_cell($arg)))*
        ))
    }};
}
pub(crate) use say;

/// The terminal side of a command's output. It can only write lines made by `say!` and
/// tables of [`Cell`]s, so everything it prints has been escaped.
pub struct Term<'w> {
    w: &'w mut dyn Write,
    paint: Paint,
}

impl fmt::Debug for Term<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Term").field("paint", &self.paint).finish()
    }
}

/// How a table column is padded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

impl<'w> Term<'w> {
    pub fn new(w: &'w mut dyn Write, paint: Paint) -> Term<'w> {
        Term { w, paint }
    }

    pub fn paint(&self) -> Paint {
        self.paint
    }

    /// Only `say!` calls this, with arguments it has turned into cells.
    #[doc(hidden)]
    pub fn __write_line(&mut self, line: fmt::Arguments<'_>) -> io::Result<()> {
        self.w.write_fmt(line)?;
        self.w.write_all(b"\n")
    }

    /// One line made of cells side by side, for lines whose number of pieces is not known in
    /// advance (a snippet with highlighted words).
    pub fn cells(&mut self, cells: Vec<Cell>) -> io::Result<()> {
        let paint = self.paint;
        for cell in cells {
            write!(self.w, "{}", Painted(paint, cell))?;
        }
        self.w.write_all(b"\n")
    }

    /// Multi-line text (a body, the help) one escaped line at a time under `indent`, tabs kept.
    pub fn lines(&mut self, indent: &str, text: &str) -> io::Result<()> {
        for line in text.lines() {
            say!(self, "{}{}", indent, Cell::body_line(line))?;
        }
        Ok(())
    }

    /// Rows under an optional bold header, columns two spaces apart and padded to the widest
    /// escaped cell; a last left-aligned column is not padded, so no line ends in spaces.
    pub fn table(
        &mut self,
        indent: &str,
        header: Option<&[&str]>,
        align: &[Align],
        rows: &[Vec<Cell>],
    ) -> io::Result<()> {
        let header: Option<Vec<Cell>> = header.map(|h| h.iter().map(bold).collect());
        let all = || header.iter().chain(rows);
        let columns = all().map(Vec::len).max().unwrap_or(0);
        let widths: Vec<usize> = (0..columns)
            .map(|i| {
                all()
                    .filter_map(|r| r.get(i))
                    .map(Cell::width)
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        for row in all() {
            let mut line = String::from(indent);
            for (i, cell) in row.iter().enumerate() {
                let last = i + 1 == row.len();
                let right = align.get(i) == Some(&Align::Right);
                let w = if last && !right { 0 } else { widths[i] };
                let shown = Painted(self.paint, cell.clone());
                let _ = if right {
                    write!(line, "{shown:>w$}")
                } else {
                    write!(line, "{shown:w$}")
                };
                if !last {
                    line.push_str("  ");
                }
            }
            self.w.write_all(line.trim_end().as_bytes())?;
            self.w.write_all(b"\n")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(paint: Paint, f: impl FnOnce(&mut Term<'_>) -> io::Result<()>) -> String {
        let mut buf = Vec::new();
        f(&mut Term::new(&mut buf, paint)).unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn controls_bidi_and_invisibles_are_spelled_out() {
        assert_eq!(
            Cell::new("red \x1b[31m!\r\x07\x7f\u{9b}ok").as_str(),
            "red \\u{1b}[31m!\\u{d}\\u{7}\\u{7f}\\u{9b}ok"
        );
        for c in [
            '\u{202A}',
            '\u{202E}',
            '\u{2066}',
            '\u{2069}',
            '\u{200E}',
            '\u{200F}',
            '\u{061C}',
            '\u{200B}',
            '\u{FEFF}',
            '\u{2028}',
            '\u{E0041}',
        ] {
            let cell = Cell::new(format!("a{c}b"));
            assert!(!cell.as_str().contains(c), "{c:?} kept");
            assert!(cell.as_str().contains("\\u{"), "{c:?} not spelled out");
        }
        assert_eq!(Cell::new("naïve 🚀 日本").as_str(), "naïve 🚀 日本");
        assert_eq!(Cell::new("a\tb").as_str(), "a\\u{9}b");
        assert_eq!(Cell::body_line("a\tb").as_str(), "a\tb");
    }

    #[test]
    fn say_escapes_every_argument_and_colours_only_when_asked() {
        let raw = String::from("\x1b]0;pwned\x07");
        let out = shown(Paint::plain(), |t| {
            say!(t, "[{}] {}", &raw, name("n\u{202E}x"))
        });
        assert_eq!(out, "[\\u{1b}]0;pwned\\u{7}] n\\u{202e}x\n");
        let out = shown(Paint::colour(), |t| say!(t, "{} {}", id("i\x1b"), "plain"));
        assert_eq!(out, "\x1b[33mi\\u{1b}\x1b[0m plain\n");
    }

    #[test]
    fn padding_counts_the_escaped_display_width() {
        let out = shown(Paint::colour(), |t| {
            say!(t, "{:6}|{:>6}|", bold("ab"), Cell::new("日本"))
        });
        assert_eq!(out, "\x1b[1mab\x1b[0m    |  日本|\n");
    }

    #[test]
    fn tables_align_on_hostile_and_wide_text() {
        let rows = vec![
            vec![name("a"), Cell::new("x\x1b[2Jy"), Cell::new(1)],
            vec![name("long-name"), Cell::new("日本"), Cell::new(22)],
        ];
        for paint in [Paint::plain(), Paint::colour()] {
            let out = shown(paint, |t| {
                t.table(
                    "  ",
                    Some(&["ID", "NAME", "N"]),
                    &[Align::Left, Align::Left, Align::Right],
                    &rows,
                )
            });
            let plain: Vec<String> = out
                .lines()
                .map(|l| {
                    l.replace("\x1b[1m", "")
                        .replace("\x1b[36m", "")
                        .replace("\x1b[0m", "")
                })
                .collect();
            assert_eq!(
                plain,
                [
                    "  ID         NAME          N",
                    "  a          x\\u{1b}[2Jy   1",
                    "  long-name  日本         22",
                ]
            );
        }
    }

    #[test]
    fn named_captures_are_detected() {
        assert!(captures_a_name("hi {title}"));
        assert!(captures_a_name("{_x}"));
        assert!(!captures_a_name("{} {:w$} {:>6} {0} {{literal}}"));
    }
}
