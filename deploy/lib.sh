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

# start_redis DIR PORT
start_redis() {
    local dir=$1 port=$2
    mkdir -p "$dir"
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --databases 256 --daemonize yes \
        --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --dir "$dir" >/dev/null
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
