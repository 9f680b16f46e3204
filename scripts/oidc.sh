#!/usr/bin/env bash
# The OpenID Connect provider the single sign-on tests start (tests/oidc/provider.mjs): panva's
# oidc-provider, pinned in tests/oidc/package-lock.json, run with the machine's Node.js.
#
#   scripts/oidc.sh ensure    install it with `npm ci` when node_modules is missing or the lock
#                             has changed since; idempotent and quiet. Exits 0 even when it cannot
#                             install, with a warning that says why: the tests then skip, saying so.
#   scripts/oidc.sh check     exit 0 if node and the installed provider are ready, else 3
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR="$HERE/tests/oidc"
LOCK="$DIR/package-lock.json"
STAMP="$DIR/node_modules/.caseledger-lock.sha256"

log() { printf 'oidc.sh: %s\n' "$*" >&2; }
warn() { log "warning: $*; the single sign-on tests will be skipped"; }

lock_hash() { sha256sum "$LOCK" | cut -d' ' -f1; }

is_installed() {
    [ -d "$DIR/node_modules/oidc-provider" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(lock_hash)" ]
}

cmd_ensure() {
    if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
        warn "Node.js and npm are not installed (apt-get install nodejs npm)"
        return 0
    fi
    if is_installed; then
        return 0
    fi
    local output
    output=$(mktemp "${TMPDIR:-/tmp}/caseledger-oidc-install.XXXXXX")
    log "installing the test OpenID provider (npm ci in tests/oidc)"
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
    command -v node >/dev/null 2>&1 || { log "node is not installed"; exit 3; }
    is_installed || { log "the provider is not installed (run: bash scripts/oidc.sh ensure)"; exit 3; }
}

case "${1:-}" in
    ensure) cmd_ensure ;;
    check) cmd_check ;;
    *) echo "usage: $0 ensure|check" >&2; exit 2 ;;
esac
