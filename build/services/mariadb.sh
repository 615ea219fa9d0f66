#!/usr/bin/env bash
# A private MariaDB instance for the seed-era (legacy) peer tests: its own data directory, port, socket and pid file
# under .build/mariadb, no system service involved (the Debian package's own instance is neither used nor touched;
# /etc/mysql is ignored thanks to --no-defaults).
#   start: initialises (first time), starts, creates database sesame_legacy and user sesame (password sesame) allowed
#          from 127.0.0.1/localhost, prints (everything else goes to stderr):
#            SESAME_TEST_MARIADB_HOST=127.0.0.1
#            SESAME_TEST_MARIADB_PORT=<port>
#            SESAME_TEST_MARIADB_USER=sesame
#            SESAME_TEST_MARIADB_PASSWORD=sesame
#            SESAME_TEST_MARIADB_DATABASE=sesame_legacy
#          Idempotent: a running instance is reused.
#   stop:  shuts the instance down (SIGTERM to the pid in the pid file, waits for it).
# Overrides: SESAME_MARIADB_DIR (default <repo>/.build/mariadb), SESAME_MARIADB_PORT (default: first free port from 33069).
# As root the server runs as root (mariadbd --user=root): no file ownership juggling on the checkout.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
base="${SESAME_MARIADB_DIR:-$root/.build/mariadb}"
data="$base/data"
log="$base/mariadb.log"
pidfile="$base/mariadbd.pid"
portfile="$base/port"
database="sesame_legacy"
user="sesame"
password="sesame"

log() { echo "mariadb.sh: $*" >&2; }

# Unix sockets have a ~107-byte path limit; a deep checkout gets its socket in /tmp instead.
socket="$base/mariadbd.sock"
if [ "${#socket}" -gt 100 ]; then socket="/tmp/sesame-mariadb-$(echo "$base" | md5sum | cut -c1-12).sock"; fi

find_bin() { for n in "$@"; do command -v "$n" 2>/dev/null && return 0; [ -x "/usr/sbin/$n" ] && { echo "/usr/sbin/$n"; return 0; }; done; return 1; }
server_bin="$(find_bin mariadbd mysqld)" || { log "mariadbd not found; install it with: bash build/install-deps.sh (apt package 'mariadb-server')"; exit 1; }
install_db="$(find_bin mariadb-install-db mysql_install_db)" || { log "mariadb-install-db not found (apt package 'mariadb-server')"; exit 1; }
client_bin="$(find_bin mariadb mysql)" || { log "mariadb client not found (apt package 'mariadb-client')"; exit 1; }

run_user="$(id -un)"

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

is_running() {
  [ -f "$pidfile" ] || return 1
  local pid; pid="$(cat "$pidfile" 2>/dev/null)" || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

sql() { "$client_bin" --no-defaults --protocol=socket --socket="$socket" -uroot "$@"; }

print_connection() {
  echo "SESAME_TEST_MARIADB_HOST=127.0.0.1"
  echo "SESAME_TEST_MARIADB_PORT=$(cat "$portfile")"
  echo "SESAME_TEST_MARIADB_USER=$user"
  echo "SESAME_TEST_MARIADB_PASSWORD=$password"
  echo "SESAME_TEST_MARIADB_DATABASE=$database"
}

start() {
  mkdir -p "$base"
  if is_running && [ -f "$portfile" ] && sql -e "SELECT 1" >/dev/null 2>&1; then
    log "reusing the running instance in $data"
    print_connection
    return
  fi

  if [ ! -d "$data/mysql" ]; then
    rm -rf "$data"
    log "initialising $data"
    # normal root authentication (no unix_socket plugin dance): root@localhost without password, socket only.
    "$install_db" --no-defaults --datadir="$data" --user="$run_user" --auth-root-authentication-method=normal \
      --skip-test-db --skip-name-resolve >"$base/install-db.log" 2>&1 \
      || { log "mariadb-install-db failed:"; tail -n 30 "$base/install-db.log" >&2; exit 1; }
  fi

  local port="${SESAME_MARIADB_PORT:-}"
  if [ -z "$port" ]; then
    port=33069
    while port_in_use "$port"; do port=$((port + 1)); [ "$port" -lt 33169 ] || { log "no free port in 33069-33168"; exit 1; }; done
  fi
  echo "$port" > "$portfile"
  rm -f "$pidfile" "$socket"

  log "starting on 127.0.0.1:$port (socket $socket, log $log)"
  # Durability off and small buffers: a throwaway test database that must start fast.
  nohup "$server_bin" --no-defaults --user="$run_user" --datadir="$data" --port="$port" --bind-address=127.0.0.1 \
    --socket="$socket" --pid-file="$pidfile" --log-error="$log" --skip-name-resolve --skip-log-bin \
    --innodb-buffer-pool-size=64M --innodb-log-file-size=16M --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 \
    --max-connections=500 --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
    </dev/null >/dev/null 2>&1 &

  local i
  for i in $(seq 1 300); do
    if sql -e "SELECT 1" >/dev/null 2>&1; then break; fi
    if [ "$i" -eq 300 ]; then log "MariaDB did not answer within 30 s; last log lines:"; tail -n 20 "$log" >&2; exit 1; fi
    sleep 0.1
  done

  sql <<SQL
CREATE DATABASE IF NOT EXISTS $database;
CREATE USER IF NOT EXISTS '$user'@'127.0.0.1' IDENTIFIED BY '$password';
CREATE USER IF NOT EXISTS '$user'@'localhost' IDENTIFIED BY '$password';
GRANT ALL PRIVILEGES ON $database.* TO '$user'@'127.0.0.1';
GRANT ALL PRIVILEGES ON $database.* TO '$user'@'localhost';
FLUSH PRIVILEGES;
SQL
  print_connection
}

stop() {
  if is_running; then
    local pid; pid="$(cat "$pidfile")"
    kill -TERM "$pid"
    local i
    for i in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then log "MariaDB (pid $pid) did not stop within 30 s; killing it"; kill -KILL "$pid" || true; fi
    rm -f "$pidfile"
    log "stopped"
  else
    log "not running"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
