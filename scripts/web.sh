#!/usr/bin/env bash
# The web application's front-end packages (GOV.UK Frontend, MoJ Frontend, and axe-core for the
# accessibility tests), pinned in web/package-lock.json and served by caseledger serve from
# web/node_modules: nothing is fetched when a page loads.
#
#   scripts/web.sh ensure    `npm ci` in web/ when node_modules is missing or the lock has changed
#                            since; idempotent and quiet. Exits 0 even when it cannot install, with
#                            a warning: the pages are then unstyled and the browser tests skip.
#   scripts/web.sh check     exit 0 if the packages are installed as locked, else 3
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR="$HERE/web"
LOCK="$DIR/package-lock.json"
STAMP="$DIR/node_modules/.caseledger-lock.sha256"

log() { printf 'web.sh: %s\n' "$*" >&2; }
warn() { log "warning: $*; pages will be unstyled and the browser tests skipped"; }

lock_hash() { sha256sum "$LOCK" | cut -d' ' -f1; }

is_installed() {
    [ -d "$DIR/node_modules/govuk-frontend" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(lock_hash)" ]
}

cmd_ensure() {
    if is_installed; then
        return 0
    fi
    if ! command -v npm >/dev/null 2>&1; then
        warn "Node.js and npm are not installed (apt-get install nodejs npm)"
        return 0
    fi
    local output
    output=$(mktemp "${TMPDIR:-/tmp}/caseledger-web-install.XXXXXX")
    log "installing the front-end packages (npm ci in web/)"
    if ! npm ci --prefix "$DIR" --no-audit --no-fund --loglevel=error >"$output" 2>&1; then
        tail -n 15 "$output" >&2
        rm -f "$output"
        warn "npm ci failed (see above)"
        return 0
    fi
    rm -f "$output"
    lock_hash >"$STAMP"
}

cmd_check() {
    is_installed || { log "the front-end packages are not installed (run: bash scripts/web.sh ensure)"; exit 3; }
}

case "${1:-}" in
    ensure) cmd_ensure ;;
    check) cmd_check ;;
    *) echo "usage: $0 ensure|check" >&2; exit 2 ;;
esac
