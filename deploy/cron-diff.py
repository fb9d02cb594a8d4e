#!/usr/bin/env python3
"""Differential test: `herald cron next` against the Python library cronsim on random cases.

Cases are random cron expressions x IANA zones x instants, half of them within a day of a DST transition. For each
case both sides compute the next runs strictly after the instant, each one afresh from the previous run (as Herald's
scheduler does). Any difference fails. The expressions include the paths where Herald once disagreed with cronsim:
`LW`, steps larger than their range, and the `*/100,1-7 * MON` idiom; expressions with `L` or `LW` sometimes start
next to a transition that falls on such a day. Usage: cron-diff.py HERALD_BINARY [CASES] [SEED]
"""
import calendar
import random
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from cronsim import CronSim
from cronsim.cronsim import last_weekday

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Santiago", "Africa/Cairo",
         "Asia/Kolkata", "Pacific/Chatham", "Europe/London", "America/Sao_Paulo", "Asia/Tehran", "Pacific/Apia",
         "America/St_Johns", "Australia/Sydney", "Europe/Moscow"]
NAMES_DOW = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
NAMES_MON = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
START = datetime(2026, 1, 1, tzinfo=timezone.utc)
END = datetime(2028, 1, 1, tzinfo=timezone.utc)


def oversized_step(rng, low, high):
    """A step larger than the range it steps over: `*/N`, `a/N` or `a-b/N` (b > a; see below on `a-a/n`)."""
    step = rng.choice([high - low + 1, high + 1, 100, 1000, 99999, rng.randint(high - low + 1, 500)])
    r = rng.random()
    if r < 0.5:
        return f"*/{step}"
    a = rng.randint(low, high - 1)
    if r < 0.75:
        return f"{a}/{max(step, high - a + 1)}"
    b = rng.randint(a + 1, high)
    return f"{a}-{b}/{rng.randint(b - a + 1, b - a + 40)}"


def field(rng, low, high, names=None, star_weight=0.35):
    r = rng.random()
    if r < star_weight:
        return "*"
    if rng.random() < 0.06:
        return oversized_step(rng, low, high)
    if r < 0.45:
        return f"*/{rng.choice([2, 3, 5, 10, 15, 20, 30]) if high >= 30 else rng.randint(2, 4)}"
    if r < 0.65:
        v = rng.randint(low, high)
        return names[v - low] if names and rng.random() < 0.3 else str(v)
    if r < 0.78:
        a = rng.randint(low, high - 1)
        b = rng.randint(a + 1, high)
        # Never `a-a/n`: cronsim reads a one-value stepped range as `a/n` (a to the field's end); cronie and Herald
        # read it as just a.
        return f"{a}-{b}" + (f"/{rng.randint(1, 3)}" if rng.random() < 0.3 else "")
    values = sorted(rng.sample(range(low, high + 1), rng.randint(2, 4)))
    return ",".join(map(str, values))


def expression(rng):
    kind = rng.random()
    if kind < 0.2:  # fixed daily times, the DST-sensitive case
        return f"{rng.randint(0, 59)} {rng.choice([0, 1, 2, 3, 23, rng.randint(0, 23)])} * * *"
    if kind < 0.3:  # every N minutes
        return f"*/{rng.choice([1, 5, 15, 30])} * * * *"
    if kind < 0.38:  # hourly at a minute
        return f"{rng.randint(0, 59)} * * * *"
    minute = field(rng, 0, 59)
    hour = field(rng, 0, 23)
    dom = field(rng, 1, 31, star_weight=0.6)
    month = field(rng, 1, 12, NAMES_MON, star_weight=0.7)
    r = rng.random()
    if r < 0.05:
        dom = "L"
    elif r < 0.11:
        dom = rng.choice(["LW", "LW", f"LW,{rng.randint(1, 31)}", f"{rng.randint(1, 28)},LW", "L,LW"])
    elif r < 0.14:
        dom = rng.choice(["*/100,1-7", "*/100,8-14", "*/31,15-21", f"*/{rng.randint(32, 999)},{rng.randint(20, 25)}-31"])
    if r > 0.93:
        dow = f"{rng.randint(0, 6)}L"
    elif r > 0.86:
        dow = f"{rng.randint(0, 7)}#{rng.randint(1, 5)}"
    else:
        dow = field(rng, 0, 6, NAMES_DOW, star_weight=0.6)
    return f"{minute} {hour} {dom} {month} {dow}"


