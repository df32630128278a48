#!/usr/bin/env bash
# Starts throwaway Debian servers for the server-store tests: PostgreSQL 15, MariaDB 10.11 and Redis 7, each on a
# free port on 127.0.0.1, with data under $DIR (default: a new temp folder). Installs the Debian packages that are
# missing (needs root and apt). Prints `export` lines for the test environment variables; `stop DIR` stops them.
#
#   eval "$(scripts/debian-servers.sh start)"      # sets TOKENSTORE_TEST_POSTGRES / _MARIADB / _REDIS_URI
#   scripts/debian-servers.sh stop "$TOKENSTORE_TEST_SERVERS_DIR"
set -euo pipefail

log() { echo "debian-servers: $*" >&2; }

free_port() {
  python3 - <<'PY'
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
}

need_packages() {
  local missing=()
  command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || missing+=(mariadb-server)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  [ -x /usr/lib/postgresql/15/bin/initdb ] || missing+=(postgresql-15)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]} (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  fi
}

wait_for() { # seconds, description, command...
  local secs=$1 what=$2; shift 2
  for _ in $(seq 1 $((secs * 10))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  log "$what did not start within ${secs}s"; return 1
}

start() {
  need_packages
  local dir=${1:-$(mktemp -d /tmp/tokenstore-servers.XXXXXX)}
  mkdir -p "$dir"; chmod 0777 "$dir"

  # PostgreSQL 15: initdb and pg_ctl must run as the postgres user.
  local pgport; pgport=$(free_port)
  local pgbin=/usr/lib/postgresql/15/bin
  mkdir -p "$dir/pg" && chown postgres "$dir/pg"
  su postgres -c "$pgbin/initdb -D $dir/pg/data -U postgres -A trust --no-sync" >"$dir/pg-init.log" 2>&1
  su postgres -c "$pgbin/pg_ctl -D $dir/pg/data -l $dir/pg/log -o \"-p $pgport -k $dir/pg -c listen_addresses=127.0.0.1 -c fsync=off\" -w start" >&2
  log "PostgreSQL 15 on 127.0.0.1:$pgport"

  # MariaDB 10.11.
  local myport; myport=$(free_port)
  local mybin; mybin=$(command -v mariadbd || echo /usr/sbin/mariadbd)
  mariadb-install-db --user=root --datadir="$dir/my" --auth-root-authentication-method=normal --skip-test-db \
    >"$dir/my-init.log" 2>&1
  "$mybin" --user=root --datadir="$dir/my" --port="$myport" --bind-address=127.0.0.1 --socket="$dir/my.sock" \
    --pid-file="$dir/my.pid" --skip-name-resolve >"$dir/my.log" 2>&1 &
  wait_for 30 "MariaDB" mariadb --protocol=TCP -h 127.0.0.1 -P "$myport" -u root -e "select 1"
  log "MariaDB on 127.0.0.1:$myport"

  # Redis 7.
  local rport; rport=$(free_port)
  redis-server --daemonize yes --port "$rport" --bind 127.0.0.1 --save '' --appendonly no \
    --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --dir "$dir" >&2
  wait_for 10 "Redis" redis-cli -p "$rport" ping
  log "Redis on 127.0.0.1:$rport"

  echo "export TOKENSTORE_TEST_SERVERS_DIR=$dir"
  echo "export TOKENSTORE_TEST_POSTGRES=127.0.0.1:$pgport:postgres:"
  echo "export TOKENSTORE_TEST_MARIADB=127.0.0.1:$myport:root:"
  echo "export TOKENSTORE_TEST_REDIS_URI=redis://127.0.0.1:$rport/0"
}

stop() {
  local dir=$1
  [ -d "$dir" ] || { log "no such folder: $dir"; return 0; }
  if [ -d "$dir/pg/data" ]; then
    su postgres -c "/usr/lib/postgresql/15/bin/pg_ctl -D $dir/pg/data -m immediate stop" >&2 || true
  fi
  for pidfile in "$dir/my.pid" "$dir/redis.pid"; do
    if [ -f "$pidfile" ]; then kill "$(cat "$pidfile")" 2>/dev/null || true; fi
  done
  sleep 1
  rm -rf "$dir"
  log "stopped and removed $dir"
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) shift; stop "${1:?usage: $0 stop DIR}" ;;
  *) echo "usage: $0 start [DIR] | stop DIR" >&2; exit 2 ;;
esac
