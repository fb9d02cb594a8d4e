#!/usr/bin/env bash
# Delivery throughput of the real channels beside the command-line and Python peers, in one run (issue 11):
#   email: a 50-recipient report email with a 1 MB CSV attached (MESSAGES50 messages, one envelope of 50 each), and
#          SINGLES single-recipient report emails with a small CSV attached, from Herald's email channel and from
#          Python's smtplib (deploy/bench-delivery-smtplib.py, the same MIME shape, sizes shown) to one aiosmtpd sink
#          that discards (Tests/Servers/smtp_sink.py); messages/s and Herald's ratio to smtplib's.
#   sftp:  a 100 MB file (random bytes) by Herald's SFTP channel beside `curl -T sftp://` (the same libcurl/libssh2)
#          and OpenSSH's `sftp -b`, to the test sshd of deploy/lib.sh (key login, host key pinned, for all three).
#   s3:    the same file by Herald's S3 channel (its default: one PUT below 200 MB; and in 16 MB parts, four at a
#          time, with the threshold lowered) beside `curl --aws-sigv4` with the payload's SHA-256 from `sha256sum` (timed with it) and with
#          UNSIGNED-PAYLOAD, to moto.
# The measured program is Tests/DeliveryProbe (release build): DeliveryChannels.make with settings JSON, outbound
# allow-list 127.0.0.1, then COUNT deliveries; the channel is built once, before its clock starts. Every server is
# on a free loopback port, started here and stopped by PID on exit. RUNS rounds, each running every arm once (so a
# change in the machine's load touches all arms alike); each arm's median is reported, with the CPU time per message
# or file of the sender (user + sys of its processes) and of the server (the sink, moto; not sshd), so a reader can
# tell the sender's cost from the server's. Results go to BENCHMARKS.md by hand.
# Knobs (environment): RUNS=3, MESSAGES50=20, SINGLES=1000, UPLOAD_MB=100, ARMS="email sftp s3",
# HERALD_BENCH_BIN (a folder holding DeliveryProbe: no build).
# Usage: deploy/bench-delivery.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/lib.sh

runs=${RUNS:-3}
messages50=${MESSAGES50:-20}
singles=${SINGLES:-1000}
upload_mb=${UPLOAD_MB:-100}
arms=${ARMS:-email sftp s3}
install_packages
if [ -n "${HERALD_BENCH_BIN:-}" ]; then
    bin=$HERALD_BENCH_BIN
else
    say "building DeliveryProbe (release)"
    swift build -c release --product DeliveryProbe >/dev/null
    bin=$(swift build -c release --show-bin-path)
