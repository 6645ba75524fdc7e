#!/usr/bin/env bash
# Builds the Temporal CLI (dev server + CLI) from the Go module proxy into .cache/temporal/.
# Idempotent: a binary already built at the pinned version is reused.
# v1.5.1 is the last tag without a `replace` directive, so `go install` works on it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version="v1.5.1"
dir="$root/.cache/temporal/cli-$version"
bin="$dir/temporal"
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi
command -v go >/dev/null || { echo "temporal-cli: Go >= 1.25 is required to build the Temporal CLI" >&2; exit 1; }
mkdir -p "$dir"
echo "temporal-cli: building temporal $version (first run only, takes a few minutes)..." >&2
GOTOOLCHAIN=local CGO_ENABLED=0 GOBIN="$dir" GOFLAGS=-mod=mod \
  go install "github.com/temporalio/cli/cmd/temporal@$version" >&2
echo "$bin"
