#!/usr/bin/env bash
# Test hosts for the test ground: rootful podman plus local Debian 12 (bookworm)
# and Debian 13 (trixie) images built with debootstrap, because this kind of
# machine reaches no container registry, only the Debian mirror it uses itself;
# and a Debian 12 arm64 image run under qemu-user through binfmt_misc.
#
#   bash tests/testbed/hosts.sh [--rebuild] [NAME...]
#
# Idempotent: packages, configuration and images that are already in place are
# kept; --rebuild rebuilds the images anyway. NAMEs (keys of paths.IMAGES and
# paths.FOREIGN_IMAGES, such as bookworm-arm64) limit the images built and
# checked; default all. Needs root (rootful podman, debootstrap, apt,
# binfmt_misc). See docs/testing.md, "Test hosts".
set -euo pipefail

REBUILD=0
ONLY=()
for arg in "$@"; do
    case "$arg" in
        --rebuild) REBUILD=1 ;;
        -h | --help)
            sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        -*)
            echo "hosts.sh: unknown argument: $arg (usage: hosts.sh [--rebuild] [NAME...])" >&2
            exit 2
            ;;
        *) ONLY+=("$arg") ;;
    esac
done

die() {
    echo "hosts.sh: ERROR: $*" >&2
    exit 1
}
log() { echo "hosts.sh: $*"; }

now() { date +%s.%N; }
# Prints "<label>: <seconds> s" for a step that started at $1.
took() { awk -v a="$1" -v b="$(now)" -v l="$2" 'BEGIN { printf "hosts.sh: %-36s %6.1f s\n", l ":", b - a }'; }

