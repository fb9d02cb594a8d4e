#!/usr/bin/env bash
# Web benchmark, in one run on this machine: wrk (-t1 -c32 --latency, pinned to CPU 1) through nginx (the shipped
# nginx/herald.conf, HTTPS) against `herald web` (release build) with 10,000 schedules owned by one creator, beside
# nginx's own `return 200` and `/healthz`, then the FastAPI + SQLAlchemy + Jinja2 peer (../shared/peers/fastapi,
# started by its own run.sh, its own 10,000-row schema, plain HTTP) on the same machine. Prints a table, the ratios
# against the targets, and `herald web`'s RSS idle and under load (VmRSS of /proc/PID/status). Not part of the tests.
#   deploy/bench-web.sh [seconds]       (default 10 s per route, after a 3 s warm-up)
# Knobs (environment): WRK_CONNECTIONS=32 RUNS=1 (median reported) HERALD_WEB_THREADS=16 PEER=1 (0 skips the peer)
#   PEER_DIR=../shared/peers/fastapi PEER_VENV (default: a fresh venv under the work folder) PEER_QUIET_BUDGET=120
#   PEER_REDO_MAX=2 (runs the peer redoes when other processes were busy during one)
#   PERF_DIR (when set, `perf record -g` samples herald web during each route's first run into PERF_DIR/LABEL.data)
#   ROUTES: one "label|path|auth" per line, auth = none, bearer or session; a route answering 404 is reported
#   "not available yet" and skipped (the schedule list and its API are being built), any other non-200 stops the run.
# The benchmark's nginx differs from the shipped one in one way: the per-address rate limits of /api/ and /login are
# lifted (one address sends every request), and a `location = /nginx-200 { return 200 }` is added.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
source deploy/lib.sh

seconds=${1:-10}
connections=${WRK_CONNECTIONS:-32}
runs=${RUNS:-1}
threads=${HERALD_WEB_THREADS:-16}
peer_dir=$(cd "${PEER_DIR:-$root/../shared/peers/fastapi}" 2>/dev/null && pwd || true)
default_routes='nginx return 200 (no app)|/nginx-200|none
GET /healthz (herald, no database)|/healthz|none
GET /api/openapi.json|/api/openapi.json|none
GET /status (session cookie)|/status|session
GET /api/v1/me (bearer)|/api/v1/me|bearer
GET /api/v1/schedules?limit=50 (bearer)|/api/v1/schedules?limit=50|bearer
GET /schedules (session cookie)|/schedules|session'
routes=${ROUTES:-$default_routes}

bench_prepare wrk mawk
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    [ -f "$work/nginx/nginx.pid" ] && kill -QUIT "$(cat "$work/nginx/nginx.pid")" 2>/dev/null || true
    stop_postgres "$work/pg"; stop_redis "$work/redis"
    rm -rf "$work"
}
trap cleanup EXIT

pg_port=$(free_port); redis_port=$(free_port); http_port=$(free_port); https_port=$(free_port)
start_postgres "$work/pg" "$pg_port"
start_redis "$work/redis" "$redis_port"
mkdir -p "$work/data/deliveries" "$work/nginx" "$work/run" "$work/wrk"
set -a
# The socket, as the peer connects (and as INSTALL.md suggests on one machine): no TCP per round trip.
HERALD_DATABASE_URL="postgresql://postgres@/postgres?host=$work/pg&port=$pg_port"
HERALD_REDIS_URL="redis://127.0.0.1:$redis_port"
HERALD_SECRET_KEY=$("$bin/herald" key generate)
HERALD_FCGI_SOCKET="$work/run/web.sock"
HERALD_BASE_URL="https://localhost:$https_port"
HERALD_DATA_DIR="$work/data"
HERALD_DELIVERY_ROOT="$work/data/deliveries"
HERALD_TEMPLATES_DIR="$root/templates"
HERALD_LOG_LEVEL=error
HERALD_WEB_THREADS=$threads
set +a

