//! Every integration suite of the workspace runs on both engines or says in one place why not:
//! tests/rust/ENGINES.md has one row per suite, and scripts/test.sh takes its PostgreSQL pass
//! from that table. This suite fails when a suite has no row (a new suite would otherwise run on
//! SQLite alone, unseen), a row names no suite, or a row not on both engines gives no reason.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// What a suite may run on; only `both` runs again in the PostgreSQL pass.
const ENGINES: &[&str] = &["both", "sqlite-only", "postgres-only", "engine-free"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn toml(path: &Path) -> toml::Table {
    toml::from_str(&read(path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// One row of the table: (suite, crate, engines, why).
fn rows() -> Vec<(String, String, String, String)> {
    read(&root().join("tests/rust/ENGINES.md"))
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            // `| suite | crate | engines | why |` splits into 6 cells, the outer two empty.
            (cells.len() == 6 && ENGINES.contains(&cells[3])).then(|| {
                (
                    cells[1].to_owned(),
                    cells[2].to_owned(),
                    cells[3].to_owned(),
                    cells[4].to_owned(),
                )
            })
        })
        .collect()
}

/// Every integration suite of the workspace as (suite, crate), and the files they are built
/// from: each crate's `[[test]]` entries and the files of its `tests/` folder (which cargo
/// builds on its own when the crate names none).
fn suites() -> (BTreeSet<(String, String)>, BTreeSet<PathBuf>) {
    let workspace = toml(&root().join("Cargo.toml"));
    let members = workspace["workspace"]["members"].as_array().unwrap();
    let (mut suites, mut files) = (BTreeSet::new(), BTreeSet::new());
    for member in members {
        let member = member.as_str().unwrap();
        let dir = root().join(member);
        let manifest = toml(&dir.join("Cargo.toml"));
        let declared = manifest.get("test").and_then(|t| t.as_array());
        for test in declared.into_iter().flatten() {
            let name = test["name"].as_str().unwrap();
            let path = test.get("path").and_then(|p| p.as_str()).map_or_else(
                || dir.join("tests").join(format!("{name}.rs")),
                |p| dir.join(p),
            );
            suites.insert((name.to_owned(), member.to_owned()));
            files.insert(std::fs::canonicalize(&path).unwrap_or(path));
        }
        let auto = manifest
            .get("package")
            .and_then(|p| p.get("autotests"))
            .and_then(|a| a.as_bool())
            .unwrap_or(true);
        if declared.is_none() && auto {
            for file in rust_files(&dir.join("tests")) {
                let name = file.file_stem().unwrap().to_string_lossy().into_owned();
                suites.insert((name, member.to_owned()));
                files.insert(std::fs::canonicalize(&file).unwrap());
            }
        }
    }
    (suites, files)
}

/// The `.rs` files directly in `dir` (none when it does not exist).
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .collect()
}

#[test]
fn every_suite_has_one_row_and_every_row_one_suite() {
    let rows = rows();
    assert!(!rows.is_empty(), "tests/rust/ENGINES.md has no rows");
    let listed: Vec<(String, String)> = rows.iter().map(|r| (r.0.clone(), r.1.clone())).collect();
    let unique: BTreeSet<_> = listed.iter().cloned().collect();
    assert_eq!(unique.len(), listed.len(), "a suite has two rows");
    let (suites, _) = suites();
    let missing: Vec<_> = suites.difference(&unique).collect();
    let stale: Vec<_> = unique.difference(&suites).collect();
    assert!(
        missing.is_empty(),
        "suites with no row in tests/rust/ENGINES.md (say whether each runs on both engines, \
         and if not, why): {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "rows of tests/rust/ENGINES.md naming no suite: {stale:?}"
    );
}

#[test]
fn a_suite_not_on_both_engines_says_why() {
    for (suite, _, engines, why) in rows() {
        assert_eq!(
            engines == "both",
            why.is_empty(),
            "{suite}: a suite on both engines needs no reason, any other needs one"
        );
    }
}

/// A file in tests/rust that no `[[test]]` builds would never run at all.
#[test]
fn every_file_of_tests_rust_is_a_suite() {
    let (_, files) = suites();
    for file in rust_files(&root().join("tests/rust")) {
        let file = std::fs::canonicalize(&file).unwrap();
        assert!(
            files.contains(&file),
            "{} is built by no [[test]] of any crate",
            file.display()
        );
    }
}

/// The PostgreSQL pass of scripts/test.sh takes its suites from the table, not a list of its
/// own.
#[test]
fn the_postgres_pass_reads_the_table() {
    let script = read(&root().join("scripts/test.sh"));
    assert!(
        script.contains("tests/rust/ENGINES.md"),
        "scripts/test.sh does not read tests/rust/ENGINES.md"
    );
    let suites: BTreeSet<String> = rows().into_iter().map(|r| r.0).collect();
    let words: Vec<&str> = script.split_whitespace().collect();
    for pair in words.windows(2) {
        assert!(
            pair[0] != "--test" || !suites.contains(pair[1]),
            "scripts/test.sh names `--test {}` itself: take it from the table",
            pair[1]
        );
    }
}
