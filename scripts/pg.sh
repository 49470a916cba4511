#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for agor's tests and benchmarks.
#
#   scripts/pg.sh start DIR   initdb (first time) + start; prints the URL (one line, stdout)
#   scripts/pg.sh stop DIR    fast shutdown; a no-op when nothing runs there
#   scripts/pg.sh url DIR     prints the URL again
#   scripts/pg.sh status DIR  exit 0 when the cluster in DIR accepts connections
#
# The cluster lives in DIR: DIR/data (the data directory), DIR/server.log, and the server's
# Unix socket DIR/.s.PGSQL.<port>. It listens on no TCP port at all (listen_addresses=''), so
# any number of clusters can run side by side with the same port number: the port only names
# the socket file. Durability is switched off (fsync, synchronous_commit, full_page_writes):
# this is test data, lost without regret if the machine crashes.
#
# Login: superuser `agor`, password `agor-test`, scram-sha-256 even on the socket (so a test
# can check a wrong password is refused); database `agor`, owned by `agor`.
#
# URL: postgresql://agor:agor-test@/agor?host=DIR&port=PORT
# The host part is deliberately empty. With `@localhost/agor?host=DIR` libpq lets the query's
# host replace `localhost`, but rust-postgres (tokio-postgres) appends it: it would first try
# TCP localhost:5432 (possibly somebody else's server) and only then the socket. With an empty
# host both clients see exactly one host, the socket directory.
#
# Binaries: initdb, pg_ctl and postgres from one directory: $AGOR_PG_BINDIR if set, else the
# directory of `pg_ctl` on PATH, else the newest /usr/lib/postgresql/*/bin. When none is found
# and we are root or CI=true, Debian's `postgresql` package is installed (with sudo when not
# root) without leaving its default cluster running; otherwise we stop with a message.
#
# initdb refuses to run as root: as root, the cluster is created and run by the `postgres`
# system user if it exists, else by a system user `agor-pg` created for the purpose. That
# user owns DIR, so it must be able to reach DIR: every parent of DIR must be traversable
# (o+x) by it. /tmp/... and /work/... are; /root/... (0700) is not, and `start` says so.
#
# Environment: AGOR_PG_PORT (default 5433), AGOR_PG_LOCALE (default C: byte-wise default
# collation, deterministic everywhere; set e.g. en_US.UTF-8 to test against a linguistic
# collation), AGOR_PG_BINDIR.
#
# All diagnostics go to stderr; stdout carries only the URL.

set -euo pipefail

PORT="${AGOR_PG_PORT:-5433}"
PG_USER=agor
PG_PASSWORD=agor-test
PG_DB=agor
LOCALE="${AGOR_PG_LOCALE:-C}"

