//! The import graph as a checked fact (issue 20): no module of agor-core imports a floor above
//! its own, and no crate ties files into a circle (two files importing each other included)
//! but the few listed in [`KNOWN_CIRCLES`], each with why. Reads the sources; no server.
//!
//! The graph is built from paths in the code (`use crate::…`, `crate::x::y`, `super::…`,
//! `submodule::…`, and names a `use` bound to a module), following re-exports (`pub use`) to where a name is defined,
//! so `crate::Result` counts as an import of `error.rs`, not of `lib.rs`. Inline test modules and
//! `tests.rs` files are left out: a test may reach anywhere.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// agor-core's floors, lowest first: a module may import its own floor and those below it.
/// A module's floor is that of its first path segment; `lib.rs` (the empty path) is the top.
const CORE_FLOORS: &[(&str, &[&str])] = &[
    // Records, pure rules and the vocabulary everything shares; no storage, no domain.
    (
        "ground",
        &[
            "model", "rules", "ids", "clock", "error", "text", "glob", "numbers", "cancel",
        ],
    ),
    // All SQL and the engines behind one trait.
    ("storage", &["storage"]),
    // Operations written against storage, hung on the `Store` handle (store.rs) and `Actor`.
    ("domain", &[]),
    // The catalogue of operations.
    ("ops", &["ops"]),
];

/// The crates beside agor-core whose circles are checked. Each is a folder beside
/// agor-core holding `src/`; binaries under `src/bin/` are crate roots of their own and skipped.
const CIRCLE_FREE_SURFACES: &[&str] = &["agor-cli", "agor-mcp", "agor-py", "agor-ffi", "agor-demo"];

fn floor_of(module: &[String]) -> (usize, &'static str) {
    let Some(first) = module.first() else {
        return (CORE_FLOORS.len(), "lib");
    };
    for (i, (name, firsts)) in CORE_FLOORS.iter().enumerate() {
        if firsts.contains(&first.as_str()) {
            return (i, name);
        }
    }
    let domain = CORE_FLOORS
        .iter()
        .position(|(n, _)| *n == "domain")
        .unwrap();
    (domain, "domain")
}

#[test]
fn agor_core_imports_no_higher_floor() {
    let g = Graph::of_crate(&workspace().join("agor-core"));
    let mut upward = Vec::new();
    for e in &g.edges {
        let (from, from_name) = floor_of(&g.files[e.from].module);
        let (to, to_name) = floor_of(&g.files[e.to].module);
        if to > from {
            upward.push(format!(
                "  {}:{} ({from_name}) imports {} ({to_name}): `{}`",
                g.files[e.from].rel, e.line, g.files[e.to].rel, e.text
            ));
        }
    }
    println!(
        "agor-core: {} upward imports (pairs of files)",
        upward.len()
    );
    assert!(
        upward.is_empty(),
        "{} imports run up a floor in agor-core (floors, lowest first: {}):\n{}",
        upward.len(),
        CORE_FLOORS
            .iter()
            .map(|(n, _)| *n)
            .chain(["lib"])
            .collect::<Vec<_>>()
            .join(" < "),
        upward.join("\n")
    );
}

/// The circles that remain, each with why: a crate, its files (from the crate folder, in any
/// order) and the reason. Any other circle fails the tests below, and so does an entry here
/// that no longer matches a circle (take it out once the circle is gone).
const KNOWN_CIRCLES: &[(&str, &[&str], &str)] = &[];

#[test]
fn agor_core_has_no_circle_but_the_known_ones() {
    let report = circles("agor-core");
    assert!(report.is_empty(), "{report}");
}

#[test]
fn surface_crates_have_no_circle_but_the_known_ones() {
    let report: String = CIRCLE_FREE_SURFACES.iter().map(|c| circles(c)).collect();
    assert!(report.is_empty(), "{report}");
}

