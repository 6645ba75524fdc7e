#!/usr/bin/env bash
# Prints the path of a program that a Debian package provides, installing the package first when
# the program is missing (as root; first run only). Used by chromium.sh and spamassassin.sh.
#   debian-package.sh <package> <program path>
set -euo pipefail
package="${1:?usage: debian-package.sh <package> <program path>}"
bin="${2:?missing <program path>}"
if [ ! -x "$bin" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "$package: not installed; install Debian's $package package (apt-get install $package)" >&2
    exit 1
  fi
  echo "$package: installing Debian's $package package (first run only)..." >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$package" >&2
fi
echo "$bin"
