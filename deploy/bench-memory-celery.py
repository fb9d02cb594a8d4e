"""The Celery peer of deploy/bench-memory.sh: one trivial task and, for `celery beat` only, a beat_schedule of
BENCH_SCHEDULES crontab entries (default 100,000), each every five minutes like Herald's `*/5 * * * *`.

Celery's crontab has no seconds, so the entries are spread over the five minutes by minute: a fifth of them fire at
second 0 of each minute, the first fifth in minute BENCH_FIRST_MINUTE (of the hour). The worker does not build the
schedule (BENCH_ROLE=worker): it never reads it, and 100,000 crontab objects would count against its memory.
The script copies this file to its work folder as benchpeer.py and runs `celery -A benchpeer`.
"""
import os
import pathlib

from celery import Celery, signals
from celery.schedules import crontab

app = Celery("benchpeer", broker=os.environ["BENCH_BROKER"])
app.conf.update(
    timezone="UTC",
    enable_utc=True,
    task_ignore_result=True,
    broker_connection_retry_on_startup=True,
)


@app.task(name="benchpeer.noop", ignore_result=True)
def noop(index):
    return None


@signals.worker_ready.connect
def _ready(**_):
    # The script waits (bounded) for this file instead of sleeping a fixed time.
    pathlib.Path(os.environ["BENCH_WORKER_READY"]).touch()


if os.environ.get("BENCH_ROLE") == "beat":
    first = int(os.environ["BENCH_FIRST_MINUTE"])
    count = int(os.environ.get("BENCH_SCHEDULES", "100000"))
    # One crontab object per entry, as a schedule defined entry by entry has (shared ones would flatter Celery).
    app.conf.beat_schedule = {
        "schedule-%d" % i: {"task": "benchpeer.noop", "schedule": crontab(minute="%d-59/5" % ((first + i) % 5)), "args": (i,)}
        for i in range(count)
    }
