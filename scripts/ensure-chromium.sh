#!/usr/bin/env bash
# Makes sure Debian's chromium is installed: the web page's browser test drives it through
# playwright-core (Playwright's own browser download cannot work here). `npm test` runs this
# (test/run.ts) before a test that needs chromium; .ci/run may call it too. As root it installs
# the package (apt-get update once, then install); otherwise it says in one line how to.
# CHROMIUM overrides where the browser is expected (default /usr/bin/chromium).
set -uo pipefail
chromium="${CHROMIUM:-/usr/bin/chromium}"
how="apt-get update && apt-get install -y chromium"
if [ -x "$chromium" ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-chromium: the browser test needs Debian's chromium at $chromium; install it as root: $how" >&2
  exit 1
fi
echo "ensure-chromium: installing Debian's chromium (once; the browser test needs it)" >&2
export DEBIAN_FRONTEND=noninteractive
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! { apt-get update -qq && apt-get install -y -qq chromium; } >"$log" 2>&1; then
  echo "ensure-chromium: installing chromium failed ($(tail -n 1 "$log")); install it as root: $how" >&2
  exit 1
fi
if [ ! -x "$chromium" ]; then
  echo "ensure-chromium: chromium was installed but $chromium is missing; set CHROMIUM to its path" >&2
  exit 1
fi
