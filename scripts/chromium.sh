#!/usr/bin/env bash
# Prints the path of a headless-capable Chromium for the browser tests, installing Debian's
# `chromium` package first when it is missing (as root; a few hundred MB, first run only).
exec bash "$(dirname "$0")/debian-package.sh" chromium /usr/bin/chromium
