# Shared by deploy/dev.sh, deploy/test.sh and the benchmarks: installing packages (Debian's and, into a virtual
# environment, Python's) and starting throw-away PostgreSQL, Redis and nginx servers on loopback. Source it; it
# defines functions only.

# Every Debian package that the scripts, the tests and the binaries use, beyond swift.org's Debian 12 prerequisites
# (deploy/check-pristine.sh checks that on a minimal Debian 12): the C libraries the Sources/C* modules link; the
# servers and clients (psql, redis-cli, nginx; curl and openssl, which the integration tests run too); python3 and
# python3-venv (free_port, and the Python environment of python_env); fonts-wqy-microhei (CJK glyphs for PDFs, which
# DejaVu lacks; 5 MB installed against fonts-noto-cjk's 90 MB) and poppler-utils (pdftotext and pdfinfo read the PDF
# export back in its tests); unzip (`unzip -t` checks the zip archives in their tests); util-linux (runuser, flock, taskset), which a
# minimal system has today but need not; tzdata (the IANA zones herald reads); openssh-server and openssh-client (the
# test SFTP servers of start_delivery_servers: sshd, ssh-keygen) and passwd (useradd and chpasswd for their user).
# A script's own extras are arguments of install_packages (bench-web.sh: wrk, mawk). No script or test runs ps or ip
# (procps, iproute2). No package's own service is started by installing it (see install_packages).
HERALD_APT_PACKAGES=(
    pkg-config libfcgi-dev libpq-dev libhiredis-dev libcmark-dev libcurl4-openssl-dev libxlsxwriter-dev
    libsodium-dev libcairo2-dev libpango1.0-dev zlib1g-dev fonts-dejavu-core fonts-wqy-microhei poppler-utils unzip
    postgresql postgresql-client redis-server redis-tools nginx-light curl openssl ca-certificates
    python3 python3-venv util-linux tzdata chromium chromium-driver openssh-server openssh-client passwd
)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Runs a command as root: directly when we are root, through sudo otherwise.
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# PostgreSQL refuses to run as root; as root we run it as `postgres` (from /, since it may not enter a checkout under
# /root: every path given is absolute), as a sudoer as ourselves.
as_pg() { if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }

# Installs the Debian packages that are missing (a no-op when all are there, so re-runs are fast).
install_packages() {
    local missing=() pkg
    for pkg in "${HERALD_APT_PACKAGES[@]}" "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        say "installing ${missing[*]}"
        # The scripts start their own servers on free ports: a package's own service (sshd on port 22, PostgreSQL on
        # 5432, nginx on 80) is not wanted, and without systemd starting one may fail the install. So a policy-rc.d
        # that refuses every start (exit 101; invoke-rc.d and deb-systemd-invoke obey it) is in place while apt-get
        # runs, and removed after, unless the system has one of its own (container images often do): that one stays.
        local policy=/usr/sbin/policy-rc.d ours=0 status=0
        if [ ! -e "$policy" ]; then
            printf '#!/bin/sh\n# put here by deploy/lib.sh install_packages while it runs apt-get\nexit 101\n' \
                | as_root tee "$policy" >/dev/null && as_root chmod 755 "$policy" && ours=1
        fi
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q || status=$?
        [ "$status" != 0 ] || as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
            --no-install-recommends "${missing[@]}" || status=$?
        [ "$ours" = 0 ] || as_root rm -f "$policy"
        [ "$status" = 0 ] || die "apt-get failed (exit $status)"
    fi
    command -v swift >/dev/null || export PATH=/opt/swift/usr/bin:$PATH
    command -v swift >/dev/null || die "swift is not installed (expected Swift 6.x at /opt/swift/usr/bin)"
}

# bench_prepare [EXTRA-PACKAGES...]: for the benchmarks: installs what is missing, builds the release binaries, sets
# $bin to their folder and $work to a fresh scratch folder (mode 755, so the postgres user can reach its data inside).
bench_prepare() {
    install_packages "$@"
    # HERALD_BENCH_BIN: a folder holding another build's `herald` (bench-scheduler.sh takes several, `a:b`, and
    # rotates through them run by run, so two builds are compared under the same machine state).
    if [ -n "${HERALD_BENCH_BIN:-}" ]; then
        bin=${HERALD_BENCH_BIN%%:*}
    else
        say "building (release)"
        swift build -c release >/dev/null
        bin=$(swift build -c release --show-bin-path)
    fi
    work=$(mktemp -d /tmp/herald-bench.XXXXXX)
    chmod 755 "$work"
}

