#!/usr/bin/env bash
# Builds the execution environment of this checkout, with no registry:
#
#   localhost/labcloud-ee-base   the test ground's Debian 12 image + ansible-core
#                                and ansible-runner (base.Containerfile)
#   localhost/labcloud-ee-sshd   the same Debian image with sshd: managed hosts
#                                reached over SSH, as AWX reaches them
#   localhost/labcloud-aws-sso-ee   ansible-builder build of ../../execution-environment.yml
#
# Needs the images of tests/testbed/hosts.sh and the tarball of `make
# collection` (the Makefile's `ee` target runs both first). The two helper
# images are rebuilt only when their recipe changes; the EE every time, since
# it carries the collection.
set -euo pipefail

die() {
    echo "ee/build.sh: ERROR: $*" >&2
    exit 1
}
log() { echo "ee/build.sh: $*"; }

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
PY="$REPO/.venv/bin/python"
FROM_IMAGE=localhost/labcloud-bookworm:latest
BASE_IMAGE=localhost/labcloud-ee-base:latest
SSHD_IMAGE=localhost/labcloud-ee-sshd:latest
EE_IMAGE=localhost/labcloud-aws-sso-ee:latest

podman image exists "$FROM_IMAGE" || die "$FROM_IMAGE is missing: run bash tests/testbed/hosts.sh (make testbed)"

# The EE's ansible-core and ansible-runner are the controller's own pins.
pin() { grep -E "^$1==" "$REPO/requirements.txt" | head -n1; }
CORE=$(pin ansible-core) || die "ansible-core is not pinned in requirements.txt"
RUNNER=$(pin ansible-runner) || die "ansible-runner is not pinned in requirements.txt"

# build IMAGE CONTAINERFILE [build args...]: only when the recipe (the
# Containerfile, ee-apt, the args and the image it starts from) changed.
build() {
    local image=$1 file=$2 recipe t
    shift 2
    recipe=$({
        cat "$HERE/$file" "$HERE/ee-apt"
        printf '%s\n' "$@"
        podman image inspect --format '{{.Id}}' "$FROM_IMAGE"
    } | sha256sum | cut -c1-16)
    if podman image exists "$image" &&
        [[ "$(podman image inspect --format '{{index .Labels "labcloud.recipe"}}' "$image")" == "$recipe" ]]; then
        log "reusing $image"
        return
    fi
    t=$SECONDS
    # --network host: the build reaches the Debian mirror and PyPI the way
    # the machine does (no CNI network needed).
    podman build -q --network host --layers=false -f "$HERE/$file" \
        --build-arg "FROM_IMAGE=$FROM_IMAGE" "${@/#/--build-arg=}" \
        --label "labcloud.recipe=$recipe" -t "$image" "$HERE" >/dev/null ||
        die "podman build of $image failed"
    log "built $image in $((SECONDS - t)) s"
}

T0=$SECONDS
# ansible-navigator refuses to start a podman EE without /dev/mqueue (it
# bind-mounts it for ansible-runner). systemd machines mount it at boot; a
# bare VM may not have it.
if [[ ! -d /dev/mqueue ]]; then
    [[ $EUID -eq 0 ]] || die "/dev/mqueue is missing: as root, mkdir /dev/mqueue && mount -t mqueue mqueue /dev/mqueue"
    mkdir /dev/mqueue
    mount -t mqueue mqueue /dev/mqueue || log "could not mount mqueue on /dev/mqueue; the empty directory satisfies navigator"
    log "created /dev/mqueue for ansible-navigator"
fi
build "$BASE_IMAGE" base.Containerfile "ANSIBLE_CORE=$CORE" "ANSIBLE_RUNNER=$RUNNER"
build "$SSHD_IMAGE" sshd.Containerfile

mkdir -p "$REPO/build/ee"
# Under the lock of `make collection`, which empties build/dist while it builds.
(
    flock 9
    shopt -s nullglob
    tarballs=("$REPO"/build/dist/labcloud-aws_sso-*.tar.gz)
    ((${#tarballs[@]} == 1)) || die "expected one tarball in build/dist (make collection), found ${#tarballs[@]}"
    cp "${tarballs[0]}" "$REPO/build/ee/labcloud-aws_sso.tar.gz"
) 9>"$REPO/build/.collection.lock"
t=$SECONDS
cd "$REPO"
rm -rf build/ee/context
"$PY" -m ansible_builder build -f execution-environment.yml -c build/ee/context \
    --container-runtime podman --extra-build-cli-args=--network=host -v 2 >build/ee/build.log 2>&1 || {
    tail -n 40 build/ee/build.log >&2
    die "ansible-builder build failed (log: build/ee/build.log)"
}
log "built $EE_IMAGE in $((SECONDS - t)) s (ansible-builder; log: build/ee/build.log)"
log "total $((SECONDS - T0)) s"