say "migrating and seeding 10,000 schedules owned by one creator"
"$bin/herald" migrate >/dev/null
email=bench-creator@bench.test
password=$("$bin/herald" user add --email "$email" --role creator | sed -n 's/^password: //p')
token=$("$bin/herald" token create --email "$email" --name bench)
# The report's own database: Herald refuses a data source that can read its tables.
psql -X -q -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -c "CREATE DATABASE bench_reporting"
source_id=$("$bin/herald" datasource add --name "Bench source" --url "postgresql://postgres@127.0.0.1:$pg_port/bench_reporting")
report_id=$("$bin/herald" report add --name "Bench report" --datasource "$source_id" --sql "SELECT 1 AS one")
psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres <<SQL
UPDATE reports SET owner_id = (SELECT id FROM users WHERE email = '$email') WHERE id = '$report_id';
INSERT INTO schedules (report_id, name, recurrence, cron, time_zone, owner_id, next_run_at, created_at, updated_at)
SELECT '$report_id', 'Bench schedule ' || n,
       '{"kind":"custom","time_zone":"Europe/Berlin","cron":"0 7 * * 1-5"}'::jsonb, '0 7 * * 1-5', 'Europe/Berlin',
       (SELECT id FROM users WHERE email = '$email'), now() + n * interval '1 minute',
       now() - n * interval '1 second', now() - n * interval '1 second'
FROM generate_series(1, 10000) n;
ANALYZE;
SQL
schedules=$(psql -X -tA -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -c "SELECT count(*) FROM schedules")

"$bin/herald" web > "$work/web.log" 2>&1 &
web_pid=$!
pids+=($web_pid)
self_signed_cert "$work/tls"
render_nginx_conf "$work/nginx/nginx.conf" "$work/nginx" "$http_port" "$https_port" \
    "$work/tls/cert.pem" "$work/tls/key.pem" "$HERALD_FCGI_SOCKET" "$work/data"
sed -i -e 's|zone=herald_login:10m rate=10r/m|zone=herald_login:10m rate=1000000r/s|' \
    -e 's|zone=herald_api:10m rate=20r/s|zone=herald_api:10m rate=1000000r/s|' \
    -e 's|^\(\s*\)location = /healthz|\1location = /nginx-200 { default_type text/plain; return 200 "ok"; }\n\1location = /healthz|' \
    "$work/nginx/nginx.conf"
grep -q 'location = /nginx-200' "$work/nginx/nginx.conf" || die "could not add the nginx-200 location"
nginx -t -q -p "$work/nginx" -c "$work/nginx/nginx.conf"
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf"
base=https://localhost:$https_port
for _ in $(seq 1 150); do [ "$(curl -sk -o /dev/null -w '%{http_code}' "$base/healthz")" = 200 ] && break; sleep 0.1; done
[ "$(curl -sk -o /dev/null -w '%{http_code}' "$base/healthz")" = 200 ] || die "herald web does not answer: $(tail -5 "$work/web.log")"

# A session as a browser gets one: the sign-in form's token and cookie, then the POST.
curl -sk -c "$work/jar" -o "$work/login.html" "$base/login"
login_token=$(sed -n 's/.*name="login_token" value="\([^"]*\)".*/\1/p' "$work/login.html")
curl -sk -b "$work/jar" -c "$work/jar" -o /dev/null --data-urlencode "login_token=$login_token" \
    --data-urlencode "email=$email" --data-urlencode "password=$password" --data-urlencode "next=/status" "$base/login"
session=$(awk '$6 == "__Host-herald_session" { print $7 }' "$work/jar")
[ -n "$session" ] || die "could not sign in as $email"

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
idle_rss=$(rss_kb "$web_pid")
max_rss=$idle_rss
pin=""; command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ] && pin="taskset -c 1"

auth_args() {
    case $1 in
        none) ;;
        bearer) printf '%s\n' -H "Authorization: Bearer $token" ;;
        session) printf '%s\n' -H "Cookie: __Host-herald_session=$session" ;;
        *) die "unknown auth $1" ;;
    esac
}

# cpu_ticks PID: user + system CPU time of a process so far, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

