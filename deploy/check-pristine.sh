#!/usr/bin/env bash
# Checks that deploy/test.sh and deploy/dev.sh work on a minimal Debian 12 that has only swift.org's Debian 12
# prerequisites: a debootstrap'd chroot (outside the repo) gets those, the Swift toolchain at /opt/swift and the local
# Swift package mirror (read-only bind mounts, with the host's git `insteadOf` rewrites), and a fresh clone of the
# current branch's last commit (uncommitted changes are not checked); then, as root inside it, `deploy/test.sh`,
# `deploy/dev.sh` (twice: start, then restart), `deploy/dev.sh status` and `deploy/dev.sh stop`. Slow (a full debug
# build and every test); run by hand, as root, not by CI. Everything mounted is unmounted and everything started
# inside is stopped on exit. The prerequisites are installed without recommended packages, the strictest reading.
#   deploy/check-pristine.sh            restore the chroot to its pristine snapshot, then check
#   deploy/check-pristine.sh --keep     reuse the chroot as the last check left it (packages, venv), re-clone only
#   deploy/check-pristine.sh --rebuild  debootstrap the chroot and its snapshot anew, then check
# HERALD_PRISTINE_ROOT (default /work/debian12-root) is the chroot; its snapshot is "$HERALD_PRISTINE_ROOT.base.tar".
# HERALD_PRISTINE_REV checks another commit of the current branch (default: its last one), e.g. to see a fix's effect.
# Logs: "$HERALD_PRISTINE_ROOT.logs/" (test.log, dev.log, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
source deploy/lib.sh

root=${HERALD_PRISTINE_ROOT:-/work/debian12-root}
snapshot=$root.base.tar
logs=$root.logs
mirror=http://deb.debian.org/debian
# https://www.swift.org/install/linux/ (Debian 12), nothing else.
prerequisites=(binutils gcc git libcurl4-openssl-dev libedit-dev libicu-dev libncurses-dev libpython3-dev
    libsqlite3-dev libstdc++-12-dev libxml2-dev pkg-config tzdata uuid-dev)
mode=restore
case "${1:-}" in
    "") ;;
    --keep) mode=keep ;;
    --rebuild) mode=rebuild ;;
    *) die "usage: deploy/check-pristine.sh [--keep|--rebuild]" ;;
