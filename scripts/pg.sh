#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster on 127.0.0.1 for the tests and benchmarks.
#
#   scripts/pg.sh start    initialise (first time) and start; idempotent; last line is the URL
#   scripts/pg.sh stop     fast shutdown; harmless when not running
#   scripts/pg.sh url      print postgresql://caseledger:caseledger@127.0.0.1:PORT/caseledger
#   scripts/pg.sh status   exit 0 if running, 3 if not
#   scripts/pg.sh destroy  stop and delete the cluster
#
# initdb and postgres refuse to run as root, so as root they run as the `postgres` OS user
# (created if missing) in directories that user owns; as anyone else they run as that user.
# The cluster lives in <repo>/.pg, or in /tmp/caseledger-pg-<uid>-<hash of repo path> when the
# `postgres` user cannot reach the repository (or its path is too long for a Unix socket).
# It is fast and unsafe on purpose (fsync=off): it holds nothing worth keeping.
#
# Environment:
#   CASELEDGER_PG_BASE   use this directory for the cluster instead
#   CASELEDGER_PG_PORT   preferred port (default 54329; another free one is used if it is taken)
#   CASELEDGER_PG_LEASE  id of a live process using the server (`make test` passes its shell's
#                        pid): `stop` then leaves the server running while other leases are alive,
#                        so two concurrent `make test` runs in one checkout do not stop each other.
#   PGBIN                PostgreSQL binaries (default /usr/lib/postgresql/15/bin)
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PREFERRED_PORT=${CASELEDGER_PG_PORT:-54329}
DB_ROLE=caseledger
DB_PASSWORD=caseledger
DB_NAME=caseledger
OS_USER=postgres

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)