# python_env: sets $herald_python to the interpreter of a virtual environment (Debian's python3 -m venv) that has the
# packages of deploy/requirements-test.txt. Never a system-wide `pip install`: Debian 12's Python refuses it (PEP 668).
# The environment lives in ${HERALD_VENV_CACHE:-~/.cache/herald}/venv-KEY, KEY a hash of the requirement list and the
# Python version: every run and checkout with the same list reuses it, a changed list or Python makes a new one.
# Made under a lock (checkouts may run tests at once), marked complete only once pip succeeded; environments unused
# for 30 days are removed.
python_env() {
    local requirements key cache venv
    requirements=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/requirements-test.txt
    [ -x /usr/bin/python3 ] || die "/usr/bin/python3 is missing (Debian's python3 and python3-venv)"
    key=$({ /usr/bin/python3 -c 'import sys; print(sys.version)'; cat "$requirements"; } | sha256sum | cut -c1-16)
    cache=${HERALD_VENV_CACHE:-${XDG_CACHE_HOME:-${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}/.cache}/herald}
    venv=$cache/venv-$key
    mkdir -p "$cache"
    if [ ! -f "$venv/.complete" ]; then
        (
            flock 9 || exit 1
            [ -f "$venv/.complete" ] && exit 0
            say "making the Python environment $venv (deploy/requirements-test.txt)"
            rm -rf "$venv"
            /usr/bin/python3 -m venv "$venv" || exit 1
            "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input --require-virtualenv \
                -r "$requirements" || exit 1
            cp "$requirements" "$venv/.complete"
            find "$cache" -mindepth 1 -maxdepth 1 -name 'venv-*' -mtime +30 -exec rm -rf {} + || true
        ) 9> "$cache/venv.lock" || die "could not make the Python environment $venv (pip's messages above)"
    fi
    touch "$venv"
    herald_python=$venv/bin/python
}

pg_bin() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -n "$dir" ] || die "PostgreSQL server binaries not found under /usr/lib/postgresql"
    echo "$dir"
}

# A TCP port on 127.0.0.1 that nobody listens on.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# start_postgres DATA_DIR PORT: creates the cluster if needed and starts it on 127.0.0.1:PORT.
start_postgres() {
    local data=$1 port=$2 bin
    bin=$(pg_bin)
    mkdir -p "$data"
    if [ "$(id -u)" = 0 ]; then chown postgres "$data"; fi
    chmod 700 "$data"
    if [ ! -f "$data/PG_VERSION" ]; then
        as_pg "$bin/initdb" -D "$data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    as_pg "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
        -o "-p $port -k $data -c listen_addresses=127.0.0.1 -c fsync=${HERALD_PG_FSYNC:-off} -c max_connections=300 -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.max=10000" start >/dev/null \
        || { tail -n 30 "$data/server.log" >&2; die "PostgreSQL did not start"; }
}

stop_postgres() {
    local data=$1
    [ -f "$data/postmaster.pid" ] && as_pg "$(pg_bin)/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
}

