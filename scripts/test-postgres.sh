#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the test suite.
#   test-postgres.sh start <dir> <port>   init + start (installs Debian's postgresql if missing)
#   test-postgres.sh stop <dir>           stop and delete
#   test-postgres.sh pause <dir>          stop, keeping the data (-m fast: with synchronous_commit=off
#                                         an immediate stop would lose the last commits by design)
#   test-postgres.sh resume <dir> <port>  start a paused cluster again
# Postgres refuses to run as root, so as root it runs as the `postgres` user.
set -euo pipefail
cmd="${1:?usage: test-postgres.sh start|stop <dir> [port]}"
dir="${2:?missing <dir>}"

find_bindir() {
  local found=""
  for candidate in /usr/lib/postgresql/*/bin; do
    [ -x "$candidate/initdb" ] && found="$candidate"
  done
  echo "$found"
}

fast_settings() {
  [ "${TEST_POSTGRES_DURABLE:-0}" = 1 ] || echo "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
  start)
    port="${3:?missing <port>}"
    bindir="$(find_bindir)"
    if [ -z "$bindir" ]; then
      if [ "$(id -u)" != 0 ]; then
        echo "test-postgres: PostgreSQL is not installed; install Debian's postgresql or set DATABASE_URL" >&2
        exit 1
      fi
      echo "test-postgres: installing Debian's postgresql (first run only)..." >&2
      apt-get update -qq >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
      bindir="$(find_bindir)"
    fi
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    as_owner "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-sync >/dev/null
    # Durability is worthless for a throwaway test cluster; speed is not. Benchmarks that measure
    # commits set TEST_POSTGRES_DURABLE=1 to keep PostgreSQL's defaults (fsync, synchronous commit).
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 $(fast_settings) -c max_connections=200" >/dev/null
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  pause)
    as_owner "$(find_bindir)/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
  resume)
    port="${3:?missing <port>}"
    as_owner "$(find_bindir)/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 $(fast_settings) -c max_connections=200" >/dev/null
    ;;
  stop)
    bindir="$(find_bindir)"
    if [ -n "$bindir" ] && [ -f "$dir/data/postmaster.pid" ]; then
      as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null || true
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: test-postgres.sh start|stop|pause|resume <dir> [port]" >&2
    exit 2
    ;;
esac
