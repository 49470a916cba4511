//! Keeps the C ABI's generated files in step with their sources, in the order one feeds the
//! next: `src/operations.rs` (one typed function `agor_op_<name>` per catalogue operation,
//! rendered here from the catalogue's request schemas), then `include/agor.h` (cbindgen over
//! the crate, those functions included). Each test fails when its file is stale;
//! `AGOR_BLESS=1 cargo test -p agor-ffi --test generated` rewrites both.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use agor_core::ops::{catalogue, CallerKind, Operation};
use serde_json::Value;

/// The two files are written in order: the header test waits for the operations file.
static ORDER: Mutex<()> = Mutex::new(());

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn blessing() -> bool {
    std::env::var_os("AGOR_BLESS").is_some_and(|v| v == "1")
}

/// Compares `fresh` with the committed `path`, or rewrites it when blessing.
fn check(path: PathBuf, fresh: &str) {
    if blessing() {
        std::fs::write(&path, fresh)
            .unwrap_or_else(|e| panic!("{} is writable: {e}", path.display()));
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "{} is stale (or missing): its source changed without regenerating it.\n\
         Run `AGOR_BLESS=1 cargo test -p agor-ffi --test generated` and commit the result.",
        path.display()
    );
}

#[test]
fn committed_operations_are_up_to_date() {
    let _order = ORDER.lock().unwrap_or_else(|e| e.into_inner());
    check(crate_dir().join("src/operations.rs"), &render_operations());
}

#[test]
fn committed_header_is_up_to_date() {
    let _order = ORDER.lock().unwrap_or_else(|e| e.into_inner());
    if blessing() {
        // The header is made from the crate's sources, the operations file among them.
        check(crate_dir().join("src/operations.rs"), &render_operations());
    }
    check(crate_dir().join("../include/agor.h"), &header());
}

#[test]
fn header_declares_every_status_the_guard_and_every_operation() {
    let header = header();
    assert!(header.contains("#ifndef AGOR_H"));
    for status in agor::agor_status::ALL {
        let name = status.name().to_str().unwrap();
        let line = format!("{name} = {},", status as i32);
        assert!(header.contains(&line), "header lacks `{line}`");
    }
    for op in catalogue() {
        let f = format!(" agor_op_{}(", op.name);
        assert!(header.contains(&f), "header lacks `{f}`");
    }
    assert!(header.contains(" agor_call(") && header.contains(" agor_operations("));
}

fn header() -> String {
    let config = cbindgen::Config::from_file(crate_dir().join("cbindgen.toml"))
        .expect("agor-ffi/cbindgen.toml is readable and valid");
    let mut out = Vec::new();
    cbindgen::Builder::new()
        .with_crate(crate_dir())
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header")
        .write(&mut out);
    String::from_utf8(out).expect("cbindgen writes UTF-8")
}

/// How one argument crosses from C: its Rust parameter(s) and the `Args` call that takes it.
enum Kind {
    Text {
        optional: bool,
    },
    Int {
        optional: bool,
    },
    Number {
        optional: bool,
    },
    Bool,
    Texts {
        optional: bool,
    },
    /// A list of records (objects), as JSON text.
    Json,
}

fn kind(op: &str, field: &str, schema: &Value, defs: &Value, required: bool) -> Kind {
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let nullable = types.contains(&"null") || !required;
    let main = types.iter().copied().find(|t| *t != "null");
    // Enumerations (`$ref`, alone or with null) travel as their lowercase word.
    let is_ref = schema.get("$ref").is_some()
        || schema["anyOf"]
            .as_array()
            .is_some_and(|alts| alts.iter().any(|a| a.get("$ref").is_some()));
    match main {
        _ if is_ref => Kind::Text { optional: nullable },
        Some("string") => Kind::Text { optional: nullable },
        Some("integer") => Kind::Int { optional: nullable },
        Some("number") => Kind::Number { optional: nullable },
        Some("boolean") => {
            // C passes every flag; that is the operation's default only when it is `false`.
            assert!(
                required || matches!(schema.get("default"), None | Some(Value::Bool(false))),
                "{op}.{field}: a flag whose default is not false needs its own C form"
            );
            Kind::Bool
        }
        Some("array") if records(&schema["items"], defs) => {
            assert!(
                !nullable,
                "{op}.{field}: an optional list of records needs its own C form"
            );
            Kind::Json
        }
        Some("array") => Kind::Texts { optional: nullable },
        _ => panic!("{op}.{field}: no C form for the schema {schema}"),
    }
}

/// Whether array items of schema `items` are records (objects with fields), not words.
fn records(items: &Value, defs: &Value) -> bool {
    let target = match items["$ref"].as_str() {
        Some(r) => &defs[r.rsplit('/').next().unwrap_or_default()],
        None => items,
    };
    target.get("properties").is_some()
}