fi
python_env
work=$(mktemp -d /tmp/herald-bench-delivery.XXXXXX)
chmod 755 "$work"
cleanup() { stop_delivery_servers "$work"; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$work/pids" "$work/files" "$work/samples"
servers=$PWD/Tests/Servers
results=$work/results.tsv
: > "$results"
seconds_of() { sed -E 's/.*"seconds": ?([0-9.e+-]+).*/\1/' <<<"$1"; }
now() { date +%s.%N; }

# measure NAME COUNT BYTES COMMAND...: runs COMMAND once; COMMAND prints a JSON line with "seconds" (the probe and the
# Python peer) or nothing (a command line, timed here from start to exit). Also the sender's CPU time: user + sys of
# every process COMMAND ran (bash `times`, children line), which leaves out the sink's and the server's share.
# Appends name, count, bytes, seconds, CPU seconds to $results.
measure() {
    local name=$1 count=$2 bytes=$3 line start seconds cpu
    shift 3
    [ "$(type -t before_run)" = function ] && before_run
    local served; served=$(server_cpu)
    start=$(now)
    line=$("$@"; times > "$work/times.txt")
    if [ -n "$line" ]; then seconds=$(seconds_of "$line"); else seconds=$(awk "BEGIN {print $(now) - $start}"); fi
    cpu=$(sed -n 2p "$work/times.txt" | awk '{ n = 0; for (f = 1; f <= 2; f++) { split($f, t, /[ms]/); n += t[1] * 60 + t[2] } print n }')
    [ "$served" = nan ] || served=$(awk "BEGIN {print $(server_cpu) - $served}")
    say "round $round, $name: $seconds s, sender CPU $cpu s, server CPU $served s ${line:0:120}"
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$count" "$bytes" "$seconds" "$cpu" "$served" >> "$results"
}
# The CPU seconds so far of the server the current round talks to ($server_pid: the sink, moto), its reaped children
# included; "nan" without one (sshd: the session's processes are not all reaped by the listener, so its figure missed
# most of the work and is not shown).
server_cpu() { if [ -n "$server_pid" ]; then awk '{print ($14 + $15 + $16 + $17) / 100}' "/proc/$server_pid/stat"; else echo nan; fi; }
probe() { "$bin/DeliveryProbe" "$@"; }

say "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load before: $(cut -d' ' -f1-3 /proc/loadavg)"

if [[ " $arms " == *" email "* ]]; then
    smtp_port=$(free_port)
    delivery_server "$work" smtp-sink "$servers/smtp_sink.py" "$smtp_port" "$work/samples"
    wait_for_file "$work/smtp-sink.ready" "$work/pids/smtp-sink.pid" "$work/smtp-sink.log"
    # A 1 MB CSV (the 50-recipient report) and a 4 KB one (the single-recipient reports).
    python3 - "$work/files" <<'PY'
import sys
folder = sys.argv[1]
def write(name, size):
    with open(f"{folder}/{name}", "w") as f:
        f.write("id,name,amount,day\n")
        i, written = 0, 0
        while written < size:
            line = f"{i},customer {i},{i * 37 % 100003 / 100:.2f},2026-12-{i % 28 + 1:02d}\n"
            f.write(line); written += len(line); i += 1
write("report-1mb.csv", 1_000_000)
write("report-4kb.csv", 4_000)
PY
    recipients50=$(python3 -c 'import json; print(json.dumps([f"herald{i}@bench.test" for i in range(50)]))')
    email_settings() {
        printf '{"to":%s,"subject":"{report_name} for {date}","body_md":"{report_name} for {date} is attached.","smtp":{"host":"127.0.0.1","port":%s,"security":"plain","from_address":"herald@bench.test","from_name":"Herald"}}' "$1" "$smtp_port"
    }
    settings50=$(email_settings "$recipients50")
    settings1=$(email_settings '["single@bench.test"]')
    smtplib() { "$herald_python" deploy/bench-delivery-smtplib.py 127.0.0.1 "$smtp_port" "$@"; }
    email_round() {
        server_pid=$(cat "$work/pids/smtp-sink.pid")
        HERALD_PROBE_SETTINGS=$settings50 HERALD_PROBE_SECRETS='{}' measure "herald email 50 rcpt 1 MB" "$messages50" 1000000 \
            probe email "$messages50" "$work/files/report-1mb.csv" csv
        measure "smtplib 50 rcpt 1 MB" "$messages50" 1000000 smtplib "$messages50" 50 "$work/files/report-1mb.csv" per-message
        HERALD_PROBE_SETTINGS=$settings1 HERALD_PROBE_SECRETS='{}' measure "herald email 1 rcpt" "$singles" 4000 \
            probe email "$singles" "$work/files/report-4kb.csv" csv
        measure "smtplib 1 rcpt, connection per message" "$singles" 4000 smtplib "$singles" 1 "$work/files/report-4kb.csv" per-message
        measure "smtplib 1 rcpt, one connection" "$singles" 4000 smtplib "$singles" 1 "$work/files/report-4kb.csv" one-connection
    }
fi

if [[ " $arms " == *" sftp "* || " $arms " == *" s3 "* ]]; then
    say "making a ${upload_mb} MB file of random bytes"
    head -c "$((upload_mb * 1024 * 1024))" /dev/urandom > "$work/files/upload.bin"
    upload_bytes=$(stat -c %s "$work/files/upload.bin")
fi

if [[ " $arms " == *" sftp "* ]]; then
    start_sftp_servers "$work"
    wait_for_port "$work/sftp/sftp.port" "$work/pids/sftp.pid" "$work/sftp.log"
    sftp_port=$HERALD_TEST_SFTP_PORT sftp_user=$HERALD_TEST_SFTP_USER sftp_root=$HERALD_TEST_SFTP_ROOT key=$HERALD_TEST_SFTP_KEY
    printf '[127.0.0.1]:%s %s\n' "$sftp_port" "$(cut -d' ' -f1-2 "$work/sftp/sftp.host_key.pub")" > "$work/known_hosts"
    printf 'put %s %s/upload.bin\n' "$work/files/upload.bin" "$sftp_root" > "$work/sftp.batch"
    sftp_settings=$(printf '{"host":"127.0.0.1","port":%s,"username":"%s","path":"%s/herald","filename":"upload.bin","if_exists":"overwrite","host_key_sha256":"%s"}' \
        "$sftp_port" "$sftp_user" "$sftp_root" "$HERALD_TEST_SFTP_HOST_KEY_SHA256")
    sftp_secrets=$(python3 -c 'import json, sys; print(json.dumps({"private_key": open(sys.argv[1]).read()}))' "$key")
    curl_sftp() {
        curl -sS --fail --ftp-create-dirs --key "$key" --pubkey "$key.pub" --hostpubsha256 "$HERALD_TEST_SFTP_HOST_KEY_SHA256" \
            -T "$work/files/upload.bin" -u "$sftp_user:" "sftp://127.0.0.1:$sftp_port$sftp_root/curl/upload.bin"
    }
    openssh_sftp() {
        sftp -q -b "$work/sftp.batch" -i "$key" -P "$sftp_port" -o BatchMode=yes -o UserKnownHostsFile="$work/known_hosts" \
            -o StrictHostKeyChecking=yes "$sftp_user@127.0.0.1" >/dev/null
    }
    sftp_round() {
        server_pid=
        # Each upload starts from an empty folder (uploads belong to the SFTP user).
        before_run() { as_root find "$sftp_root" -mindepth 1 -delete; }
        HERALD_PROBE_SETTINGS=$sftp_settings HERALD_PROBE_SECRETS=$sftp_secrets measure "herald sftp" 1 "$upload_bytes" \
            probe sftp 1 "$work/files/upload.bin" bin
        measure "curl -T sftp://" 1 "$upload_bytes" curl_sftp
        measure "OpenSSH sftp -b" 1 "$upload_bytes" openssh_sftp
        unset -f before_run
    }
fi

if [[ " $arms " == *" s3 "* ]]; then
    s3_port=$(free_port)
    delivery_server "$work" s3 "$servers/s3_server.py" "$s3_port" bench-bucket us-east-1 "$work/s3.credentials"
    wait_for_file "$work/s3.ready" "$work/pids/s3.pid" "$work/s3.log"
    access=$(sed -n 's/^HERALD_TEST_S3_ACCESS_KEY=//p' "$work/s3.credentials")
    secret=$(sed -n 's/^HERALD_TEST_S3_SECRET_KEY=//p' "$work/s3.credentials")
    s3_secrets=$(printf '{"access_key_id":"%s","secret_access_key":"%s"}' "$access" "$secret")
    s3_settings() {
        printf '{"bucket":"bench-bucket","region":"us-east-1","endpoint":"http://127.0.0.1:%s","path_style":true,"key":"herald/{report_name}.{format}","multipart_threshold_mb":%s}' "$s3_port" "$1"
    }
    s3_default=$(s3_settings 200) s3_multipart=$(s3_settings 16)
    # curl 7.88 signs the x-amz-content-sha256 value it is given: the file's SHA-256 (the same work as Herald's,
    # which signs its payload), or UNSIGNED-PAYLOAD (one pass over the file less; what S3 also accepts).
    curl_s3() {
        curl -sS --fail -o /dev/null --aws-sigv4 "aws:amz:us-east-1:s3" -u "$access:$secret" \
            -H "x-amz-content-sha256: $1" -T "$work/files/upload.bin" "http://127.0.0.1:$s3_port/bench-bucket/curl/upload.bin"
    }
    curl_s3_signed() { curl_s3 "$(sha256sum "$work/files/upload.bin" | cut -d' ' -f1)"; }
    s3_round() {
        server_pid=$(cat "$work/pids/s3.pid")
        HERALD_PROBE_SETTINGS=$s3_default HERALD_PROBE_SECRETS=$s3_secrets measure "herald s3 (default: one PUT)" 1 "$upload_bytes" \
            probe s3 1 "$work/files/upload.bin" bin
        HERALD_PROBE_SETTINGS=$s3_multipart HERALD_PROBE_SECRETS=$s3_secrets measure "herald s3 (16 MB parts, 4 at a time)" 1 "$upload_bytes" \
            probe s3 1 "$work/files/upload.bin" bin
        measure "curl --aws-sigv4 (+ sha256sum)" 1 "$upload_bytes" curl_s3_signed
        measure "curl --aws-sigv4, UNSIGNED-PAYLOAD" 1 "$upload_bytes" curl_s3 UNSIGNED-PAYLOAD
    }
fi

for round in $(seq 1 "$runs"); do
    for family in $arms; do "${family}_round"; done
done
if [[ " $arms " == *" email "* ]]; then
    say "message sizes as the sink received them (the first of each sender and recipient count):"
    ls -l "$work/samples" | awk 'NR > 1 {printf "    %10d  %s\n", $5, $9}' >&2
fi
say "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$results" "$runs" <<'PY'
import sys
path, runs = sys.argv[1], sys.argv[2]
import statistics
samples = {}
for line in open(path):
    name, count, size, seconds, cpu, served = line.rstrip("\n").split("\t")
    samples.setdefault(name, (int(count), int(size), [], [], []))
    samples[name][2].append(float(seconds))
    samples[name][3].append(float(cpu))
    samples[name][4].append(float(served))
arms = {name: (count, size, statistics.median(s), statistics.median(c)) for name, (count, size, s, c, _) in samples.items()}
server = {name: statistics.median(v[4]) / v[0] for name, v in samples.items()}
def rate(name): return arms[name][0] / arms[name][2]
def mbps(name): return arms[name][1] / 1e6 / arms[name][2]
def cpu_each(name): return arms[name][3] / arms[name][0]
print(f"\nmedian of {runs} runs; CPU = user + sys per message or per file, of the sending process(es) and of the server\n")
print("| arm | messages or files | seconds | messages/s | MB/s | sender CPU ms each | server CPU ms each | ratio to the peer (sender CPU ratio) | target |")
print("|---|---:|---:|---:|---:|---:|---:|---|---|")
pairs = [
    ("herald email 50 rcpt 1 MB", "smtplib 50 rcpt 1 MB", "rate", 3.0),
    ("herald email 1 rcpt", "smtplib 1 rcpt, connection per message", "rate", 3.0),
    ("herald email 1 rcpt", "smtplib 1 rcpt, one connection", "rate", 3.0),
    ("herald sftp", "curl -T sftp://", "mb", 0.8),
    ("herald sftp", "OpenSSH sftp -b", "mb", 0.8),
    ("herald s3 (default: one PUT)", "curl --aws-sigv4 (+ sha256sum)", "mb", 0.8),
    ("herald s3 (16 MB parts, 4 at a time)", "curl --aws-sigv4 (+ sha256sum)", "mb", 0.8),
    ("herald s3 (default: one PUT)", "curl --aws-sigv4, UNSIGNED-PAYLOAD", "mb", 0.8),
]
done = set()
kinds = {}
def row(name, peer=None, kind=None, target=None):
    count, size, seconds, cpu = arms[name]
    ratio = verdict = ""
    if peer in arms:
        r = rate(name) / rate(peer) if kind == "rate" else mbps(name) / mbps(peer)
        c = cpu_each(peer) / cpu_each(name) if cpu_each(name) > 0 else float("inf")
        ratio = f"**{r:.2f}×** {peer} ({c:.2f}×)"
        verdict = f"≥ {target}×: {'met' if r >= target else 'NOT met'}"
    per_second = f"{rate(name):,.1f}" if kind == "rate" else "-"
    throughput = f"{mbps(name):,.1f}" if kind == "mb" else "-"
    print(f"| {name} | {count:,} | {seconds:.3f} | {per_second} | {throughput} | {cpu_each(name) * 1000:,.2f} | {'-' if server[name] != server[name] else f'{server[name] * 1000:,.2f}'} | {ratio} | {verdict} |")
for name, peer, kind, target in pairs:
    if name in arms: row(name, peer, kind, target)
    done.add(name)
    kinds[peer] = kind
for name in arms:
    if name not in done: row(name, kind=kinds.get(name, "mb"))
PY
