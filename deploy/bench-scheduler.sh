#!/usr/bin/env bash
# Scheduler benchmarks (release build), each in a fresh database against a private PostgreSQL and Redis, each with
# its baseline measured in the same run: firing lateness (100,000 schedules) against a bare sleep floor, a burst of
# 10,000 due schedules against a raw batched INSERT + pipelined XADD, and end-to-end executions per second against
# the bare work. Results go in BENCHMARKS.md.
# Usage: deploy/bench-scheduler.sh [lateness|burst|throughput ...]   (default: all three)
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/lib.sh

bench_prepare
cleanup() { stop_postgres "$work/pg"; stop_redis "$work/redis"; sleep 0.5; rm -rf "$work"; }
trap cleanup EXIT
pg_port=$(free_port); redis_port=$(free_port)
# Durable means durable: unlike the test cluster, this one syncs its WAL.
export HERALD_PG_FSYNC=on
start_postgres "$work/pg" "$pg_port"
start_redis "$work/redis" "$redis_port"

export HERALD_SECRET_KEY=$("$bin/herald" key generate)
export HERALD_LOG_LEVEL=error
benches=("$@")
[ "${#benches[@]}" -gt 0 ] || benches=(lateness burst throughput)
for bench in "${benches[@]}"; do
    db="bench_${bench}"
    runuser -u postgres -- "$(pg_bin)/psql" -q -h 127.0.0.1 -p "$pg_port" -c "CREATE DATABASE $db" postgres
    redis-cli -p "$redis_port" FLUSHALL >/dev/null
    mkdir -p "$work/data-$bench"
    HERALD_DATABASE_URL="postgresql://postgres@127.0.0.1:$pg_port/$db" \
    HERALD_REDIS_URL="redis://127.0.0.1:$redis_port" \
    HERALD_DATA_DIR="$work/data-$bench" \
        "$bin/herald" bench "$bench"
done
