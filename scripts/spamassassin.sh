#!/usr/bin/env bash
# Prints the path of SpamAssassin for the template check's spam score, installing Debian's
# `spamassassin` package first when it is missing (as root; first run only). The check scores with
# local rules only (-L), so the rules that ship with the package are all it needs: no sa-update.
set -euo pipefail
bin=/usr/bin/spamassassin
if [ ! -x "$bin" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "spamassassin.sh: SpamAssassin is not installed; install Debian's spamassassin package (apt-get install spamassassin)" >&2
    exit 1
  fi
  echo "spamassassin.sh: installing Debian's spamassassin (first run only)..." >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends spamassassin >&2
fi
echo "$bin"
