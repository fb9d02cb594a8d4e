#!/usr/bin/env bash
# Runs Herald on this machine for development: installs what is missing (Debian packages), builds, starts
# PostgreSQL (127.0.0.1:54329), Redis (127.0.0.1:63799), nginx (https://localhost:8443, http://localhost:8080),
# `herald web` and `herald scheduler`, creates an admin user, and prints the URL and the login.
# State lives in .herald/ (gitignored). Running it again reuses that state and restarts the Herald processes.
#   deploy/dev.sh          start (or restart after a change)
#   deploy/dev.sh stop     stop everything it started
#   deploy/dev.sh status   show what runs
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
source deploy/lib.sh

state=$root/.herald
run=$state/run
logs=$state/logs
pg_port=54329
redis_port=63799
https_port=8443
http_port=8080
admin_email=admin@localhost

# PostgreSQL's data must be reachable by the postgres user; under a private home folder it is not.
pg_data() {
    if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$root" 2>/dev/null; then
        echo "/var/lib/herald-dev/$(echo "$root" | sha256sum | cut -c1-12)/pg"
    else
        echo "$state/pg"
    fi
}

is_running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

stop_pidfile() {
    local pidfile=$1 name=$2 i
    if is_running "$pidfile"; then
        kill -TERM "$(cat "$pidfile")"
        for i in $(seq 1 100); do is_running "$pidfile" || break; sleep 0.1; done
        is_running "$pidfile" && kill -KILL "$(cat "$pidfile")"
        say "stopped $name"
    fi
    rm -f "$pidfile"
}

stop_all() {
    stop_pidfile "$run/web.pid" "herald web"
    stop_pidfile "$run/scheduler.pid" "herald scheduler"
    if is_running "$state/nginx/nginx.pid"; then
        nginx -p "$state/nginx" -c "$state/nginx/nginx.conf" -s quit && say "stopped nginx"
    fi
    if is_running "$state/redis/redis.pid"; then stop_redis "$state/redis"; say "stopped Redis"; fi
    if [ -f "$(pg_data)/postmaster.pid" ]; then stop_postgres "$(pg_data)"; say "stopped PostgreSQL"; fi
}

status() {
    local name pidfile
    for name in web scheduler; do
        pidfile=$run/$name.pid
        if is_running "$pidfile"; then echo "herald $name: running (pid $(cat "$pidfile"))"; else echo "herald $name: stopped"; fi
    done
    if is_running "$state/nginx/nginx.pid"; then echo "nginx: running on https://localhost:$https_port/"; else echo "nginx: stopped"; fi
    if is_running "$state/redis/redis.pid"; then echo "Redis: running on 127.0.0.1:$redis_port"; else echo "Redis: stopped"; fi
    if [ -f "$(pg_data)/postmaster.pid" ]; then echo "PostgreSQL: running on 127.0.0.1:$pg_port"; else echo "PostgreSQL: stopped"; fi
}

# Demo content for a new installation: a shop database of two years of sales in four regions, read through a role
# that may only SELECT; two reports with parameters (a region choice and a relative date range; a list of regions
# and last month); a weekday 07:00 Europe/Berlin schedule delivering XLSX, PDF and CSV and a monthly one delivering
# PDF and HTML into .herald/deliveries/; and a run of each queued now, so real files appear in the first minutes.
seed_demo() {
    say "seeding the demo (shop database, reports, schedules)"
    local sql="psql -h 127.0.0.1 -p $pg_port -U postgres -q"
    $sql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'demo_shop'" | grep -q 1 \
        || $sql -d postgres -c "CREATE DATABASE demo_shop"
    $sql -d demo_shop <<'SQL'
CREATE TABLE IF NOT EXISTS sales (
    id serial PRIMARY KEY, sold_on date NOT NULL, region text NOT NULL, city text NOT NULL, product text NOT NULL,
    quantity integer NOT NULL, amount numeric(10,2) NOT NULL, paid boolean NOT NULL
);
INSERT INTO sales (sold_on, region, city, product, quantity, amount, paid)
SELECT current_date - (n % 730),
       (ARRAY['EU', 'US', 'APAC', 'LATAM'])[1 + n % 4],
       (ARRAY[ARRAY['Zürich', 'Berlin', 'Paris'], ARRAY['New York', 'Austin', 'Seattle'],
              ARRAY['東京', 'Singapore', 'Sydney'], ARRAY['São Paulo', 'Bogotá', 'Lima']])[1 + n % 4][1 + (n / 4) % 3],
       (ARRAY['Starter plan', 'Team plan', 'Enterprise plan', 'Support hours', 'Training day'])[1 + (n * 7) % 5],
       1 + (n * 13) % 9, round((49 + (n * 37) % 950)::numeric + ((n % 100) / 100.0), 2), n % 11 <> 0
FROM generate_series(1, 3650) n WHERE NOT EXISTS (SELECT 1 FROM sales);
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'demo_reader') THEN CREATE ROLE demo_reader LOGIN; END IF;
END $$;
GRANT SELECT ON sales TO demo_reader;
SQL
    local source weekly monthly schedule
    source=$("$bin/herald" datasource add --name "Demo shop" --url "postgresql://demo_reader@127.0.0.1:$pg_port/demo_shop")
    weekly=$("$bin/herald" report add --name "Sales of one region, last week" --datasource "$source" \
        --description $'Every sale of the chosen region from **Monday to Sunday of last week**, with city and product.\n\nUnpaid orders are marked *false* in the last column.' \
        --parameters '[{"name":"region","type":"choice","label":"Region","choices":["EU","US","APAC","LATAM"],"default":"EU"},
                       {"name":"from","type":"date","label":"From (inclusive)","default":"start_of_week-1w"},
                       {"name":"to","type":"date","label":"To (exclusive)","default":"start_of_week"}]' \
        --sql "SELECT sold_on, city, product, quantity, amount, paid FROM sales
WHERE region = :region AND sold_on >= :from AND sold_on < :to ORDER BY sold_on, id")
    monthly=$("$bin/herald" report add --name "Revenue by region, last month" --datasource "$source" \
        --description "Orders and revenue per region and product for **last month**." \
        --parameters '[{"name":"regions","type":"list","item_type":"choice","label":"Regions","choices":["EU","US","APAC","LATAM"],"default":["EU","US","APAC","LATAM"]},
                       {"name":"month_start","type":"date","label":"First day","default":"last_month_start"},
                       {"name":"month_end","type":"date","label":"Last day","default":"last_month_end"}]' \
        --sql "SELECT region, product, count(*) AS orders, sum(quantity) AS units, sum(amount) AS revenue FROM sales
WHERE region = ANY(:regions) AND sold_on BETWEEN :month_start AND :month_end GROUP BY region, product ORDER BY region, product")
    schedule=$("$bin/herald" schedule add --report "$weekly" --cron "0 7 * * 1-5" --tz Europe/Berlin --param region=EU \
        --format xlsx --format pdf --format csv --folder demo/weekly --owner "$admin_email")
    "$bin/herald" execution run "$schedule" >/dev/null
    schedule=$("$bin/herald" schedule add --report "$monthly" --cron "0 8 1 * *" --tz Europe/Berlin --param 'regions=["EU","US"]' \
        --format pdf --format html --deliver if_rows --folder demo/monthly --owner "$admin_email")
    "$bin/herald" execution run "$schedule" >/dev/null
}

