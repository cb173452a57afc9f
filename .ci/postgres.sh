#!/usr/bin/env bash
# .ci/postgres.sh start|stop — a throwaway PostgreSQL cluster (Debian's postgresql package) as a non-root user on
# 127.0.0.1:${LOOKALIKE_PG_PORT:-18432}: initdb in a temporary folder, trust authentication on loopback only, a database
# `lookalike`. `start` prints the line to export for the tests: LOOKALIKE_TEST_POSTGRES=<Npgsql connection string>.
# `stop` stops the cluster and deletes its folder.
set -euo pipefail
cd "$(dirname "$0")/.."
port=${LOOKALIKE_PG_PORT:-18432}
dir=${LOOKALIKE_PG_DIR:-/tmp/lookalike-ci-postgres}
user=${LOOKALIKE_PG_USER:-lookalike-ci}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)

run_as() {
  if [ "$(id -u)" = 0 ]; then runuser -u "$user" -- "$@"; else "$@"; fi
}

case "${1:-}" in
  start)
    [ -x "$bin/initdb" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
    if [ "$(id -u)" = 0 ] && ! id "$user" >/dev/null 2>&1; then
      useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
    fi
    [ -f "$dir/data/postmaster.pid" ] && run_as "$bin/pg_ctl" -D "$dir/data" stop -m immediate >/dev/null 2>&1 || true
    rm -rf "$dir" && mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown "$user" "$dir"
    run_as "$bin/initdb" -D "$dir/data" -U lookalike --auth=trust --encoding=UTF8 --locale=C >"$dir/initdb.log"
    # loopback TCP only, the socket in the cluster's own folder; fsync off: a throwaway cluster
    run_as "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off -c max_connections=200" start >/dev/null
    run_as "$bin/createdb" -h 127.0.0.1 -p "$port" -U lookalike lookalike
    echo "LOOKALIKE_TEST_POSTGRES=Host=127.0.0.1;Port=$port;Username=lookalike;Database=lookalike"
    ;;
  stop)
    if [ -f "$dir/data/postmaster.pid" ]; then
      run_as "$bin/pg_ctl" -D "$dir/data" stop -m fast -w >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 1
    ;;
esac
