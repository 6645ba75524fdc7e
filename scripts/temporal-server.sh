#!/usr/bin/env bash
# Builds the Temporal server and its schema tool (temporal-sql-tool) from the Go module proxy into
# .cache/temporal/server-<version>/, and copies the server's PostgreSQL schema files beside them.
# Prints that folder (last line of stdout): temporal-server, temporal-sql-tool, schema/postgresql/v12.
# Idempotent: binaries already built at the pinned version are reused. Go's build cache makes a
# rebuild after `rm -rf .cache` take about a minute; the very first build takes several.
# The version matches the server bundled in the Temporal CLI (scripts/temporal-cli.sh) and the
# temporalio/server image in docker-compose.yml.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version="v1.29.1"
dir="$root/.cache/temporal/server-$version"
if [ -x "$dir/temporal-server" ] && [ -x "$dir/temporal-sql-tool" ] && [ -e "$dir/schema/.copied" ]; then
  echo "$dir"
  exit 0
fi
command -v go >/dev/null || { echo "temporal-server: Go >= 1.25 is required to build the Temporal server" >&2; exit 1; }
mkdir -p "$dir"
rm -rf "$dir"/.build-* # left by a build that was interrupted
build() { # <package> <binary name>
  local tmp
  tmp="$(mktemp -d "$dir/.build-XXXXXX")"
  GOTOOLCHAIN=local CGO_ENABLED=0 GOBIN="$tmp" GOFLAGS=-mod=mod \
    go install "go.temporal.io/server/$1@$version" >&2
  # `go install` names the binary after the package's folder (server, sql): give them their real names.
  mv "$tmp/$(basename "$1")" "$dir/$2"
  rmdir "$tmp"
}
echo "temporal-server: building the Temporal server $version and temporal-sql-tool (first run only, takes a few minutes)..." >&2
[ -x "$dir/temporal-server" ] || build cmd/server temporal-server
[ -x "$dir/temporal-sql-tool" ] || build cmd/tools/sql temporal-sql-tool
# The schema comes with the module source that `go install` just downloaded (read-only there).
src="$(GOTOOLCHAIN=local go env GOMODCACHE)/go.temporal.io/server@$version/schema/postgresql/v12"
[ -d "$src" ] || { echo "temporal-server: schema files not found in $src" >&2; exit 1; }
rm -rf "$dir/schema"
mkdir -p "$dir/schema/postgresql"
cp -R "$src" "$dir/schema/postgresql/v12"
chmod -R u+w "$dir/schema"
touch "$dir/schema/.copied"
echo "$dir"
