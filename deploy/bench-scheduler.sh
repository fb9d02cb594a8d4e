#!/usr/bin/env bash
# Scheduler benchmarks (release build) against a private PostgreSQL 15 (fsync on) and Redis, each run in a fresh
# database that `herald bench` creates and drops itself, each with its baseline measured in the same run: firing
# lateness against a bare sleep floor, a burst of 10,000 due schedules against a raw batched INSERT + pipelined XADD,
# and end-to-end executions per second against the bare work. Every run is repeated (--runs, default 3); the summary
# gives the median and the spread (min–max) of each figure and the 1-minute load average before and after each run.
# Results go in BENCHMARKS.md.
#
# Usage: deploy/bench-scheduler.sh [--runs N] [BENCH ...]
#   BENCH: sweep (lateness at 25k, 50k, 100k, 200k, 400k schedules), lateness[:SCHEDULES] (default 100,000),
#          burst, throughput. Default: sweep burst throughput.
#   HERALD_BENCH_BIN=DIR[:DIR...]: built `herald` binaries to use instead of building; several rotate run by run.
#   Raw results (one line per run) are appended to $HERALD_BENCH_RESULTS (default: /tmp/herald-bench-<time>.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/lib.sh

runs=3
benches=()
while [ "$#" -gt 0 ]; do
    case "$1" in
        --runs) runs=$2; shift 2 ;;
        --runs=*) runs=${1#--runs=}; shift ;;
        sweep) benches+=(lateness:25000 lateness:50000 lateness:100000 lateness:200000 lateness:400000); shift ;;
        lateness) benches+=(lateness:100000); shift ;;
        lateness:*|burst|throughput) benches+=("$1"); shift ;;
        *) die "unknown benchmark: $1 (sweep, lateness[:N], burst, throughput)" ;;
    esac
done
[ "${#benches[@]}" -gt 0 ] || benches=(lateness:25000 lateness:50000 lateness:100000 lateness:200000 lateness:400000 burst throughput)
results=${HERALD_BENCH_RESULTS:-/tmp/herald-bench-$(date -u +%Y%m%dT%H%M%SZ).txt}

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
# The server's maintenance database: `herald bench` only uses it to create (and drop) a database of its own.
export HERALD_DATABASE_URL="postgresql://postgres@127.0.0.1:$pg_port/postgres"
export HERALD_REDIS_URL="redis://127.0.0.1:$redis_port"
load1() { cut -d' ' -f1 /proc/loadavg; }

IFS=: read -r -a builds <<<"${HERALD_BENCH_BIN:-$bin}"
say "$(date -u +%FT%TZ): ${benches[*]} x $runs runs; results in $results"
for run in $(seq 1 "$runs"); do
    bin=${builds[$(( (run - 1) % ${#builds[@]} ))]}
    build=""; [ "${#builds[@]}" -gt 1 ] && build="build=$(basename "$bin") "
    for spec in "${benches[@]}"; do
        bench=${spec%%:*}
        args=()
        [ "$bench" = lateness ] && args=(--schedules "${spec#lateness:}")
        redis-cli -p "$redis_port" FLUSHALL >/dev/null
        # A data folder per run, all deleted only at the end: on ext4 without a journal (this machine's disk) a new
        # file skips every inode freed in the last 60-300 s, one by one, so deleting one run's 30,000 files before
        # the next made each file it created cost about 1 ms of CPU more (the bare work's CPU per file went from
        # 0.33 to 1.5 ms). Runs started within 5 minutes of another invocation's end still pay it.
        data="$work/data-$run-${spec//:/-}"; mkdir -p "$data"
        before=$(load1)
        output=$(HERALD_DATA_DIR="$data" "$bin/herald" bench "$bench" "${args[@]}" 2>&1) || { echo "$output" >&2; die "$spec failed"; }
        after=$(load1)
        echo "$output" >&2
        line=$(grep '^result: ' <<<"$output" | sed 's/^result: //')
        echo "run=$run ${build}at=$(date -u +%FT%TZ) load_before=$before load_after=$after $line" | tee -a "$results" >&2
    done
done

# Median and spread per benchmark (and size), over the runs of this invocation.
python3 - "$results" "$runs" "${#benches[@]}" <<'EOF'
import statistics, sys
path, runs, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
lines = open(path).read().split("\n")
rows = [dict(kv.split("=", 1) for kv in l.split()) for l in lines if l.strip()][-runs * count:]
groups = {}
for r in rows:
    key = (r["bench"], r.get("schedules", r.get("executions", "")) + (" " + r["build"] if "build" in r else ""))
    groups.setdefault(key, []).append(r)
skip = {"run", "at", "bench", "schedules", "executions", "workers", "build"}
print("\nmedian [min–max] over %d run(s); load = 1-minute load average before/after each run" % runs)
for (bench, size), rs in groups.items():
    parts = []
    for k in rs[0]:
        if k in skip or k.startswith("load"):
            continue
        vals = sorted(float(r[k]) for r in rs)
        parts.append("%s %s [%s–%s]" % (k, f"{statistics.median(vals):g}", f"{vals[0]:g}", f"{vals[-1]:g}"))
    loads = ", ".join("%s/%s" % (r["load_before"], r["load_after"]) for r in rs)
    print("%s %s: %s; load %s" % (bench, size, "  ".join(parts), loads))
EOF
