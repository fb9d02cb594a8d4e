#!/usr/bin/env bash
# Exports of one large result: ROWS rows (default 1,000,000) × 10 columns of mixed types from PostgreSQL to each
# format, by the real path (PostgreSQL → ReportQueryRunner.stream, single-row mode → the format's renderer → a file),
# measured in Tests/ExportProbe (release build), one process per format, so each peak RSS (VmHWM) is that format's
# alone. In the same run, the baselines: PostgreSQL's own `COPY (query) TO STDOUT WITH CSV` through psql into a file
# (the floor for CSV), and openpyxl in write-only mode writing the same rows (deploy/bench-export-openpyxl.py, fed by
# that CSV); PDF pages are counted with pdfinfo.
#
# The data set is one table made with generate_series once per run, on a private PostgreSQL on a free port
# (fsync off, as every benchmark here), read once before the arms so each arm reads it from the cache.
# Knobs (environment): RUNS=3 runs of CSV, JSON and the psql COPY (median reported); HEAVY_RUNS=1 runs of XLSX,
# HTML, PDF and openpyxl; FORMATS="csv json html xlsx pdf"; HTML_ROWS, PDF_ROWS, OPENPYXL_ROWS (default ROWS): the slow arms
# on the first N rows only (`LIMIT N`; openpyxl on the first N lines of the COPY output), compared by rows/s;
# HERALD_BENCH_BIN (a folder holding ExportProbe).
# Usage: deploy/bench-export.sh [ROWS]
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/lib.sh

rows=${1:-1000000}
runs=${RUNS:-3}
heavy_runs=${HEAVY_RUNS:-1}
formats=${FORMATS:-csv json html xlsx pdf}
pdf_rows=${PDF_ROWS:-$rows}
html_rows=${HTML_ROWS:-$rows}
openpyxl_rows=${OPENPYXL_ROWS:-$rows}
bench_prepare time
python_env
cleanup() { stop_postgres "$work/pg"; rm -rf "$work"; }
trap cleanup EXIT
pg_port=$(free_port)
start_postgres "$work/pg" "$pg_port"
url="postgresql://postgres@127.0.0.1:$pg_port/postgres"
psql_as() { as_pg "$(pg_bin)/psql" -qAtX -h 127.0.0.1 -p "$pg_port" -v ON_ERROR_STOP=1 "$@" postgres; }
mkdir -p "$work/out"
chmod 777 "$work/out"

say "making $rows rows × 10 columns (generate_series)"
psql_as <<SQL
CREATE TABLE bench_rows AS
SELECT i AS id,
       CASE WHEN i % 7 = 0 THEN 'Kunde ' || i || ' — Zürich 東京' ELSE 'customer ' || i END AS name,
       round((i * 37 % 1000003) / 100.0, 2)::numeric(12, 2) AS amount,
       DATE '2024-01-01' + i % 730 AS day,
       TIMESTAMPTZ '2024-01-01 00:00:00+00' + i * INTERVAL '17 seconds' AS at,
       i % 3 = 0 AS paid,
       i::bigint * 1000003 AS big,
       i / 7.0::double precision AS ratio,
       (ARRAY['EU', 'US', 'APAC', 'LATAM', 'MEA'])[i % 5 + 1] AS region,
       CASE WHEN i % 4 = 0 THEN NULL ELSE 'note ' || md5(i::text) END AS note
FROM generate_series(1, $rows) AS i;
VACUUM ANALYZE bench_rows;
SELECT count(*) FROM bench_rows;
SQL
query="SELECT * FROM bench_rows"
results=$work/results.tsv
: > "$results"

# Each arm adds the median of its runs' seconds and the highest peak RSS: "arm<TAB>rows<TAB>seconds<TAB>peak_kib<TAB>extra".
median() { sort -n | awk '{v[NR]=$1} END {print (NR % 2 ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2)}'; }

export_arm() {
    local format=$1 n=$2 count=$3 i line seconds=() peak=0 extra= sql=$query
    [ "$count" = "$rows" ] || sql="$query ORDER BY id LIMIT $count"
    for i in $(seq 1 "$n"); do
        rm -f "$work/out/export.$format"
        line=$("$bin/ExportProbe" "$format" "$url" "$sql" "$work/out/export")
        [[ "$line" == *"\"rows\":$count,"* ]] || die "ExportProbe $format: $line"
        seconds+=("$(sed -E 's/.*"seconds":([0-9.e+-]+).*/\1/' <<<"$line")")
        local kib; kib=$(sed -E 's/.*"peak_kib":([0-9]+).*/\1/' <<<"$line")
        [ "$kib" -gt "$peak" ] && peak=$kib
        say "$format run $i: $line"
    done
    if [ "$format" = pdf ]; then extra=$(pdfinfo "$work/out/export.pdf" | awk '/^Pages:/ {print $2}'); fi
    extra="$extra $(stat -c %s "$work/out/export.$format")"
    printf '%s\t%s\t%s\t%s\t%s\n' "$format" "$count" "$(printf '%s\n' "${seconds[@]}" | median)" "$peak" "$extra" >> "$results"
}