/// The circles of `krate` not in [`KNOWN_CIRCLES`] (a pair of files importing each other is
/// one too), each with the imports that close it, and the entries of `krate` there that match
/// no circle; empty when there are none.
fn circles(krate: &str) -> String {
    let g = Graph::of_crate(&workspace().join(krate));
    let mut out = String::new();
    let mut matched = BTreeSet::new();
    let comps: Vec<Vec<usize>> = g.components().into_iter().filter(|c| c.len() > 1).collect();
    println!("{krate}: {} circles", comps.len());
    for comp in comps {
        let inside: BTreeSet<usize> = comp.iter().copied().collect();
        let mut names: Vec<&str> = comp.iter().map(|&f| g.files[f].rel.as_str()).collect();
        names.sort();
        let known = KNOWN_CIRCLES.iter().position(|(k, files, _)| {
            let mut listed = files.to_vec();
            listed.sort();
            *k == krate && listed == names
        });
        let mut imports = String::new();
        let mut seen = BTreeSet::new();
        for e in &g.edges {
            if inside.contains(&e.from) && inside.contains(&e.to) && seen.insert((e.from, e.to)) {
                imports += &format!(
                    "    {}:{} -> {}: `{}`\n",
                    g.files[e.from].rel, e.line, g.files[e.to].rel, e.text
                );
            }
        }
        let head = format!(
            "{krate}: a circle of {} files: {}",
            comp.len(),
            names.join(", ")
        );
        match known {
            Some(i) => {
                matched.insert(i);
                println!("{head} (known: {})\n{imports}", KNOWN_CIRCLES[i].2);
            }
            None => out += &format!("{head}\n  imports inside it:\n{imports}"),
        }
    }
    for (i, (k, files, _)) in KNOWN_CIRCLES.iter().enumerate() {
        if *k == krate && !matched.contains(&i) {
            out += &format!(
                "{krate}: KNOWN_CIRCLES lists {} as a circle, and it is not (any more): take it \
                 out, or list the circle as it now is\n",
                files.join(", ")
            );
        }
    }
    out
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

struct File {
    /// Path from the crate folder, for messages.
    rel: String,
    /// Module path from the crate root (`storage/sql/tasks.rs` is `[storage, sql, tasks]`).
    module: Vec<String>,
    /// Names bound by `use` (the last segment or the alias) to absolute paths.
    bindings: HashMap<String, Vec<String>>,
    /// Modules brought in whole by `use x::*`.
    globs: Vec<Vec<String>>,
    /// Names the file defines (items and modules).
    defines: BTreeSet<String>,
    /// Modules declared here (`mod x;` or inline), which a `use` may name without `self::`.
    submodules: BTreeSet<String>,
    /// Modules declared here under `#[cfg(test)]`.
    test_submodules: Vec<String>,
    /// Whether the file is itself such a test module.
    test_only: bool,
    /// Every path in the file made absolute, with its line and text.
    paths: Vec<(Vec<String>, usize, String)>,
}

struct Edge {
    from: usize,
    to: usize,
    line: usize,
    text: String,
}

struct Graph {
    files: Vec<File>,
    edges: Vec<Edge>,
}

impl Graph {
    fn of_crate(dir: &Path) -> Graph {
        let src = dir.join("src");
        let mut sources = Vec::new();
        collect(&src, &mut sources);
        sources.sort();
        let mut files: Vec<File> = sources
            .iter()
            .map(|p| {
                let rel = p.strip_prefix(&src).unwrap();
                let text = std::fs::read_to_string(p).unwrap();
                File::parse(
                    format!("src/{}", rel.display()),
                    module_of(rel),
                    &strip(&text),
                )
            })
            .collect();
        let modules: HashMap<Vec<String>, usize> = files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.module.clone(), i))
            .collect();
        let mut edges = Vec::new();
        let mut seen = BTreeSet::new();
        // Files declared `#[cfg(test)] mod x;` are tests, like inline test modules.
        let tests: Vec<Vec<String>> = files
            .iter()
            .flat_map(|f| {
                f.test_submodules.iter().map(|m| {
                    let mut p = f.module.clone();
                    p.push(m.clone());
                    p
                })
            })
            .collect();
        for f in &mut files {
            f.test_only = tests.contains(&f.module);
        }
        for (i, f) in files.iter().enumerate() {
            if f.test_only {
                continue;
            }
            for (path, line, text) in &f.paths {
                if let Some(to) = resolve(&files, &modules, path, 0) {
                    // One edge per pair of files, at its first import.
                    if to != i && !files[to].test_only && seen.insert((i, to)) {
                        edges.push(Edge {
                            from: i,
                            to,
                            line: *line,
                            text: text.clone(),
                        });
                    }
                }
            }
        }
        for f in &mut files {
            f.paths.clear();
        }
        Graph { files, edges }
    }

    /// Strongly connected components (Tarjan), each a list of files.
    fn components(&self) -> Vec<Vec<usize>> {
        let n = self.files.len();
        let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
        for e in &self.edges {
            out[e.from].push(e.to);
        }
        struct T<'a> {
            out: &'a [Vec<usize>],
            index: Vec<Option<usize>>,
            low: Vec<usize>,
            on: Vec<bool>,
            stack: Vec<usize>,
            next: usize,
            comps: Vec<Vec<usize>>,
        }
        fn visit(t: &mut T, v: usize) {
            t.index[v] = Some(t.next);
            t.low[v] = t.next;
            t.next += 1;
            t.stack.push(v);
            t.on[v] = true;
            for &w in &t.out[v] {
                match t.index[w] {
                    None => {
                        visit(t, w);
                        t.low[v] = t.low[v].min(t.low[w]);
                    }
                    Some(iw) if t.on[w] => t.low[v] = t.low[v].min(iw),
                    _ => {}
                }
            }
            if Some(t.low[v]) == t.index[v] {
                let mut comp = Vec::new();
                loop {
                    let w = t.stack.pop().unwrap();
                    t.on[w] = false;
                    comp.push(w);
                    if w == v {
                        break;
                    }
                }
                t.comps.push(comp);
            }
        }
        let mut t = T {
            out: &out,
            index: vec![None; n],
            low: vec![0; n],
            on: vec![false; n],
            stack: Vec::new(),
            next: 0,
            comps: Vec::new(),
        };
        for v in 0..n {
            if t.index[v].is_none() {
                visit(&mut t, v);
            }
        }
        t.comps
    }
}

