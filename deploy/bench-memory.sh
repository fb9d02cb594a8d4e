#!/usr/bin/env bash
# Memory benchmark (issue 12), release build, one run: VmRSS (/proc/PID/status, every 0.25 s) of
#   1. a real `herald scheduler` (8 workers) against a private PostgreSQL + Redis with 100,000 active schedules
#      (`herald bench memory`: `*/5 * * * *`, jitter 0-299 s, so about 333 runs a second, each running the 10-row
#      report to a CSV artifact, no destination), idle after start and at most while it fires for WINDOW seconds;
#   2. `herald web` idle and under load, from deploy/bench-web.sh itself (nginx + herald web + wrk -c32 on
#      /api/v1/schedules?limit=50 with a bearer token, WEB_SECONDS);
#   3. `celery beat` with the same 100,000 entries (crontab every five minutes, spread by minute: crontab has no
#      seconds) and one `celery worker` (threads pool, concurrency 8) on the same Redis server, another database,
#      idle after start and at most over the same WINDOW.
# Every minute firing (1,700 runs a second) is more than this 2-core machine runs end to end (about 950/s in the
# throughput benchmark), so both sides fire every five minutes. Prints a table with Celery / Herald ratios and appends
# it, dated, with the load before/after, the command and the versions, to BENCHMARKS.md (figures, not targets).
#   deploy/bench-memory.sh            Knobs: WINDOW=75 WEB_SECONDS=15 SCHEDULES=100000 CELERY_VERSION=5.7.0
#   HERALD_BENCH_BIN=DIR: a built `herald` to use instead of building.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
source deploy/lib.sh

window=${WINDOW:-75}
web_seconds=${WEB_SECONDS:-15}
schedules=${SCHEDULES:-100000}
celery_version=${CELERY_VERSION:-5.7.0}

bench_prepare
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    stop_postgres "$work/pg"; stop_redis "$work/redis"
    rm -rf "$work"
}
trap cleanup EXIT

