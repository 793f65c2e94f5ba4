#!/usr/bin/env bash
# Run `molecule test` for every scenario under molecule/ (or only the ones
# named), one after another, stopping at the first failure.
#
#   bash tests/testbed/molecule-all.sh [SCENARIO...]
#
# Expects molecule on PATH (the Makefile puts .venv/bin there) and the built
# collection where ANSIBLE_COLLECTIONS_PATH points (default: build/collections,
# filled by `make collection`). The images come from tests/testbed/hosts.sh.
set -euo pipefail

die() {
    echo "molecule-all.sh: ERROR: $*" >&2
    exit 1
}
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$REPO"

command -v molecule >/dev/null || die "molecule is not on PATH: activate .venv or use 'make molecule'"
command -v podman >/dev/null || die "podman is missing: run 'bash tests/testbed/hosts.sh'"
# molecule looks up ansible-config on PATH; a system ansible would mismatch.
[[ "$(command -v ansible-config)" == "$(dirname "$(command -v molecule)")/ansible-config" ]] ||
    die "ansible-config on PATH is not the one beside molecule: activate the venv"

export ANSIBLE_COLLECTIONS_PATH="${ANSIBLE_COLLECTIONS_PATH:-$REPO/build/collections}"
found=0
IFS=: read -r -a coll_dirs <<<"$ANSIBLE_COLLECTIONS_PATH"
for d in "${coll_dirs[@]}"; do
    [[ -f "$d/ansible_collections/labcloud/aws_sso/MANIFEST.json" ]] && found=1
done
((found)) || die "labcloud.aws_sso is not installed under ANSIBLE_COLLECTIONS_PATH=$ANSIBLE_COLLECTIONS_PATH: run 'make collection'"
# Naming the glob ourselves keeps molecule from warning, on every run, that a
# collection's scenarios belong under extensions/molecule.
export MOLECULE_GLOB='molecule/*/molecule.yml'

if (($#)); then
    scenarios=("$@")
else
    scenarios=()
    for f in molecule/*/molecule.yml; do
        [[ -e "$f" ]] || continue
        name=$(basename "$(dirname "$f")")
        [[ "$name" == _* || "$name" == .* ]] && continue
        scenarios+=("$name")
    done
fi
((${#scenarios[@]})) || die "no scenario found under molecule/"
for s in "${scenarios[@]}"; do
    [[ -f "molecule/$s/molecule.yml" ]] || die "no scenario molecule/$s/molecule.yml"
done

# Containers a scenario may have left behind when a previous run was killed:
# the platform names it declares now, plus molecule-labelled containers that
# carry its "<scenario>-" prefix (a platform renamed since) unless another
# scenario declares that name.
leftovers() {
    "$(dirname "$(command -v molecule)")/python" - "$1" <<'PY'
import glob, json, subprocess, sys
import yaml

scenario = sys.argv[1]

def platform_names(path):
    with open(path) as f:
        data = yaml.safe_load(f) or {}
    return {p["name"] for p in data.get("platforms") or [] if isinstance(p, dict) and "name" in p}

own = platform_names(f"molecule/{scenario}/molecule.yml")
others = set()
for path in glob.glob("molecule/*/molecule.yml"):
    if path != f"molecule/{scenario}/molecule.yml":
        others |= platform_names(path)
out = subprocess.run(
    ["podman", "ps", "-a", "--filter", "label=owner=molecule", "--format", "json"],
    check=True, capture_output=True, text=True,
).stdout
existing = set()
for c in json.loads(out or "[]"):
    existing.update(c.get("Names") or [])
stale = own | ({n for n in existing if n.startswith(scenario + "-")} - others)
print("\n".join(sorted(stale)))
PY
}

T_ALL=$(now)
summary=()
for s in "${scenarios[@]}"; do
    mapfile -t names < <(leftovers "$s") || die "cannot list containers of scenario $s"
    for n in "${names[@]}"; do
        [[ -n "$n" ]] || continue
        if podman container exists "$n"; then
            echo "molecule-all.sh: removing leftover container $n"
            podman rm -f "$n" >/dev/null
        fi
    done
    echo "molecule-all.sh: === molecule test -s $s"
    t=$(now)
    rc=0
    molecule test -s "$s" || rc=$?
    line=$(printf '%-24s %7s s  %s' "$s" "$(secs "$t")" "$([[ $rc -eq 0 ]] && echo ok || echo "FAILED (rc $rc)")")
    summary+=("$line")
    echo "molecule-all.sh: $line"
    if ((rc != 0)); then
        printf 'molecule-all.sh: %s\n' "${summary[@]}" >&2
        die "scenario $s failed; later scenarios were not run"
    fi
done
echo "molecule-all.sh: --- summary"
printf 'molecule-all.sh: %s\n' "${summary[@]}"
echo "molecule-all.sh: all ${#scenarios[@]} scenario(s) passed in $(secs "$T_ALL") s"