def transitions(zone):
    """UTC instants in [START, END) at which the zone's offset changes (found by hourly scan, then bisection)."""
    tz = ZoneInfo(zone)
    found = []
    t = START
    previous = t.astimezone(tz).utcoffset()
    while t < END:
        n = t + timedelta(hours=1)
        offset = n.astimezone(tz).utcoffset()
        if offset != previous:
            lo, hi = t, n
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                if mid.astimezone(tz).utcoffset() == previous:
                    lo = mid
                else:
                    hi = mid
            found.append(hi)
            previous = offset
        t = n
    return found


def instant(rng, zone, near):
    if near and rng.random() < 0.6:
        base = rng.choice(near)
        t = base + timedelta(seconds=rng.randint(-86400, 86400))
    else:
        t = START + timedelta(seconds=rng.randint(0, int((END - START).total_seconds())))
    if rng.random() < 0.5:
        t = t.replace(second=0)
    return t


FIELD_RANGES = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]


def has_oversized_step(expr):
    """Whether some step is larger than the range it steps over (cronie's warning)."""
    for text, (low, high) in zip(expr.split(), FIELD_RANGES):
        for term in text.split(","):
            base, _, step = term.partition("/")
            if not step:
                continue
            first, _, last = base.partition("-")
            a = low if base == "*" else int(first)
            b = int(last) if last else high
            if int(step) > b - a:
                return True
    return False


def month_end_transitions(near):
    """(zone, instant) where a DST transition falls on the last day or the last weekday of a month."""
    found = []
    for zone, instants in near.items():
        tz = ZoneInfo(zone)
        for t in instants:
            for d in {(t - timedelta(seconds=1)).astimezone(tz).date(), t.astimezone(tz).date()}:
                if d.day in (last_weekday(d.year, d.month), calendar.monthrange(d.year, d.month)[1]):
                    found.append((zone, t))
    return found


def cronsim_runs(expr, zone, after, count):
    tz = ZoneInfo(zone)
    runs = []
    current = after
    while len(runs) < count:
        it = CronSim(expr, current.astimezone(tz))
        try:
            r = next(it)
            while r <= current:  # strictly after, as Herald promises
                r = next(it)
        except StopIteration:
            break
        runs.append(r.astimezone(timezone.utc))
        current = r.astimezone(timezone.utc)
    return " ".join(r.strftime("%Y-%m-%dT%H:%M:%SZ") for r in runs)


def main():
    herald = sys.argv[1]
    cases = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 20261123
    rng = random.Random(seed)
    near = {zone: transitions(zone) for zone in ZONES}
    month_ends = month_end_transitions(near)
    work = []
    while len(work) < cases:
        expr = expression(rng)
        try:
            CronSim(expr, START)
        except Exception:
            continue  # cronsim rejects it; Herald's own tests cover invalid input
        if "L" in expr.split()[2] and month_ends and rng.random() < 0.25:
            zone, t = rng.choice(month_ends)
            after = t + timedelta(seconds=rng.randint(-2 * 86400, 3600))
        else:
            zone = rng.choice(ZONES)
            after = instant(rng, zone, near[zone])
        work.append((expr, zone, after, rng.randint(1, 4)))
    stdin = "".join(f"{z}\t{a.strftime('%Y-%m-%dT%H:%M:%SZ')}\t{c}\t{e}\n" for e, z, a, c in work)
    out = subprocess.run([herald, "cron", "next", "--batch"], input=stdin, capture_output=True, text=True, check=True)
    lines = out.stdout.split("\n")
    differences = 0
    for (expr, zone, after, count), ours in zip(work, lines):
        theirs = cronsim_runs(expr, zone, after, count)
        if ours != theirs:
            differences += 1
            if differences <= 20:
                print(f"DIFF {expr!r} tz={zone} after={after:%Y-%m-%dT%H:%M:%SZ} count={count}\n  herald:  {ours}\n  cronsim: {theirs}")
    near_count = sum(1 for _, z, a, _ in work if any(abs((a - t).total_seconds()) <= 86400 for t in near[z]))
    lw = sum(1 for e, *_ in work if "LW" in e)
    oversized = sum(1 for e, *_ in work if has_oversized_step(e))
    print(f"cron differential: {len(work)} cases ({near_count} within a day of a DST transition, {lw} with LW, "
          f"{oversized} with a step larger than its range), {differences} differences")
    print(f"{len(work) - differences} passed, {differences} failed")
    sys.exit(1 if differences else 0)


if __name__ == "__main__":
    main()