# celery_env: sets $celery to the `celery` of a virtual environment with celery[redis]==$celery_version only, made
# once per Python and version under the cache of python_env (never a system pip) and reused.
celery_env() {
    local cache venv
    cache=${HERALD_VENV_CACHE:-${XDG_CACHE_HOME:-${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}/.cache}/herald}
    venv=$cache/celery-$celery_version-py$(/usr/bin/python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    mkdir -p "$cache"
    if [ ! -f "$venv/.complete" ]; then
        (
            flock 9 || exit 1
            [ -f "$venv/.complete" ] && exit 0
            say "making the Python environment $venv (celery[redis]==$celery_version)"
            rm -rf "$venv"
            /usr/bin/python3 -m venv "$venv" || exit 1
            "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input --require-virtualenv \
                "celery[redis]==$celery_version" || exit 1
            touch "$venv/.complete"
        ) 9> "$cache/celery.lock" || die "could not make the Python environment $venv (pip's messages above)"
    fi
    celery=$venv/bin/celery
}

# sample OUT UNTIL PID...: until the epoch second UNTIL (or until a PID ends), every 0.25 s appends
# "EPOCH_MS RSS_KB..." (one RSS per PID) to OUT. Reads /proc with bash builtins, so sampling forks nothing.
sample() {
    local out=$1 until=$2 pid line key value rss
    shift 2
    while [ "${EPOCHSECONDS}" -lt "$until" ]; do
        line=${EPOCHREALTIME/./}; line=${line:0:13}
        for pid in "$@"; do
            rss=0
            while read -r key value _; do [ "$key" = VmRSS: ] && { rss=$value; break; }; done < "/proc/$pid/status" \
                || die "process $pid ended while measured"
            line+=" $rss"
        done
        echo "$line" >> "$out"
        sleep 0.25
    done
}

# rss_at OUT COLUMN EPOCH: the RSS (kB) of the last sample before EPOCH; rss_max OUT COLUMN: the largest.
rss_at() { awk -v c="$2" -v t="$3" '$1 < t * 1000 { v = $c } END { print v + 0 }' "$1"; }
rss_max() { awk -v c="$2" '$c > m { m = $c } END { print m + 0 }' "$1"; }
load1() { cut -d' ' -f1 /proc/loadavg; }

load_before=$(load1)
say "$(date -u +%FT%TZ): load $load_before ($(cut -d' ' -f1-3 /proc/loadavg))"
celery_env
pg_port=$(free_port); redis_port=$(free_port); metrics_port=$(free_port)
start_postgres "$work/pg" "$pg_port"
start_redis "$work/redis" "$redis_port"

# 1. herald scheduler.
mkdir -p "$work/data"
export HERALD_SECRET_KEY=$("$bin/herald" key generate)
export HERALD_LOG_LEVEL=error HERALD_DATA_DIR=$work/data HERALD_WORKERS=8 HERALD_METRICS_PORT=$metrics_port
export HERALD_REDIS_URL="redis://127.0.0.1:$redis_port/0"
first_run=$((EPOCHSECONDS + 45))
say "herald: $schedules schedules (*/5 * * * *, jitter 0-299 s), first run at $(date -u -d "@$first_run" +%T)"
# The server's maintenance database: `herald bench memory` creates a database of its own there and prints its URL.
database_url=$(HERALD_DATABASE_URL="postgresql://postgres@127.0.0.1:$pg_port/postgres" \
    "$bin/herald" bench memory --schedules "$schedules" --first-run "$first_run")
HERALD_DATABASE_URL=$database_url "$bin/herald" scheduler > "$work/scheduler.log" 2>&1 &
scheduler_pid=$!
pids+=("$scheduler_pid")
sample "$work/herald.rss" $((first_run + window)) "$scheduler_pid"
metrics=$(curl -s "http://127.0.0.1:$metrics_port/metrics")
runs=$(awk '/^herald_runs_total/ { n += $NF } END { print n + 0 }' <<<"$metrics")
succeeded=$(awk '/^herald_runs_total\{.*status="succeeded"/ { n += $NF } END { print n + 0 }' <<<"$metrics")
kill -TERM "$scheduler_pid"; wait "$scheduler_pid" || true
herald_idle=$(rss_at "$work/herald.rss" 2 "$first_run"); herald_max=$(rss_max "$work/herald.rss" 2)
say "herald scheduler: idle $herald_idle kB, max $herald_max kB; $runs runs ended in ${window} s ($succeeded succeeded)"

# 2. herald web, by bench-web.sh (its own servers, 10,000 schedules; no peer).
say "herald web: deploy/bench-web.sh $web_seconds (the schedule list API only, no peer)"
web_out=$(HERALD_BENCH_BIN=$bin PEER=0 ROUTES='GET /api/v1/schedules?limit=50 (bearer)|/api/v1/schedules?limit=50|bearer' \
    bash deploy/bench-web.sh "$web_seconds" 2>&1) || { echo "$web_out" >&2; die "bench-web.sh failed"; }
web_line=$(grep '^herald web RSS:' <<<"$web_out") || { echo "$web_out" >&2; die "bench-web.sh printed no RSS"; }
web_idle=$(sed -n 's/.*idle \([0-9]*\) kB.*/\1/p' <<<"$web_line")
web_max=$(sed -n 's/.*at most \([0-9]*\) kB.*/\1/p' <<<"$web_line")
web_rps=$(grep '^| GET /api/v1/schedules' <<<"$web_out" | awk -F'|' '{ gsub(/ /, "", $3); print $3 }')
say "herald web: idle $web_idle kB, max $web_max kB ($web_rps req/s)"

# 3. Celery beat + worker on the same Redis server, database 1.
mkdir -p "$work/celery"
cp deploy/bench-memory-celery.py "$work/celery/benchpeer.py"
# The first firing minute at least 40 s away, so both are measured idle after start first.
first_minute=$(( (EPOCHSECONDS + 40 + 59) / 60 * 60 ))
export BENCH_BROKER="redis://127.0.0.1:$redis_port/1" BENCH_SCHEDULES=$schedules
export BENCH_FIRST_MINUTE=$(( first_minute / 60 % 60 )) BENCH_WORKER_READY=$work/celery/worker.ready
say "celery $celery_version: beat with $schedules entries, worker (threads, 8); first firing at $(date -u -d "@$first_minute" +%T)"
(cd "$work/celery" && BENCH_ROLE=worker exec "$celery" -A benchpeer worker --pool threads --concurrency 8 \
    --loglevel warning --without-gossip --without-mingle -n "bench@%h") > "$work/celery/worker.log" 2>&1 &
worker_pid=$!
pids+=("$worker_pid")
(cd "$work/celery" && BENCH_ROLE=beat exec "$celery" -A benchpeer beat --loglevel warning \
    --schedule "$work/celery/beat-schedule") > "$work/celery/beat.log" 2>&1 &
beat_pid=$!
pids+=("$beat_pid")
sample "$work/celery.rss" $((first_minute + window)) "$beat_pid" "$worker_pid"
[ -e "$BENCH_WORKER_READY" ] || { tail -20 "$work/celery/worker.log" >&2; die "the celery worker never became ready"; }
processed=$(cd "$work/celery" && timeout 30 "$celery" -A benchpeer inspect stats --timeout 5 --json 2>/dev/null \
    | /usr/bin/python3 -c 'import json, sys; print(sum(sum(w.get("total", {}).values()) for w in json.load(sys.stdin).values()))' || echo "?")
backlog=$(redis-cli -p "$redis_port" -n 1 LLEN celery)
beat_idle=$(rss_at "$work/celery.rss" 2 "$first_minute"); beat_max=$(rss_max "$work/celery.rss" 2)
worker_idle=$(rss_at "$work/celery.rss" 3 "$first_minute"); worker_max=$(rss_max "$work/celery.rss" 3)
say "celery: beat idle $beat_idle kB, max $beat_max kB; worker idle $worker_idle kB, max $worker_max kB; $processed tasks done, $backlog waiting"
load_after=$(load1)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "-" }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
{
echo
echo "### $(date -u '+%Y-%m-%d %H:%M UTC'), \`deploy/bench-memory.sh\` (WINDOW=$window WEB_SECONDS=$web_seconds SCHEDULES=$schedules), $(nproc) cores, 1-minute load $load_before before / $load_after after"
echo
echo "| process | idle after start MiB | max MiB | during the window |"
echo "|---|---:|---:|---|"
echo "| herald scheduler (8 workers, $schedules schedules) | $(mib "$herald_idle") | $(mib "$herald_max") | $runs runs ended in ${window} s |"
echo "| herald web (16 threads; wrk -c32 /api/v1/schedules?limit=50) | $(mib "$web_idle") | $(mib "$web_max") | $web_rps req/s for ${web_seconds} s |"
echo "| celery beat ($schedules entries) | $(mib "$beat_idle") | $(mib "$beat_max") | |"
echo "| celery worker (threads, 8) | $(mib "$worker_idle") | $(mib "$worker_max") | $processed tasks done, $backlog waiting |"
echo "| celery beat + worker | $(mib $((beat_idle + worker_idle))) | $(mib $((beat_max + worker_max))) | |"
echo
echo "Ratios Celery / Herald: beat / scheduler idle $(ratio "$beat_idle" "$herald_idle"), max $(ratio "$beat_max" "$herald_max");" \
    "beat + worker / scheduler idle $(ratio $((beat_idle + worker_idle)) "$herald_idle"), max $(ratio $((beat_max + worker_max)) "$herald_max")."
echo "Versions: herald $("$bin/herald" --version 2>/dev/null || echo '?') ($(swift --version 2>/dev/null | head -1)), celery $("$celery" --version)," \
    "$("$(dirname "$celery")/python" -c 'import redis, kombu; print("kombu", kombu.__version__ + ", redis-py", redis.__version__)')," \
    "$(redis-server --version | cut -d' ' -f1-3), $("$(pg_bin)/postgres" --version)."
} | tee -a BENCHMARKS.md
