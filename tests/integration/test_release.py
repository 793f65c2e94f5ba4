"""What a release hands to users: the tarball, an install from git, the changelog.

- The tarball `ansible-galaxy collection build` makes holds what a user needs
  (plugins, roles, playbooks, docs, EE metadata) and nothing else.
- `ansible-galaxy collection install git+file://...` works from a clone of
  this repository (the working tree's state committed into a temporary clone;
  this checkout's own git state is only read).
- `antsibull-changelog release`, run on a copy, turns every fragment into
  CHANGELOG.rst and consumes the fragments.
"""

import importlib.util
import json
import os
import re
import shutil
import subprocess
import tarfile

import pytest
import yaml

from tests.testbed.paths import REPO

BIN = REPO / ".venv" / "bin"
# Top-level entries a user's installed collection may have.
ALLOWED_TOP = {
    "MANIFEST.json",
    "FILES.json",
    "README.md",
    "LICENSE",
    "CHANGELOG.rst",
    "meta",
    "plugins",
    "roles",
    "playbooks",
    "docs",
    "changelogs",
}
# Developer material that must never ship, wherever it sits.
FORBIDDEN = re.compile(
    r"(^|/)(__pycache__|\.pytest_cache|\.ruff_cache|\.hypothesis|\.git|\.venv|tests|molecule)(/|$)"
    r"|\.pyc$|\.tar\.gz$|\.orig$|\.rej$|~$"
    r"|^changelogs/fragments(/|$)|^docs/(testing|benchmarks)\.md$|^docs/img(/|$)|\.png$"
)


def _env():
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["ANSIBLE_COLLECTIONS_SCAN_SYS_PATH"] = "False"
    return env


def _run(argv, cwd, **kwargs):
    result = subprocess.run(argv, cwd=cwd, env=_env(), capture_output=True, text=True, check=False, **kwargs)
    assert result.returncode == 0, f"{argv}: {result.stdout[-2000:]}{result.stderr[-2000:]}"
    return result


@pytest.fixture(scope="module")
def tarball(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    _run([str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(out), str(REPO)], REPO)
    (path,) = out.glob("labcloud-aws_sso-*.tar.gz")
    return path


@pytest.fixture(scope="module")
def members(tarball):
    with tarfile.open(tarball) as tar:
        return {m.name.rstrip("/"): m for m in tar.getmembers()}


def test_tarball_holds_only_what_users_need(members):
    names = set(members)
    tops = {n.split("/", 1)[0] for n in names}
    assert tops <= ALLOWED_TOP, sorted(tops - ALLOWED_TOP)
    bad = sorted(n for n in names if FORBIDDEN.search(n))
    assert not bad, bad
    assert not [n for n in names if n.rsplit("/", 1)[-1].startswith(".")], "dotfiles in the tarball"
    # Nothing that points outside or is executable by accident.
    assert not [n for n, m in members.items() if m.issym() or m.islnk()]


def test_tarball_holds_everything_users_need(members):
    names = set(members)
    for part in ("plugins/modules", "plugins/action", "plugins/filter", "plugins/module_utils", "plugins/plugin_utils"):
        for src in (REPO / part).glob("*.py"):
            assert f"{part}/{src.name}" in names, f"{part}/{src.name} missing"
    for src in (REPO / "playbooks").glob("*.yml"):
        assert f"playbooks/{src.name}" in names
    for role in (REPO / "roles").iterdir():
        assert f"roles/{role.name}/meta/argument_specs.yml" in names
    for required in (
        "README.md",
        "LICENSE",
        "meta/runtime.yml",
        "meta/execution-environment.yml",
        "meta/ee-requirements.txt",
        "meta/ee-bindep.txt",
        "docs/docsite/extra-docs.yml",
        "docs/examples/lab.yml",
        "changelogs/changelog.yaml",
        "changelogs/config.yaml",
    ):
        assert required in names, required
    guides = yaml.safe_load((REPO / "docs" / "docsite" / "extra-docs.yml").read_text())["sections"][0]["toctree"]
    for guide in guides:
        assert f"docs/docsite/rst/{guide}.rst" in names, guide
    if (REPO / "CHANGELOG.rst").exists():
        assert "CHANGELOG.rst" in names


def test_ee_metadata_names_files_that_ship(members):
    meta = yaml.safe_load((REPO / "meta" / "execution-environment.yml").read_text())
    for path in meta["dependencies"].values():
        assert path in members, path
    reqs = (REPO / "meta" / "ee-requirements.txt").read_text()
    assert re.search(r"^configupdater\b", reqs, re.M | re.I)


def test_manifest_metadata(tarball):
    with tarfile.open(tarball) as tar:
        info = json.load(tar.extractfile("MANIFEST.json"))["collection_info"]
    for key in ("repository", "documentation", "issues", "homepage"):
        assert info[key] and info[key].startswith("https://"), (key, info[key])
    assert info["license"] == ["MIT"]
    assert len(info["tags"]) >= 5 and all(re.fullmatch(r"[a-z0-9_]+", t) for t in info["tags"]), info["tags"]
    assert info["dependencies"] == {}


def _clone_with_working_tree(dest):
    """A clone of this repository whose last commit is the working tree as it is
    now (modified, new and deleted files); nothing of this checkout's git state
    is changed."""
    _run(["git", "clone", "-q", "--no-hardlinks", str(REPO), str(dest)], dest.parent)
    listed = _run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], REPO).stdout
    wanted = {p for p in listed.split("\0") if p}
    for rel in wanted:
        src = REPO / rel
        if src.is_file() and not src.is_symlink():
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)
        elif not src.exists():
            (dest / rel).unlink(missing_ok=True)
    # A file removed from the index here (git rm, the old side of git mv) is in no listing above.
    committed = _run(["git", "ls-files", "-z"], dest).stdout
    for rel in {p for p in committed.split("\0") if p} - wanted:
        if not (REPO / rel).exists():
            (dest / rel).unlink()
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid", "-C", str(dest)]
    _run([*git, "add", "-A"], dest)
    _run([*git, "commit", "-q", "--allow-empty", "-m", "working tree"], dest)


