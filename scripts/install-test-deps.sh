#!/usr/bin/env bash
# Test-only dependencies, best effort (their tests are skipped with a clear reason without them):
# - Debian's chromium, used to render the HTML report headless;
# - PyTorch for the optional [neural] ensemble, only from the CPU wheel this machine kind keeps
#   on disk (never a multi-GB download from the index). Usage: install-test-deps.sh [PYTHON]
set -u
PYTHON="${1:-.venv/bin/python}"

if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
  if [ ! -x /usr/bin/chromedriver ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian chromium-driver for the workspace browser test..." >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium-driver >/dev/null) \
      || echo "warning: could not install chromium-driver; the workspace browser test will be skipped" >&2
  fi
elif [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian chromium for the report rendering test..." >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) \
    || echo "warning: could not install chromium; the browser test will be skipped" >&2
else
  echo "note: chromium not installed (needs root and apt-get); the browser test will be skipped" >&2
fi

if ! "$PYTHON" -c "import torch" >/dev/null 2>&1; then
  wheel=$(ls /opt/wheels/torch-2.13.0+cpu-cp311-*.whl 2>/dev/null | head -n 1)
  if [ -n "$wheel" ] && "$PYTHON" -c "import sys; sys.exit(sys.version_info[:2] != (3, 11))"; then
    echo "installing PyTorch (CPU, local wheel) for the neural ensemble tests..." >&2
    "$PYTHON" -m pip install --quiet "$wheel" \
      || echo "warning: could not install PyTorch; the neural ensemble tests will be skipped" >&2
  else
    echo "note: no local PyTorch CPU wheel; the neural ensemble tests will be skipped" >&2
  fi
fi
exit 0
