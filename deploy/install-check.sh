#!/usr/bin/env bash
# Follows deploy/INSTALL.md on this machine from nothing, in a throw-away prefix (mktemp -d) that stands for /etc,
# /usr, /run and /var: installs the built binary and the share files, a fresh PostgreSQL cluster with the guide's own
# SQL (the block marked `<!-- install-check: sql -->`), Redis with `maxmemory-policy noeviction`, the env file from
# deploy/herald.env.example, `herald key generate`, `migrate`, `user add`, `doctor`, then the units of
# deploy/systemd/ and nginx from the guide's sed command (marked `<!-- install-check: nginx -->`). Under systemd the
# units run as systemd units; without it (a container) their ExecStart commands run as the units say: their
# EnvironmentFile and Environment= lines, User/Group/SupplementaryGroups (runuser, when root), UMask,
# WorkingDirectory and RuntimeDirectory, all read from the unit files. Then it checks what an operator would:
# /healthz and /readyz through nginx, the login page, signing in as the admin, `herald datasource add` with the
# reader role, and a schedule's CSV landing in the deliveries folder. It stops what it started, by PID, and removes
# the prefix; it exits non-zero naming the first step that failed. deploy/test.sh runs it after the swift tests.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
source deploy/lib.sh

step_name="starting"
step() { step_name=$1; say "install check: $1"; }
fail() { printf 'error: %s\n' "$*" >&2; exit 1; }