/// The file an absolute path lands in: the deepest module on the path, then through `use`
/// bindings and globs of that module when the next name is not defined there.
fn resolve(
    files: &[File],
    modules: &HashMap<Vec<String>, usize>,
    path: &[String],
    depth: usize,
) -> Option<usize> {
    let (at, file) = (0..=path.len())
        .rev()
        .find_map(|k| modules.get(&path[..k]).map(|&f| (k, f)))?;
    let Some(name) = path.get(at) else {
        return Some(file);
    };
    let f = &files[file];
    if depth > 8 || f.defines.contains(name) {
        return Some(file);
    }
    if let Some(target) = f.bindings.get(name) {
        if target.as_slice() != path {
            let mut next = target.clone();
            next.extend_from_slice(&path[at + 1..]);
            return resolve(files, modules, &next, depth + 1).or(Some(file));
        }
    }
    for g in &f.globs {
        let mut next = g.clone();
        next.extend_from_slice(&path[at..]);
        if let Some(t) = resolve(files, modules, &next, depth + 1) {
            if files[t].defines.contains(name) || t != modules.get(g.as_slice()).copied()? {
                return Some(t);
            }
        }
    }
    Some(file)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            if p.file_name().unwrap() != "bin" || p.parent().unwrap().file_name().unwrap() != "src"
            {
                collect(&p, out);
            }
        } else if p.extension().is_some_and(|e| e == "rs") && p.file_name().unwrap() != "tests.rs" {
            out.push(p);
        }
    }
}

fn module_of(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|s| s.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap();
    let stem = last.trim_end_matches(".rs");
    if !matches!(stem, "lib" | "main" | "mod") {
        parts.push(stem.to_string());
    }
    parts
}

