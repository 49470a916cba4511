#!/usr/bin/env bash
# Writes the release's generated files under dist/ (or $1): shell completions and man pages of
# btmsg, bttask and agor, printed by the commands themselves from their command tables.
#   dist/completions/bash/PROG    (bash-completion's completions folder)
#   dist/completions/zsh/_PROG    (a folder of $fpath)
#   dist/completions/fish/PROG.fish
#   dist/man/man1/PROG.1
# The binaries are target/debug's, built here (the text does not depend on the profile);
# AGOR_BIN_DIR names other ones (e.g. a release build or an installed wheel's bin/).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-dist}
bin=${AGOR_BIN_DIR:-}
if [ -z "$bin" ]; then
    cargo build --quiet -p agor-cli -p agor-mcp --bins
    bin=target/debug
fi
mkdir -p "$out/completions/bash" "$out/completions/zsh" "$out/completions/fish" "$out/man/man1"
for prog in btmsg bttask agor; do
    "$bin/$prog" completions bash >"$out/completions/bash/$prog"
    "$bin/$prog" completions zsh >"$out/completions/zsh/_$prog"
    "$bin/$prog" completions fish >"$out/completions/fish/$prog.fish"
    "$bin/$prog" man >"$out/man/man1/$prog.1"
done
echo "$out: completions (bash, zsh, fish) and man pages of btmsg, bttask and agor"
