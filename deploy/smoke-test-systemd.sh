#!/usr/bin/env bash
# Install the systemd unit exactly as its header says, boot systemd in a container, and check that
# the unit releases a transcript, off the network, as its own user, with its hardening in effect.
#   deploy/smoke-test-systemd.sh ROOTFS
# Needs root and systemd-nspawn (Debian: systemd-container). ROOTFS is a Debian bookworm tree with
# systemd, python3-venv and make, e.g.
#   debootstrap --variant=minbase --include=systemd,systemd-sysv,python3-venv,make,ca-certificates \
#       bookworm /var/tmp/bookworm-systemd
# It is copied, never changed. The venv is built from PyPI inside the copy (`make venv`), so the
# build uses the host's network; the booted container shares it too, which is the point: the
# service itself must still see nothing but a loopback device (PrivateNetwork=yes).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 1 ] && [ -x "$1/lib/systemd/systemd" ] || {
    echo "usage: $0 ROOTFS  (a Debian tree with systemd, python3-venv and make)" >&2; exit 2; }
command -v systemd-nspawn >/dev/null || { echo "$0: systemd-nspawn is missing" >&2; exit 2; }

root=$(mktemp -d /var/tmp/anonymizer-systemd-XXXXXX)
nspawn=""
binds=()
cleanup() {
    [ -n "$nspawn" ] && kill "$nspawn" 2>/dev/null && wait "$nspawn" 2>/dev/null || true
    for ((i = ${#binds[@]} - 1; i >= 0; i--)); do umount "${binds[i]}" 2>/dev/null || true; done
    rm -rf "$root" "$root.console"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
say() { echo "systemd smoke test: $*"; }
fail() { echo "systemd smoke test FAILED: $*" >&2; exit 1; }
bind() {  # mount --bind a host folder or file at the same place in the copy, for the build only
    if [ -d "$1" ]; then mkdir -p "$root$2"; else touch "$root$2"; fi
    mount --bind "$1" "$root$2"; binds+=("$root$2"); }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.1f", b - a}'; }
in_root() { env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"; }

cp -a "$1/." "$root/"

# -- the code: this checkout's files (tracked and new, not ignored) in /opt/anonymizer, `make venv`
mkdir -p "$root/opt/anonymizer"
git ls-files -z --cached --others --exclude-standard \
    | tar --null -T - -cf - | tar -C "$root/opt/anonymizer" -xf -
cp /etc/resolv.conf "$root/etc/resolv.conf"
bind /proc /proc; bind /dev /dev; bind /sys /sys
# A TLS-intercepting proxy's CA bundle and pip.conf are lent to the build, never copied.
had_pip_conf=$([ -e "$root/etc/pip.conf" ] && echo yes || echo no)
[ -f /etc/pip.conf ] && bind /etc/pip.conf /etc/pip.conf
pip_cert=()
if [ -n "${PIP_CERT:-}" ]; then
    bind "$PIP_CERT" /etc/pip-ca.crt; pip_cert=(PIP_CERT=/etc/pip-ca.crt)
fi
in_root "${pip_cert[@]}" chroot "$root" make -s -C /opt/anonymizer venv
for ((i = ${#binds[@]} - 1; i >= 0; i--)); do umount "${binds[i]}"; done
binds=()
[ "$had_pip_conf" = no ] && rm -f "$root/etc/pip.conf"
rm -f "$root/etc/pip-ca.crt"

# -- the install steps of the unit's header, word for word where they can be
passphrase=$(head -c 24 /dev/urandom | base64)
in_root chroot "$root" useradd --system --home-dir /var/lib/anonymizer --shell /usr/sbin/nologin \
    anonymizer
in_root chroot "$root" install -m 0644 /opt/anonymizer/deploy/anonymizer-watch.service \
    /etc/systemd/system/
in_root chroot "$root" install -d -m 0755 /etc/anonymizer
in_root chroot "$root" install -m 0640 -g anonymizer /opt/anonymizer/deploy/anonymizer.example.toml \
    /etc/anonymizer/anonymizer.toml
printf '%s' "$passphrase" | install -m 0600 /dev/stdin "$root/etc/anonymizer/vault-passphrase"
# the folders of deploy/README.md: the data folder and the vault, the service user's
in_root chroot "$root" install -d -o anonymizer -g anonymizer -m 0750 /srv/anonymizer/lbp-2024 \
    /srv/anonymizer/lbp-2024/inbox
in_root chroot "$root" install -d -o anonymizer -g anonymizer -m 0700 /var/lib/anonymizer \
    /var/lib/anonymizer/keys
in_root ANONYMIZER_VAULT_PASSPHRASE="$passphrase" chroot "$root" runuser -u anonymizer -- \
    /opt/anonymizer/.venv/bin/anonymizer --config /etc/anonymizer/anonymizer.toml vault init
# the steward registers the participant (the name on standard input, never on a command line)
printf 'Sigrid Halvorsen\n' | in_root ANONYMIZER_VAULT_PASSPHRASE="$passphrase" chroot "$root" \
    runuser -u anonymizer -- /opt/anonymizer/.venv/bin/anonymizer \
    --config /etc/anonymizer/anonymizer.toml participants add --number 7 --names-from -
in_root chroot "$root" systemctl enable anonymizer-watch 2>/dev/null
# a research assistant's transcript, waiting in the inbox when the daemon starts
install -o "$(stat -c %u "$root/var/lib/anonymizer")" -m 0640 tests/golden/en/back_pain_interview.txt \
    "$root/srv/anonymizer/lbp-2024/inbox/Sigrid Halvorsen interview2.txt"

# -- boot; the container shares the host's network, the service must not
booted=$EPOCHREALTIME
systemd-nspawn --quiet --register=no --keep-unit --directory "$root" --boot >"$root.console" 2>&1 &
nspawn=$!
container_init() {  # the container's PID 1, seen from here: systemd-nspawn's child
    local pid
    for pid in $(pgrep -P "$nspawn" || true); do
        if [ "$(awk '/^NSpid/ {print $NF}' "/proc/$pid/status")" = 1 ]; then echo "$pid"; fi
    done
}
inside() { nsenter --target "$leader" --all -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }
clean="$root/srv/anonymizer/lbp-2024/store/lbp-2024/P07/wave2/P07_wave2.txt"
deadline=$((SECONDS + 600))
leader=""
until [ -n "$leader" ]; do
    kill -0 "$nspawn" 2>/dev/null || { cat "$root.console" >&2; fail "the container did not boot"; }
    [ $SECONDS -lt $deadline ] || fail "no container init after 600 s"
    sleep 0.5; leader=$(container_init)
done
quarantine="$root/srv/anonymizer/lbp-2024/quarantine"
until [ -f "${clean%.txt}.meta.json" ]; do
    [ -z "$(ls -A "$quarantine" 2>/dev/null)" ] || {
        cat "$quarantine"/*.report.json >&2; fail "the transcript was quarantined"; }
    [ $SECONDS -lt $deadline ] || {
        inside systemctl status --no-pager anonymizer-watch >&2 || true
        fail "no clean file in the store after 600 s"; }
    sleep 0.5
done
say "the unit released $(basename "$clean") $(since "$booted") s after the boot began" \
    "(boot, model load, vault unlock, the transcript)"

# -- what the unit promises, checked on the running service
main=$(inside systemctl show --value --property MainPID anonymizer-watch)
[ "$main" -gt 0 ] || fail "the service is not running"
host_pid() {  # the host's number for the container's process $1
    local pid
    for pid in $(pgrep -f 'anonymizer --config /etc/anonymizer/anonymizer.toml watch' || true); do
        if [ "$(awk '/^NSpid/ {print $NF}' "/proc/$pid/status")" = "$1" ]; then echo "$pid"; fi
    done
}
host_main=$(host_pid "$main")
[ -n "$host_main" ] || fail "the service's process is not visible from the host"
uid=$(stat -c %u "/proc/$host_main")
user=$(awk -F: -v uid="$uid" '$3 == uid {print $1}' "$root/etc/passwd")
[ "$user" = anonymizer ] || fail "the service runs as uid $uid, not as user anonymizer"
devices=$(awk -F: 'NR > 2 {gsub(/ /, "", $1); print $1}' "/proc/$host_main/net/dev" | sort | xargs)
[ "$devices" = lo ] || fail "the service sees network devices: $devices"
[ "$(readlink "/proc/$host_main/ns/net")" != "$(readlink "/proc/$leader/ns/net")" ] \
    || fail "the service shares the container's network namespace"
say "the service runs as $user and sees only these network devices: $devices"
awk '$5 == "/" {print $6}' "/proc/$host_main/mountinfo" | grep -qw ro \
    || fail "/ is writable for the service (ProtectSystem=strict)"
awk '$5 == "/srv/anonymizer/lbp-2024" {print $6}' "/proc/$host_main/mountinfo" | grep -qw rw \
    || fail "the data folder is not writable for the service (ReadWritePaths=)"
grep -q '^NoNewPrivs:[[:space:]]*1' "/proc/$host_main/status" || fail "NoNewPrivileges is off"
grep -q '^CapEff:[[:space:]]*0*$' "/proc/$host_main/status" || fail "the service has capabilities"
grep -q '^Seccomp:[[:space:]]*2' "/proc/$host_main/status" || fail "no system call filter"
! tr '\0' '\n' <"/proc/$host_main/environ" | grep -qF "$passphrase" \
    || fail "the passphrase is in the service's environment"
say "read-only system, writable data folder, no new privileges, no capabilities, seccomp on"

# -- the clean file: the service's user, UMask=0027, no name left
[ "$(stat -c %u:%a "$clean")" = "$uid:640" ] \
    || fail "the clean file is $(stat -c %u:%a "$clean"), not the service user's with mode 640"
names=(Sigrid Halvorsen Jonas Trondheim)
for name in "${names[@]}"; do
    ! grep -q "$name" "$clean" || fail "a name is left in the clean file"
    ! inside journalctl --no-pager -u anonymizer-watch | grep -q "$name" \
        || fail "a name is in the journal"
done

# -- systemctl stop: the daemon finishes and exits 0
stopping=$EPOCHREALTIME
inside systemctl stop anonymizer-watch
result=$(inside systemctl show --value --property Result anonymizer-watch)
[ "$result" = success ] || fail "stop ended with result $result"
say "systemctl stop: result $result after $(since "$stopping") s; no name in the clean file" \
    "or the journal, which says:"
inside journalctl --no-pager --output cat -u anonymizer-watch | sed 's/^/    /'
kill -s RTMIN+4 "$leader"  # systemd's own poweroff signal (a minimal tree has no D-Bus)
wait "$nspawn" || true
nspawn=""
rm -f "$root.console"
echo "systemd smoke test: passed"