copy_arm() {
    local i seconds=() peak=0 start end kib
    for i in $(seq 1 "$runs"); do
        rm -f "$work/out/copy.csv"
        start=$(date +%s.%N)
        /usr/bin/time -f %M -o "$work/time.txt" "$(pg_bin)/psql" -qAtX -h 127.0.0.1 -p "$pg_port" -U postgres \
            -c "COPY ($query) TO STDOUT WITH CSV" postgres > "$work/out/copy.csv"
        end=$(date +%s.%N)
        seconds+=("$(awk "BEGIN {print $end - $start}")")
        kib=$(tail -n 1 "$work/time.txt")
        [ "$kib" -gt "$peak" ] && peak=$kib
        say "psql COPY run $i: ${seconds[-1]} s, psql peak $kib KiB"
    done
    printf 'copy\t%s\t%s\t%s\t%s\n' "$rows" "$(printf '%s\n' "${seconds[@]}" | median)" "$peak" "$(stat -c %s "$work/out/copy.csv")" >> "$results"
}

openpyxl_arm() {
    local i line seconds=() feeds=() peak=0 kib source=$work/out/copy.csv
    if [ "$openpyxl_rows" != "$rows" ]; then
        source=$work/out/copy-head.csv
        head -n "$openpyxl_rows" "$work/out/copy.csv" > "$source"
    fi
    for i in $(seq 1 "$heavy_runs"); do
        rm -f "$work/out/openpyxl.xlsx"
        line=$(/usr/bin/time -f %M -o "$work/time.txt" "$herald_python" deploy/bench-export-openpyxl.py "$source" "$work/out/openpyxl.xlsx")
        seconds+=("$(sed -E 's/.*"seconds": ([0-9.e+-]+).*/\1/' <<<"$line")")
        feeds+=("$(sed -E 's/.*"feed_seconds": ([0-9.e+-]+).*/\1/' <<<"$line")")
        kib=$(tail -n 1 "$work/time.txt")
        [ "$kib" -gt "$peak" ] && peak=$kib
        say "openpyxl run $i: $line, peak $kib KiB"
    done
    printf 'openpyxl\t%s\t%s\t%s\t%s\n' "$openpyxl_rows" "$(printf '%s\n' "${seconds[@]}" | median)" "$peak" "$(printf '%s\n' "${feeds[@]}" | median)" >> "$results"
}

say "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
copy_arm
for format in $formats; do
    case $format in
        csv|json) export_arm "$format" "$runs" "$rows" ;;
        pdf) export_arm "$format" "$heavy_runs" "$pdf_rows" ;;
        html) export_arm "$format" "$heavy_runs" "$html_rows" ;;
        *) export_arm "$format" "$heavy_runs" "$rows" ;;
    esac
done
openpyxl_arm
say "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$results" "$rows" <<'PY'
import sys
path, rows = sys.argv[1], int(sys.argv[2])
arms = {}
for line in open(path):
    name, count, seconds, kib, extra = line.rstrip("\n").split("\t")
    arms[name] = (float(seconds), int(kib), extra.split(), int(count))
rate = lambda name: arms[name][3] / arms[name][0]
print(f"\n{rows:,} rows × 10 columns; median seconds; peak RSS = VmHWM of the process (ExportProbe, psql, python)\n")
print("| arm | rows | seconds | rows/s | peak RSS MB | file MB | note |")
print("|---|---:|---:|---:|---:|---:|---|")
def row(label, name, note=""):
    s, kib, extra, count = arms[name]
    size = f"{int(extra[-1]) / 1e6:.0f}" if extra and name != "openpyxl" else "-"
    print(f"| {label} | {count:,} | {s:.2f} | {count / s:,.0f} | {kib / 1024:.1f} | {size} | {note} |")
row("psql `COPY (query) TO STDOUT WITH CSV` (baseline)", "copy")
labels = {"csv": "Herald CSV", "json": "Herald JSON", "html": "Herald HTML", "xlsx": "Herald XLSX", "pdf": "Herald PDF"}
for name, label in labels.items():
    if name not in arms: continue
    note = ""
    if name == "pdf":
        pages = int(arms[name][2][0])
        note = f"{pages:,} pages, {pages / arms[name][0]:,.1f} pages/s"
    row(label, name, note)
row("openpyxl write-only (baseline)", "openpyxl", f"of which {float(arms['openpyxl'][2][0]):.1f} s reading and typing the CSV")
print()
verdict = lambda ok: "met" if ok else "**not met**"
if "csv" in arms:
    r = rate("csv") / rate("copy")
    print(f"- CSV ≥ 0.5× psql COPY: {r:.2f}× — {verdict(r >= 0.5)}")
if "xlsx" in arms:
    r = rate("xlsx") / rate("openpyxl")
    w = rate("xlsx") / (arms["openpyxl"][3] / (arms["openpyxl"][0] - float(arms["openpyxl"][2][0])))
    print(f"- XLSX ≥ 5× openpyxl write-only: {r:.1f}× ({w:.1f}× against openpyxl's own share alone) — {verdict(r >= 5)}")
for name in labels:
    if name in arms:
        mb = arms[name][1] / 1024
        print(f"- {name} peak RSS < 150 MB at {arms[name][3]:,} rows: {mb:.1f} MB — {verdict(mb < 150)}")
PY
