#!/usr/bin/env bash
# .ci/nginx.sh start|stop — Debian's nginx as a non-root user on 127.0.0.1:${LOOKALIKE_NGINX_PORT:-18480}, proxying to
# the app on 127.0.0.1:${LOOKALIKE_NGINX_UPSTREAM_PORT:-18481} through deploy/lookalike-proxy.conf (the production
# proxy directives). `start` prints the line to export for the tests: LOOKALIKE_TEST_NGINX=<url>|<upstream port>.
set -euo pipefail
cd "$(dirname "$0")/.."
port=${LOOKALIKE_NGINX_PORT:-18480}
upstream=${LOOKALIKE_NGINX_UPSTREAM_PORT:-18481}
dir=${LOOKALIKE_NGINX_DIR:-/tmp/lookalike-ci-nginx}
user=${LOOKALIKE_NGINX_USER:-lookalike-ci}

run_as() {
  if [ "$(id -u)" = 0 ]; then runuser -u "$user" -- "$@"; else "$@"; fi
}

case "${1:-}" in
  start)
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
    upstream lookalike { server 127.0.0.1:$upstream; }
    server {
        listen 127.0.0.1:$port;
        include $dir/lookalike-proxy.conf;
    }
}
CONF
    [ "$(id -u)" = 0 ] && chown -R "$user" "$dir"
    run_as /usr/sbin/nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log"
    echo "LOOKALIKE_TEST_NGINX=http://127.0.0.1:$port|$upstream"
    ;;
  stop)
    [ -f "$dir/nginx.pid" ] && kill "$(cat "$dir/nginx.pid")" 2>/dev/null || true
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 1
    ;;
esac
