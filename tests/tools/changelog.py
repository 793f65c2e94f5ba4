"""Preview the release notes: `antsibull-changelog release` on a copy.

    python tests/tools/changelog.py            # rewrites CHANGELOG.rst (make changelog)
    python tests/tools/changelog.py --keep DIR # also leaves the released copy in DIR

The real release (`antsibull-changelog release` in the checkout) deletes the
fragments and records them in changelogs/changelog.yaml; that is the lead's
step when tagging a version. This runs the very same command on a copy of the
collection, so CHANGELOG.rst can show what the next release will say without
consuming anything.
"""

import argparse
import datetime
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
# What antsibull-changelog reads: galaxy.yml and changelogs/ for the notes,
# the content directories to list new modules, plugins, roles and playbooks.
PARTS = ["galaxy.yml", "changelogs", "plugins", "roles", "playbooks", "meta", "README.md"]


def release(dest_root, version=None, date=None):
    """Copy the collection under DEST_ROOT/ansible_collections/labcloud/aws_sso,
    run the release there and return that directory."""
    coll = Path(dest_root) / "ansible_collections" / "labcloud" / "aws_sso"
    coll.mkdir(parents=True)
    for part in PARTS:
        src = REPO / part
        if src.is_dir():
            shutil.copytree(src, coll / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(src, coll / part)
    version = version or yaml.safe_load((REPO / "galaxy.yml").read_text())["version"]
    date = date or datetime.date.today().isoformat()
    env = dict(os.environ)
    bindir = Path(sys.executable).parent
    env["PATH"] = f"{bindir}{os.pathsep}{env.get('PATH', '')}"
    env["ANSIBLE_COLLECTIONS_PATH"] = str(dest_root)
    for argv in (
        ["lint"],
        ["release", "--version", version, "--date", date],
        ["lint-changelog-yaml", "changelogs/changelog.yaml"],
    ):
        subprocess.run([str(bindir / "antsibull-changelog"), *argv], cwd=coll, env=env, check=True)
    return coll


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", help="directory to leave the released copy in (must not exist)")
    parser.add_argument("--version", help="default: galaxy.yml's version")
    args = parser.parse_args()
    if args.keep:
        coll = release(Path(args.keep), args.version)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            coll = release(Path(tmp), args.version)
            shutil.copy2(coll / "CHANGELOG.rst", REPO / "CHANGELOG.rst")
        print(f"CHANGELOG.rst rewritten (preview of {args.version or 'the galaxy.yml version'})")
        return
    shutil.copy2(coll / "CHANGELOG.rst", REPO / "CHANGELOG.rst")
    print(f"CHANGELOG.rst rewritten; released copy in {coll}")


if __name__ == "__main__":
    main()
