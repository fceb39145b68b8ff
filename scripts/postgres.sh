#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on a loopback port, for the delivery service's tests and benchmarks.
#
#   scripts/postgres.sh start    installs Debian's postgresql if needed, starts the cluster (idempotent), prints its URL
#   scripts/postgres.sh url      prints the URL
#   scripts/postgres.sh stop     stops it
#
# The cluster lives in target/pgdata (trust authentication, 127.0.0.1 only, port $PGPORT or 55432). PostgreSQL
# refuses to run as root, so under root it runs as the `postgres` system user the Debian package creates.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
data="$root/target/pgdata"
port=${PGPORT:-55432}
url="postgres://postgres@127.0.0.1:$port/postgres"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

bin_dir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  if [ -z "$dir" ]; then
    echo "postgres.sh: installing Debian's postgresql" >&2
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
    dir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  fi
  echo "$dir"
}

run_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-start}" in
  start)
    bin=$(bin_dir)
    mkdir -p "$root/target"
    if [ ! -f "$data/PG_VERSION" ]; then
      mkdir -p "$data"
      [ "$(id -u)" -eq 0 ] && chown postgres: "$data"
      run_pg "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 >/dev/null
      # Throwaway data: durability off, speed on; enough connections for several service processes.
      cat >>"$data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
    fi
    if ! run_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
      run_pg "$bin/pg_ctl" -D "$data" -o "-p $port" -l "$data/server.log" -w -t 60 start >/dev/null
    fi
    echo "$url"
    ;;
  url) echo "$url" ;;
  stop)
    bin=$(bin_dir)
    run_pg "$bin/pg_ctl" -D "$data" -m fast stop >/dev/null 2>&1 || true
    ;;
  *) echo "usage: $0 start|url|stop" >&2; exit 2 ;;
esac
