#!/usr/bin/env bash
# CI: the web page's browser test drives Debian's chromium through playwright-core (Playwright's own
# browser download cannot work here). Installs it when missing; runs as root in CI.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-chromium: /usr/bin/chromium is missing; install it as root: apt-get install -y chromium" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium
