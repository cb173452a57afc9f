#!/usr/bin/env bash
# .ci/nginx.sh start|start-replicas|stop — Debian's nginx as a non-root user on loopback, through
# deploy/lookalike-proxy.conf (the production proxy directives).
#   start:          127.0.0.1:${LOOKALIKE_NGINX_PORT:-18480} → one app on ${LOOKALIKE_NGINX_UPSTREAM_PORT:-18481};
#                   prints the line to export for the tests: LOOKALIKE_TEST_NGINX=<url>|<upstream port>
#   start-replicas: 127.0.0.1:${LOOKALIKE_NGINX_REPLICAS_PORT:-18482} → two replicas on 18483 and 18484
#                   (${LOOKALIKE_NGINX_REPLICA_PORTS}), with the upstream block of deploy/lookalike-replicas.conf as
#                   written there, only its ports changed; prints LOOKALIKE_TEST_NGINX_REPLICAS=<url>|<port>,<port>
#   stop:           stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
user=${LOOKALIKE_NGINX_USER:-lookalike-ci}
single_dir=${LOOKALIKE_NGINX_DIR:-/tmp/lookalike-ci-nginx}
replicas_dir=${LOOKALIKE_NGINX_REPLICAS_DIR:-/tmp/lookalike-ci-nginx-replicas}

run_as() {
  if [ "$(id -u)" = 0 ]; then runuser -u "$user" -- "$@"; else "$@"; fi
}

# start_nginx <dir> <listen port> <upstream block> [server directives]
start_nginx() {
  local dir=$1 port=$2 upstream=$3 extra=${4:-}
  if [ "$(id -u)" = 0 ] && ! id "$user" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
  fi
  rm -rf "$dir" && mkdir -p "$dir/temp"
  cp deploy/lookalike-proxy.conf "$dir/"
  cat > "$dir/nginx.conf" <<CONF
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 256; }
http {
    access_log $dir/access.log;
    client_body_temp_path $dir/temp/body;
    proxy_temp_path $dir/temp/proxy;
    fastcgi_temp_path $dir/temp/fastcgi;
    uwsgi_temp_path $dir/temp/uwsgi;
    scgi_temp_path $dir/temp/scgi;
    map \$http_upgrade \$connection_upgrade { default upgrade; '' close; }
$upstream
    server {
        listen 127.0.0.1:$port;
$extra
        include $dir/lookalike-proxy.conf;
    }
}
CONF
  if [ "$(id -u)" = 0 ]; then chown -R "$user" "$dir"; fi
  run_as /usr/sbin/nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log"
}

stop_nginx() {
  if [ -f "$1/nginx.pid" ]; then kill "$(cat "$1/nginx.pid")" 2>/dev/null || true; fi
}

case "${1:-}" in
  start)
    port=${LOOKALIKE_NGINX_PORT:-18480}
    upstream=${LOOKALIKE_NGINX_UPSTREAM_PORT:-18481}
    start_nginx "$single_dir" "$port" "    upstream lookalike { server 127.0.0.1:$upstream; }"
    echo "LOOKALIKE_TEST_NGINX=http://127.0.0.1:$port|$upstream"
    ;;
  start-replicas)
    port=${LOOKALIKE_NGINX_REPLICAS_PORT:-18482}
    read -r first second <<<"${LOOKALIKE_NGINX_REPLICA_PORTS:-18483 18484}"
    # the production upstream block and next-upstream rule, ports 5183/5184 replaced by the test's
    block=$(awk '/^upstream lookalike \{/,/^\}/' deploy/lookalike-replicas.conf | sed "s/127.0.0.1:5183/127.0.0.1:$first/; s/127.0.0.1:5184/127.0.0.1:$second/")
    next=$(grep -E '^\s*proxy_next_upstream ' deploy/lookalike-replicas.conf)
    if ! grep -q ":$first " <<<"$block" || ! grep -q ":$second " <<<"$block"; then
      echo "deploy/lookalike-replicas.conf: no upstream lookalike block with servers 127.0.0.1:5183 and :5184" >&2
      exit 1
    fi
    start_nginx "$replicas_dir" "$port" "$block" "$next"
    echo "LOOKALIKE_TEST_NGINX_REPLICAS=http://127.0.0.1:$port|$first,$second"
    ;;
  stop)
    stop_nginx "$single_dir"
    stop_nginx "$replicas_dir"
    ;;
  *)
    echo "usage: $0 start|start-replicas|stop" >&2
    exit 1
    ;;
esac
