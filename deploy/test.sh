#!/usr/bin/env bash
# Runs every test: installs what is missing (Debian packages; the Python packages of deploy/requirements-test.txt
# into a virtual environment, see python_env in deploy/lib.sh), starts throw-away PostgreSQL, Redis and the delivery
# channels' test servers (SMTP, SFTP, FTP/FTPS, S3, an HTTP receiver; start_delivery_servers in deploy/lib.sh exports
# their HERALD_TEST_* variables) on free loopback ports (the integration tests start nginx and the Herald processes
# themselves), runs `swift build` and `swift test`, then (without arguments) the cron differential test and the
# browser tests (deploy/browser-test.sh: headless Chromium through nginx against `herald web` and `herald scheduler`)
# and the install check (deploy/install-check.sh: deploy/INSTALL.md followed from nothing), and stops the servers
# whatever happens. Extra arguments go to `swift test` (e.g. `deploy/test.sh --filter PostgresTests`) and skip the
# rest.
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/lib.sh

install_packages
python_env   # before the long build: a pip failure stops the run here
state=$(mktemp -d /tmp/herald-test.XXXXXX)
chmod 755 "$state"
cleanup() {
    stop_delivery_servers "$state/delivery"
    stop_postgres "$state/pg"
    stop_redis "$state/redis"
    rm -rf "$state"
}
trap cleanup EXIT

pg_port=$(free_port)
redis_port=$(free_port)
say "starting PostgreSQL on 127.0.0.1:$pg_port and Redis on 127.0.0.1:$redis_port"
start_postgres "$state/pg" "$pg_port"
start_redis "$state/redis" "$redis_port"
say "starting the delivery test servers"
start_delivery_servers "$state/delivery"

export HERALD_TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:$pg_port/postgres"
export HERALD_TEST_PG_BIN="$(pg_bin)"
export HERALD_TEST_REDIS_URL="redis://127.0.0.1:$redis_port"
export HERALD_TEST_NGINX=$(command -v nginx || echo /usr/sbin/nginx)
# The venv's interpreter, for tests that run its tools (openapi-spec-validator, schemathesis).
export HERALD_TEST_PYTHON="$herald_python"

say "building"
swift build --build-tests
export HERALD_TEST_BIN_DIR=$(swift build --show-bin-path)

say "testing"
status=0
swift test --skip-build "$@" || status=$?

# The cron engine against cronsim (PyPI) on 10,000 random cases, many around DST transitions.
if [ "$#" = 0 ]; then
    say "cron differential test against cronsim"
    "$herald_python" deploy/cron-diff.py "$HERALD_TEST_BIN_DIR/herald" 10000 || status=$?
    say "browser tests (deploy/browser-test.sh)"
    bash deploy/browser-test.sh || status=$?
    say "install check (deploy/install-check.sh: deploy/INSTALL.md followed in a throw-away prefix)"
    bash deploy/install-check.sh || status=$?
fi
if [ "$status" = 0 ]; then say "all tests passed"; else say "tests failed (exit $status)"; fi
exit "$status"
