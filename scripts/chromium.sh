#!/usr/bin/env bash
# Debian's Chromium, for the tests that check the board report in a real headless browser
# (tests/browser.py).
#
#   scripts/chromium.sh ensure    install it with apt-get when it is missing; idempotent.
#                                 Exits 0 even when it cannot be installed, with a warning that
#                                 says why: the browser tests then skip and say how to install it.
#   scripts/chromium.sh path      print the binary's path; exit 3 if it is not installed
#   scripts/chromium.sh version   print its version; exit 3 if it is not installed
#
# Installing needs root (CI runs as root) or password-less sudo. apt-get is tried with the
# package lists as they are, and after `apt-get update` if that fails.
#
# Environment:
#   CASELEDGER_CHROMIUM   use this binary instead of /usr/bin/chromium (then nothing is installed)
set -euo pipefail

CHROMIUM=${CASELEDGER_CHROMIUM:-/usr/bin/chromium}
PACKAGE=chromium

log() { printf 'chromium.sh: %s\n' "$*" >&2; }
warn() { log "warning: $*; the browser tests will be skipped"; }

is_installed() { [ -x "$CHROMIUM" ]; }

# The launcher also prints the complaints of its settings scripts on stderr: keep stdout only.
version() { "$CHROMIUM" --version 2>/dev/null | head -n 1; }

apt_get() {
    local sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo -n)
    # Another apt-get (a concurrent run) holds the lock for a while: wait for it, within reason.
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 "$@"
}

cmd_ensure() {
    if is_installed; then
        return 0
    fi
    if [ -n "${CASELEDGER_CHROMIUM:-}" ]; then
        warn "CASELEDGER_CHROMIUM=$CHROMIUM is not an executable file"
        return 0
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        warn "Chromium is not installed and there is no apt-get here to install it"
        return 0
    fi
    if [ "$(id -u)" -ne 0 ] && ! sudo -n true 2>/dev/null; then
        warn "Chromium is not installed and installing it needs root (apt-get install $PACKAGE)"
        return 0
    fi
    local output
    output=$(mktemp "${TMPDIR:-/tmp}/caseledger-chromium-install.XXXXXX")
    log "$CHROMIUM not found; installing Debian's $PACKAGE with apt-get (a minute or two)"
    if ! apt_get install -y -q "$PACKAGE" >"$output" 2>&1; then
        log "apt-get install failed; updating the package lists and trying again"
        if ! { apt_get update -q && apt_get install -y -q "$PACKAGE"; } >>"$output" 2>&1; then
            tail -n 15 "$output" >&2
            rm -f "$output"
            warn "apt-get could not install $PACKAGE (see above)"
            return 0
        fi
    fi
    rm -f "$output"
    if ! is_installed; then
        warn "apt-get installed $PACKAGE but $CHROMIUM is still missing"
        return 0
    fi
    log "installed $(version)"
}

cmd_path() {
    is_installed || { log "Chromium is not installed at $CHROMIUM (run: bash scripts/chromium.sh ensure)"; exit 3; }
    printf '%s\n' "$CHROMIUM"
}

cmd_version() {
    cmd_path >/dev/null
    version
}

case "${1:-}" in
    ensure) cmd_ensure ;;
    path) cmd_path ;;
    version) cmd_version ;;
    *) echo "usage: $0 ensure|path|version" >&2; exit 2 ;;
esac