log() { printf 'pg.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

if [ "$(id -u)" -eq 0 ]; then AS_ROOT=1; else AS_ROOT=0; fi

# Run a PostgreSQL server-side program as the user that owns the cluster.
# `cd /` so that the programs do not complain about an unreadable working directory.
# Close the lock descriptor (fd 9): the server would otherwise inherit it and hold the lock.
as_owner() {
    if [ "$AS_ROOT" -eq 1 ]; then
        (cd / && runuser -u "$OS_USER" -- "$@") 9>&-
    else
        "$@" 9>&-
    fi
}

# The cluster directory: deterministic for a given checkout, so `stop` finds what `start` made.
choose_base() {
    if [ -n "${CASELEDGER_PG_BASE:-}" ]; then
        printf '%s\n' "$CASELEDGER_PG_BASE"
        return
    fi
    local in_repo=$REPO_ROOT/.pg
    # Unix socket paths are limited to 107 bytes: <base>/run/.s.PGSQL.NNNNN must fit.
    local reachable=1
    if [ "${#in_repo}" -gt 80 ]; then
        reachable=0
    elif [ "$AS_ROOT" -eq 1 ] && id -u "$OS_USER" >/dev/null 2>&1 \
        && ! (cd / && runuser -u "$OS_USER" -- test -x "$REPO_ROOT") 2>/dev/null; then
        reachable=0
    fi
    if [ "$reachable" -eq 1 ]; then
        printf '%s\n' "$in_repo"
    else
        local hash
        hash=$(printf '%s' "$REPO_ROOT" | sha256sum | cut -c1-12)
        printf '/tmp/caseledger-pg-%s-%s\n' "$(id -u)" "$hash"
    fi
}

install_postgres() {
    [ -x "$PGBIN/postgres" ] && [ -x "$PGBIN/initdb" ] && return 0
    log "PostgreSQL 15 not found in $PGBIN; installing it with apt-get"
    local sudo=()
    if [ "$AS_ROOT" -eq 0 ]; then
        sudo -n true 2>/dev/null || die "PostgreSQL 15 is missing and installing it needs root (apt-get install postgresql)"
        sudo=(sudo -n)
    fi
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    [ -x "$PGBIN/postgres" ] || die "apt-get installed postgresql but $PGBIN/postgres is still missing (not Debian 12?)"
}

ensure_os_user() {
    [ "$AS_ROOT" -eq 1 ] || return 0
    id -u "$OS_USER" >/dev/null 2>&1 && return 0
    log "creating OS user $OS_USER"
    useradd --system --user-group --home-dir /var/lib/postgresql --no-create-home \
        --shell /usr/sbin/nologin "$OS_USER"
}

# Called once the postgres user exists: whether it can reach the repository decides the base.
set_paths() {
    BASE=$(choose_base)
    PGDATA=$BASE/data
    PGSOCK=$BASE/run
    PORT_FILE=$BASE/port
    LEASES=$BASE/leases
}

# Create the base (and refuse somebody else's directory in /tmp) and take the lock that
# serialises start/stop/destroy of this cluster.
prepare_base() {
    if [ ! -d "$BASE" ]; then
        mkdir -p "$BASE"
    fi
    [ -O "$BASE" ] || die "$BASE is not owned by $(id -un); remove it or set CASELEDGER_PG_BASE"
    chmod 755 "$BASE"   # the postgres user must traverse it
    exec 9>"$BASE/lock"
    flock 9
}

# Only one-time work here; per-start settings go in caseledger.conf (see write_settings).
init_cluster() {
    [ -s "$PGDATA/PG_VERSION" ] && return 0
    log "initialising a new cluster in $PGDATA"
    rm -rf "$PGDATA"
    mkdir -p "$PGDATA"
    [ "$AS_ROOT" -eq 1 ] && chown "$OS_USER": "$PGDATA"
    chmod 700 "$PGDATA"
    # Superuser access is only through the Unix socket (in a directory only the owner can
    # enter); TCP needs a password. pg_hba.conf is rewritten below.
    as_owner "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
        --no-sync >"$BASE/initdb.log" 2>&1 || { cat "$BASE/initdb.log" >&2; die "initdb failed"; }
    as_owner sh -c 'cat >"$1"' sh "$PGDATA/pg_hba.conf" <<'EOF'
# TYPE  DATABASE  USER  ADDRESS        METHOD
local   all       all                  trust
host    all       all   127.0.0.1/32   scram-sha-256
EOF
    as_owner sh -c 'printf "%s\n" "include_if_exists = '\''caseledger.conf'\''" >>"$1"' sh \
        "$PGDATA/postgresql.conf"
}

write_settings() {
    local port=$1
    as_owner sh -c 'cat >"$1"' sh "$PGDATA/caseledger.conf" <<EOF
# Written by scripts/pg.sh on every start.
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PGSOCK'
max_connections = 200
password_encryption = 'scram-sha-256'
# A throwaway test cluster: durability is not wanted, speed is.
fsync = off
synchronous_commit = off
full_page_writes = off
# Throwaway databases live seconds: an autovacuum worker in one would block DROP DATABASE (FORCE).
autovacuum = off
EOF
}

is_running() {
    [ -s "$PGDATA/PG_VERSION" ] && as_owner "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1
}

port_is_free() {
    python3 - "$1" <<'EOF'
import socket, sys
s = socket.socket()
# Like postgres: connections in TIME_WAIT from an earlier run do not make the port busy.
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
EOF
}

# The port of the running server: from postmaster.pid (line 4), else the remembered one.
current_port() {
    local port=""
    if [ -s "$PGDATA/postmaster.pid" ]; then
        port=$(sed -n 4p "$PGDATA/postmaster.pid" 2>/dev/null || true)
    fi
    if [ -z "$port" ] && [ -s "$PORT_FILE" ]; then
        port=$(cat "$PORT_FILE")
    fi
    printf '%s\n' "${port:-$PREFERRED_PORT}"
}

# The remembered port, else the preferred one, else the next free one above it.
pick_port() {
    local candidates=() port
    [ -s "$PORT_FILE" ] && candidates+=("$(cat "$PORT_FILE")")
    candidates+=("$PREFERRED_PORT")
    for port in "${candidates[@]}" $(seq $((PREFERRED_PORT + 1)) $((PREFERRED_PORT + 200))); do
        if port_is_free "$port"; then
            printf '%s\n' "$port"
            return 0
        fi
    done
    die "no free port between $PREFERRED_PORT and $((PREFERRED_PORT + 200))"
}

url_for() {
    printf 'postgresql://%s:%s@127.0.0.1:%s/%s\n' "$DB_ROLE" "$DB_PASSWORD" "$1" "$DB_NAME"
}

psql_super() {
    as_owner "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PGSOCK" -p "$1" -U postgres -d postgres "${@:2}"
}

ensure_role_and_database() {
    local port=$1
    psql_super "$port" -c "DO \$\$BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_ROLE') THEN
            CREATE ROLE $DB_ROLE LOGIN CREATEDB PASSWORD '$DB_PASSWORD';
        ELSE
            ALTER ROLE $DB_ROLE LOGIN CREATEDB PASSWORD '$DB_PASSWORD';
        END IF;
    END\$\$;" >/dev/null
    # DROP DATABASE … WITH (FORCE) in the tests may need to end a backend of another role.
    psql_super "$port" -c "GRANT pg_signal_backend TO $DB_ROLE" >/dev/null
    if [ "$(psql_super "$port" -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" != 1 ]; then
        psql_super "$port" -c "CREATE DATABASE $DB_NAME OWNER $DB_ROLE TEMPLATE template0" >/dev/null
    fi
}

drop_leftover_test_databases() {
    local name
    for name in $(psql_super "$1" -tAc "SELECT datname FROM pg_database WHERE datname ~ '^t_[0-9a-f]+\$'"); do
        psql_super "$1" -c "DROP DATABASE \"$name\" WITH (FORCE)" >/dev/null
    done
}

add_lease() {
    [ -n "${CASELEDGER_PG_LEASE:-}" ] || return 0
    mkdir -p "$LEASES"
    : >"$LEASES/$CASELEDGER_PG_LEASE"
}

# Drop our lease and the leases of processes that are gone; true if other live leases remain.
others_hold_leases() {
    [ -n "${CASELEDGER_PG_LEASE:-}" ] || return 1
    [ -d "$LEASES" ] || return 1
    rm -f "$LEASES/$CASELEDGER_PG_LEASE"
    local lease others=0
    for lease in "$LEASES"/*; do
        [ -e "$lease" ] || continue
        if kill -0 "$(basename "$lease")" 2>/dev/null; then
            others=$((others + 1))
        else
            rm -f "$lease"
        fi
    done
    if [ "$others" -gt 0 ]; then
        log "leaving PostgreSQL running: $others other run(s) still use it"
        return 0
    fi
    return 1
}

cmd_start() {
    prepare_base
    init_cluster
    mkdir -p "$PGSOCK"
    if [ "$AS_ROOT" -eq 1 ]; then chown "$OS_USER": "$PGSOCK"; fi
    chmod 700 "$PGSOCK"

    local port attempt started=0
    if is_running; then
        port=$(current_port)
        log "already running on 127.0.0.1:$port ($PGDATA)"
    else
        # The port can be taken between the check and the bind: try a few times.
        for attempt in 1 2 3; do
            port=$(pick_port)
            write_settings "$port"
            if as_owner "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGSOCK/postgres.log" -w -t 60 start \
                >/dev/null; then
                break
            fi
            if [ "$attempt" -eq 3 ] || port_is_free "$port"; then
                tail -n 30 "$PGSOCK/postgres.log" >&2 || true
                die "PostgreSQL did not start (log: $PGSOCK/postgres.log)"
            fi
            log "port $port was taken meanwhile; trying another"
        done
        log "started on 127.0.0.1:$port ($PGDATA)"
        started=1
    fi
    printf '%s\n' "$port" >"$PORT_FILE"
    ensure_role_and_database "$port"
    # Per-test databases (t_<hex>) left by runs that were killed; nobody can be using them
    # when the server has only just started.
    if [ "$started" -eq 1 ]; then drop_leftover_test_databases "$port"; fi
    add_lease
    # Prove the URL works the way the tests will use it: TCP, password, scram.
    PGPASSWORD=$DB_PASSWORD PGCONNECT_TIMEOUT=10 "$PGBIN/psql" -X -q -w -tA \
        -h 127.0.0.1 -p "$port" -U "$DB_ROLE" -d "$DB_NAME" -c 'SELECT 1' >/dev/null \
        || die "cannot log in as $DB_ROLE over TCP on port $port"
    url_for "$port"
}

cmd_stop() {
    [ -d "$BASE" ] || return 0
    prepare_base
    is_running || { log "not running"; return 0; }
    others_hold_leases && return 0
    as_owner "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w -t 60 stop >/dev/null
    rm -rf "$LEASES"
    log "stopped"
}

cmd_status() {
    if [ -d "$BASE" ] && is_running; then
        echo "running on 127.0.0.1:$(current_port) (data: $PGDATA)"
        return 0
    fi
    echo "not running (data: $PGDATA)"
    return 3
}

cmd_destroy() {
    [ -d "$BASE" ] || return 0
    unset CASELEDGER_PG_LEASE
    cmd_stop
    rm -rf "$PGDATA" "$PGSOCK" "$LEASES" "$PORT_FILE" "$BASE/initdb.log"
    rm -f "$BASE/lock"
    rmdir "$BASE" 2>/dev/null || true
    log "removed $BASE"
}

case "${1:-}" in
    start) install_postgres; ensure_os_user; set_paths; cmd_start ;;
    stop) set_paths; cmd_stop ;;
    url) set_paths; url_for "$(current_port)" ;;
    status) set_paths; cmd_status ;;
    destroy) set_paths; cmd_destroy ;;
    *) echo "usage: $0 start|stop|url|status|destroy" >&2; exit 2 ;;
esac
