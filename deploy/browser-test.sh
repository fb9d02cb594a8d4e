#!/usr/bin/env bash
# The browser tests (Tests/Browser, pytest + selenium driving Debian's headless Chromium): starts a throw-away
# PostgreSQL, Redis, nginx (the shipped nginx/herald.conf, rendered as deploy/dev.sh does), `herald web` and
# `herald scheduler` on free loopback ports, migrates, creates an admin, runs pytest against https://localhost:PORT/,
# and stops everything by PID whatever happens. deploy/test.sh runs it after the Swift tests; alone it builds first.
# The tests get a reporting database's URL too (HERALD_BROWSER_DATABASE_URL), for the data source the flow test adds,
# and Herald's own (HERALD_BROWSER_HERALD_DATABASE_URL), where a test puts what only the scheduler writes (notifications).
#   deploy/browser-test.sh [pytest arguments]      e.g. deploy/browser-test.sh -k sign_in
# Screenshots go to static/screenshots/ (HERALD_SCREENSHOTS_DIR overrides it); the servers' logs are printed when a
# test fails.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
source deploy/lib.sh

install_packages
python_env
if [ -z "${HERALD_TEST_BIN_DIR:-}" ]; then
    say "building (debug)"
    swift build >/dev/null
    HERALD_TEST_BIN_DIR=$(swift build --show-bin-path)
fi
bin=$HERALD_TEST_BIN_DIR

state=$(mktemp -d /tmp/herald-browser.XXXXXX)
chmod 755 "$state"   # the postgres user must reach its data folder inside
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [ -f "$state/nginx/nginx.pid" ]; then kill -QUIT "$(cat "$state/nginx/nginx.pid")" 2>/dev/null || true; fi
    stop_postgres "$state/pg"
    stop_redis "$state/redis"
    rm -rf "$state"
}
trap cleanup EXIT

pg_port=$(free_port); redis_port=$(free_port); http_port=$(free_port); https_port=$(free_port)
start_postgres "$state/pg" "$pg_port"
start_redis "$state/redis" "$redis_port"
mkdir -p "$state/data/deliveries" "$state/nginx" "$state/run"

set -a
HERALD_DATABASE_URL="postgresql://postgres@127.0.0.1:$pg_port/postgres"
HERALD_REDIS_URL="redis://127.0.0.1:$redis_port"
HERALD_SECRET_KEY=$("$bin/herald" key generate)
HERALD_FCGI_SOCKET="$state/run/web.sock"
HERALD_BASE_URL="https://localhost:$https_port"
HERALD_DATA_DIR="$state/data"
HERALD_DELIVERY_ROOT="$state/data/deliveries"
HERALD_TEMPLATES_DIR="$root/templates"
HERALD_LOG_LEVEL=info
HERALD_WEB_THREADS=4
HERALD_WORKERS=2
set +a

"$bin/herald" migrate >/dev/null
# The flow's data source: a reporting database and a login role of its own. Herald refuses a data source that can
# read its own tables (its database, as its superuser).
psql -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -q -c "CREATE DATABASE reporting" -c "CREATE ROLE report_reader LOGIN"
reporting_url="postgresql://report_reader@127.0.0.1:$pg_port/reporting"
admin_email=admin@browser.test
admin_password=$("$bin/herald" user add --email "$admin_email" --role admin | sed -n 's/^password: //p')
[ -n "$admin_password" ] || die "herald user add printed no password"

"$bin/herald" web > "$state/web.log" 2>&1 &
pids+=($!)
"$bin/herald" scheduler > "$state/scheduler.log" 2>&1 &
pids+=($!)

self_signed_cert "$state/tls"
render_nginx_conf "$state/nginx/nginx.conf" "$state/nginx" "$http_port" "$https_port" \
    "$state/tls/cert.pem" "$state/tls/key.pem" "$HERALD_FCGI_SOCKET" "$state/data"
# The suite signs in more often than nginx's per-address sign-in limit (10 a minute) allows one address; the app's
# own per-account throttle is unchanged (and tested in Tests/HeraldWebTests).
sed -i 's|zone=herald_login:10m rate=10r/m|zone=herald_login:10m rate=600r/m|' "$state/nginx/nginx.conf"
nginx -t -q -p "$state/nginx" -c "$state/nginx/nginx.conf"
nginx -p "$state/nginx" -c "$state/nginx/nginx.conf"

for _ in $(seq 1 150); do
    [ "$(curl -sk -o /dev/null -w '%{http_code}' "https://localhost:$https_port/healthz")" = 200 ] && break
    sleep 0.1
done
[ "$(curl -sk -o /dev/null -w '%{http_code}' "https://localhost:$https_port/healthz")" = 200 ] \
    || { tail -n 30 "$state/web.log" >&2; die "herald web does not answer through nginx"; }

say "browser tests against https://localhost:$https_port/"
status=0
HERALD_BROWSER_BASE_URL="https://localhost:$https_port" HERALD_BROWSER_ADMIN_EMAIL=$admin_email \
HERALD_BROWSER_ADMIN_PASSWORD=$admin_password HERALD_BROWSER_DELIVERIES=$HERALD_DELIVERY_ROOT \
HERALD_BROWSER_DATABASE_URL=$reporting_url \
HERALD_BROWSER_HERALD_DATABASE_URL=$HERALD_DATABASE_URL \
HERALD_SCREENSHOTS_DIR=${HERALD_SCREENSHOTS_DIR:-$root/static/screenshots} PYTHONDONTWRITEBYTECODE=1 \
    "$herald_python" -m pytest -p no:cacheprovider -q "$root/Tests/Browser" "$@" || status=$?
if [ "$status" != 0 ]; then
    for log in web scheduler; do echo "--- last lines of herald $log ---" >&2; tail -n 40 "$state/$log.log" >&2; done
    echo "--- nginx error.log ---" >&2; tail -n 20 "$state/nginx/error.log" >&2 || true
fi
exit "$status"
