#!/usr/bin/env bash
# Builds agor and runs the demo on a throw-away database: agents register, message each other,
# claim and complete tasks, and the board is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo >/dev/null || { echo "cargo is required: install Rust from https://rustup.rs" >&2; exit 1; }
exec cargo run --quiet --release -p agor-core --example demo -- "$@"
