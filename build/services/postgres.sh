#!/usr/bin/env bash
# A private PostgreSQL instance for the tests: its own data directory, port and socket folder under .build/pg,
# trust authentication on loopback only, no system service involved (a cluster the Debian package may have created
# is neither used nor touched).
#   start: initialises (first time), starts, creates database sesame_test, prints
#          SESAME_TEST_POSTGRES=Host=127.0.0.1;Port=<port>;Username=sesame;Database=sesame_test
#          (everything else goes to stderr). Idempotent: a running instance is reused.
#   stop:  fast shutdown.
#   purge: stop and delete the instance's folder (tests that start throwaway instances).
# Overrides: SESAME_PG_DIR (default <repo>/.build/pg), SESAME_PG_PORT (default: first free port from 54329).
# As root the server runs as the 'postgres' user (initdb refuses root); otherwise as the calling user.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
base="${SESAME_PG_DIR:-$root/.build/pg}"
data="$base/data"
log="$base/postgres.log"
portfile="$base/port"
superuser="sesame"
database="sesame_test"

log() { echo "postgres.sh: $*" >&2; }

bindir=""
for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
  if [ -x "$d/pg_ctl" ] && [ -x "$d/initdb" ]; then bindir="$d"; break; fi
done
if [ -z "$bindir" ]; then
  if command -v pg_ctl >/dev/null 2>&1; then bindir="$(dirname "$(command -v pg_ctl)")"
  else log "PostgreSQL server binaries not found; install them with: bash build/install-deps.sh (apt package 'postgresql')"; exit 1; fi
fi

# initdb/postgres refuse to run as root: use the 'postgres' account the Debian package creates.
as_owner=()
owner="$(id -un)"
if [ "$(id -u)" -eq 0 ]; then
  owner="postgres"
  if ! id "$owner" >/dev/null 2>&1; then useradd --system --no-create-home --shell /usr/sbin/nologin "$owner"; fi
  as_owner=(runuser -u "$owner" --)
fi
run() { "${as_owner[@]}" "$@"; }

# As root, the 'postgres' user must reach the folder. A checkout it cannot traverse (e.g. under /root, mode 700) gets
# its instance in a fixed folder under /tmp instead, derived from the intended path so start, stop and purge agree.
if [ "$(id -u)" -eq 0 ]; then
  probe="$base"; while [ ! -e "$probe" ]; do probe="$(dirname "$probe")"; done
  if ! runuser -u "$owner" -- test -x "$probe" 2>/dev/null; then
    base="${TMPDIR:-/tmp}/sesame-pg-$(echo "$base" | md5sum | cut -c1-12)"
    log "user '$owner' cannot reach the repository folder; using $base"
  fi
fi
data="$base/data"; log="$base/postgres.log"; portfile="$base/port"

# Unix sockets have a ~107-byte path limit; a deep checkout gets its socket folder in /tmp instead.
sockdir="$base/run"
if [ "${#sockdir}" -gt 90 ]; then sockdir="/tmp/sesame-pg-$(echo "$base" | md5sum | cut -c1-12)"; fi

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

is_running() { [ -f "$data/PG_VERSION" ] && run "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; }

print_connection() {
  echo "SESAME_TEST_POSTGRES=Host=127.0.0.1;Port=$(cat "$portfile");Username=$superuser;Database=$database"
}

start() {
  mkdir -p "$base" "$sockdir"
  if [ "$(id -u)" -eq 0 ]; then
    chown "$owner" "$base" "$sockdir"
    if [ -d "$data" ]; then chown -R "$owner" "$data"; fi
  fi

  if is_running && [ -f "$portfile" ]; then
    log "reusing the running instance in $data"
    print_connection
    return
  fi

  if [ ! -f "$data/PG_VERSION" ]; then
    rm -rf "$data"
    log "initialising $data"
    run "$bindir/initdb" -D "$data" -U "$superuser" --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null 2>"$base/initdb.err" \
      || { cat "$base/initdb.err" >&2; exit 1; }
    # Loopback only, trust: a throwaway test database. Durability settings off: nothing here must survive a power cut.
    cat >> "$data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
  fi

  local port="${SESAME_PG_PORT:-}"
  if [ -z "$port" ]; then
    port=54329
    while port_in_use "$port"; do port=$((port + 1)); [ "$port" -lt 54429 ] || { log "no free port in 54329-54428"; exit 1; }; done
  fi
  echo "$port" > "$portfile"

  touch "$log"; if [ "$(id -u)" -eq 0 ]; then chown "$owner" "$log"; fi
  log "starting on 127.0.0.1:$port (socket folder $sockdir, log $log)"
  if ! run "$bindir/pg_ctl" -D "$data" -l "$log" -w -t 60 -o "-p $port -k $sockdir" start >/dev/null; then
    log "PostgreSQL did not start; last log lines:"; tail -n 20 "$log" >&2; exit 1
  fi

  local psql=("$bindir/psql" -h 127.0.0.1 -p "$port" -U "$superuser" -d postgres -v ON_ERROR_STOP=1 -qtA)
  if [ "$("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = '$database'")" != "1" ]; then
    "${psql[@]}" -c "CREATE DATABASE $database" >/dev/null
  fi
  print_connection
}

stop() {
  if is_running; then
    run "$bindir/pg_ctl" -D "$data" -m fast -w stop >/dev/null
    log "stopped"
  else
    log "not running"
  fi
}

purge() {
  stop
  rm -rf "$base"
  [ "$sockdir" = "$base/run" ] || rm -rf "$sockdir"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  purge) purge ;;
  *) echo "usage: $0 start|stop|purge" >&2; exit 2 ;;
esac