# measure LABEL PATH AUTH: a warm-up, then RUNS wrk runs; prints "rps p50_ms p99_ms errors bytes cpu_ms" of the run
# with the median req/s (cpu_ms: herald web's CPU time per request during that run), and records in $work/max_rss
# the largest herald web RSS seen so far while wrk ran.
measure() {
    local label=$1 path=$2 auth=$3 run out args=() line bytes
    mapfile -t args < <(auth_args "$auth")
    bytes=$(curl -sk -o /dev/null -w '%{size_download}' "${args[@]}" "$base$path")
    timeout 30 $pin wrk -t1 -c"$connections" -d3s "${args[@]}" "$base$path" >/dev/null
    for run in $(seq 1 "$runs"); do
        out=$work/wrk/$(echo "$label" | tr -c 'a-zA-Z0-9' _).$run.txt
        local ticks_before ticks_after requests
        ticks_before=$(cpu_ticks "$web_pid")
        timeout $((seconds + 30)) $pin wrk -t1 -c"$connections" -d"${seconds}s" --timeout 5s --latency "${args[@]}" \
            "$base$path" > "$out" &
        local wrk_pid=$! rss perf_pid=""
        if [ -n "${PERF_DIR:-}" ] && [ "$run" = 1 ]; then
            mkdir -p "$PERF_DIR"
            perf record -q -g -p "$web_pid" -o "$PERF_DIR/$(echo "$label" | tr -c 'a-zA-Z0-9' _).data" >/dev/null 2>&1 &
            perf_pid=$!
        fi
        while kill -0 "$wrk_pid" 2>/dev/null; do
            rss=$(rss_kb "$web_pid"); [ "${rss:-0}" -gt "$max_rss" ] && max_rss=$rss
            sleep 0.25
        done
        wait "$wrk_pid" || true
        if [ -n "$perf_pid" ]; then kill -INT "$perf_pid" 2>/dev/null || true; wait "$perf_pid" 2>/dev/null || true; fi
        ticks_after=$(cpu_ticks "$web_pid")
        requests=$(awk '/requests in/ { print $1 }' "$out")
        printf '%s %s\n' "$(/usr/bin/python3 "$peer_dir/wrkstats.py" parse "$out")" \
            "$(awk -v t=$((ticks_after - ticks_before)) -v n="${requests:-0}" -v hz="$hz" 'BEGIN { if (n > 0) printf "%.3f", t * 1000 / hz / n; else print "-" }')" \
            >> "$work/wrk/$$.runs"
    done
    # Written before the result line: the caller reads that line and then this file.
    echo "$max_rss" > "$work/max_rss"
    # The run with the median req/s; errors = socket errors + non-2xx.
    sort -n "$work/wrk/$$.runs" | awk -v n="$runs" -v b="$bytes" '{ r[NR]=$0 } END { split(r[int((n+1)/2)], f, " "); printf "%s %s %s %d %s %s\n", f[1], f[2], f[3], f[4]+f[5], b, f[7] }'
    rm -f "$work/wrk/$$.runs"
}
[ -f "$peer_dir/wrkstats.py" ] || die "the peer is not at ${PEER_DIR:-$root/../shared/peers/fastapi} (its wrkstats.py parses wrk's output)"

say "wrk -t1 -c$connections -d${seconds}s --latency, $runs run(s) per route, herald web with $threads threads, $schedules schedules"
results=$work/herald.tsv
: > "$results"
while IFS='|' read -r label path auth; do
    [ -n "$label" ] || continue
    mapfile -t args < <(auth_args "$auth")
    code=$(curl -sk -o /dev/null -w '%{http_code}' "${args[@]}" "$base$path")
    if [ "$code" = 404 ]; then
        printf '%s\t%s\n' "$label" "not available yet (404)" >> "$results"; say "$label: not available yet (404), skipped"; continue
    fi
    [ "$code" = 200 ] || die "$label: $path answers $code"
    read -r rps p50 p99 errors bytes cpu < <(measure "$label" "$path" "$auth")
    max_rss=$(cat "$work/max_rss")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$rps" "$p50" "$p99" "$errors" "$bytes" "$cpu" >> "$results"
    say "$label: $rps req/s, p50 $p50 ms, p99 $p99 ms, errors $errors, herald web CPU $cpu ms a request"
done <<< "$routes"
load_rss=$max_rss
after_rss=$(rss_kb "$web_pid")

