#!/usr/bin/env bash
# The load of runs queued behind a data source limited to one query at a time: N due schedules (default 1,000, ten
# priorities) on one data source with max_concurrency = 1, run by one `herald scheduler` with 4 workers, in a fresh
# database on a private PostgreSQL (pg_stat_statements preloaded) and Redis. Prints the statements PostgreSQL ran
# per run (firing, claims, parking, wake-ups, the report itself, recording) and the claims per run. Each report
# sleeps HERALD_BENCH_QUERY_MS (default 5) under the slot.
#
# The baseline is the same scenario run by another build (the commit before runs waited parked retried every
# 0.5 s): HERALD_BENCH_BASELINE_BIN=/path/to/its/bin-folder. HERALD_BENCH_BIN picks the build to measure (default:
# a release build of this tree).
# Measured 2026-12-01 on the 2-core build machine (shared, load 3-4), debug builds, 1,000 runs of 5 ms, four runs:
#   before (3af5d57, retry every 0.5 s): 45.8, 69.3, 49.8, 51.5 statements and 7.4, 8.5, 6.4, 6.9 claims per run;
#   13.2-15.4 s in all
#   parked (this tree):                   10.7, 10.7 statements and 2.8, 2.8 claims per run, 12.1-13.2 s in all
#   (before the lease check ahead of the artifact write, one statement fewer: 9.6, 9.8, 9.7, and 9.9 before newcomers
#   deferred to better parked runs)
# Usage: deploy/bench-source-limit.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/lib.sh

runs=${1:-1000}
# How long each report holds the slot (the longer, the longer the others wait).
query_ms=${HERALD_BENCH_QUERY_MS:-5}
if [ -n "${HERALD_BENCH_BIN:-}" ]; then
    install_packages
    bin=$HERALD_BENCH_BIN
    work=$(mktemp -d /tmp/herald-bench.XXXXXX)
    chmod 755 "$work"
else
    bench_prepare
fi
scheduler_pid=
cleanup() {
    if [ -n "$scheduler_pid" ]; then kill -TERM "$scheduler_pid" 2>/dev/null || true; wait "$scheduler_pid" 2>/dev/null || true; fi
    stop_postgres "$work/pg"; stop_redis "$work/redis"; rm -rf "$work"
}
trap cleanup EXIT
pg_port=$(free_port); redis_port=$(free_port)
start_postgres "$work/pg" "$pg_port"
start_redis "$work/redis" "$redis_port"
psql_as() { runuser -u postgres -- "$(pg_bin)/psql" -qAtX -h 127.0.0.1 -p "$pg_port" -v ON_ERROR_STOP=1 "$@"; }

export HERALD_SECRET_KEY=$("$bin/herald" key generate)
export HERALD_LOG_LEVEL=error
export HERALD_WORKERS=4

# measure LABEL BIN_DIR: prints one result line.
measure() {
    local label=$1 herald=$2/herald db="bench_limit_$1" url
    url="postgresql://postgres@127.0.0.1:$pg_port/bench_limit_$1"
    psql_as -c "CREATE DATABASE $db" postgres
    redis-cli -p "$redis_port" FLUSHALL >/dev/null
    mkdir -p "$work/data-$label"
    export HERALD_DATABASE_URL=$url HERALD_REDIS_URL="redis://127.0.0.1:$redis_port" HERALD_DATA_DIR="$work/data-$label"
    "$herald" migrate >/dev/null
    local source
    # The reports' own database: Herald refuses a data source that can read its tables.
    psql_as -c "CREATE DATABASE ${db}_reporting" postgres
    source=$("$herald" datasource add --name reporting --url "${url}_reporting")
    psql_as "$db" <<SQL
CREATE EXTENSION pg_stat_statements;
UPDATE data_sources SET max_concurrency = 1;
INSERT INTO reports (name, data_source_id, sql) VALUES ('limited', '$source', 'SELECT 1 AS one FROM pg_sleep($query_ms / 1000.0)');
INSERT INTO schedules (report_id, recurrence, cron, time_zone, next_slot_at, next_run_at, priority, overlap_policy)
SELECT (SELECT id FROM reports), '{"kind":"custom","time_zone":"UTC","cron":"0 0 1 1 *"}', '0 0 1 1 *', 'UTC', slot, slot, i % 10, 'allow'
FROM generate_series(0, $runs - 1) i, LATERAL (SELECT date_trunc('second', now()) - make_interval(secs => i % 50 + 1) AS slot) s;
SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database WHERE datname = current_database()), 0);
SQL
    local started ended done
    started=$(date +%s.%N)
    "$herald" scheduler >"$work/scheduler-$label.log" 2>&1 &
    scheduler_pid=$!
    done=0
    while [ "$done" -lt "$runs" ]; do
        sleep 0.2
        done=$(psql_as "$db" -c "SELECT count(*) FROM executions WHERE status = 'succeeded'")
        kill -0 "$scheduler_pid" 2>/dev/null || { tail -n 20 "$work/scheduler-$label.log" >&2; die "the scheduler died"; }
    done
    ended=$(date +%s.%N)
    kill -TERM "$scheduler_pid"; wait "$scheduler_pid" || true
    scheduler_pid=
    # Our own polling of the count is left out.
    psql_as "$db" <<SQL
SELECT format('%s: %s runs in %s s: %s statements, %s per run, %s claims per run', '$label', $runs,
              round(($ended - $started)::numeric, 1), sum(calls), round(sum(calls)::numeric / $runs, 1),
              round((sum(calls) FILTER (WHERE query LIKE '%crashes = e.crashes%'))::numeric / $runs, 2))
FROM pg_stat_statements
WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND query NOT LIKE 'SELECT count(*) FROM executions WHERE status = %' AND query NOT LIKE '%pg_stat_statements%';
SQL
}

say "$runs runs behind a data source limited to 1, each query ${query_ms} ms"
if [ -n "${HERALD_BENCH_BASELINE_BIN:-}" ]; then measure baseline "$HERALD_BENCH_BASELINE_BIN"; fi
measure current "$bin"