def test_install_from_git(tmp_path, members):
    clone = tmp_path / "aws_sso"
    _clone_with_working_tree(clone)
    target = tmp_path / "collections"
    _run(
        [str(BIN / "ansible-galaxy"), "collection", "install", "-p", str(target), f"git+file://{clone}"],
        tmp_path,
    )
    root = target / "ansible_collections" / "labcloud" / "aws_sso"
    manifest = json.loads((root / "MANIFEST.json").read_text())
    assert manifest["collection_info"]["version"] == yaml.safe_load((REPO / "galaxy.yml").read_text())["version"]
    installed = {p.relative_to(root).as_posix() for p in root.rglob("*")}
    # The same content as the tarball: build_ignore applies to git installs too.
    assert installed == set(members), sorted(installed ^ set(members))[:20]
    env = {"ANSIBLE_COLLECTIONS_PATH": str(target)}
    result = subprocess.run(
        [str(BIN / "ansible-playbook"), "--syntax-check", "labcloud.aws_sso.setup", "-i", "localhost,"],
        cwd=tmp_path,
        env={**_env(), **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # This checkout's repository was only read.
    assert (clone / ".git").is_dir() and not (REPO / ".git" / "shallow").exists()


def _changelog_tool():
    spec = importlib.util.spec_from_file_location("changelog_tool", REPO / "tests" / "tools" / "changelog.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _words(text):
    """Plain words of a fragment or of reStructuredText, markup stripped."""
    text = re.sub(r"[A-Z]\(([^)]*)\)", r"\1", text)  # C(x), M(x), O(x)...
    return re.findall(r"[A-Za-z0-9_.-]+", text.replace("``", " ").replace("\\", ""))


def test_changelog_release(tmp_path):
    version = yaml.safe_load((REPO / "galaxy.yml").read_text())["version"]
    coll = _changelog_tool().release(tmp_path, version=version, date="2026-01-31")
    rst = (coll / "CHANGELOG.rst").read_text()
    assert rst.splitlines()[1] == "labcloud.aws\\_sso Release Notes", rst[:200]
    assert f"\nv{version}\n" in rst
    flat = " ".join(_words(rst))
    fragments = sorted((REPO / "changelogs" / "fragments").glob("*.y*ml"))
    assert fragments
    for fragment in fragments:
        for section, entries in yaml.safe_load(fragment.read_text()).items():
            if section == "trivial":
                continue
            if section.startswith("add object."):
                # New roles and playbooks: listed by name under their own heading.
                heading = "\nNew %ss\n" % section.split(".", 1)[1].capitalize()
                assert heading in rst, f"{fragment.name}: no {heading.strip()!r} section"
                for entry in entries:
                    line = "labcloud.aws_sso.%s - %s" % (entry["name"], entry["description"])
                    assert " ".join(_words(line)) in flat, f"{fragment.name}: {line!r} not in CHANGELOG.rst"
                continue
            for entry in entries if isinstance(entries, list) else [entries]:
                words = " ".join(_words(entry))
                assert words in flat, f"{fragment.name}: {entry[:80]!r} not in CHANGELOG.rst"
    # The release consumed the fragments and recorded them.
    assert not list((coll / "changelogs" / "fragments").glob("*.y*ml"))
    release = yaml.safe_load((coll / "changelogs" / "changelog.yaml").read_text())["releases"][version]
    assert sorted(release["fragments"]) == sorted(f.name for f in fragments)
    assert release["release_date"] == "2026-01-31"
    # New modules and plugins are listed by name (found by ansible-doc from
    # their version_added; roles would need version_added in argument_specs).
    sections = rst.split("\nNew Modules\n", 1)
    assert len(sections) == 2, "no New Modules section"
    for module in (REPO / "plugins" / "modules").glob("*.py"):
        assert f"labcloud.aws_sso.{module.stem} - " in sections[1], module.stem
    assert "\nNew Plugins\n" in rst
