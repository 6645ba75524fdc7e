#!/usr/bin/env bash
# Fetches Temporal's Java time-skipping test server from Maven Central into
# .cache/temporal/test-server-<version>/ and writes a launcher the TypeScript SDK can
# start as `<launcher> <port>`. Idempotent: an existing launcher is reused.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version="$(sed -n 's:.*<version>\(1\.[0-9.]*\)</version>.*:\1:p' "$root/scripts/test-server/pom.xml" | head -1)"
dir="$root/.cache/temporal/test-server-$version"
launcher="$dir/temporal-test-server"
if [ -x "$launcher" ]; then echo "$launcher"; exit 0; fi
command -v mvn >/dev/null || { echo "temporal-test-server: Maven and Java 17+ are required" >&2; exit 1; }
echo "temporal-test-server: fetching io.temporal:temporal-test-server:$version (first run only)..." >&2
mkdir -p "$dir/lib"
mvn -q -B -f "$root/scripts/test-server/pom.xml" dependency:copy-dependencies \
  -DoutputDirectory="$dir/lib" -DincludeScope=runtime >&2
# Fast JVM start matters: the SDK gives the server 5 s to accept connections.
cat > "$launcher.tmp" <<LAUNCH
#!/bin/sh
exec java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto -cp "$dir/lib/*" io.temporal.testserver.TestServer "\$@"
LAUNCH
chmod +x "$launcher.tmp"
mv "$launcher.tmp" "$launcher"
echo "$launcher"
