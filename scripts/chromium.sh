#!/usr/bin/env bash
# Prints the path of a headless-capable Chromium for the preview-page test, installing Debian's
# `chromium` package first when it is missing (as root; a few hundred MB, first run only).
set -euo pipefail
bin=/usr/bin/chromium
if [ ! -x "$bin" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "chromium.sh: Chromium is not installed; install Debian's chromium package (apt-get install chromium)" >&2
    exit 1
  fi
  echo "chromium.sh: installing Debian's chromium (first run only)..." >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >&2
fi
echo "$bin"
