#!/usr/bin/env bash
# Debian's wrk (an HTTP load generator in C, scripted in Lua), for the HTTP load benchmark
# (`python -m bench.http_load`).
#
#   scripts/wrk.sh ensure    install it with apt-get when it is missing; idempotent. Exits 1,
#                            saying why, when it cannot be installed (the benchmark cannot run
#                            without it: unlike the browser tests, nothing skips).
#   scripts/wrk.sh path      print the binary's path; exit 3 if it is not installed
#
# Installing needs root or password-less sudo. apt-get is tried with the package lists as they
# are, and after `apt-get update` if that fails.
#
# Environment:
#   CASELEDGER_WRK   use this binary instead of the one on PATH (then nothing is installed)
set -euo pipefail

PACKAGE=wrk

log() { printf 'wrk.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

binary() {
    if [ -n "${CASELEDGER_WRK:-}" ]; then
        printf '%s\n' "$CASELEDGER_WRK"
    else
        command -v wrk || printf '/usr/bin/wrk\n'
    fi
}

is_installed() { [ -x "$(binary)" ]; }

apt_get() {
    local sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo -n)
    # Another apt-get (a concurrent run) may hold the lock for a while: wait for it, within reason.
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 "$@"
}

cmd_ensure() {
    is_installed && return 0
    [ -z "${CASELEDGER_WRK:-}" ] || die "CASELEDGER_WRK=$CASELEDGER_WRK is not an executable file"
    command -v apt-get >/dev/null 2>&1 || die "wrk is not installed and there is no apt-get here to install it"
    if [ "$(id -u)" -ne 0 ] && ! sudo -n true 2>/dev/null; then
        die "wrk is not installed and installing it needs root (apt-get install $PACKAGE)"
    fi
    local output
    output=$(mktemp "${TMPDIR:-/tmp}/caseledger-wrk-install.XXXXXX")
    log "wrk not found; installing Debian's $PACKAGE with apt-get"
    if ! apt_get install -y -q "$PACKAGE" >"$output" 2>&1; then
        log "apt-get install failed; updating the package lists and trying again"
        if ! { apt_get update -q && apt_get install -y -q "$PACKAGE"; } >>"$output" 2>&1; then
            tail -n 15 "$output" >&2
            rm -f "$output"
            die "apt-get could not install $PACKAGE (see above)"
        fi
    fi
    rm -f "$output"
    is_installed || die "apt-get installed $PACKAGE but $(binary) is still missing"
    log "installed $(binary)"
}

cmd_path() {
    is_installed || { log "wrk is not installed (run: bash scripts/wrk.sh ensure)"; exit 3; }
    binary
}

case "${1:-}" in
    ensure) cmd_ensure ;;
    path) cmd_path ;;
    *) echo "usage: $0 ensure|path" >&2; exit 2 ;;
esac
