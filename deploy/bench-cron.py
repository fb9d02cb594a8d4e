#!/usr/bin/env python3
"""Cron benchmark: the next run of 100,000 different schedules (expression x zone x instant), computed by
`herald cron next --batch` (parse + compute + print, one process, one core) against cronsim computing the same
cases in the same run. Usage: deploy/bench-cron.sh [CASES], which builds herald and runs
deploy/bench-cron.py HERALD_BINARY [CASES] with cronsim installed (deploy/requirements-test.txt)."""
import importlib.util
import os
import random
import subprocess
import sys
import time
from zoneinfo import ZoneInfo

try:
    from cronsim import CronSim
except ImportError:
    sys.exit("cronsim is missing: run deploy/bench-cron.sh, which installs deploy/requirements-test.txt into a "
             "virtual environment")

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("cron_diff", os.path.join(here, "cron-diff.py"))
cron_diff = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cron_diff)


def main():
    herald = sys.argv[1]
    cases = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    rng = random.Random(7)
    work = []
    while len(work) < cases:
        expr = cron_diff.expression(rng)
        try:
            # It parses and fires at all: the generator makes some that never fire (`*/100,1-7 * * 3#2`), whose
            # 50-year search is no schedule's cost.
            next(CronSim(expr, cron_diff.START))
        except Exception:
            continue
        zone = rng.choice(cron_diff.ZONES)
        work.append((expr, zone, cron_diff.instant(rng, zone, [])))
    stdin = "".join(f"{z}\t{a.strftime('%Y-%m-%dT%H:%M:%SZ')}\t1\t{e}\n" for e, z, a in work)

    # Both sides parse every expression first; only computing the next run is timed.
    herald_times = []
    for _ in range(3):
        out = subprocess.run(["taskset", "-c", "1", herald, "cron", "next", "--batch"], input=stdin,
                             capture_output=True, text=True, check=True)
        assert out.stdout.count("\n") == cases and "error" not in out.stdout
        herald_times.append(float(out.stderr.split()[4]))

    zones = {z: ZoneInfo(z) for z in cron_diff.ZONES}
    cronsim_times = []
    for _ in range(3):
        iterators = [CronSim(expr, after.astimezone(zones[zone])) for expr, zone, after in work]
        started = time.perf_counter()
        for it in iterators:
            next(it)
        cronsim_times.append(time.perf_counter() - started)

    herald_time = sorted(herald_times)[1]
    cronsim_time = sorted(cronsim_times)[1]
    print(f"next run of {cases:,} different schedules (expression x zone x instant), one core, median of 3")
    print(f"  herald (Swift):   {herald_time:.3f} s  ({cases / herald_time:,.0f} schedules/s, {herald_time / cases * 1e6:.2f} us each)")
    print(f"  cronsim (Python): {cronsim_time:.3f} s  ({cases / cronsim_time:,.0f} schedules/s, {cronsim_time / cases * 1e6:.2f} us each)")
    print(f"  ratio: herald takes {herald_time / cronsim_time:.3f}x cronsim's time ({cronsim_time / herald_time:.0f}x faster)")


if __name__ == "__main__":
    main()