say() { printf 'pg.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

usage() {
    cat >&2 <<'EOF'
usage: scripts/pg.sh start DIR | stop DIR | url DIR | status DIR
EOF
    exit 2
}

is_root() { [ "$(id -u)" -eq 0 ]; }

# Absolute path of DIR without requiring it to exist (realpath -m), no trailing slash.
abspath() {
    local p
    p="$(realpath -m -- "$1")"
    printf '%s' "$p"
}

# Percent-encodes everything but unreserved characters and '/', for the URL's query.
urlencode() {
    local s="$1" out="" c i
    local LC_ALL=C
    for ((i = 0; i < ${#s}; i++)); do
        c="${s:i:1}"
        case "$c" in
            [A-Za-z0-9._~/-]) out+="$c" ;;
            *) out+="$(printf '%%%02X' "'$c")" ;;
        esac
    done
    printf '%s' "$out"
}

url_for() {
    local dir="$1" port="$2"
    printf 'postgresql://%s:%s@/%s?host=%s&port=%s\n' \
        "$PG_USER" "$PG_PASSWORD" "$PG_DB" "$(urlencode "$dir")" "$port"
}

# The port a cluster in DIR was started with (recorded at start), else the configured one.
port_of() {
    local dir="$1"
    if [ -f "$dir/port" ]; then cat "$dir/port"; else printf '%s' "$PORT"; fi
}

# --- finding (or installing) the server binaries -------------------------------------------

has_server_bins() {
    [ -x "$1/initdb" ] && [ -x "$1/pg_ctl" ] && [ -x "$1/postgres" ]
}

find_bindir() {
    local cand d
    if [ -n "${AGOR_PG_BINDIR:-}" ]; then
        has_server_bins "$AGOR_PG_BINDIR" && { printf '%s' "$AGOR_PG_BINDIR"; return 0; }
        say "AGOR_PG_BINDIR=$AGOR_PG_BINDIR lacks initdb, pg_ctl or postgres"
        return 2
    fi
    # pg_ctl on PATH may be a symlink (e.g. /usr/local/bin/pg_ctl -> /usr/lib/postgresql/15/bin);
    # its real directory holds initdb and postgres too.
    if cand="$(command -v pg_ctl 2>/dev/null)"; then
        d="$(dirname -- "$(realpath -- "$cand")")"
        has_server_bins "$d" && { printf '%s' "$d"; return 0; }
    fi
    # Debian/Ubuntu: /usr/lib/postgresql/<major>/bin, newest major first.
    for d in $(ls -1d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4,4 -V -r); do
        has_server_bins "$d" && { printf '%s' "$d"; return 0; }
    done
    return 1
}

install_postgresql() {
    local sudo="" policy=/usr/sbin/policy-rc.d own_policy=0
    if ! is_root; then
        command -v sudo >/dev/null || die "PostgreSQL is not installed and sudo is missing; install Debian's postgresql package"
        sudo="sudo"
    fi
    command -v apt-get >/dev/null || die "PostgreSQL is not installed and apt-get is missing; install PostgreSQL (initdb, pg_ctl, postgres) or set AGOR_PG_BINDIR"
    say "installing Debian's postgresql package (apt-get)"
    # policy-rc.d exit 101 = "action forbidden": the package's postinst must not start its
    # default cluster (invoke-rc.d and deb-systemd-invoke both honour it).
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
        $sudo chmod 0755 "$policy"
        own_policy=1
    fi
    local rc=0
    {
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
            $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql
    } >&2 || rc=$?
    if [ "$own_policy" -eq 1 ]; then $sudo rm -f "$policy"; fi
    # Belt and braces: whatever the package started (systemd may ignore policy-rc.d on some
    # hosts), stop it. We only install when no server existed, so every online cluster is new.
    if command -v pg_lsclusters >/dev/null; then
        local ver name rest
        while read -r ver name rest; do
            case "$rest" in
                *online*) say "stopping the package's default cluster $ver/$name"
                          $sudo pg_ctlcluster "$ver" "$name" stop >&2 || true ;;
            esac
        done < <(pg_lsclusters -h 2>/dev/null || true)
    fi
    if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
        $sudo systemctl stop postgresql >/dev/null 2>&1 || true
    fi
    [ "$rc" -eq 0 ] || die "apt-get install postgresql failed (exit $rc)"
}

BINDIR=""
need_bindir() {
    local rc=0
    BINDIR="$(find_bindir)" || rc=$?
    [ "$rc" -eq 0 ] && return 0
    [ "$rc" -eq 1 ] || exit 1 # AGOR_PG_BINDIR is wrong: installing would not help
    if is_root || [ "${CI:-}" = "true" ]; then
        install_postgresql
        BINDIR="$(find_bindir)" || die "installed postgresql but found no initdb/pg_ctl/postgres"
    else
        die "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found on PATH or under /usr/lib/postgresql/*/bin.
  Install them, e.g.: sudo apt-get install postgresql   (or set AGOR_PG_BINDIR)"
    fi
}

# --- running as the cluster's owner ---------------------------------------------------------

# The user the server runs as: ourselves, or (as root) an unprivileged system user.
RUN_AS=""
pick_run_as() {
    if ! is_root; then RUN_AS=""; return; fi
    if id -u postgres >/dev/null 2>&1; then
        RUN_AS=postgres
    else
        if ! id -u agor-pg >/dev/null 2>&1; then
            say "creating system user agor-pg to run the test cluster (initdb refuses root)"
            useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin agor-pg >&2
        fi
        RUN_AS=agor-pg
    fi
}

# Runs a command as user $1 (root only).
run_as_user() {
    local user="$1"; shift
    if command -v runuser >/dev/null; then
        runuser -u "$user" -- "$@"
    else
        su -s /bin/sh "$user" -c '"$0" "$@"' "$@"
    fi
}

# Runs a command as RUN_AS (or as ourselves), from DIR so no inaccessible cwd (/root) bothers it.
as_owner() {
    if [ -z "$RUN_AS" ]; then
        (cd "$DIR" && "$@")
    else
        (cd "$DIR" && run_as_user "$RUN_AS" "$@")
    fi
}

# --- commands --------------------------------------------------------------------------------

show_log_tail() {
    if [ -f "$DIR/server.log" ]; then
        say "last lines of $DIR/server.log:"
        tail -n 30 "$DIR/server.log" >&2 || true
    fi
}

psql_admin() {
    # Connects to the `postgres` database as agor over the socket.
    PGPASSWORD="$PG_PASSWORD" PGCONNECT_TIMEOUT=10 "$BINDIR/psql" -X -q -A -t -v ON_ERROR_STOP=1 \
        -h "$DIR" -p "$PORT" -U "$PG_USER" -d postgres "$@"
}

is_running() {
    [ -f "$DIR/data/postmaster.pid" ] || return 1
    as_owner "$BINDIR/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1
}

cmd_start() {
    need_bindir
    pick_run_as
    # The socket path (DIR/.s.PGSQL.PORT) must fit sockaddr_un.sun_path (108 bytes with NUL).
    local sock="$DIR/.s.PGSQL.$PORT"
    [ "${#sock}" -le 107 ] || die "socket path $sock is longer than 107 bytes; use a shorter DIR"

    mkdir -p -- "$DIR"
    if [ -n "$RUN_AS" ]; then
        chown "$RUN_AS": "$DIR"
        chmod 0755 "$DIR"
        # The owner needs every parent of DIR to be traversable.
        if ! run_as_user "$RUN_AS" test -w "$DIR" -a -x "$DIR" 2>/dev/null; then
            local p="$DIR" blockers=""
            while [ "$p" != "/" ]; do
                p="$(dirname -- "$p")"
                run_as_user "$RUN_AS" test -x "$p" 2>/dev/null || blockers="$p $blockers"
            done
            die "user $RUN_AS cannot reach $DIR (no search permission on: ${blockers:-?}).
  Pick a DIR under /tmp, or chmod o+x the directories listed."
        fi
    fi

    # A data directory without our marker is what a start that failed half-way left: redo it.
    if [ -d "$DIR/data" ] && [ ! -f "$DIR/.initialized" ]; then
        if is_running; then as_owner "$BINDIR/pg_ctl" -D "$DIR/data" -m immediate -w stop >&2 || true; fi
        say "removing the half-made cluster in $DIR/data"
        rm -rf -- "$DIR/data"
    fi

    # An existing cluster keeps the port it was made with (it is in its postgresql.conf).
    if [ -f "$DIR/data/PG_VERSION" ]; then PORT="$(port_of "$DIR")"; fi

    if is_running; then
        say "already running in $DIR"
        url_for "$DIR" "$(port_of "$DIR")"
        return 0
    fi

    if [ ! -f "$DIR/data/PG_VERSION" ]; then
        local pwfile="$DIR/.pwfile"
        printf '%s\n' "$PG_PASSWORD" >"$pwfile"
        chmod 0600 "$pwfile"
        [ -z "$RUN_AS" ] || chown "$RUN_AS": "$pwfile"
        local rc=0
        as_owner "$BINDIR/initdb" -D "$DIR/data" -U "$PG_USER" --pwfile="$pwfile" \
            --auth-local=scram-sha-256 --auth-host=scram-sha-256 \
            --encoding=UTF8 --locale="$LOCALE" --no-instructions >"$DIR/initdb.log" 2>&1 || rc=$?
        rm -f -- "$pwfile"
        if [ "$rc" -ne 0 ]; then
            say "initdb failed (exit $rc):"
            tail -n 30 "$DIR/initdb.log" >&2 || true
            exit 1
        fi
        # Included last, so these settings win over initdb's.
        cat >>"$DIR/data/postgresql.conf" <<EOF

# --- agor test cluster (scripts/pg.sh) ---
listen_addresses = ''
unix_socket_directories = '$DIR'
unix_socket_permissions = 0777
port = $PORT
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
# Dynamic shared memory in files of the data dir: containers often have a tiny /dev/shm.
dynamic_shared_memory_type = mmap
logging_collector = off
log_min_messages = warning
EOF
    fi
    printf '%s\n' "$PORT" >"$DIR/port"

    local rc=0
    as_owner "$BINDIR/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -s -w -t 60 start >&2 || rc=$?
    if [ "$rc" -ne 0 ]; then
        say "pg_ctl start failed (exit $rc)"
        show_log_tail
        exit 1
    fi
    # pg_ctl -w returns once the server accepts connections; make sure it accepts *ours*.
    if [ -x "$BINDIR/pg_isready" ]; then
        local i
        for i in $(seq 1 50); do
            "$BINDIR/pg_isready" -q -h "$DIR" -p "$PORT" && break
            sleep 0.1
        done
    fi

    if [ ! -f "$DIR/.initialized" ]; then
        local exists
        if ! exists="$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'" 2>&1)"; then
            say "cannot connect to the new cluster: $exists"
            show_log_tail
            exit 1
        fi
        if [ "$exists" != "1" ]; then
            psql_admin -c "CREATE DATABASE $PG_DB OWNER $PG_USER" >&2 || {
                say "CREATE DATABASE $PG_DB failed"
                show_log_tail
                exit 1
            }
        fi
        : >"$DIR/.initialized"
    fi
    url_for "$DIR" "$PORT"
}

