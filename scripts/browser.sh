#!/usr/bin/env bash
# Installs the browser that the console's browser tests (*BrowserIT) drive: Debian's chromium and chromium-driver
# (apt-get, when missing; needs root). Selenium is pointed at /usr/bin/chromedriver, so nothing is downloaded at
# test time. Prints the versions.
#
#   scripts/browser.sh            # install when missing, then print the versions
#   scripts/browser.sh check      # only check; exit 1 when missing
set -euo pipefail

log() { echo "browser: $*" >&2; }

missing() {
  local m=()
  command -v chromium >/dev/null 2>&1 || m+=(chromium)
  [ -x /usr/bin/chromedriver ] || m+=(chromium-driver)
  echo "${m[@]:-}"
}

if [ "${1:-install}" = check ]; then
  m=$(missing)
  if [ -n "$m" ]; then log "missing: $m (run scripts/browser.sh as root)"; exit 1; fi
else
  m=$(missing)
  if [ -n "$m" ]; then
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
      log "missing: $m; installing needs root and apt-get (Debian): apt-get install -y chromium chromium-driver"
      exit 1
    fi
    log "installing $m (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $m >&2
  fi
fi
log "$(chromium --version 2>/dev/null || echo 'chromium: unknown version'); $(/usr/bin/chromedriver --version 2>/dev/null | head -1)"
