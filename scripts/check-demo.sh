#!/usr/bin/env bash
# Checks the newcomer's first run: scripts/demo.sh works twice on a kept database, and a
# failure is one `error: …` line with a non-zero exit, not a Rust debug dump.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "check-demo: $*" >&2; exit 1; }

for run in first second; do
    bash scripts/demo.sh "$tmp/team.db" >"$tmp/out" 2>"$tmp/err" \
        || fail "the $run run on a kept database failed: $(cat "$tmp/err")"
    grep -q "^== board" "$tmp/out" || fail "the $run run printed no board"
done
grep -q "already registered" "$tmp/out" || fail "the second run did not notice the team"

head -c 4000 /dev/urandom >"$tmp/junk.db"
if bash scripts/demo.sh "$tmp/junk.db" >/dev/null 2>"$tmp/err"; then
    fail "the demo accepted a file that is not a database"
fi
# What the demo itself printed, after cargo's build output and the script's progress lines.
printed=$(grep -v -e '^==> ' -e '^ *\(Compiling\|Finished\|Blocking\|Updating\|Downloaded\|Downloading\|Locking\)' "$tmp/err")
[ "$(printf '%s\n' "$printed" | wc -l)" -eq 1 ] || fail "the error is not one line: $printed"
case $printed in
    error:*) ;;
    *) fail "the error line does not start with 'error:': $printed" ;;
esac
echo "demo: re-runnable on a kept database, errors on one line"
