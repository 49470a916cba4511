//! Every operation of the catalogue reaches C twice: through `agor_call`, and as a typed
//! function `agor_<name>`, `agor_actor_<name>` or `agor_store_<name>` declared in the committed header. This test
//! fails when an operation is added to the core without its C function.

use std::path::Path;

#[test]
fn every_catalogue_operation_has_a_typed_c_function() {
    let header =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../include/agor.h"))
            .expect("include/agor.h is readable");
    let declared = |f: &str| header.contains(&format!(" {f}("));
    let missing: Vec<_> = agor_core::ops::names()
        .iter()
        .filter(|n| {
            ["agor_", "agor_actor_", "agor_store_"]
                .iter()
                .all(|prefix| !declared(&format!("{prefix}{n}")))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "operations without a typed C function: {missing:?}"
    );
    assert!(declared("agor_call") && declared("agor_operations"));
}