# guide_block NAME: the body of the first fenced block after `<!-- install-check: NAME -->` in deploy/INSTALL.md.
guide_block() {
    awk -v marker="<!-- install-check: $1 -->" '
        $0 == marker { found = 1; next }
        found && /^```/ { if (inside) exit; inside = 1; next }
        inside { print }' deploy/INSTALL.md
}

# in_prefix: rewrites the absolute paths of the guide and the units (/etc, /usr, /run, /var) into the prefix.
in_prefix() { sed -E "s#(^|[^A-Za-z0-9_.@/-])/(etc|usr|run|var)/#\1$prefix/\2/#g"; }

# unit_values FILE KEY: every value of KEY= in a unit file, one per line.
unit_values() { sed -n "s/^$2=//p" "$1"; }
unit_value() { unit_values "$1" "$2" | tail -n 1; }

prefix=""
pids=()          # "name:pid" of what we started, stopped in reverse order
pg_data=""
redis_dir=""
systemd_units=()

stop_pid() {
    local name=$1 pid=$2 i
    kill -TERM "$pid" 2>/dev/null || return 0
    for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    say "install check: $name ($pid) did not stop within 10 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
}

cleanup() {
    local status=$? entry i unit
    trap - EXIT
    set +e
    if [ "$status" != 0 ]; then
        printf '\033[1minstall check FAILED at step "%s" (exit %s)\033[0m\n' "$step_name" "$status" >&2
        for entry in "$prefix"/var/log/herald/*.log "$prefix"/var/log/nginx/error.log; do
            [ -s "$entry" ] && { echo "--- last lines of $entry" >&2; tail -n 15 "$entry" >&2; }
        done
    fi
    for unit in "${systemd_units[@]}"; do systemctl stop "$unit"; rm -f "/run/systemd/system/$unit"; done
    [ "${#systemd_units[@]}" = 0 ] || systemctl daemon-reload
    for (( i = ${#pids[@]} - 1; i >= 0; i-- )); do stop_pid "${pids[i]%%:*}" "${pids[i]##*:}"; done
    [ -z "$redis_dir" ] || stop_redis "$redis_dir"
    [ -z "$pg_data" ] || stop_postgres "$pg_data"
    [ -z "$prefix" ] || rm -rf "$prefix"
    exit "$status"
}
trap cleanup EXIT

if [ "$(id -u)" = 0 ]; then as_root_user=1; else as_root_user=0; fi
under_systemd=0
[ -d /run/systemd/system ] && under_systemd=1

step "1. packages (the guide's runtime list is installed)"
install_packages
command -v swift >/dev/null || export PATH=/opt/swift/usr/bin:$PATH
missing=()
for pkg in $(guide_block packages | tr -d '\\' | sed 's/apt-get install --no-install-recommends//'); do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ "${#missing[@]}" = 0 ] || fail "packages of INSTALL.md step 1 are not installed (or not Debian 12's names): ${missing[*]}"

# Under systemd the units' PrivateTmp hides /tmp and /var/tmp from them, so the prefix lives elsewhere there.
if [ "$under_systemd" = 1 ]; then
    mkdir -p /var/lib/herald-install-check
    prefix=$(mktemp -d /var/lib/herald-install-check/run.XXXXXX)
else
    prefix=$(mktemp -d /tmp/herald-install-check.XXXXXX)
fi
chmod 755 "$prefix"   # the service users (herald, postgres, www-data) pass through it
mkdir -p "$prefix"/{etc,usr/bin,usr/share,run,var/lib,var/log/herald,var/log/nginx,var/lib/nginx}
say "install check: prefix $prefix (stands for /etc, /usr, /run, /var)"

step "2. the binary (the existing build; the newer of debug and release)"
bin=""
for candidate in "$(swift build --show-bin-path)" "$(swift build -c release --show-bin-path)"; do
    [ -x "$candidate/herald" ] || continue
    if [ -z "$bin" ] || [ "$candidate/herald" -nt "$bin/herald" ]; then bin=$candidate; fi
done
if [ -z "$bin" ]; then
    say "install check: no build found; building (debug)"
    swift build
    bin=$(swift build --show-bin-path)
fi
say "install check: using $bin/herald"
# The guide's install lines as written, its build output replaced by this build's; swift build and ldd are ours.
install_lines=$(guide_block binary | grep -v -e '^swift build' -e '^ldd ' | sed "s#\.build/release#$bin#g" | in_prefix)
[ -n "$install_lines" ] || fail "no install commands in INSTALL.md's block marked install-check: binary"
bash -euo pipefail -c "$install_lines" || fail "the install commands of INSTALL.md step 2 failed"
not_found=$(ldd "$prefix/usr/bin/herald" | grep 'not found' || true)
[ -z "$not_found" ] || fail "ldd: $not_found"
herald=$prefix/usr/bin/herald

step "3. user, folders, permissions"
if [ "$as_root_user" = 1 ]; then
    if ! id herald >/dev/null 2>&1; then
        adduser --system --group --home /var/lib/herald --no-create-home herald >/dev/null
        say "install check: made the system user herald"
    fi
    service_user=herald
    service_group=herald
else
    service_user=$(id -un)
    service_group=$(id -gn)
    say "install check: not root, so the services run as $service_user instead of herald"
fi
data=$prefix/var/lib/herald
install -d -o "$service_user" -g "$service_group" -m 0750 "$data" "$data/artifacts" "$data/deliveries"
install -d -o "$(id -un)" -g "$service_group" -m 0750 "$prefix/etc/herald"

step "4. PostgreSQL: a fresh cluster, the database and its roles (INSTALL.md's SQL)"
pg_port=$(free_port)
pg_data=$prefix/var/lib/postgresql/data
mkdir -p "$prefix/var/lib/postgresql"
chmod 755 "$prefix/var/lib/postgresql"
start_postgres "$pg_data" "$pg_port"
# initdb trusts every local login; only the postgres superuser keeps that, the roles of the guide need their password.
printf '%s\n' 'local all postgres trust' 'host all postgres 127.0.0.1/32 trust' \
    'host all all 127.0.0.1/32 scram-sha-256' > "$pg_data/pg_hba.conf"
as_pg "$(pg_bin)/pg_ctl" -D "$pg_data" reload >/dev/null
psql_admin=(psql -h 127.0.0.1 -p "$pg_port" -U postgres -v ON_ERROR_STOP=1 -q)
# The warehouse the reports read exists before Herald does; a stand-in with one table.
"${psql_admin[@]}" -d postgres -c "CREATE DATABASE warehouse"
"${psql_admin[@]}" -d warehouse -c "CREATE TABLE sales (region text NOT NULL, amount numeric NOT NULL);
    INSERT INTO sales VALUES ('EU', 120.50), ('US', 99.00), ('APAC', 42.25)"
app_password=$(openssl rand -hex 16)
reader_password=$(openssl rand -hex 16)
guide_sql=$(guide_block sql | sed -n "/<<'SQL'\$/,/^SQL\$/p" | sed '1d;$d')
[ -n "$guide_sql" ] || fail "no SQL heredoc in INSTALL.md's block marked install-check: sql"
# The operator replaces the example passwords; so does the check.
printf '%s\n' "$guide_sql" | sed -e "s/'change-me'/'$app_password'/" -e "s/'change-me-too'/'$reader_password'/" \
    | "${psql_admin[@]}" -d postgres

step "5. Redis with maxmemory-policy noeviction"
redis_port=$(free_port)
redis_dir=$prefix/var/lib/redis
start_redis "$redis_dir" "$redis_port" --maxmemory-policy noeviction
[ "$(redis-cli -p "$redis_port" config get maxmemory-policy | tail -n 1)" = noeviction ] \
    || fail "Redis does not have maxmemory-policy noeviction"

step "6. configuration (herald.env from deploy/herald.env.example, herald key generate)"
env_file=$prefix/etc/herald/herald.env
install -o "$(id -un)" -g "$service_group" -m 0640 deploy/herald.env.example "$env_file"
https_port=$(free_port)
http_port=$(free_port)
set_env() {
    grep -q "^$1=" "$env_file" || fail "deploy/herald.env.example has no $1= line"
    sed -i "s#^$1=.*#$1=$2#" "$env_file"
}
set_env HERALD_DATABASE_URL "postgresql://herald:$app_password@127.0.0.1:$pg_port/herald"
set_env HERALD_REDIS_URL "redis://127.0.0.1:$redis_port"
set_env HERALD_SECRET_KEY "$("$herald" key generate)"
set_env HERALD_BASE_URL "https://localhost:$https_port"
set_env HERALD_DATA_DIR "$data"
set_env HERALD_DELIVERY_ROOT "$data/deliveries"

# herald_cli ARGS...: an operator command as INSTALL.md step 7 runs it (the env file in the environment, as herald).
herald_cli() {
    (
        set -a; . "$env_file"; set +a
        cd /
        if [ "$as_root_user" = 1 ]; then runuser -u herald -- "$herald" "$@"; else "$herald" "$@"; fi
    )
}

step "7. herald migrate"
herald_cli migrate >/dev/null
step "7. herald user add (the first admin)"
admin_email=admin@example.org
admin_password=$(herald_cli user add --email "$admin_email" --role admin | sed -n 's/^password: //p')
[ -n "$admin_password" ] || fail "herald user add printed no generated password"
if "$herald" doctor --help >/dev/null 2>&1; then
    step "7. herald doctor"
    doctor_output=$(herald_cli doctor 2>&1) || { printf '%s\n' "$doctor_output" >&2; fail "herald doctor failed"; }
else
    say "install check: this binary has no herald doctor; skipped"
fi

step "8. the systemd units"
units=$prefix/etc/systemd/system
mkdir -p "$units"
for unit in deploy/systemd/herald-web.service deploy/systemd/herald-scheduler.service deploy/systemd/herald.target; do
    in_prefix < "$unit" > "$units/$(basename "$unit")"
done

# make_runtime_directories UNIT-FILE USER GROUP: RuntimeDirectory= in the prefix, owned by User and Group, as systemd
# makes it before ExecStartPre (under systemd too: the units' socket path points into the prefix).
make_runtime_directories() {
    local dir mode
    mode=$(unit_value "$1" RuntimeDirectoryMode)
    for dir in $(unit_values "$1" RuntimeDirectory); do install -d -o "$2" -g "$3" -m "${mode:-0755}" "$prefix/run/$dir"; done
}

# start_unit NAME: runs herald-NAME.service's ExecStartPre and ExecStart lines the way systemd would.
start_unit() {
    local file=$units/herald-$1.service user group supplementary umask_value workdir dir mode line
    local -a environment=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8) command
    user=$(unit_value "$file" User) group=$(unit_value "$file" Group)
    supplementary=$(unit_value "$file" SupplementaryGroups)
    umask_value=$(unit_value "$file" UMask) workdir=$(unit_value "$file" WorkingDirectory)
    [ "$as_root_user" = 1 ] || { user=$service_user group=$service_group supplementary=""; }
    make_runtime_directories "$file" "$user" "$group"
    for dir in $(unit_values "$file" StateDirectory); do
        install -d -o "$user" -g "$group" -m "$(unit_value "$file" StateDirectoryMode | grep . || echo 0755)" \
            "$prefix/var/lib/$dir"
    done
    for dir in $(unit_values "$file" CacheDirectory); do install -d -o "$user" -g "$group" "$prefix/var/cache/$dir"; done
    environment+=("HOME=$(getent passwd "$user" | cut -d: -f6)" "USER=$user" "LOGNAME=$user")
    while IFS= read -r line; do
        [[ "$line" =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] && environment+=("$line")
    done < <(unit_values "$file" EnvironmentFile | while read -r f; do cat "${f#-}"; done)
    while IFS= read -r line; do environment+=("$line"); done < <(unit_values "$file" Environment)
    while IFS= read -r line; do
        [ -n "$line" ] || continue
        read -ra command <<< "${line#+}"
        if [ "${line:0:1}" = + ] || [ "$as_root_user" = 0 ]; then
            (cd "$workdir" && env -i "${environment[@]}" "${command[@]}")
        else
            (cd "$workdir" && umask "${umask_value:-0022}" && runuser -u "$user" -g "$group" \
                ${supplementary:+-G "$supplementary"} -- env -i "${environment[@]}" "${command[@]}")
        fi || fail "ExecStartPre of herald-$1.service failed: $line"
    done < <(unit_values "$file" ExecStartPre)
    read -ra command <<< "$(unit_value "$file" ExecStart)"
    if [ "$as_root_user" = 1 ]; then
        command=(runuser -u "$user" -g "$group" ${supplementary:+-G "$supplementary"} -- env -i "${environment[@]}" "${command[@]}")
    else
        command=(env -i "${environment[@]}" "${command[@]}")
    fi
    (cd "$workdir" && umask "${umask_value:-0022}" && exec "${command[@]}") \
        </dev/null >"$prefix/var/log/herald/$1.log" 2>&1 &
    pids+=("herald $1:$!")
    say "install check: herald-$1.service's ExecStart runs as pid $! (log $prefix/var/log/herald/$1.log)"
}

if [ "$under_systemd" = 1 ]; then
    # Runtime units (gone at reboot) under their own names, so an installed Herald is not touched.
    id=$(basename "$prefix")
    for name in web scheduler; do
        unit=herald-check-${id#run.}-$name.service
        make_runtime_directories "$units/herald-$name.service" "$service_user" "$service_group"
        { sed '/^\[Install\]/,$d; /^PartOf=/d' "$units/herald-$name.service"; echo "ReadWritePaths=$prefix"; } \
            > "/run/systemd/system/$unit"
        systemd_units+=("$unit")
    done
    systemctl daemon-reload
    systemctl start "${systemd_units[@]}"
else
    say "install check: no systemd (no /run/systemd/system): starting the units' commands ourselves"
    start_unit web
    start_unit scheduler
fi

step "9. nginx from the template, with INSTALL.md's sed command"
mkdir -p "$prefix/etc/nginx" "$prefix/etc/letsencrypt/live/herald.example.org"
self_signed_cert "$prefix/var/lib/tls"
cp "$prefix/var/lib/tls/cert.pem" "$prefix/etc/letsencrypt/live/herald.example.org/fullchain.pem"
cp "$prefix/var/lib/tls/key.pem" "$prefix/etc/letsencrypt/live/herald.example.org/privkey.pem"
render=$(guide_block nginx | sed -n '1,/nginx\.conf$/p' | in_prefix \
    | sed -e "s/|@HTTP_PORT@|80|/|@HTTP_PORT@|$http_port|/" -e "s/|@HTTPS_PORT@|443|/|@HTTPS_PORT@|$https_port|/")
[ "$as_root_user" = 1 ] || render=$(printf '%s\n' "$render" | sed "s/|www-data|/|$(id -un)|/")
bash -euo pipefail -c "$render" || fail "the sed command of INSTALL.md step 9 failed"
nginx_conf=$prefix/etc/nginx/nginx.conf
grep -q '@[A-Z_]*@' "$nginx_conf" && fail "placeholders left in nginx.conf: $(grep -o '@[A-Z_]*@' "$nginx_conf" | sort -u | tr '\n' ' ')"
nginx=$(command -v nginx || echo /usr/sbin/nginx)
"$nginx" -q -t -e "$prefix/var/log/nginx/error.log" -c "$nginx_conf" || fail "nginx -t refused the rendered nginx.conf"
"$nginx" -e "$prefix/var/log/nginx/error.log" -c "$nginx_conf"
for i in $(seq 1 50); do [ -s "$prefix/run/nginx.pid" ] && break; sleep 0.1; done
[ -s "$prefix/run/nginx.pid" ] || fail "nginx wrote no pid file"
pids+=("nginx:$(cat "$prefix/run/nginx.pid")")

base=https://localhost:$https_port
curl_=(curl -sS --cacert "$prefix/var/lib/tls/cert.pem" --resolve "localhost:$https_port:127.0.0.1")

# wait_status PATH CODE SECONDS: polls until PATH answers CODE through nginx.
wait_status() {
    local code="" i
    for i in $(seq 1 $(( $3 * 5 ))); do
        code=$("${curl_[@]}" -o /dev/null -w '%{http_code}' "$base$1" 2>/dev/null || true)
        [ "$code" = "$2" ] && return 0
        sleep 0.2
    done
    fail "$1 answered ${code:-nothing} through nginx, not $2, within $3 s"
}

step "check: /healthz and /readyz through nginx"
wait_status /healthz 200 20
wait_status /readyz 200 30

step "check: the login page loads"
jar=$prefix/var/lib/cookies.txt
login_page=$("${curl_[@]}" -c "$jar" -b "$jar" "$base/login") || fail "GET /login failed"
login_token=$(printf '%s' "$login_page" | sed -n 's/.*name="login_token" value="\([^"]*\)".*/\1/p')
[ -n "$login_token" ] || fail "the login page has no login_token field"

step "check: signing in as the admin"
code=$("${curl_[@]}" -c "$jar" -b "$jar" -o /dev/null -w '%{http_code} %{redirect_url}' \
    --data-urlencode "email=$admin_email" --data-urlencode "password=$admin_password" \
    --data-urlencode "login_token=$login_token" --data-urlencode "next=/schedules" "$base/login")
[ "$code" = "303 $base/schedules" ] || [ "$code" = "302 $base/schedules" ] || fail "POST /login answered $code"
code=$("${curl_[@]}" -b "$jar" -o /dev/null -w '%{http_code}' "$base/schedules")
[ "$code" = 200 ] || fail "GET /schedules after signing in answered $code"

step "check: herald datasource add with the reader role"
source_id=$(herald_cli datasource add --name warehouse \
    --url "postgresql://herald_reader:$reader_password@127.0.0.1:$pg_port/warehouse")

step "check: a schedule runs once and its CSV lands in the deliveries folder"
report_id=$(herald_cli report add --name "Sales by region" --datasource "$source_id" \
    --sql "SELECT region, amount FROM sales ORDER BY region")
schedule_id=$(herald_cli schedule add --report "$report_id" --cron "0 7 * * 1-5" --tz Europe/Berlin \
    --folder install-check --format csv --owner "$admin_email")
herald_cli execution run "$schedule_id" >/dev/null
csv=""
for i in $(seq 1 150); do
    csv=$(find "$data/deliveries/install-check" -name '*.csv' 2>/dev/null | head -n 1 || true)
    [ -n "$csv" ] && break
    sleep 0.2
done
[ -n "$csv" ] || fail "no CSV in $data/deliveries/install-check within 30 s ($(herald_cli execution list --schedule "$schedule_id" 2>&1 | tail -n 3))"
grep -q '^EU,120.50' "$csv" || fail "the delivered CSV lacks the warehouse's rows: $(head -c 300 "$csv")"

step "done"
say "install check passed: INSTALL.md followed from nothing, served through nginx, a run delivered $(basename "$csv")"
