#!/usr/bin/env bash
# Build the container image and let it release one transcript, with no network, as its own user.
#   deploy/smoke-test-container.sh [BASE_IMAGE]
# Needs root, buildah, unshare and the repository's .venv (`make venv`, to make the demo study).
# BASE_IMAGE replaces the Containerfile's FROM (e.g. a local Debian bookworm image with
# python3-venv, where docker.io is out of reach). A TLS-intercepting proxy's CA bundle and
# /etc/pip.conf are lent to the build when present, never copied into the image.
set -euo pipefail
cd "$(dirname "$0")/.."
storage=(--storage-driver vfs)
build=(bud --isolation chroot --network host -f deploy/Containerfile -t localhost/anonymizer)
[ $# -ge 1 ] && build+=(--from "$1")
[ -f /etc/pip.conf ] && build+=(-v /etc/pip.conf:/etc/pip.conf:ro)
[ -n "${PIP_CERT:-}" ] && build+=(-v "$PIP_CERT:/etc/ssl/certs/ca-certificates.crt:ro")
buildah "${storage[@]}" "${build[@]}" .

study=$(mktemp -d /tmp/anonymizer-container-XXXXXX)
trap 'rm -rf "$study"' EXIT
.venv/bin/python -c "import sys; from pathlib import Path; \
from anonymizer.benchmarks.daemon import _study; _study(Path(sys.argv[1]))" "$study"
mkdir -p "$study/data/inbox"
cp tests/golden/en/back_pain_interview.txt "$study/data/inbox/P01 interview2.txt"
chown -R 10001:10001 "$study"  # the image's user
container=$(buildah "${storage[@]}" from localhost/anonymizer)
# unshare -n: a network namespace with no interface at all (chroot isolation cannot make one)
unshare -n buildah "${storage[@]}" run --isolation chroot -v "$study:/study" "$container" -- \
    anonymizer --config /study/anonymizer.toml watch --oneshot
buildah "${storage[@]}" rm "$container" >/dev/null
clean="$study/data/store/bench/P01/wave2/P01_wave2.txt"
test "$(stat -c %u "$clean")" = 10001
! grep -q -e Sigrid -e Halvorsen -e Jonas -e Trondheim "$clean"
echo "container smoke test: released $(basename "$clean") as uid 10001, with no network"
