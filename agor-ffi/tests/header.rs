//! Keeps the committed C header `include/agor.h` in step with the Rust entry points.
//! Fails when it is stale; `AGOR_BLESS=1 cargo test -p agor-ffi --test header` rewrites it.

use std::path::Path;

fn generate() -> String {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("agor-ffi/cbindgen.toml is readable and valid");
    let mut out = Vec::new();
    cbindgen::Builder::new()
        .with_crate(crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header")
        .write(&mut out);
    String::from_utf8(out).expect("cbindgen writes UTF-8")
}

#[test]
fn committed_header_is_up_to_date() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../include/agor.h");
    let fresh = generate();
    if std::env::var_os("AGOR_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &fresh).expect("include/agor.h is writable");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "include/agor.h is stale (or missing): the C API changed without regenerating it.\n\
         Run `AGOR_BLESS=1 cargo test -p agor-ffi --test header` and commit include/agor.h."
    );
}

#[test]
fn header_declares_every_status_and_the_guard() {
    let header = generate();
    assert!(header.contains("#ifndef AGOR_H"));
    for status in agor::agor_status::ALL {
        let name = status.name().to_str().unwrap();
        let line = format!("{name} = {},", status as i32);
        assert!(header.contains(&line), "header lacks `{line}`");
    }
}