/// The file, one function a few lines long per operation: its parameters on one line and
/// one `Args` call per argument, so that nothing but the operation's own words repeats (the
/// module is left out of `cargo fmt`, which would spread each over a dozen alike lines).
fn render_operations() -> String {
    let mut out = String::from(
        "//! One typed C function per operation of the catalogue, `agor_op_<name>`: the \
         operation's arguments as C parameters, its response as JSON.\n\
         //! @generated by `agor-ffi/tests/generated.rs` from the catalogue; do not edit. \
         Regenerate with `AGOR_BLESS=1 cargo test -p agor-ffi --test generated`.\n\
         //!\n\
         //! Every function takes `store` and `actor` first (NULL `actor`: the operator on \
         `store`) and `out_response` last: it may be NULL, else it receives the response as \
         JSON (`null` when the operation returns nothing), which the caller frees with \
         `agor_string_free`.\n\
         #![allow(clippy::too_many_arguments)]\n\n\
         use std::ffi::c_char;\n\n\
         use crate::op_args::run;\n\
         use crate::status::agor_status;\n\
         use crate::handles::{agor_actor, agor_store};\n",
    );
    for op in catalogue() {
        render_one(&mut out, &op);
    }
    out
}

fn render_one(out: &mut String, op: &Operation) {
    let request = serde_json::to_value(&op.request).unwrap();
    let required: Vec<&str> = request["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut params = String::new();
    let mut fills = String::new();
    let mut param_docs = String::new();
    let mut pointers = false;
    for &field in op.fields {
        let schema = &request["properties"][field];
        let k = kind(
            op.name,
            field,
            schema,
            &request["$defs"],
            required.contains(&field),
        );
        let doc = schema["description"]
            .as_str()
            .unwrap_or("")
            .replace('\n', " ");
        let doc = doc.trim_end_matches('.');
        let (rust, fill, note) = match k {
            Kind::Text { optional: false } => (
                format!("{field}: *const c_char, "),
                format!("a.text(\"{field}\", {field})?; "),
                "required",
            ),
            Kind::Text { optional: true } => (
                format!("{field}: *const c_char, "),
                format!("a.optional_text(\"{field}\", {field})?; "),
                "NULL: not given",
            ),
            Kind::Int { optional: false } => (
                format!("{field}: i64, "),
                format!("a.value(\"{field}\", {field})?; "),
                "",
            ),
            Kind::Int { optional: true } => (
                format!("{field}: *const i64, "),
                format!("a.optional_value(\"{field}\", {field})?; "),
                "NULL: not given",
            ),
            Kind::Number { optional: false } => (
                format!("{field}: f64, "),
                format!("a.value(\"{field}\", {field})?; "),
                "",
            ),
            Kind::Number { optional: true } => (
                format!("{field}: *const f64, "),
                format!("a.optional_value(\"{field}\", {field})?; "),
                "NULL: not given",
            ),
            Kind::Bool => (
                format!("{field}: bool, "),
                format!("a.value(\"{field}\", {field})?; "),
                "",
            ),
            Kind::Json => (
                format!("{field}: *const c_char, "),
                format!("a.json(\"{field}\", {field})?; "),
                "a JSON array of objects",
            ),
            Kind::Texts { optional } => (
                format!("{field}: *const *const c_char, {field}_len: usize, "),
                if optional {
                    format!("a.optional_texts(\"{field}\", {field}, {field}_len)?; ")
                } else {
                    format!("a.texts(\"{field}\", {field}, {field}_len)?; ")
                },
                if optional {
                    "an array of `_len` strings; NULL: not given"
                } else {
                    "an array of `_len` strings"
                },
            ),
        };
        pointers |= rust.contains('*');
        params.push_str(&rust);
        fills.push_str(&fill);
        let sep = if doc.is_empty() || note.is_empty() {
            ""
        } else {
            "; "
        };
        let line = format!("/// * `{field}`: {doc}{sep}{note}");
        let _ = writeln!(param_docs, "{}", line.trim_end());
    }
    let who = match op.caller {
        CallerKind::Agent => "an agent: pass `actor`",
        CallerKind::Operator => "the operator: pass `store` and a NULL `actor`",
        CallerKind::Either => {
            "the operator (`store`, NULL `actor`) or an agent within its rights (`actor`)"
        }
    };
    let action = op
        .action
        .map(|a| format!(" Permission: `{a}`."))
        .unwrap_or_default();
    let docs: String = op
        .doc
        .lines()
        .map(|l| format!("/// {}\n", l.trim()))
        .collect();
    let body = if fills.is_empty() {
        "|_| Ok(())".to_owned()
    } else if pointers {
        // The header's contract makes these calls sound: every pointer is NULL or valid.
        format!("|a| unsafe {{ {fills}Ok(()) }}")
    } else {
        format!("|a| {{ {fills}Ok(()) }}")
    };
    let _ = write!(
        out,
        "\n{docs}///\n/// Called by {who}.{action}\n{param_docs}\
         #[no_mangle]\n\
         pub unsafe extern \"C\" fn agor_op_{name}(store: Option<&agor_store>, \
         actor: Option<&agor_actor>, {params}out_response: Option<&mut *mut c_char>) \
         -> agor_status {{\n    run(store, actor, out_response, \"{name}\", {body})\n}}\n",
        name = op.name,
    );
}
