#!/usr/bin/env bash
# Installs agor's C library for other programs: builds libagor (release unless --debug) and puts
# libagor.so, libagor.a, agor.h and a pkg-config file agor.pc under PREFIX, so a C program
# builds with `pkg-config --cflags --libs agor` (static: `--static`).
# Usage: scripts/install-c.sh [--debug] PREFIX      (e.g. ~/.local or /usr/local)
set -euo pipefail
cd "$(dirname "$0")/.."

profile=release
if [ "${1:-}" = "--debug" ]; then
    profile=debug
    shift
fi
[ $# -eq 1 ] || { echo "usage: scripts/install-c.sh [--debug] PREFIX" >&2; exit 2; }
mkdir -p "$1"
prefix="$(cd "$1" && pwd)"

flags=()
[ "$profile" = release ] && flags=(--release)
echo "==> building libagor ($profile)" >&2
cargo build "${flags[@]}" -p agor-ffi
target="$(cargo metadata --format-version 1 --no-deps |
    sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"

mkdir -p "$prefix/lib/pkgconfig" "$prefix/include"
install -m 755 "$target/$profile/libagor.so" "$prefix/lib/"
install -m 644 "$target/$profile/libagor.a" "$prefix/lib/"
install -m 644 include/agor.h "$prefix/include/"
cat > "$prefix/lib/pkgconfig/agor.pc" <<PC
prefix=$prefix
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: agor
Description: agor's C ABI: coordination for a team of AI coding agents over one SQLite file or PostgreSQL
Version: $version
Libs: -L\${libdir} -lagor -Wl,-rpath,\${libdir}
Libs.private: -lpthread -ldl -lm
Cflags: -I\${includedir}
PC
echo "installed libagor $version ($profile) under $prefix; build with:" >&2
echo "  PKG_CONFIG_PATH=$prefix/lib/pkgconfig cc app.c \$(pkg-config --cflags --libs agor)" >&2