start() {
    install_packages
    mkdir -p "$run" "$logs" "$state/data" "$state/nginx" "$state/redis"
    chmod 711 "$state"   # postgres must pass through to its data folder; secrets inside are 0600

    say "building (debug)"
    swift build
    local bin
    bin=$(swift build --show-bin-path)

    # Secrets made once and kept: the key encrypts stored credentials, so it must survive restarts.
    if [ ! -f "$state/env" ]; then
        # PostgreSQL data that outlived its key: kept outside .herald/ (see pg_data) from an earlier checkout at this
        # path, or left after .herald/env was deleted. Its stored credentials need the lost key, and its admin and
        # demo rows would stop this start, so it goes too.
        if [ -d "$(pg_data)" ]; then
            say "removing $(pg_data): PostgreSQL data made with an earlier, lost .herald/env"
            stop_postgres "$(pg_data)"
            rm -rf "$(pg_data)"
        fi
        (umask 077; echo "HERALD_SECRET_KEY=$("$bin/herald" key generate)" > "$state/env")
    fi
    set -a
    source "$state/env"
    HERALD_DATABASE_URL="postgresql://herald@127.0.0.1:$pg_port/herald"
    HERALD_REDIS_URL="redis://127.0.0.1:$redis_port"
    HERALD_FCGI_SOCKET="$run/web.sock"
    HERALD_BASE_URL="https://localhost:$https_port"
    HERALD_DATA_DIR="$state/data"
    HERALD_DELIVERY_ROOT="$state/deliveries"
    HERALD_TEMPLATES_DIR="$root/templates"
    HERALD_LOG_LEVEL=${HERALD_LOG_LEVEL:-info}
    # The demo delivers to servers on this machine (a local SMTP relay, a test SFTP server): let channels reach loopback.
    HERALD_OUTBOUND_ALLOW=${HERALD_OUTBOUND_ALLOW:-127.0.0.0/8,::1}
    set +a

    if [ ! -f "$(pg_data)/postmaster.pid" ]; then
        say "starting PostgreSQL on 127.0.0.1:$pg_port ($(pg_data))"
        start_postgres "$(pg_data)" "$pg_port"
    fi
    psql -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -tAq -c "SELECT 1 FROM pg_roles WHERE rolname = 'herald'" | grep -q 1 \
        || psql -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -q -c "CREATE ROLE herald LOGIN"
    psql -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -tAq -c "SELECT 1 FROM pg_database WHERE datname = 'herald'" | grep -q 1 \
        || psql -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -q -c "CREATE DATABASE herald OWNER herald"

    if ! is_running "$state/redis/redis.pid"; then
        say "starting Redis on 127.0.0.1:$redis_port"
        start_redis "$state/redis" "$redis_port"
    fi

    say "migrating"
    "$bin/herald" migrate

    if ! grep -q '^HERALD_DEV_ADMIN_PASSWORD=' "$state/env"; then
        local output status=0
        output=$("$bin/herald" user add --email "$admin_email" --role admin) || status=$?
        if [ "$status" = 0 ]; then
            (umask 077; echo "HERALD_DEV_ADMIN_PASSWORD=$(echo "$output" | sed -n 's/^password: //p')" >> "$state/env")
        elif [ "$status" != 3 ]; then
            die "could not create the admin user"
        fi
        seed_demo
    fi

    say "starting herald web and herald scheduler"
    stop_pidfile "$run/web.pid" "the previous herald web"
    stop_pidfile "$run/scheduler.pid" "the previous herald scheduler"
    nohup "$bin/herald" web >> "$logs/web.log" 2>&1 < /dev/null &
    echo $! > "$run/web.pid"
    nohup "$bin/herald" scheduler >> "$logs/scheduler.log" 2>&1 < /dev/null &
    echo $! > "$run/scheduler.pid"

    self_signed_cert "$state/tls"
    render_nginx_conf "$state/nginx/nginx.conf" "$state/nginx" "$http_port" "$https_port" \
        "$state/tls/cert.pem" "$state/tls/key.pem" "$run/web.sock" "$state/data"
    nginx -t -q -p "$state/nginx" -c "$state/nginx/nginx.conf"
    if is_running "$state/nginx/nginx.pid"; then
        nginx -p "$state/nginx" -c "$state/nginx/nginx.conf" -s reload
    else
        say "starting nginx on https://localhost:$https_port/"
        nginx -p "$state/nginx" -c "$state/nginx/nginx.conf"
    fi

    local i
    for i in $(seq 1 100); do
        [ "$(curl -sk -o /dev/null -w '%{http_code}' "https://localhost:$https_port/healthz")" = 200 ] && break
        is_running "$run/web.pid" || { tail -n 20 "$logs/web.log" >&2; die "herald web exited"; }
        sleep 0.2
    done
    [ "$(curl -sk -o /dev/null -w '%{http_code}' "https://localhost:$https_port/healthz")" = 200 ] \
        || { tail -n 20 "$logs/web.log" >&2; die "https://localhost:$https_port/healthz does not answer 200"; }

    source "$state/env"
    cat <<TEXT

  Herald is running:  https://localhost:$https_port/   (self-signed certificate)
  admin login:        $admin_email
  admin password:     ${HERALD_DEV_ADMIN_PASSWORD:-(set before; see $state/env)}
  demo deliveries:    $state/deliveries/demo/  (herald schedule list, herald execution list)
  logs:               $logs/
  stop it with:       deploy/dev.sh stop

TEXT
}

case "${1:-start}" in
    start) start ;;
    stop) stop_all ;;
    status) status ;;
    *) die "usage: deploy/dev.sh [start|stop|status]" ;;
esac
