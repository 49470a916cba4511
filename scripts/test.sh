#!/usr/bin/env bash
# Runs every test of the project (Rust, Python, C) from a clean checkout; `.ci/run` calls it.
# Installs what it needs: Python tools into a private venv (target/venv), valgrind, gcc,
# pkg-config, zsh and fish via apt-get. The Python and CLI tests run against the release wheel,
# installed into a fresh venv outside the tree.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

step() { printf '\n==> %s\n' "$*"; }

# A strict run: a test that cannot check what it is for (no PostgreSQL server, no other OS
# user to switch to, a missing tool or Python package) fails instead of skipping, in every
# language (agor-core/src/test_env.rs, tests/python/conftest.py, tests/c/run.sh); so does any
# pytest skip. Outside this script (and without CI=true) they skip, for a partial setup (a
# user switch only with AGOR_TEST_ALLOW_SKIP=1).
export AGOR_TEST_STRICT=1
# Either one weakens a check: AGOR_BLESS rewrites the generated header instead of comparing it,
# BTMSG_SESSION_ID changes the session that `btmsg ack` marks messages seen for.
unset AGOR_BLESS BTMSG_SESSION_ID

step "toolchain"
command -v cargo >/dev/null || { echo "cargo is required: install Rust from https://rustup.rs" >&2; exit 1; }
command -v rustfmt >/dev/null || rustup component add rustfmt
cargo clippy --version >/dev/null 2>&1 || rustup component add clippy
# zsh and fish check the syntax of the generated completion scripts (tests/python/test_release.py);
# chromium, its driver and a font run the browser tests of `agor serve` (test_serve_browser.py).
if ! command -v valgrind >/dev/null || ! command -v gcc >/dev/null || ! command -v pkg-config >/dev/null \
    || ! command -v zsh >/dev/null || ! command -v fish >/dev/null \
    || ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    packages=(valgrind gcc pkg-config zsh fish chromium chromium-driver fonts-dejavu-core)
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
target/venv/bin/python -m pip install --upgrade pip "maturin>=1.5,<2" pytest "mcp>=2.3,<3"
export PATH="$root/target/venv/bin:$PATH"

# Throw-away folders outside the tree (the PostgreSQL server's, the wheel's venv), removed on exit.
pgdir=""
wheeldir=$(mktemp -d "${TMPDIR:-/tmp}/agor-wheel.XXXXXX")
cleanup() {
    if [ -n "$pgdir" ]; then
        bash "$root/scripts/pg.sh" stop "$pgdir" >/dev/null 2>&1 || true
        rm -rf "$pgdir"
    fi
    rm -rf "$wheeldir"
}
trap cleanup EXIT

step "PostgreSQL: a throw-away server for the second engine (scripts/pg.sh)"
# AGOR_TEST_PG=<url> points the tests at a server of your own instead.
pg_url=${AGOR_TEST_PG:-}
unset AGOR_TEST_PG
if [ -z "$pg_url" ]; then
    pgdir=$(mktemp -d "${TMPDIR:-/tmp}/agor-pg.XXXXXX")
    pg_url=$(bash scripts/pg.sh start "$pgdir")
fi
echo "PostgreSQL at $pg_url"

step "format and lint"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
# The API docs build without a warning (about 2 minutes: a check build of the dependencies).
RUSTDOCFLAGS="-D warnings" cargo doc --quiet --workspace --no-deps

step "crates: cargo package for each publishable crate (agor-py and agor-demo are publish = false)"
# --no-verify: the tests below build the same sources; this checks the metadata, the versioned
# path dependencies and the file lists (--allow-dirty: a run on uncommitted edits packages them).
cargo package --quiet --no-verify --allow-dirty -p agor-core -p agor-cli -p agor-mcp -p agor-ffi

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

step "Python package: the release wheel (maturin build --release, abi3) and the sdist"
# Built once, and what the tests below run is this wheel installed in a fresh venv outside the
# tree (not python/ of the checkout): the extension, the package and the console scripts.
rm -rf target/wheels
maturin build --release --out target/wheels
maturin sdist --out target/wheels
wheel=$(ls target/wheels/agor_coord-*.whl)
sdist=$(ls target/wheels/agor_coord-*.tar.gz)
ls -l target/wheels
python3 -m venv "$wheeldir/venv"
"$wheeldir/venv/bin/python" -m pip install --quiet --upgrade pip
# psycopg: the plain-SQL floor of benches/pg_bench.py (its smoke run below skips without it).
"$wheeldir/venv/bin/python" -m pip install --quiet "$wheel" pytest "mcp>=2.3,<3" "selenium>=4.11,<5" \
    "psycopg[binary]>=3.1,<4"
wheelpy="$wheeldir/venv/bin/python"

step "native binaries, the C library and the generated files (scripts/dist.sh)"
# `cargo test` builds no binaries for a crate without integration tests; the C library
# (target/debug/libagor.so) reports its version to test_release.py, which also compares dist/
# with what the commands print.
cargo build --quiet -p agor-cli -p agor-mcp -p agor-ffi
bash scripts/dist.sh "$wheeldir/dist"
export AGOR_SDIST="$root/$sdist" AGOR_DIST="$wheeldir/dist"

step "Python tests (API on both engines, and the CLI through the installed console scripts)"
# Run from outside the tree so `import agor` finds the installed package, not python/; the
# wheel's venv first on PATH so `btmsg`, `bttask` and `agor` are its console scripts.
(cd "$root/tests/python" && PATH="$wheeldir/venv/bin:$PATH" AGOR_TEST_PG="$pg_url" \
    "$wheelpy" -m pytest -q -rs -p no:cacheprovider .)

step "CLI and MCP server tests against the native binaries; completions and man pages"
(cd "$root/tests/python" && AGOR_BTMSG="$root/target/debug/btmsg" AGOR_BTTASK="$root/target/debug/bttask" \
    AGOR_MCP="$root/target/debug/agor" AGOR_TEST_PG="$pg_url" \
    "$wheelpy" -m pytest -q -rs -p no:cacheprovider \
    test_cli.py test_bttask.py test_cli_catalogue.py test_principals.py test_cli_postgres.py test_mcp.py \
    test_mcp_hostile.py test_mcp_resources.py test_serve.py test_serve_browser.py test_release.py)

step "benchmarks, a smoke run (benches/run.py --quick: small sizes, asserts no speed)"
AGOR_BTMSG="$root/target/debug/btmsg" AGOR_MCP="$root/target/debug/agor" \
    "$wheelpy" benches/run.py --quick --out "$root/target/bench/QUICK.md"

step "first run: scripts/demo.sh twice on a kept database, errors on one line"
bash scripts/check-demo.sh

step "C tests (normal and under valgrind)"
AGOR_TEST_PG="$pg_url" bash tests/c/run.sh

printf '\nall test suites passed\n'
