#!/usr/bin/env bash
# Fetches Temporal's Java time-skipping test server from Maven Central into
# .cache/temporal/test-server-<version>/ and writes a launcher the TypeScript SDK can
# start as `<launcher> <port>`. Prints the launcher's path (last line of stdout).
#
# Fast JVM start matters: the SDK gives the server 5 s to accept connections, and on a loaded
# 2-core machine a plain start takes 4-5 s. So the server's classes are put in an AppCDS archive
# (app-cds.jsa beside lib/; a training run that starts and stops the server once, ~2 s) that the
# launcher maps instead of loading, verifying and linking ~2,400 classes from 39 jars.
#
# Idempotent: the jars are fetched once; the launcher is rewritten only when it would change; the
# archive is checked on every run by asking this `java` to map it (`-Xshare:on`, ~0.1 s) and rebuilt
# when missing or rejected (another JDK, jars changed or moved). The launcher uses the archive only
# when it exists and keeps -Xshare:auto, so an archive the JVM rejects just means a slower start.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version="$(sed -n 's:.*<version>\(1\.[0-9.]*\)</version>.*:\1:p' "$root/scripts/test-server/pom.xml" | head -1)"
dir="$root/.cache/temporal/test-server-$version"
launcher="$dir/temporal-test-server"
jsa="$dir/app-cds.jsa"
main=io.temporal.testserver.TestServer
# The same flags for the training run, the check and the launcher: the archive must match them.
jvm_flags=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC)
command -v java >/dev/null || { echo "temporal-test-server: Java 17+ is required" >&2; exit 1; }

# 1. The jars (first run only). `.fetched` marks a complete copy; older caches only had the launcher.
if [ ! -e "$dir/.fetched" ] && [ ! -e "$launcher" ]; then
  command -v mvn >/dev/null || { echo "temporal-test-server: Maven and Java 17+ are required" >&2; exit 1; }
  echo "temporal-test-server: fetching io.temporal:temporal-test-server:$version (first run only)..." >&2
  mkdir -p "$dir/lib"
  mvn -q -B -f "$root/scripts/test-server/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$dir/lib" -DincludeScope=runtime >&2
fi
touch "$dir/.fetched"

# 2. The launcher. An explicit, sorted class path (not lib/*, whose order is the directory's):
# a CDS archive is only accepted with the class path it was made with.
cp="$(cd "$dir/lib" && LC_ALL=C ls -1 -- *.jar | sed "s:^:$dir/lib/:" | paste -sd: -)"
cat > "$launcher.tmp.$$" <<LAUNCH
#!/bin/sh
# Written by scripts/temporal-test-server.sh; the TypeScript SDK runs it as \`<launcher> <port>\`.
set -- $main "\$@"
if [ -f "$jsa" ]; then set -- -XX:SharedArchiveFile="$jsa" "\$@"; fi
exec java ${jvm_flags[*]} -Xshare:auto -cp "$cp" "\$@"
LAUNCH
chmod +x "$launcher.tmp.$$"
if cmp -s "$launcher.tmp.$$" "$launcher"; then rm -f "$launcher.tmp.$$"; else mv "$launcher.tmp.$$" "$launcher"; fi

# 3. The AppCDS archive: does this java accept it? (-Xshare:on fails instead of falling back.)
archive_ok() {
  java "${jvm_flags[@]}" -Xshare:on -XX:SharedArchiveFile="$1" -cp "$cp" -version >/dev/null 2>&1
}
train() {
  local out="$jsa.tmp.$$" log="$dir/app-cds.log" port pid i
  port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
  rm -f "$out"
  java "${jvm_flags[@]}" -XX:ArchiveClassesAtExit="$out" -cp "$cp" $main "$port" >"$log" 2>&1 &
  pid=$!
  # Up to 60 s: this start has no archive and the machine may be busy.
  for ((i = 0; i < 600; i++)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  # SIGTERM is a clean JVM exit: the classes loaded so far are written to $out.
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if [ -s "$out" ] && archive_ok "$out"; then
    mv "$out" "$jsa"
  else
    rm -f "$out"
    echo "temporal-test-server: could not build the AppCDS archive (see $log); the server starts without it" >&2
  fi
}
if [ ! -f "$jsa" ] || ! archive_ok "$jsa"; then
  rm -f "$jsa"
  echo "temporal-test-server: building the AppCDS archive for a fast start..." >&2
  train
fi
echo "$launcher"
