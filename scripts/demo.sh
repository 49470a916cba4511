#!/usr/bin/env bash
# Builds agor and runs the demo: agents register, message each other, claim and complete
# tasks, and the board is printed. With no argument the database is thrown away; with a PATH
# it is kept, and running the demo again on it adds another round of work for the same team.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo >/dev/null || { echo "error: cargo is required: install Rust from https://rustup.rs" >&2; exit 1; }
# Not --quiet: the first release build takes a minute or two, and cargo's progress says so.
echo "==> building the demo (release; the first build compiles SQLite and takes a while)" >&2
# A crate of its own on agor-core without PostgreSQL: builds only what the demo runs.
cargo build --release -p agor-demo
echo "==> running it" >&2
exec "${CARGO_TARGET_DIR:-target}/release/agor-demo" "$@"