/// The source with comments, string and char literals and `#[cfg(test)]` modules blanked out
/// (newlines kept, so positions still give line numbers).
fn strip(src: &str) -> String {
    let b: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(b[i]));
                    i += 1;
                }
            }
        } else if c == 'r'
            && (next == Some('"') || next == Some('#'))
            && !b[..i]
                .last()
                .is_some_and(|p| p.is_alphanumeric() || *p == '_')
        {
            // A raw string: r"…", r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            while j < b.len() {
                if b[j] == '"' && (0..hashes).all(|h| b.get(j + 1 + h) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            for &ch in &b[i..j.min(b.len())] {
                out.push(blank(ch));
            }
            i = j;
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < b.len() {
                    out.push(blank(b[i]));
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
        } else if c == '\'' && (next == Some('\\') || b.get(i + 2) == Some(&'\'')) {
            // A char literal, not a lifetime.
            let mut j = i + 1;
            if b[j] == '\\' {
                j += 2;
            } else {
                j += 1;
            }
            while j < b.len() && b[j] != '\'' {
                j += 1;
            }
            for _ in i..=j.min(b.len() - 1) {
                out.push(' ');
            }
            i = j + 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// The names of `#[cfg(test)] mod x;` declarations.
fn test_module_files(s: &str) -> Vec<String> {
    s.match_indices("#[cfg(test)]")
        .filter_map(|(at, _)| {
            let decl = s[at + 12..].trim_start().strip_prefix("mod ")?;
            let end = decl.find(['{', ';'])?;
            (decl.as_bytes()[end] == b';').then(|| decl[..end].trim().to_string())
        })
        .collect()
}

fn blank_test_modules(mut s: String) -> String {
    // An item under `#[cfg(test)]` (a module, a function) runs only in tests: blank it through
    // its closing brace, or through its `;`.
    while let Some(at) = s.find("#[cfg(test)]") {
        let body = at + 12;
        let Some(open) = s[body..].find(['{', ';']).map(|k| body + k) else {
            break;
        };
        let mut end = open + 1;
        if s.as_bytes()[open] == b'{' {
            let mut depth = 0;
            for (k, ch) in s[open..].char_indices() {
                match ch {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            end = open + k + 1;
                            break;
                        }
                    }
                    _ => {}
                }
            }
        }
        let blanked: String = s[at..end]
            .chars()
            .map(|c| if c == '\n' { '\n' } else { ' ' })
            .collect();
        s.replace_range(at..end, &blanked);
    }
    s
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

impl File {
    fn parse(rel: String, module: Vec<String>, text: &str) -> File {
        let test_submodules = test_module_files(text);
        let text = &blank_test_modules(text.to_string());
        let chars: Vec<char> = text.chars().collect();
        let line_at = |pos: usize| chars[..pos].iter().filter(|&&c| c == '\n').count() + 1;
        let mut f = File {
            rel,
            module,
            bindings: HashMap::new(),
            globs: Vec::new(),
            defines: BTreeSet::new(),
            submodules: BTreeSet::new(),
            test_submodules,
            test_only: false,
            paths: Vec::new(),
        };
        // Items defined here.
        let words = tokens(&chars);
        for w in words.windows(2) {
            if matches!(
                w[0].1.as_str(),
                "struct" | "enum" | "fn" | "const" | "static" | "type" | "trait" | "mod" | "union"
            ) || (w[0].1 == "macro_rules" && w[1].1 == "!")
            {
                f.defines.insert(w[1].1.clone());
                if w[0].1 == "mod" {
                    f.submodules.insert(w[1].1.clone());
                }
            }
        }
        for w in words.windows(3) {
            if w[0].1 == "macro_rules" {
                f.defines.insert(w[2].1.clone());
            }
        }
        // `use` trees: bindings, globs, and their paths.
        let mut use_spans = Vec::new();
        for (k, (pos, word)) in words.iter().enumerate() {
            if word != "use" || k > 0 && words[k - 1].1 == "::" {
                continue;
            }
            let end = (*pos..chars.len())
                .find(|&j| chars[j] == ';')
                .unwrap_or(chars.len());
            let tree: String = chars[pos + 3..end].iter().collect();
            use_spans.push((*pos, end));
            let line = line_at(*pos);
            for (path, alias) in use_tree(&tree) {
                let Some(abs) = f.absolute(&path) else {
                    continue;
                };
                let shown = path.join("::");
                match alias.as_deref() {
                    Some("*") => f.globs.push(abs.clone()),
                    Some("_") => {}
                    Some(a) => {
                        f.bindings.insert(a.to_string(), abs.clone());
                    }
                    None => {
                        if let Some(last) = abs.last() {
                            f.bindings.insert(last.clone(), abs.clone());
                        }
                    }
                }
                f.paths.push((abs, line, format!("use {shown}")));
            }
        }
        // Paths outside `use`: `crate::a::b`, `super::x`, `bound::x`.
        let mut k = 0;
        while k < words.len() {
            let (pos, ref w) = words[k];
            let in_use = use_spans.iter().any(|&(s, e)| pos >= s && pos <= e);
            let after_colons = k > 0 && words[k - 1].1 == "::";
            if !in_use && !after_colons && words.get(k + 1).is_some_and(|n| n.1 == "::") {
                let mut path = vec![w.clone()];
                let mut j = k + 1;
                while words.get(j).is_some_and(|n| n.1 == "::")
                    && words.get(j + 1).is_some_and(|n| n.1 != "::" && n.1 != "<")
                {
                    path.push(words[j + 1].1.clone());
                    j += 2;
                }
                let starts = matches!(w.as_str(), "crate" | "super" | "self" | "$crate")
                    || f.bindings.contains_key(w)
                    || f.submodules.contains(w);
                if starts {
                    if let Some(abs) = f.absolute(&path) {
                        let text = path.join("::");
                        f.paths.push((abs, line_at(pos), text));
                    }
                }
                k = j;
            } else {
                k += 1;
            }
        }
        f
    }

    /// A path made absolute from the crate root, or `None` for another crate's path.
    fn absolute(&self, path: &[String]) -> Option<Vec<String>> {
        let first = path.first()?;
        let mut base: Vec<String> = match first.as_str() {
            "crate" | "$crate" => Vec::new(),
            "self" => self.module.clone(),
            "super" => {
                let mut m = self.module.clone();
                let mut rest = path;
                while rest.first().is_some_and(|s| s == "super") {
                    m.pop()?;
                    rest = &rest[1..];
                }
                m.extend(rest.iter().cloned());
                return Some(m);
            }
            other if self.submodules.contains(other) => {
                let mut m = self.module.clone();
                m.push(other.to_string());
                m
            }
            other => match self.bindings.get(other) {
                Some(abs) => {
                    let mut m = abs.clone();
                    m.extend(path[1..].iter().cloned());
                    return Some(m);
                }
                None => return None,
            },
        };
        base.extend(path[1..].iter().cloned());
        Some(base)
    }
}

/// Identifiers and the punctuation that matters (`::`, `{`, `}`, `,`, `*`, `!`, `<`), with
/// their char positions.
fn tokens(chars: &[char]) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if is_ident(c) || (c == '$' && chars.get(i + 1) == Some(&'c')) {
            let start = i;
            i += 1;
            while i < chars.len() && is_ident(chars[i]) {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let word = word.strip_prefix("r#").map(str::to_string).unwrap_or(word);
            out.push((start, word));
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            out.push((i, "::".into()));
            i += 2;
        } else {
            if matches!(c, '{' | '}' | ',' | '*' | '!' | '<' | ';') {
                out.push((i, c.to_string()));
            }
            i += 1;
        }
    }
    out
}

/// The leaves of a `use` tree, each a path and its alias (`*` for a glob).
fn use_tree(tree: &str) -> Vec<(Vec<String>, Option<String>)> {
    let chars: Vec<char> = tree.chars().collect();
    let toks: Vec<String> = tokens(&chars).into_iter().map(|t| t.1).collect();
    let mut out = Vec::new();
    let mut pos = 0;
    parse_tree(&toks, &mut pos, Vec::new(), &mut out);
    out
}

fn parse_tree(
    toks: &[String],
    pos: &mut usize,
    prefix: Vec<String>,
    out: &mut Vec<(Vec<String>, Option<String>)>,
) {
    let mut path = prefix;
    while *pos < toks.len() {
        let t = toks[*pos].as_str();
        match t {
            "{" => {
                *pos += 1;
                loop {
                    parse_tree(toks, pos, path.clone(), out);
                    match toks.get(*pos).map(String::as_str) {
                        Some(",") => {
                            *pos += 1;
                            if toks.get(*pos).map(String::as_str) == Some("}") {
                                *pos += 1;
                                return;
                            }
                        }
                        Some("}") => {
                            *pos += 1;
                            return;
                        }
                        _ => return,
                    }
                }
            }
            "*" => {
                *pos += 1;
                out.push((path, Some("*".into())));
                return;
            }
            "::" => *pos += 1,
            "," | "}" => break,
            "self" if !path.is_empty() => {
                *pos += 1;
                let alias = alias(toks, pos);
                let name = alias.or_else(|| path.last().cloned());
                out.push((path, name));
                return;
            }
            _ => {
                path.push(t.to_string());
                *pos += 1;
                if toks.get(*pos).map(String::as_str) != Some("::") {
                    let alias = alias(toks, pos);
                    out.push((path, alias));
                    return;
                }
            }
        }
    }
    if !path.is_empty() {
        out.push((path, None));
    }
}

fn alias(toks: &[String], pos: &mut usize) -> Option<String> {
    if toks.get(*pos).map(String::as_str) == Some("as") {
        *pos += 2;
        toks.get(*pos - 1).cloned()
    } else {
        None
    }
}
