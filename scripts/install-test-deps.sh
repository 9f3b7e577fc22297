#!/usr/bin/env bash
# Test-only system dependency: Debian's chromium, used to render the HTML report headless.
# Best effort: where it cannot be installed (not root, no apt), the browser test is skipped
# with a clear reason instead.
set -u
if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian chromium for the report rendering test..." >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "warning: could not install chromium; the browser test will be skipped" >&2
else
  echo "note: chromium not installed (needs root and apt-get); the browser test will be skipped" >&2
fi
exit 0