# start_redis DIR PORT [OPTION...]: further options go to redis-server (install-check.sh: --maxmemory-policy).
start_redis() {
    local dir=$1 port=$2
    shift 2
    mkdir -p "$dir"
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --databases 256 --daemonize yes \
        --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --dir "$dir" "$@" >/dev/null
    local i
    for i in $(seq 1 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && return 0; sleep 0.1; done
    die "Redis did not start (see $dir/redis.log)"
}

stop_redis() {
    local dir=$1
    if [ -f "$dir/redis.pid" ]; then kill "$(cat "$dir/redis.pid")" 2>/dev/null || true; rm -f "$dir/redis.pid"; fi
}

# render_nginx_conf OUT PREFIX HTTP_PORT HTTPS_PORT CERT KEY SOCKET DATA_DIR: fills in nginx/herald.conf (artifacts are
# served from DATA_DIR/artifacts, where the workers keep them).
render_nginx_conf() {
    local out=$1 prefix=$2 http=$3 https=$4 cert=$5 key=$6 socket=$7 data=$8 root
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    sed -e "s|@NGINX_PREFIX@|$prefix|g" -e "s|@NGINX_USER@|$(id -un)|g" -e "s|@HTTP_PORT@|$http|g" \
        -e "s|@HTTPS_PORT@|$https|g" -e "s|@TLS_CERT@|$cert|g" -e "s|@TLS_KEY@|$key|g" -e "s|@FCGI_SOCKET@|$socket|g" \
        -e "s|@STATIC_DIR@|$root/static|g" -e "s|@ARTIFACTS_DIR@|$data/artifacts|g" -e "s|@NGINX_DIR@|$root/nginx|g" \
        "$root/nginx/herald.conf" > "$out"
}

# self_signed_cert DIR: localhost certificate for development and tests.
self_signed_cert() {
    local dir=$1
    [ -f "$dir/cert.pem" ] && return 0
    mkdir -p "$dir"
    openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj /CN=localhost \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
    chmod 600 "$dir/key.pem"
}

# Where the delivery channels' tests send: SMTP (plain, STARTTLS with AUTH, and implicit TLS), SFTP (two sshd with different host
# keys), FTP (plain, explicit and implicit FTPS), S3 (moto) and an HTTP receiver (webhooks, Azure Blob SAS PUTs), all
# on free ports of 127.0.0.1. Needs $herald_python (python_env). The servers' code, apart from sshd, is in
# Tests/Servers/; their logs are in DIR.
#
# start_delivery_servers DIR: starts them, waits (bounded) until each answers, and exports HERALD_TEST_SMTP_*,
# HERALD_TEST_SFTP_*, HERALD_TEST_FTP*_*, HERALD_TEST_S3_*, HERALD_TEST_HTTP_RECEIVER and HERALD_TEST_PRIVATE_NAME.
# Passwords are random per run, except the SFTP user's (see sftp_user). Every PID goes to DIR/pids/NAME.pid, which
# stop_delivery_servers DIR reads.
start_delivery_servers() {
    local dir=$1 servers tls
    servers=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/Tests/Servers
    [ -n "${herald_python:-}" ] || python_env
    mkdir -p "$dir/pids" "$dir/mail" "$dir/ftp" "$dir/sftp"
    chmod 755 "$dir" "$dir/sftp"   # sshd reads the authorized key as the SFTP user
    self_signed_cert "$dir/tls"
    tls=$dir/tls

    export HERALD_TEST_SMTP_PORT=$(free_port) HERALD_TEST_SMTP_STARTTLS_PORT=$(free_port) HERALD_TEST_SMTPS_PORT=$(free_port)
    export HERALD_TEST_SMTP_PASSWORD=$(openssl rand -hex 16) HERALD_TEST_SMTP_MAILDIR=$dir/mail
    export HERALD_TEST_SMTP_CA=$tls/cert.pem
    delivery_server "$dir" smtp "$servers/smtp_server.py" "$HERALD_TEST_SMTP_PORT" "$HERALD_TEST_SMTP_STARTTLS_PORT" \
        "$HERALD_TEST_SMTP_MAILDIR" "$tls/cert.pem" "$tls/key.pem"

    export HERALD_TEST_FTP_PORT=$(free_port) HERALD_TEST_FTPS_PORT=$(free_port)
    export HERALD_TEST_FTPS_IMPLICIT_PORT=$(free_port) HERALD_TEST_FTP_USER=herald
    export HERALD_TEST_FTP_PASSWORD=$(openssl rand -hex 16) HERALD_TEST_FTP_ROOT=$dir/ftp HERALD_TEST_FTP_CA=$tls/cert.pem
    delivery_server "$dir" ftp "$servers/ftp_server.py" "$HERALD_TEST_FTP_PORT" "$HERALD_TEST_FTPS_PORT" \
        "$HERALD_TEST_FTPS_IMPLICIT_PORT" "$HERALD_TEST_FTP_ROOT" "$tls/cert.pem" "$tls/key.pem"

    local s3_port
    s3_port=$(free_port)
    export HERALD_TEST_S3_ENDPOINT=http://127.0.0.1:$s3_port HERALD_TEST_S3_BUCKET=herald-test
    export HERALD_TEST_S3_REGION=us-east-1
    delivery_server "$dir" s3 "$servers/s3_server.py" "$s3_port" "$HERALD_TEST_S3_BUCKET" "$HERALD_TEST_S3_REGION" \
        "$dir/s3.credentials"

    local receiver_port
    receiver_port=$(free_port)
    export HERALD_TEST_HTTP_RECEIVER=http://127.0.0.1:$receiver_port
    delivery_server "$dir" http-receiver "$servers/http_receiver.py" "$receiver_port"

    start_sftp_servers "$dir"

    # For the SSRF guard's tests: a name that resolves to a private address.
    grep -qE '^[[:space:]]*10\.0\.0\.1[[:space:]]+(.*[[:space:]])?private\.herald\.test([[:space:]]|$)' /etc/hosts \
        || echo "10.0.0.1 private.herald.test" | as_root tee -a /etc/hosts >/dev/null
    export HERALD_TEST_PRIVATE_NAME=private.herald.test

    local name
    for name in smtp ftp s3 http-receiver; do wait_for_file "$dir/$name.ready" "$dir/pids/$name.pid" "$dir/$name.log"; done
    # Read back, not sourced: only these two names may come from the file.
    HERALD_TEST_S3_ACCESS_KEY=$(sed -n 's/^HERALD_TEST_S3_ACCESS_KEY=//p' "$dir/s3.credentials")
    HERALD_TEST_S3_SECRET_KEY=$(sed -n 's/^HERALD_TEST_S3_SECRET_KEY=//p' "$dir/s3.credentials")
    export HERALD_TEST_S3_ACCESS_KEY HERALD_TEST_S3_SECRET_KEY
    for name in sftp sftp-alt; do wait_for_port "$dir/sftp/$name.port" "$dir/pids/$name.pid" "$dir/$name.log"; done
}

# start_sftp_servers DIR (for start_delivery_servers): two Debian sshd of our own (config, host key, PID file and
# authorized key in DIR/sftp; sftp only, no shell, no PAM) on free ports, with different host keys, for the user of
# sftp_user. Uploads land in DIR/sftp/root, which that user owns.
start_sftp_servers() {
    local dir=$1 sftp=$1/sftp name port
    sftp_user
    export HERALD_TEST_SFTP_USER=$sftp_user_name HERALD_TEST_SFTP_PASSWORD=$sftp_user_password
    export HERALD_TEST_SFTP_ROOT=$sftp/root HERALD_TEST_SFTP_KEY=$sftp/client_key
    as_root install -d -m 755 -o "$sftp_user_name" "$HERALD_TEST_SFTP_ROOT"
    # The client key is ed25519 (OpenSSH format), which libssh2 1.10 reads and signs as sshd 9.2 accepts by default.
    # An RSA key (PEM, also authorized) is refused: libssh2 1.10 signs with ssh-rsa (SHA-1), which OpenSSH 8.8 and
    # later refuse by default, and so does this sshd, for tests that show what a user with such a key meets.
    export HERALD_TEST_SFTP_RSA_KEY=$sftp/client_rsa_key
    ssh-keygen -q -t ed25519 -N '' -C herald-test -f "$HERALD_TEST_SFTP_KEY"
    ssh-keygen -q -m PEM -t rsa -b 2048 -N '' -C herald-test-rsa -f "$HERALD_TEST_SFTP_RSA_KEY"
    cat "$HERALD_TEST_SFTP_KEY.pub" "$HERALD_TEST_SFTP_RSA_KEY.pub" > "$sftp/authorized_keys"
    chmod 644 "$sftp/authorized_keys"
    as_root mkdir -p /run/sshd   # sshd's privilege separation directory, which only its init script makes
    for name in sftp sftp-alt; do
        port=$(free_port)
        echo "$port" > "$sftp/$name.port"
        as_root ssh-keygen -q -t ed25519 -N '' -C "$name" -f "$sftp/$name.host_key"
        cat > "$sftp/$name.sshd_config" <<CONFIG
Port $port
ListenAddress 127.0.0.1
HostKey $sftp/$name.host_key
PidFile $dir/pids/$name.pid
AuthorizedKeysFile $sftp/authorized_keys
# The authorized key sits in a world-readable test folder under /tmp, which StrictModes would refuse.
StrictModes no
UsePAM no
PasswordAuthentication yes
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin no
AllowUsers $sftp_user_name
Subsystem sftp internal-sftp
ForceCommand internal-sftp
AllowTcpForwarding no
AllowAgentForwarding no
X11Forwarding no
PrintMotd no
LogLevel VERBOSE
CONFIG
        # sshd checks its configuration, then goes to the background and writes its PID where stop_delivery_servers
        # reads it; it logs to DIR/NAME.log (-E).
        as_root /usr/sbin/sshd -f "$sftp/$name.sshd_config" -E "$dir/$name.log" </dev/null \
            || { cat "$dir/$name.log" >&2 2>/dev/null; die "sshd ($name) did not start"; }
    done
    HERALD_TEST_SFTP_PORT=$(cat "$sftp/sftp.port")
    HERALD_TEST_SFTP_ALT_PORT=$(cat "$sftp/sftp-alt.port")
    # The form of CURLOPT_SSH_HOST_PUBLIC_KEY_SHA256: base64 of the SHA-256 of the host key blob (unpadded, as
    # ssh-keygen prints it; curl compares up to any padding).
    HERALD_TEST_SFTP_HOST_KEY_SHA256=$(ssh-keygen -l -E sha256 -f "$sftp/sftp.host_key.pub" | awk '{print $2}' \
        | sed 's/^SHA256://')
    export HERALD_TEST_SFTP_PORT HERALD_TEST_SFTP_ALT_PORT HERALD_TEST_SFTP_HOST_KEY_SHA256
}

# sftp_user: makes sure the test SFTP user `heraldsftp` exists (no shell, sftp only through our sshd) and sets
# $sftp_user_name and $sftp_user_password. The password is random, made once per machine and kept, readable by root
# only, in /var/lib/herald-test/: runs at the same time (other checkouts) share the user, so a new password per run
# would lock the other runs out.
sftp_user() {
    sftp_user_name=heraldsftp
    local store=/var/lib/herald-test
    as_root mkdir -p -m 700 "$store"
    sftp_user_password=$(as_root flock "$store/.lock" sh -c '
        set -e
        user=$1 file=$2/$1.password
        id "$user" >/dev/null 2>&1 || useradd --create-home --shell /usr/sbin/nologin "$user"
        [ -s "$file" ] || (umask 077 && openssl rand -hex 16 > "$file")
        printf "%s:%s\n" "$user" "$(cat "$file")" | chpasswd
        cat "$file"' sh "$sftp_user_name" "$store") || die "could not make the SFTP test user $sftp_user_name"
}

# delivery_server DIR NAME SCRIPT ARGS...: runs a Tests/Servers script in the background (its PID in
# DIR/pids/NAME.pid, its output in DIR/NAME.log); the script writes DIR/NAME.ready, its last argument, once it serves.
delivery_server() {
    local dir=$1 name=$2 script=$3
    shift 3
    rm -f "$dir/$name.ready"
    "$herald_python" "$script" "$@" "$dir/$name.ready" </dev/null >"$dir/$name.log" 2>&1 &
    echo $! > "$dir/pids/$name.pid"
}

# wait_for_file FILE PIDFILE LOG: polls (at most 30 s) until FILE exists; fails at once, with the log, if the
# process ends first.
wait_for_file() {
    local file=$1 pid log=$3 i
    pid=$(cat "$2")
    for i in $(seq 1 300); do
        [ -e "$file" ] && return 0
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    tail -n 30 "$log" >&2
    die "$(basename "$file" .ready) did not start (see $log)"
}

# wait_for_port PORTFILE PIDFILE LOG: polls (at most 30 s) until the port in PORTFILE answers on 127.0.0.1 with an
# SSH banner and the daemon has written PIDFILE; fails at once, with the log, if the daemon ends first.
wait_for_port() {
    local port pidfile=$2 log=$3 i banner
    port=$(cat "$1")
    for i in $(seq 1 300); do
        banner=$(timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port && head -c 4 <&3" 2>/dev/null || true)
        [ "$banner" = SSH- ] && [ -s "$pidfile" ] && return 0
        if [ -s "$pidfile" ]; then as_root kill -0 "$(cat "$pidfile")" 2>/dev/null || break; fi
        sleep 0.1
    done
    tail -n 30 "$log" >&2
    die "sshd on port $port did not start (see $log)"
}

# stop_delivery_servers DIR: stops what start_delivery_servers DIR started (SIGTERM, then SIGKILL after 5 s), by the
# PIDs it recorded; nothing to do when it started nothing.
stop_delivery_servers() {
    local dir=$1 file pid i
    for file in "$dir"/pids/*.pid; do
        [ -f "$file" ] || continue
        pid=$(cat "$file")
        if [ -n "$pid" ] && as_root kill "$pid" 2>/dev/null; then
            for i in $(seq 1 50); do as_root kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            as_root kill -9 "$pid" 2>/dev/null || true
        fi
        rm -f "$file"
    done
    # Uploads there belong to the SFTP user.
    [ ! -d "$dir/sftp" ] || as_root rm -rf "$dir/sftp"
}
