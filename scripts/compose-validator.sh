#!/usr/bin/env bash
# Prints the path of a `docker-compose` that can validate docker-compose.yml offline
# (`docker-compose config` parses, validates against the Compose schema and interpolates without
# a Docker engine). Uses the one on the PATH (Compose v2 standalone or v1), else installs Debian's
# docker-compose package first (as root; first run only).
set -euo pipefail
if bin="$(command -v docker-compose)"; then echo "$bin"; exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "compose-validator: docker-compose is not installed; install Compose or Debian's docker-compose package" >&2
  exit 1
fi
echo "compose-validator: installing Debian's docker-compose (first run only)..." >&2
apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose >&2
command -v docker-compose
