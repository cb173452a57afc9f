#!/usr/bin/env bash
# .ci/nginx.sh start|stop — Debian's nginx as a non-root user on 127.0.0.1:${LOOKALIKE_NGINX_PORT:-18480}, proxying to
# the app on 127.0.0.1:${LOOKALIKE_NGINX_UPSTREAM_PORT:-18481} through deploy/lookalike-proxy.conf (the production
# proxy directives). `start` prints the line to export for the tests: LOOKALIKE_TEST_NGINX=<url>|<upstream port>.
# .ci/nginx.sh start-replicas|stop-replicas — a second nginx with deploy/lookalike-replicas.conf (two replicas, sticky
# sessions, failover) on 127.0.0.1:${LOOKALIKE_NGINX_REPLICAS_PORT:-18482} in front of the replicas on
# 127.0.0.1:${LOOKALIKE_NGINX_REPLICA_PORTS:-18483,18484}; the site file is used as shipped except for those ports, the
# listen line (plain HTTP on loopback), the certificate lines and the include path. It prints
# LOOKALIKE_TEST_NGINX_REPLICAS=<url>|<replica port>|<replica port> for the failover test (ReplicaSyncTests.BehindNginx_…).
set -euo pipefail
cd "$(dirname "$0")/.."
port=${LOOKALIKE_NGINX_PORT:-18480}
upstream=${LOOKALIKE_NGINX_UPSTREAM_PORT:-18481}
dir=${LOOKALIKE_NGINX_DIR:-/tmp/lookalike-ci-nginx}
user=${LOOKALIKE_NGINX_USER:-lookalike-ci}

run_as() {
  if [ "$(id -u)" = 0 ]; then runuser -u "$user" -- "$@"; else "$@"; fi
}

# the nginx.conf of a test instance in $1 whose http block ends with $2 (the site)
write_conf() {
  cat > "$1/nginx.conf" <<CONF
worker_processes 1;
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections 256; }
http {
    access_log $1/access.log;
    client_body_temp_path $1/temp/body;
    proxy_temp_path $1/temp/proxy;
    fastcgi_temp_path $1/temp/fastcgi;
    uwsgi_temp_path $1/temp/uwsgi;
    scgi_temp_path $1/temp/scgi;
$2
}
CONF
}

ensure_user() {
  if [ "$(id -u)" = 0 ] && ! id "$user" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
  fi
}

start_nginx() {
  [ "$(id -u)" = 0 ] && chown -R "$user" "$1"
  run_as /usr/sbin/nginx -p "$1" -c "$1/nginx.conf" -e "$1/error.log"
}

stop_nginx() {
  [ -f "$1/nginx.pid" ] && kill "$(cat "$1/nginx.pid")" 2>/dev/null || true
}

case "${1:-}" in
  start)
    ensure_user
    rm -rf "$dir" && mkdir -p "$dir/temp"
    cp deploy/lookalike-proxy.conf "$dir/"
    write_conf "$dir" "    map \$http_upgrade \$connection_upgrade { default upgrade; '' close; }
    upstream lookalike { server 127.0.0.1:$upstream; }
    server {
        listen 127.0.0.1:$port;
        include $dir/lookalike-proxy.conf;
    }"
    start_nginx "$dir"
    echo "LOOKALIKE_TEST_NGINX=http://127.0.0.1:$port|$upstream"
    ;;
  start-replicas)
    ensure_user
    rdir=${LOOKALIKE_NGINX_REPLICAS_DIR:-/tmp/lookalike-ci-nginx-replicas}
    rport=${LOOKALIKE_NGINX_REPLICAS_PORT:-18482}
    IFS=, read -r r1 r2 <<<"${LOOKALIKE_NGINX_REPLICA_PORTS:-18483,18484}"
    rm -rf "$rdir" && mkdir -p "$rdir/temp"
    cp deploy/lookalike-proxy.conf "$rdir/"
    sed -e "s|listen 443 ssl;|listen 127.0.0.1:$rport;|" -e '/ssl_certificate/d' -e '/http2 on;/d' \
        -e "s|127.0.0.1:5183 |127.0.0.1:$r1 |" -e "s|127.0.0.1:5184 |127.0.0.1:$r2 |" -e "s|/etc/nginx/|$rdir/|" \
        deploy/lookalike-replicas.conf > "$rdir/lookalike-replicas.conf"
    grep -q "127.0.0.1:$r1 " "$rdir/lookalike-replicas.conf" && grep -q "127.0.0.1:$r2 " "$rdir/lookalike-replicas.conf" \
      && grep -q "listen 127.0.0.1:$rport;" "$rdir/lookalike-replicas.conf" \
      || { echo "deploy/lookalike-replicas.conf no longer has the lines this script rewrites" >&2; exit 1; }
    write_conf "$rdir" "    include $rdir/lookalike-replicas.conf;"
    start_nginx "$rdir"
    echo "LOOKALIKE_TEST_NGINX_REPLICAS=http://127.0.0.1:$rport|$r1|$r2"
    ;;
  stop-replicas)
    stop_nginx "${LOOKALIKE_NGINX_REPLICAS_DIR:-/tmp/lookalike-ci-nginx-replicas}"
    ;;
  stop)
    stop_nginx "$dir"
    ;;
  *)
    echo "usage: $0 start|stop|start-replicas|stop-replicas" >&2
    exit 1
    ;;
esac
