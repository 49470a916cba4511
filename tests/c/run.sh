#!/usr/bin/env bash
# Builds libagor, compiles the C test against include/agor.h, and runs it three ways: linked
# to libagor.so, linked to libagor.a, and under valgrind (any leak or bad access fails).
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

"$CC" "${CFLAGS[@]}" tests/c/test_agor.c -o "$work/test_shared" \
    -L "$lib" -lagor -Wl,-rpath,"$lib"
"$CC" "${CFLAGS[@]}" tests/c/test_agor.c -o "$work/test_static" \
    "$lib/libagor.a" -lpthread -ldl -lm

run() { # run LABEL CMD...: each run gets a fresh scratch directory and $AGOR_DB
    local dir="$work/$1"
    mkdir "$dir"
    echo "== C test: $1"
    shift
    AGOR_DB="$dir/default.db" "$@" "$dir"
}

run shared "$work/test_shared"
run static "$work/test_static"
if ! command -v valgrind >/dev/null; then
    echo "valgrind is not installed (apt-get install valgrind)" >&2
    exit 1
fi
run valgrind valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite,indirect \
    --error-exitcode=1 "$work/test_shared"
echo "C tests passed (shared, static, valgrind)"
