#!/usr/bin/env bash
# Debian's chromium for tests that check pages in a real headless browser
# (tests/testbed/browser.py): the fleet report's HTML page, the docs site.
#
#   bash tests/testbed/chromium.sh
#
# Idempotent: does nothing when the packages are installed. Needs root for
# apt-get. Part of `make testbed`; the browser tests call it too, so a fresh
# machine gets the browser whichever way the tests are started.
set -euo pipefail

die() {
    echo "chromium.sh: ERROR: $*" >&2
    exit 1
}
log() { echo "chromium.sh: $*"; }

# fonts-dejavu-core: with --no-install-recommends chromium may come without
# any font, and pages would render as boxes in screenshots.
PACKAGES=(chromium fonts-dejavu-core)

missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
    exit 0
fi

[[ $EUID -eq 0 ]] || die "run as root to install ${missing[*]} with apt-get (or install them yourself)"
command -v apt-get >/dev/null || die "apt-get not found: this needs a Debian host"

export DEBIAN_FRONTEND=noninteractive
LOG=$(mktemp /tmp/chromium-apt.XXXXXX.log)
# Other test-ground scripts may be running apt at the same time: wait for its
# lock rather than fail.
APT_OPTS=(-y -q -o Dpkg::Use-Pty=0 -o DPkg::Lock::Timeout=600 --no-install-recommends)
apt_install() { apt-get install "${APT_OPTS[@]}" "${missing[@]}" >"$LOG" 2>&1; }
apt_update() {
    log "apt-get update"
    apt-get update -q -o DPkg::Lock::Timeout=600 >"$LOG" 2>&1 || {
        tail -n 20 "$LOG" >&2
        die "apt-get update failed (log: $LOG)"
    }
}

updated=0
# Lists that are absent or a day old would often name superseded .debs.
if [[ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -1440 -print -quit 2>/dev/null)" ]]; then
    apt_update
    updated=1
fi
log "installing ${missing[*]}"
if ! apt_install; then
    ((updated)) && {
        tail -n 20 "$LOG" >&2
        die "apt-get install failed (log: $LOG)"
    }
    log "install failed with the current package lists; apt-get update and retry"
    apt_update
    apt_install || {
        tail -n 20 "$LOG" >&2
        die "apt-get install failed (log: $LOG)"
    }
fi
command -v chromium >/dev/null || die "chromium was installed but is not on PATH"
log "$(chromium --version 2>/dev/null || echo 'chromium installed')"
rm -f "$LOG"