esac
[ "$(id -u)" = 0 ] || die "run it as root (debootstrap, chroot and mount need root)"
case "$root" in "$repo"|"$repo"/*) die "the chroot must live outside the repository" ;; esac
# On the host: debootstrap, and ip for dev.sh's own network namespace.
host_missing=()
command -v debootstrap >/dev/null || host_missing+=(debootstrap)
command -v ip >/dev/null || host_missing+=(iproute2)
if [ "${#host_missing[@]}" -gt 0 ]; then
    say "installing on this machine: ${host_missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${host_missing[@]}"
fi
branch=$(git rev-parse --abbrev-ref HEAD)
rev=$(git rev-parse --verify "${HERALD_PRISTINE_REV:-HEAD}^{commit}")
git merge-base --is-ancestor "$rev" "$branch" || die "$rev is not on $branch"
[ -z "$(git status --porcelain)" ] || say "uncommitted changes are not checked: the chroot clones $branch at ${rev:0:7}"

mounted=()
mount_at() { # mount_at TARGET MOUNT-ARGUMENTS...
    local target=$1; shift
    mkdir -p "$target"
    mount "$@" "$target"
    mounted+=("$target")
}
bind_ro() { mount_at "$2" --bind "$1"; mount -o remount,bind,ro "$2"; }

# Stops what still runs inside the chroot (only processes whose root is the chroot), then unmounts in reverse order.
stop_inside() {
    local pass pid pids
    for pass in TERM KILL; do
        pids=()
        for pid in $(ls /proc | grep -E '^[0-9]+$'); do
            [ "$(readlink "/proc/$pid/root" 2>/dev/null)" = "$root" ] && pids+=("$pid")
        done
        [ "${#pids[@]}" -gt 0 ] || return 0
        say "stopping what still runs in the chroot ($pass): ${pids[*]}"
        kill -"$pass" "${pids[@]}" 2>/dev/null || true
        sleep 3
    done
}
unmount_all() {
    local i
    stop_inside
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
        umount "${mounted[$i]}" 2>/dev/null || umount -l "${mounted[$i]}" || say "could not unmount ${mounted[$i]}"
    done
    mounted=()
    if [ -n "$netns_made" ]; then ip netns delete "$netns_made" || say "could not delete the network namespace $netns_made"; fi
    netns_made=""
}
netns_made=""
trap unmount_all EXIT
trap 'say "check-pristine.sh: a command failed at line $LINENO"' ERR
still_mounted() { findmnt -rn -o TARGET | grep -qE "^$root(/|$)"; }

mount_chroot() {
    mount_at "$root/proc" -t proc proc
    mount_at "$root/sys" -t sysfs sysfs
    mount_at "$root/dev" --bind /dev
    mount_at "$root/dev/pts" --bind /dev/pts
    mount_at "$root/dev/shm" -t tmpfs -o mode=1777 tmpfs   # PostgreSQL's shared memory; not the host's
    mount_at "$root/tmp" -t tmpfs -o mode=1777 tmpfs
    bind_ro /opt/swift "$root/opt/swift"
    [ -d /opt/swift-packages ] && bind_ro /opt/swift-packages "$root/opt/swift-packages"
    cp -L /etc/resolv.conf "$root/etc/resolv.conf"
}

# in_chroot COMMAND: a login-less root shell with a clean environment, as on a new machine (Swift not on PATH).
in_chroot() {
    chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin /bin/bash -c "$1"
}

# The chroot with only the prerequisites, kept as a tar snapshot so that every check starts from the same state.
make_base() {
    still_mounted && die "something is still mounted under $root; unmount it first"
    say "debootstrap --variant=minbase bookworm $root (logs in $logs/)"
    rm -rf "$root" "$snapshot"
    debootstrap --variant=minbase bookworm "$root" "$mirror" > "$logs/debootstrap.log" 2>&1 \
        || { tail -n 20 "$logs/debootstrap.log" >&2; die "debootstrap failed"; }
    # As a Debian 12 installation has them: the release, its updates and security updates.
    rm -f "$root/etc/apt/sources.list"
    cat > "$root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    mount_chroot
    say "installing swift.org's prerequisites: ${prerequisites[*]}"
    in_chroot "export DEBIAN_FRONTEND=noninteractive; apt-get update -q &&
        apt-get install -y -q --no-install-recommends ${prerequisites[*]} && apt-get clean" > "$logs/prerequisites.log" 2>&1 \
        || { tail -n 20 "$logs/prerequisites.log" >&2; die "installing the prerequisites failed"; }
    unmount_all
    say "snapshot $snapshot"
    tar -C "$root" -cf "$snapshot" .
}

mkdir -p "$logs"
if [ "$mode" = rebuild ] || [ ! -f "$snapshot" ]; then
    make_base
elif [ "$mode" = restore ]; then
    still_mounted && die "something is still mounted under $root; unmount it first"
    say "restoring $root from $snapshot"
    rm -rf "$root"
    mkdir -p "$root"
    tar -C "$root" -xf "$snapshot"
fi

mount_chroot
# This machine's setup, carried over as any of its machines has it: git reads github.com from the local package
# mirror (the `insteadOf` rewrites), and HTTPS leaves through a proxy whose CA certificates are trusted (installed
# into the system bundle when deploy/lib.sh installs ca-certificates; pip is pointed at that bundle).
: > "$root/etc/gitconfig"
rewrites=$(git config --system --get-regexp '^url\..*\.insteadof$' || :; git config --global --get-regexp '^url\..*\.insteadof$' || :)
while read -r key value; do
    if [ -n "$key" ]; then git config --file "$root/etc/gitconfig" --add "$key" "$value"; fi
done <<< "$rewrites"
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    mkdir -p "$root/usr/local/share/ca-certificates"
    cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
    printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n' > "$root/etc/pip.conf"
fi

say "cloning $branch (${rev:0:7}) into $root/root/herald"
git bundle create "$root/tmp/herald.bundle" "$branch" 2>/dev/null
in_chroot "rm -rf /root/herald && git clone -q --branch '$branch' /tmp/herald.bundle /root/herald && git -C /root/herald checkout -q --detach $rev"

results=()
# step NAME NET COMMAND: runs COMMAND in the chroot's clone, logging to $logs/NAME.log; NET=own runs it in the
# check's own network namespace (loopback only), the same one for every such step.
step() {
    local name=$1 net=$2 command=$3 status=0 started=$SECONDS prefix=()
    [ "$net" = own ] && prefix=(ip netns exec "$netns")
    say "$name: $command (log: $logs/$name.log)"
    "${prefix[@]}" chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin /bin/bash -c "cd /root/herald && $command" \
        > "$logs/$name.log" 2>&1 < /dev/null || status=$?
    results+=("$(printf '%-10s %-4s %5ds  %s' "$name" "$([ "$status" = 0 ] && echo pass || echo FAIL)" $((SECONDS - started)) "$command")")
    [ "$status" = 0 ] || { say "$name failed (exit $status); the end of its log:"; tail -n 40 "$logs/$name.log" >&2; }
    return "$status"
}

netns=herald-pristine-$$
ip netns add "$netns"
netns_made=$netns
ip netns exec "$netns" ip link set lo up
failed=0
step test shared "bash deploy/test.sh" || failed=1
# dev.sh listens on fixed ports (8080, 8443, 54329, 63799); the chroot shares the host's network, where another
# checkout's dev.sh may hold them, so it runs in a network of its own (it needs none: test.sh installed the packages).
step dev own "bash deploy/dev.sh" || failed=1
step dev-again own "bash deploy/dev.sh" || failed=1   # a second start reuses the state and restarts herald
step dev-status own "bash deploy/dev.sh status && [ \"\$(bash deploy/dev.sh status | grep -c ': running')\" = 5 ]" || failed=1
step dev-stop own "bash deploy/dev.sh stop && ! bash deploy/dev.sh status | grep ': running'" || failed=1

say "results (logs in $logs/)"
printf '  %s\n' "${results[@]}" >&2
exit "$failed"