# The peer, by its own script, after Herald's servers went quiet (they stay up, idle).
peer_results=""
if [ "${PEER:-1}" = 1 ]; then
    say "the peer: $peer_dir/run.sh (FastAPI async variant, $runs run(s) of ${seconds}s)"
    VENV=${PEER_VENV:-$work/peer-venv} STATE=$work/peer PG_PORT=$(free_port) HTTP_PORT=$(free_port) \
        DURATION=$seconds RUNS=$runs WARMUP=3 CONNS=$connections VARIANTS=async QUIET_BUDGET=${PEER_QUIET_BUDGET:-120} REDO_MAX=${PEER_REDO_MAX:-2} \
        bash "$peer_dir/run.sh" > "$work/peer.log" 2>&1 || { tail -20 "$work/peer.log" >&2; die "the peer's run.sh failed"; }
    peer_results=$work/peer/results.tsv
fi

# peer_stat ENDPOINT COLUMN: the median of a column of the peer's results.tsv (4 rps, 5 p50, 6 p99).
peer_stat() {
    [ -n "$peer_results" ] || { echo "-"; return; }
    awk -F'\t' -v e="$1" -v c="$2" '!/^#/ && $2 == e { print $c }' "$peer_results" | sort -n \
        | awk '{ v[NR]=$1 } END { if (NR) print v[int((NR+1)/2)]; else print "-" }'
}
peer_idle=$( [ -n "$peer_results" ] && grep -m1 'idle worker RSS kB after start' "$peer_results" | sed 's/.*: //' || echo "-")

echo
echo "## $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, wrk -t1 -c$connections -d${seconds}s --latency, median of $runs"
echo
printf '| %-44s | %10s | %8s | %8s | %7s | %8s | %8s |\n' "route (herald through nginx, HTTPS)" "req/s" "p50 ms" "p99 ms" "errors" "bytes" "CPU ms"
echo "|---|---:|---:|---:|---:|---:|---:|"
while IFS=$'\t' read -r label rps p50 p99 errors bytes cpu; do
    if [ -z "${p50:-}" ]; then printf '| %-44s | %s |\n' "$label" "$rps"; continue; fi
    printf '| %-44s | %10s | %8s | %8s | %7s | %8s | %8s |\n' "$label" "$rps" "$p50" "$p99" "$errors" "$bytes" "$cpu"
done < "$results"
if [ -n "$peer_results" ]; then
    for endpoint in 'return 200 "ok"' 'GET /healthz' 'GET /api/v1/schedules?limit=50' 'GET /schedules (Jinja2)'; do
        printf '| %-44s | %10s | %8s | %8s | %7s | %8s | %8s |\n' "peer (HTTP): $endpoint" "$(peer_stat "$endpoint" 4)" \
            "$(peer_stat "$endpoint" 5)" "$(peer_stat "$endpoint" 6)" "-" "-" "-"
    done
fi
echo
echo "herald web RSS: idle ${idle_rss} kB, under load at most ${load_rss} kB, after the load ${after_rss} kB (target: < 65536 kB idle)"
[ -n "$peer_results" ] && echo "peer workers' RSS idle after start (kB each): $peer_idle"

# ratio HERALD-LABEL PEER-ENDPOINT: requests/s against the peer's, and herald's p99 against the peer's p50.
ratio() {
    local ours theirs
    ours=$(awk -F'\t' -v l="$1" '$1 == l && $3 != "" { print $2, $4 }' "$results")
    theirs="$(peer_stat "$2" 4) $(peer_stat "$2" 5)"
    if [ -z "$ours" ] || [ "${theirs% *}" = "-" ]; then echo "$1: no ratio (not measured on both sides)"; return; fi
    awk -v o="$ours" -v t="$theirs" -v l="$1" -v target="${3:-}" 'BEGIN { split(o, a, " "); split(t, b, " ");
        printf "%s: %.1fx the peer'"'"'s req/s", l, a[1] / b[1];
        if (target) printf " (target >= 5x: %s)", (a[1] >= 5 * b[1] ? "met" : "not met");
        printf "; p99 %.2f ms against the peer'"'"'s p50 %.2f ms", a[2], b[2];
        if (target) printf " (target p99 < peer p50: %s)", (a[2] < b[2] ? "met" : "not met");
        printf "\n" }'
}
if [ -n "$peer_results" ]; then
    ratio "GET /api/v1/schedules?limit=50 (bearer)" 'GET /api/v1/schedules?limit=50' target
    ratio "GET /schedules (session cookie)" 'GET /schedules (Jinja2)' target
    ratio "GET /healthz (herald, no database)" 'GET /healthz'
fi
