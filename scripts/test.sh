#!/usr/bin/env bash
# Runs every test of the project (Rust, Python, C) from a clean checkout; `.ci/run` calls it.
# Installs what it needs: Python tools into a private venv (target/venv), valgrind, gcc and
# pkg-config via apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

step() { printf '\n==> %s\n' "$*"; }

# Either one weakens a check: AGOR_BLESS rewrites the generated header instead of comparing it,
# BTMSG_SESSION_ID changes the session that `btmsg ack` marks messages seen for.
unset AGOR_BLESS BTMSG_SESSION_ID

step "toolchain"
command -v cargo >/dev/null || { echo "cargo is required: install Rust from https://rustup.rs" >&2; exit 1; }
command -v rustfmt >/dev/null || rustup component add rustfmt
cargo clippy --version >/dev/null 2>&1 || rustup component add clippy
# chromium, its driver and a font: the browser tests of `agor serve` (test_serve_browser.py).
if ! command -v valgrind >/dev/null || ! command -v gcc >/dev/null || ! command -v pkg-config >/dev/null \
    || ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    packages=(valgrind gcc pkg-config chromium chromium-driver fonts-dejavu-core)
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && apt-get install -y -qq "${packages[@]}" >/dev/null
    else
        sudo apt-get update -qq && sudo apt-get install -y -qq "${packages[@]}" >/dev/null
    fi
fi
if [ ! -x target/venv/bin/python ]; then
    python3 -m venv target/venv
fi
# Not --quiet: on a first run pip downloads and maturin compiles for a minute or more, and
# its progress is what tells a newcomer that something is happening.
step "Python tools (pip, maturin, pytest, the official MCP client) into target/venv"
target/venv/bin/python -m pip install --upgrade pip "maturin>=1.5,<2" pytest "mcp>=2.3,<3" "selenium>=4.11,<5"
export PATH="$root/target/venv/bin:$PATH"

step "PostgreSQL: a throw-away server for the second engine (scripts/pg.sh)"
# AGOR_TEST_PG=<url> points the tests at a server of your own instead.
pg_url=${AGOR_TEST_PG:-}
unset AGOR_TEST_PG
if [ -z "$pg_url" ]; then
    pgdir=$(mktemp -d "${TMPDIR:-/tmp}/agor-pg.XXXXXX")
    trap 'bash "$root/scripts/pg.sh" stop "$pgdir" >/dev/null 2>&1 || true; rm -rf "$pgdir"' EXIT
    pg_url=$(bash scripts/pg.sh start "$pgdir")
fi
echo "PostgreSQL at $pg_url"

step "format and lint"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings

step "Rust tests (core, CLI, C ABI unit tests, header freshness) on SQLite"
# The domain suites run on SQLite here; what only PostgreSQL has (credentials, schemas,
# LISTEN/NOTIFY) is tested against the server named by AGOR_TEST_PG_SERVER.
AGOR_TEST_PG_SERVER="$pg_url" cargo test --workspace

step "Rust suites again on PostgreSQL (those tests/rust/ENGINES.md marks both; the server from above)"
# The table says which suites run on both engines and why the others do not; the suite
# `engines` fails when a suite has no row there, so a new suite cannot skip this pass unseen.
pg_suites=$(awk -F'|' '{ gsub(/ /, "", $2); gsub(/ /, "", $4) } $4 == "both" { printf " --test %s", $2 }' \
    tests/rust/ENGINES.md)
[ -n "$pg_suites" ] || { echo "tests/rust/ENGINES.md lists no suite for both engines" >&2; exit 1; }
# --workspace, as above: the dependencies keep the same features and are not built again.
# shellcheck disable=SC2086 # one word per --test and per name
AGOR_TEST_PG="$pg_url" cargo test --workspace $pg_suites

step "Python package: pip install . (builds the Rust extension with maturin)"
python -m pip install "$root"

step "Python tests (API on both engines, and the CLI through the console script)"
# Run from outside the tree so `import agor` finds the installed package, not python/.
(cd "$root/tests/python" && AGOR_TEST_PG="$pg_url" python -m pytest -q -rs -p no:cacheprovider .)

step "CLI and MCP server tests against the native binaries"
# `cargo test` builds no binaries for a crate without integration tests.
cargo build --quiet -p agor-cli -p agor-mcp --bins
(cd "$root/tests/python" && AGOR_BTMSG="$root/target/debug/btmsg" AGOR_BTTASK="$root/target/debug/bttask" \
    AGOR_MCP="$root/target/debug/agor" AGOR_TEST_PG="$pg_url" python -m pytest -q -rs -p no:cacheprovider \
    test_cli.py test_bttask.py test_cli_catalogue.py test_principals.py test_cli_postgres.py test_mcp.py \
    test_mcp_hostile.py test_serve.py test_serve_browser.py)

step "first run: scripts/demo.sh twice on a kept database, errors on one line"
bash scripts/check-demo.sh

step "C tests (normal and under valgrind)"
AGOR_TEST_PG="$pg_url" bash tests/c/run.sh

printf '\nall test suites passed\n'
