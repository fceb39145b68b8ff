#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on a loopback port, for the delivery service's tests and benchmarks.
#
#   scripts/postgres.sh start    installs Debian's postgresql if needed, starts the cluster (idempotent), prints its URL
#   scripts/postgres.sh url      prints the URL
#   scripts/postgres.sh dir      prints the cluster's data directory
#   scripts/postgres.sh restart  restarts the running cluster (every connection is cut): the fault tests' outage
#   scripts/postgres.sh stop     stops the cluster and removes its data directory
#
# The cluster belongs to this checkout: its data directory is under the system's temp dir (not in the checkout,
# which may sit in a directory only its owner can enter, such as root's home or a `mktemp -d`) and its port is
# derived from the checkout's path, so two clones on one machine never share or fight over a cluster. PGPORT
# overrides the port. Trust authentication, 127.0.0.1 only. PostgreSQL refuses to run as root, so under root it runs
# as the `postgres` system user the Debian package creates, and the data directory is owned by that user.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
checkout=$(printf '%s' "$root" | sha256sum | cut -c1-12)
data="${DROPSHIP_PGDATA:-${TMPDIR:-/tmp}/dropship-webhooks-pg-$checkout}"
# 55432 plus 0–999 from the checkout's hash: stable for one checkout, different for (almost) any two.
port=${PGPORT:-$((55432 + 16#${checkout:0:6} % 1000))}
url="postgres://postgres@127.0.0.1:$port/postgres"

fail() {
  echo "postgres.sh: $*" >&2
  exit 1
}

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

bin_dir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  if [ -z "$dir" ]; then
    echo "postgres.sh: installing Debian's postgresql" >&2
    as_root apt-get update -qq || fail "apt-get update failed: cannot install postgresql"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null \
      || fail "apt-get install postgresql failed"
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
    [ -n "$dir" ] || fail "postgresql is installed but no /usr/lib/postgresql/*/bin was found"
  fi
  echo "$dir"
}

run_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  local bin
  bin=$(bin_dir)
  if [ ! -f "$data/PG_VERSION" ]; then
    rm -rf "$data"
    # Private to the cluster's user (initdb wants 0700); the temp dir itself is world-traversable.
    mkdir -m 700 "$data" || fail "cannot create $data"
    if [ "$(id -u)" -eq 0 ]; then chown postgres: "$data" || fail "cannot give $data to the postgres user"; fi
    local log
    if ! log=$(run_pg "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 2>&1); then
      fail "initdb failed in $data:"$'\n'"$log"
    fi
    # Throwaway data: durability off, speed on; enough connections for several service processes.
    run_pg tee -a "$data/postgresql.conf" >/dev/null <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
  fi
  if ! run_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    if ! run_pg "$bin/pg_ctl" -D "$data" -o "-p $port" -l "$data/server.log" -w -t 60 start >/dev/null 2>&1; then
      fail "the server in $data did not start on 127.0.0.1:$port; its log says:"$'\n'"$(tail -20 "$data/server.log" 2>/dev/null)"
    fi
  fi
  # The cluster answers: a connection, not just a process.
  run_pg "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -t 30 \
    || fail "the server in $data runs but does not answer on 127.0.0.1:$port"
  echo "$url"
}

case "${1:-start}" in
  start) start ;;
  url) echo "$url" ;;
  dir) echo "$data" ;;
  restart)
    # Cuts every connection (fast shutdown) and starts again on the same port and data: the fault tests' outage.
    [ -d "$data" ] || fail "no cluster in $data: run $0 start first"
    bin=$(bin_dir)
    run_pg "$bin/pg_ctl" -D "$data" -m fast -o "-p $port" -l "$data/server.log" -w -t 60 restart >/dev/null 2>&1 \
      || fail "the server in $data did not restart; its log says:"$'\n'"$(tail -20 "$data/server.log" 2>/dev/null)"
    ;;
  stop)
    if [ -d "$data" ]; then
      bin=$(bin_dir)
      run_pg "$bin/pg_ctl" -D "$data" -m fast stop >/dev/null 2>&1 || true
      rm -rf "$data"
    fi
    ;;
  *) echo "usage: $0 start|url|dir|restart|stop" >&2; exit 2 ;;
esac
