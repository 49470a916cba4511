#!/usr/bin/env bash
# Builds libagor, compiles each C test (test_agor.c: messaging, test_tasks.c: the task board,
# test_backup.c: backups while another process writes, test_operations.c: the functions
# generated from the catalogue)
# against include/agor.h, and runs it three ways: linked to libagor.so, linked to libagor.a,
# and under valgrind (any leak or bad access fails).
# Usage: tests/c/run.sh            (needs cargo, a C99 compiler and valgrind)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
CC="${CC:-gcc}"
CFLAGS=(-std=c99 -Wall -Wextra -Werror -pedantic -g -I "$root/include")

cargo build -p agor-ffi
target="$(cargo metadata --format-version 1 --no-deps |
    sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
lib="$target/debug"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

run() { # run LABEL CMD...: each run gets a fresh scratch directory and $AGOR_DB
    local dir="$work/$1"
    mkdir "$dir"
    echo "== C test: $1"
    shift
    AGOR_DB="$dir/default.db" "$@" "$dir"
}

# A strict run (AGOR_TEST_STRICT=1, which scripts/test.sh sets, or CI=true) skips nothing: a
# part that cannot run fails it (the rule of agor-core/src/test_env.rs and of
# tests/python/conftest.py).
skip() { # skip WHY: says the part cannot run, and fails a strict run
    if [ "${AGOR_TEST_STRICT:-}" = 1 ] || [ "${CI:-}" = true ]; then
        echo "a strict run (AGOR_TEST_STRICT=1 or CI=true) skips nothing: $1" >&2
        exit 1
    fi
    echo "skipped: $1" >&2
}

if ! command -v valgrind >/dev/null; then
    echo "valgrind is not installed (apt-get install valgrind)" >&2
    exit 1
fi
for test in agor tasks backup operations; do
    "$CC" "${CFLAGS[@]}" "tests/c/test_$test.c" -o "$work/${test}_shared" \
        -L "$lib" -lagor -Wl,-rpath,"$lib"
    "$CC" "${CFLAGS[@]}" "tests/c/test_$test.c" -o "$work/${test}_static" \
        "$lib/libagor.a" -lpthread -ldl -lm
    run "$test-shared" "$work/${test}_shared"
    run "$test-static" "$work/${test}_static"
    run "$test-valgrind" valgrind --quiet --leak-check=full --suppressions="$root/tests/c/valgrind.supp" \
        --errors-for-leak-kinds=definite,indirect --error-exitcode=1 "$work/${test}_shared"
done
# Installed as a user would (scripts/install-c.sh, the debug build above) and built through
# pkg-config: the messaging checks against the installed library.
if command -v pkg-config >/dev/null; then
    bash scripts/install-c.sh --debug "$work/prefix" 2>/dev/null
    # shellcheck disable=SC2046  # pkg-config's flags are words
    "$CC" "${CFLAGS[@]}" tests/c/test_agor.c -o "$work/agor_pkgconfig" \
        $(PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig" pkg-config --cflags --libs agor)
    run "agor-pkgconfig" "$work/agor_pkgconfig"
else
    skip "pkg-config is not installed: the installed-library test cannot run"
fi
# The same messaging and task-board checks on PostgreSQL, each in a fresh schema of the server
# at $AGOR_TEST_PG (scripts/test.sh starts one).
if [ -n "${AGOR_TEST_PG:-}" ]; then
    for test in agor tasks operations; do
        schema="c_${test}_$$"
        psql "$AGOR_TEST_PG" -qc "CREATE SCHEMA $schema"
        sep='?'; case "$AGOR_TEST_PG" in *\?*) sep='&';; esac
        AGOR_TEST_DB_URL="$AGOR_TEST_PG${sep}options=-csearch_path%3D$schema" \
            run "$test-postgresql" "$work/${test}_shared"
    done
    echo "C tests passed on PostgreSQL"
else
    skip "AGOR_TEST_PG is not set: the PostgreSQL C tests cannot run"
fi
echo "C tests passed (shared, static, valgrind)"