[[ $EUID -eq 0 ]] || die "run as root: rootful podman, debootstrap and apt-get need it"
[[ -r /etc/debian_version ]] || die "this needs a Debian host (apt-get, debootstrap)"
command -v python3 >/dev/null || die "python3 is missing (needed to read tests/testbed/paths.py)"

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# The cache location and image names come from the shared contract so every
# test-ground script agrees on them.
# Per image NAME: IMAGE_OF (tag), CODENAME_OF, ARCH_OF (empty: this machine's).
declare -A IMAGE_OF=() CODENAME_OF=() ARCH_OF=()
contract=$(cd "$REPO" && PYTHONDONTWRITEBYTECODE=1 python3 -c '
import shlex
from tests.testbed import paths
print("CACHE=" + shlex.quote(str(paths.CACHE)))
specs = [(name, name, "", image) for name, image in paths.IMAGES.items()]
specs += [(name, *spec) for name, spec in paths.FOREIGN_IMAGES.items()]
for name, codename, arch, image in specs:
    q = shlex.quote
    print(f"IMAGE_OF[{q(name)}]={q(image)} CODENAME_OF[{q(name)}]={q(codename)} ARCH_OF[{q(name)}]={q(arch)}")
print("NAMES=" + shlex.quote(" ".join(s[0] for s in specs)))
') || die "cannot read tests/testbed/paths.py"
eval "$contract"
if ((${#ONLY[@]})); then
    for name in "${ONLY[@]}"; do
        [[ -n "${IMAGE_OF[$name]:-}" ]] || die "unknown image $name; known: $NAMES"
    done
    NAMES="${ONLY[*]}"
fi
FOREIGN=0
for name in $NAMES; do
    [[ -z "${ARCH_OF[$name]}" ]] || FOREIGN=1
done

T_ALL=$(now)

# ---------------------------------------------------------------- packages --
# zsh and fish: the shell_env tests run the real shells as throwaway users.
PACKAGES=(podman runc debootstrap zip unzip gnupg curl zsh fish)
# Static, so that the binfmt_misc handler needs nothing from the guest's root.
((FOREIGN == 0)) || PACKAGES+=(qemu-user-static)
t=$(now)
missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
if ((${#missing[@]})); then
    export DEBIAN_FRONTEND=noninteractive
    apt_install() {
        apt-get install -y -q -o Dpkg::Use-Pty=0 --no-install-recommends "${missing[@]}" >"$1" 2>&1
    }
    updated=0
    # Lists that are absent or a day old would often name superseded .debs.
    if [[ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -1440 -print -quit 2>/dev/null)" ]]; then
        log "apt-get update"
        apt-get update -q >/tmp/hosts-apt-update.log 2>&1 || {
            tail -n 20 /tmp/hosts-apt-update.log >&2
            die "apt-get update failed (log: /tmp/hosts-apt-update.log)"
        }
        updated=1
    fi
    log "installing ${missing[*]}"
    if ! apt_install /tmp/hosts-apt-install.log; then
        if ((updated)); then
            tail -n 20 /tmp/hosts-apt-install.log >&2
            die "apt-get install failed (log: /tmp/hosts-apt-install.log)"
        fi
        log "install failed with the current package lists; apt-get update and retry"
        apt-get update -q >/tmp/hosts-apt-update.log 2>&1 || die "apt-get update failed (log: /tmp/hosts-apt-update.log)"
        apt_install /tmp/hosts-apt-install.log || {
            tail -n 20 /tmp/hosts-apt-install.log >&2
            die "apt-get install failed (log: /tmp/hosts-apt-install.log)"
        }
    fi
fi
took "$t" "packages (${#missing[@]} to install)"

# ----------------------------------------------------- containers settings --
# A drop-in leaves /etc/containers/containers.conf (and anything an admin put
# there) untouched while overriding just these keys, since drop-ins load after
# it. Why each key: crun 1.8 refuses this VM's hybrid cgroup layout; the
# systemd cgroup manager and the journald event logger need a systemd session
# that containers here do not have; root lacks CAP_SYS_RESOURCE, so podman's
# default ulimits (above the hard limit) would make every container fail.
t=$(now)
DROPIN_DIR=/etc/containers/containers.conf.d
DROPIN=$DROPIN_DIR/50-labcloud-testbed.conf
read -r -d '' CONF <<'EOF' || true
# Written by labcloud.aws_sso tests/testbed/hosts.sh; rewritten on every run.
[containers]
default_ulimits = ["nofile=16384:16384", "nproc=16384:16384"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
mkdir -p "$DROPIN_DIR"
if [[ "$(cat "$DROPIN" 2>/dev/null)" != "$CONF" ]]; then
    printf '%s\n' "$CONF" >"$DROPIN.tmp" && mv "$DROPIN.tmp" "$DROPIN"
    log "wrote $DROPIN"
fi
# Fail here, not in some later container run, if podman ignores the settings.
got=$(podman info --format '{{.Host.OCIRuntime.Name}} {{.Host.CgroupManager}} {{.Host.EventLogger}}' 2>&1) ||
    die "podman info failed: $got"
[[ "$got" == "runc cgroupfs file" ]] ||
    die "podman does not use the settings of $DROPIN (got: $got); check CONTAINERS_CONF and ~/.config/containers"
took "$t" "containers configuration"

# --------------------------------------------------------------- emulation --
# arm64 images run on this machine under qemu-aarch64-static through
# binfmt_misc. Registered with the package's own line (magic, mask,
# interpreter), which carries F: the kernel opens the interpreter once, here,
# so it works inside containers and chroots that have no qemu of their own.
# A handler registered otherwise (no F, a dynamic qemu, disabled) is replaced.
if ((FOREIGN)); then
    t=$(now)
    BINFMT=/proc/sys/fs/binfmt_misc
    BINFMT_CONF=/usr/lib/binfmt.d/qemu-aarch64.conf
    if [[ ! -e $BINFMT/register ]]; then
        mount -t binfmt_misc binfmt_misc $BINFMT ||
            die "cannot mount binfmt_misc on $BINFMT (a container without it cannot run the arm64 host)"
        log "mounted binfmt_misc on $BINFMT"
    fi
    [[ -r $BINFMT_CONF ]] || die "$BINFMT_CONF is missing: is qemu-user-static installed?"
    # :name:type:offset:magic:mask:interpreter:flags
    IFS=: read -r _ binfmt_name _ _ _ _ binfmt_interp binfmt_flags <"$BINFMT_CONF"
    [[ "$binfmt_flags" == *F* ]] || die "$BINFMT_CONF does not ask for the F flag (got '$binfmt_flags')"
    binfmt_ok() { # whether the registered handler is ours, enabled and fixed
        local entry=$BINFMT/$binfmt_name
        [[ -r $entry ]] &&
            grep -qx enabled "$entry" &&
            grep -qx "interpreter $binfmt_interp" "$entry" &&
            grep -q '^flags: .*F' "$entry"
    }
    if ! binfmt_ok; then
        if [[ -e $BINFMT/$binfmt_name ]]; then
            log "replacing the binfmt_misc handler $binfmt_name: $(tr '\n' ' ' <"$BINFMT/$binfmt_name")"
            echo -1 >"$BINFMT/$binfmt_name"
        fi
        # One write of the whole line: the kernel parses each write separately.
        printf '%s' "$(cat "$BINFMT_CONF")" >"$BINFMT/register" ||
            die "registering $BINFMT_CONF with binfmt_misc failed"
        binfmt_ok || die "binfmt_misc handler $binfmt_name is not what $BINFMT_CONF registers"
        log "registered binfmt_misc handler $binfmt_name ($binfmt_interp, flags $binfmt_flags)"
    fi
    took "$t" "binfmt_misc (aarch64)"
fi

# ------------------------------------------------------------------ mirror --
# The images use the Debian mirror this machine itself is configured with.
# LABCLOUD_DEBIAN_MIRROR / LABCLOUD_DEBIAN_SECURITY_MIRROR override it.
find_mirrors() {
    python3 - <<'PY'
import glob, re

entries = []  # (uri, suites, components)

def one_line(path):
    for line in open(path, encoding="utf-8", errors="replace"):
        line = line.split("#", 1)[0].strip()
        if not line.startswith("deb "):
            continue
        line = re.sub(r"\[[^]]*\]", " ", line[4:])
        words = line.split()
        if len(words) >= 3:
            entries.append((words[0], [words[1]], words[2:]))

def deb822(path):
    text = open(path, encoding="utf-8", errors="replace").read()
    for stanza in re.split(r"\n\s*\n", text):
        fields, key = {}, None
        for line in stanza.splitlines():
            if line.startswith("#") or not line.strip():
                continue
            if line[0].isspace() and key:
                fields[key] += " " + line.strip()
                continue
            key, _, value = line.partition(":")
            key = key.strip().lower()
            fields[key] = value.strip()
        if "deb" not in fields.get("types", "").split():
            continue
        if fields.get("enabled", "yes").lower() == "no":
            continue
        for uri in fields.get("uris", "").split():
            entries.append((uri, fields.get("suites", "").split(), fields.get("components", "").split()))

for path in ["/etc/apt/sources.list"] + sorted(glob.glob("/etc/apt/sources.list.d/*.list")):
    try:
        one_line(path)
    except OSError:
        pass
for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
    deb822(path)

codename = ""
for line in open("/etc/os-release"):
    if line.startswith("VERSION_CODENAME="):
        codename = line.split("=", 1)[1].strip().strip('"')

main = security = ""
for uri, suites, comps in entries:
    if "main" not in comps:
        continue
    if not main and (codename in suites or any(s in ("stable", "bookworm", "trixie") for s in suites)):
        main = uri
    if not security and any(s.endswith("-security") or s.endswith("/updates") for s in suites):
        security = uri
print(main.rstrip("/"), security.rstrip("/"))
PY
}
read -r MIRROR SECURITY_MIRROR <<<"$(find_mirrors)" || true
MIRROR=${LABCLOUD_DEBIAN_MIRROR:-$MIRROR}
SECURITY_MIRROR=${LABCLOUD_DEBIAN_SECURITY_MIRROR:-$SECURITY_MIRROR}

# ------------------------------------------------------------------ images --
build_image() { # name workdir
    local name=$1 work=$2 t root="$2/rootfs"
    local codename=${CODENAME_OF[$1]} image=${IMAGE_OF[$1]} arch=${ARCH_OF[$1]}
    # zsh and fish: shell_env scenarios check what each shell reads.
    local include=python3,sudo,ca-certificates,unzip,gnupg,curl,procps,zsh,fish
    # Another architecture: unpack only, then let the guest's own binaries
    # configure themselves under emulation (binfmt_misc, registered above).
    local foreign=()
    [[ -z "$arch" ]] || foreign=(--arch="$arch" --foreign)
    t=$(now)
    {
        debootstrap "${foreign[@]}" --variant=minbase --include="$include" "$codename" "$root" "$MIRROR" &&
            if [[ -n "$arch" ]]; then chroot "$root" /debootstrap/debootstrap --second-stage; fi
    } >"$work/debootstrap.log" 2>&1 || {
        tail -n 25 "$work/debootstrap.log" >&2
        [[ -f "$root/debootstrap/debootstrap.log" ]] && tail -n 25 "$root/debootstrap/debootstrap.log" >&2
        echo "hosts.sh: ERROR: debootstrap $name from $MIRROR failed" >&2
        return 1
    }
    took "$t" "$name: debootstrap"

    t=$(now)
    # deb822 sources like a stock Debian 12/13 install; the one-line file
    # debootstrap writes would be a second, conflicting definition.
    rm -f "$root/etc/apt/sources.list"
    {
        printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main\n' "$MIRROR" "$codename" "$codename"
        printf 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n'
        if [[ -n "$SECURITY_MIRROR" ]]; then
            printf '\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\n' "$SECURITY_MIRROR" "$codename"
            printf 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n'
        fi
    } >"$root/etc/apt/sources.list.d/debian.sources"
    # Packages installed in a container must not try to start daemons.
    printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
    chmod 0755 "$root/usr/sbin/policy-rc.d"
    # HTTPS from inside may pass an intercepting proxy whose CA only the host
    # trusts.
    if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
        cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
    fi
    chroot "$root" update-ca-certificates >"$work/update-ca.log" 2>&1 || {
        cat "$work/update-ca.log" >&2
        echo "hosts.sh: ERROR: update-ca-certificates failed in the $name image" >&2
        return 1
    }
    # No aarch64 AWS CLI can be fetched here: the test mirror's aarch64 zip
    # holds this machine's build, which the guest runs natively (the kernel
    # is this machine's) given this machine's libc and zlib, installed
    # multiarch. docs/testing.md says what that leaves unproven.
    if [[ -n "$arch" ]]; then
        chroot "$root" sh -c "dpkg --add-architecture $NATIVE_ARCH && apt-get update -q &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
                libc6:$NATIVE_ARCH zlib1g:$NATIVE_ARCH" >"$work/multiarch.log" 2>&1 || {
            tail -n 25 "$work/multiarch.log" >&2
            echo "hosts.sh: ERROR: installing libc6:$NATIVE_ARCH in the $name image failed" >&2
            return 1
        }
    fi
    chroot "$root" apt-get clean
    # Empty lists with an old mtime: Ansible's apt cache_valid_time looks at
    # that mtime and would otherwise trust a cache that holds nothing.
    find "$root/var/lib/apt/lists" -mindepth 1 -delete
    touch -d 2000-01-01 "$root/var/lib/apt/lists"
    rm -rf "$root/debootstrap" "$root/var/log/bootstrap.log"
    # podman supplies these at run time; the build host's copies do not belong
    # in an image.
    : >"$root/etc/resolv.conf"
    echo localhost >"$root/etc/hostname"
    took "$t" "$name: configure rootfs"

    t=$(now)
    local previous
    previous=$(podman image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
    # Without SIGKILL every container removal waits out the 10 s stop timeout
    # (sleep as PID 1 ignores SIGTERM).
    tar --numeric-owner -C "$root" -cf - . |
        podman import -q \
            --change 'CMD ["sleep","infinity"]' \
            --change 'STOPSIGNAL SIGKILL' \
            --change "LABEL labcloud.recipe=$RECIPE" \
            --message "labcloud testbed: debootstrap $codename ${arch:-$NATIVE_ARCH} from the host's mirror" \
            - "$image" >/dev/null || {
        echo "hosts.sh: ERROR: tar | podman import of $image failed" >&2
        return 1
    }
    # The image a rebuild replaced would linger untagged; containers still
    # running it keep it (podman refuses then, which is fine).
    if [[ -n "$previous" && "$previous" != "$(podman image inspect --format '{{.Id}}' "$image")" ]]; then
        podman image rm "$previous" >/dev/null 2>&1 || true
    fi
    took "$t" "$name: tar | podman import"
}

# An image records the recipe it was built from; one built from another
# recipe (a package added to --include, say) is rebuilt, so a machine that
# kept an older image gets what the tests now expect.
RECIPE=$(declare -f build_image | sha256sum | cut -c1-16)
NATIVE_ARCH=$(dpkg --print-architecture)
todo=()
for c in $NAMES; do
    if ((REBUILD)) || ! podman image exists "${IMAGE_OF[$c]}"; then
        todo+=("$c")
    elif [[ "$(podman image inspect --format '{{index .Labels "labcloud.recipe"}}' "${IMAGE_OF[$c]}")" != "$RECIPE" ]]; then
        log "rebuilding ${IMAGE_OF[$c]}: built from an older recipe"
        todo+=("$c")
    else
        log "reusing ${IMAGE_OF[$c]} (--rebuild rebuilds it)"
    fi
done

if ((${#todo[@]})); then
    [[ -n "$MIRROR" ]] || die "no Debian mirror found in /etc/apt/sources.list{,.d/*}; set LABCLOUD_DEBIAN_MIRROR"
    for c in "${todo[@]}"; do
        [[ -e "/usr/share/debootstrap/scripts/${CODENAME_OF[$c]}" ]] ||
            die "this debootstrap does not know ${CODENAME_OF[$c]}; upgrade debootstrap"
    done
    log "building ${todo[*]} from $MIRROR (security: ${SECURITY_MIRROR:-none})"

    mkdir -p "$CACHE"
    # One build at a time per machine: two runs would fight over image tags.
    exec 9>"$CACHE/hosts.lock"
    flock -w 1800 9 || die "another hosts.sh holds $CACHE/hosts.lock"

    WORK=$(mktemp -d "$CACHE/hosts-build.XXXXXX")
    cleanup() {
        # A failed debootstrap can leave proc/sys mounted inside the target;
        # unmount them before deleting, and never cross into another file
        # system while deleting.
        local m
        if [[ -n "${WORK:-}" && -d "$WORK" ]]; then
            while read -r m; do
                umount -l "$m" 2>/dev/null || true
            done < <(awk -v w="$WORK/" 'index($2, w) == 1 { print $2 }' /proc/mounts | sort -r)
            rm -rf --one-file-system "$WORK"
        fi
    }
    trap cleanup EXIT
    trap 'exit 130' INT TERM

    # The builds share nothing but the mirror and podman's locked store,
    # and each is mostly waiting on downloads and disk: run them side by side.
    t=$(now)
    declare -A PID_OF=()
    for c in "${todo[@]}"; do
        mkdir -p "$WORK/$c"
        build_image "$c" "$WORK/$c" &
        PID_OF[$c]=$!
    done
    failed=()
    for c in "${todo[@]}"; do
        wait "${PID_OF[$c]}" || failed+=("$c")
    done
    ((${#failed[@]} == 0)) || die "building ${failed[*]} failed (see the messages above)"
    took "$t" "images built (${todo[*]})"
fi

# ------------------------------------------------------------------- check --
# A quick run of each image proves runtime, cgroups and ulimits settings work
# together before any scenario depends on them.
t=$(now)
for c in $NAMES; do
    out=$(podman run --rm --network host "${IMAGE_OF[$c]}" \
        sh -c '. /etc/os-release && echo "$VERSION_CODENAME" && python3 -c "import platform, sys; print(sys.version.split()[0], platform.machine())"' 2>&1) ||
        die "a container of ${IMAGE_OF[$c]} does not run: $out"
    read -r -d '' got_codename got_python got_machine <<<"$out" || true
    [[ "$got_codename" == "${CODENAME_OF[$c]}" ]] ||
        die "${IMAGE_OF[$c]} reports release '$got_codename', expected ${CODENAME_OF[$c]}"
    want_machine=$(uname -m)
    [[ "${ARCH_OF[$c]}" != arm64 ]] || want_machine=aarch64
    [[ "$got_machine" == "$want_machine" ]] ||
        die "python3 in ${IMAGE_OF[$c]} runs as '$got_machine', expected $want_machine"
    size=$(podman image inspect --format '{{.Size}}' "${IMAGE_OF[$c]}")
    log "$(printf '%-42s %s, python %s on %s, %d MB' "${IMAGE_OF[$c]}" "${CODENAME_OF[$c]}" "$got_python" "$got_machine" $((size / 1000000)))"
done
took "$t" "smoke run of each image"
took "$T_ALL" "total"
