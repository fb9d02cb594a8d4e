#!/usr/bin/env bash
# Web benchmark: GET /healthz through nginx → herald web (release build) against the same nginx answering
# `return 200` itself, both over the same TLS configuration, measured in one run with wrk (3 runs each, median).
# Variants: the shipped config (no upstream keepalive) and keep-conn (upstream keepalive + fastcgi_keep_conn).
# Usage: deploy/bench-web.sh [seconds]   (WRK_CONNECTIONS, HERALD_WEB_THREADS override the defaults)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
source deploy/lib.sh

seconds=${1:-10}
connections=${WRK_CONNECTIONS:-32}
threads=${HERALD_WEB_THREADS:-16}
bench_prepare wrk mawk
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for conf in "$work"/*/nginx.conf; do [ -f "$conf" ] && nginx -p "$(dirname "$conf")" -c "$conf" -s quit 2>/dev/null || true; done
    stop_postgres "$work/pg"; stop_redis "$work/redis"
    sleep 0.5; rm -rf "$work"
}
trap cleanup EXIT

pg_port=$(free_port); redis_port=$(free_port)
start_postgres "$work/pg" "$pg_port"
start_redis "$work/redis" "$redis_port"
self_signed_cert "$work/tls"

# nginx_instance NAME EDIT: renders nginx/herald.conf into $work/NAME, applies the sed EDIT to a copy of the nginx
# folder (so variants differ only there), starts nginx and prints its HTTPS port.
nginx_instance() {
    local name=$1 edit=$2 dir=$work/$1 http https
    mkdir -p "$dir/conf"
    cp "$root"/nginx/*.conf "$dir/conf/"
    http=$(free_port); https=$(free_port)
    render_nginx_conf "$dir/nginx.conf" "$dir" "$http" "$https" "$work/tls/cert.pem" "$work/tls/key.pem" "$dir/web.sock" "$work"
    sed -i "s|$root/nginx|$dir/conf|g" "$dir/nginx.conf"
    [ -n "$edit" ] && sed -i "$edit" "$dir/nginx.conf" "$dir/conf/herald-fastcgi.conf"
    nginx -p "$dir" -c "$dir/nginx.conf"
    echo "$https"
}

start_web() {
    local dir=$1
    HERALD_DATABASE_URL="postgresql://postgres@127.0.0.1:$pg_port/postgres" HERALD_REDIS_URL="redis://127.0.0.1:$redis_port" \
    HERALD_SECRET_KEY=$("$bin/herald" key generate) HERALD_FCGI_SOCKET="$dir/web.sock" HERALD_WEB_THREADS=$threads \
    HERALD_TEMPLATES_DIR="$root/templates" HERALD_LOG_LEVEL=error \
        "$bin/herald" web > "$dir/web.log" 2>&1 &
    pids+=($!)
    local i; for i in $(seq 1 100); do [ -S "$dir/web.sock" ] && return 0; sleep 0.1; done
    die "herald web did not start: $(cat "$dir/web.log")"
}

pin=""; command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ] && pin="taskset -c 1"

# measure PORT: median requests/s of three wrk runs, and the worst timeout/error count.
measure() {
    local port=$1 run out rates=() errors=0 e
    for run in 1 2 3; do
        out=$($pin wrk -t1 -c"$connections" -d"${seconds}s" "https://localhost:$port/healthz")
        rates+=("$(echo "$out" | awk '/Requests\/sec/ {print $2}')")
        e=$(echo "$out" | awk '/Socket errors/ {gsub(",", ""); print $4+$6+$8+$10}'); e=${e:-0}
        non2xx=$(echo "$out" | awk '/Non-2xx/ {print $5}'); non2xx=${non2xx:-0}
        errors=$((errors + e + non2xx))
    done
    printf '%s %s\n' "$(printf '%s\n' "${rates[@]}" | sort -n | sed -n 2p)" "$errors"
}

alone_port=$(nginx_instance alone 's|location = /healthz { include .*|location = /healthz { default_type application/health+json; return 200 "{\\"status\\":\\"pass\\"}"; }|')
plain_port=$(nginx_instance plain "")
keep_port=$(nginx_instance keepconn 's|server unix:\(.*\);|server unix:\1;\n        keepalive 8;|; s|fastcgi_pass herald;|fastcgi_keep_conn on;\nfastcgi_pass herald;|')
start_web "$work/plain"
start_web "$work/keepconn"
curl -sfk "https://localhost:$alone_port/healthz" >/dev/null && curl -sfk "https://localhost:$plain_port/healthz" >/dev/null \
    && curl -sfk "https://localhost:$keep_port/healthz" >/dev/null || die "a server does not answer /healthz"

say "wrk -t1 -c$connections -d${seconds}s, 3 runs each, herald web with $threads threads"
read -r alone alone_err < <(measure "$alone_port")
read -r plain plain_err < <(measure "$plain_port")
read -r keep keep_err < <(measure "$keep_port")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
printf '%-44s %12s %8s %8s\n' "arm" "req/s" "ratio" "errors"
printf '%-44s %12s %8s %8s\n' "nginx return 200 (baseline)" "$alone" "1.00" "$alone_err"
printf '%-44s %12s %8s %8s\n' "nginx -> herald web (shipped: no keepalive)" "$plain" "$(ratio "$plain" "$alone")" "$plain_err"
printf '%-44s %12s %8s %8s\n' "nginx -> herald web (keepalive 8, keep_conn)" "$keep" "$(ratio "$keep" "$alone")" "$keep_err"
