#!/usr/bin/env bash
# Browser tests drive Debian's chromium at /usr/bin/chromium. Install it when it is
# missing and apt is usable; otherwise fail loudly (browser tests are never skipped).
set -euo pipefail
[ -x /usr/bin/chromium ] && exit 0
if command -v apt-get >/dev/null; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
    exit 0
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
    exit 0
  fi
fi
echo "Browser tests need Debian's chromium at /usr/bin/chromium; install it with: sudo apt-get install chromium" >&2
exit 1