cmd_stop() {
    [ -f "$DIR/data/postmaster.pid" ] || { say "nothing running in $DIR"; return 0; }
    # Stop as whoever owns the data directory (we may be root; the server is not).
    if is_root; then
        RUN_AS="$(stat -c %U -- "$DIR/data")"
        [ "$RUN_AS" != "root" ] || RUN_AS=""
    fi
    if BINDIR="$(find_bindir 2>/dev/null)"; then
        if as_owner "$BINDIR/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
            as_owner "$BINDIR/pg_ctl" -D "$DIR/data" -m fast -s -w -t 60 stop >&2 ||
                die "pg_ctl stop failed"
        else
            say "nothing running in $DIR (stale postmaster.pid)"
        fi
        return 0
    fi
    # No binaries (removed since start?): SIGINT is PostgreSQL's fast shutdown.
    local pid
    pid="$(head -n 1 -- "$DIR/data/postmaster.pid")"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -INT "$pid"
        local i
        for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
        die "server (pid $pid) did not stop"
    fi
}

cmd_status() {
    [ -f "$DIR/data/postmaster.pid" ] || return 1
    BINDIR="$(find_bindir 2>/dev/null)" || return 1
    "$BINDIR/pg_isready" -q -h "$DIR" -p "$(port_of "$DIR")"
}

[ $# -eq 2 ] || usage
CMD="$1"
DIR="$(abspath "$2")"
case "$CMD" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    url) url_for "$DIR" "$(port_of "$DIR")" ;;
    status) cmd_status ;;
    *) usage ;;
esac
