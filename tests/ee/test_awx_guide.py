"""The AWX guide's EE from a tarball or a git repository, followed as written.

The section "From a tarball or a git repository, on a local base image" of
docs/docsite/rst/guide_awx.rst is read from the .rst: its console lines are
run and its YAML files written as they are, with only the guide's ``<...>``
placeholders filled in, from this checkout and from the repository's own
execution-environment.yml (the base image of `make ee`, its Python and its
package manager). `ansible-builder create` then writes the build context, and
the galaxy stage's own install command from the generated Containerfile runs
in that local base image with no network: the collection can only come from
the tarball or the git repository in the context, never from Galaxy.
"""

import json
import os
import re
import shlex
import subprocess
import tarfile
import textwrap

import pytest
import yaml

from tests.testbed.paths import REPO

GUIDE = REPO / "docs" / "docsite" / "rst" / "guide_awx.rst"
SECTION = "From a tarball or a git repository, on a local base image"
BIN = REPO / ".venv" / "bin"
ENV = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"}
# Where the galaxy stage installs collections.
INSTALLED = "/usr/share/ansible/collections/ansible_collections/labcloud/aws_sso"
MARK = "--- installed ---"
FROM_TARBALL = "requirements.yml: the collection from the tarball"
FROM_GIT = "requirements.yml: the collection from the git repository"


def _section(text, title):
    """The lines of one section of the .rst, up to the next title."""
    lines = text.splitlines()
    start = lines.index(title) + 2
    for i in range(start, len(lines) - 1):
        underline = lines[i + 1]
        if lines[i] and underline and set(underline) == {"-"} and len(underline) >= len(lines[i]):
            return lines[start:i]
    return lines[start:]


def _blocks(lines):
    """(language, text) of every code-block, in order."""
    found = []
    for i, line in enumerate(lines):
        match = re.match(r"\.\. code-block:: (\w+)$", line)
        if not match:
            continue
        body = []
        for following in lines[i + 1 :]:
            if following.strip() and not following.startswith("    "):
                break
            body.append(following)
        found.append((match.group(1), textwrap.dedent("\n".join(body)).strip() + "\n"))
    return found


def _git(*args):
    return subprocess.run(["git", *args], capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture(scope="module")
def guide():
    """The section's console commands, and its YAML files by their first
    line (the two requirements.yml say which source they use)."""
    blocks = _blocks(_section(GUIDE.read_text(), SECTION))
    commands = [
        line[2:] for lang, text in blocks if lang == "console" for line in text.splitlines() if line[:2] == "$ "
    ]
    files = {text.splitlines()[0].lstrip("# "): text for lang, text in blocks if lang == "yaml"}
    return commands, files


@pytest.fixture(scope="module")
def values():
    """What each placeholder stands for: this checkout and `make ee`'s base."""
    ee = yaml.safe_load((REPO / "execution-environment.yml").read_text())
    version = yaml.safe_load((REPO / "galaxy.yml").read_text())["version"]
    return {
        "<CHECKOUT>": str(REPO),
        "<BASE_IMAGE>": ee["images"]["base_image"]["name"],
        "<PYTHON>": ee["dependencies"]["python_interpreter"]["python_path"],
        "<PACKAGE_MANAGER>": ee["options"]["package_manager_path"],
        "<TARBALL>": f"labcloud-aws_sso-{version}.tar.gz",
        # A commit, not a branch: it is in the bare clone whatever the
        # checkout's branch is called.
        "<GIT_REF>": _git("-C", str(REPO), "rev-parse", "HEAD"),
    }


@pytest.fixture(scope="module")
def base_image(values):
    image = values["<BASE_IMAGE>"]
    if subprocess.run(["podman", "image", "exists", image], check=False).returncode:
        pytest.fail(f"{image} is missing: run make ee (bash tests/ee/build.sh)")
    return image


def _fill(text, values):
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    left = re.findall(r"<[A-Z_]+>", text)
    assert not left, f"placeholders this test does not fill: {left}"
    return text


def _run(command, cwd):
    argv = shlex.split(command, comments=True)
    result = subprocess.run(argv, cwd=cwd, env=ENV, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, f"$ {command}\n{result.stdout}{result.stderr}"


def _follow(tmp_path, guide, values, requirements):
    """The guide's steps in an empty directory, up to `ansible-builder
    create`; the build context they give."""
    commands, files = guide
    create = [c for c in commands if c.startswith("ansible-builder create")]
    prepare = [c for c in commands if not c.startswith("ansible-builder")]
    assert len(create) == 1 and len(prepare) == 2, commands
    for command in prepare:
        _run(_fill(command, values), tmp_path)
    (tmp_path / "execution-environment.yml").write_text(_fill(files["execution-environment.yml"], values))
    (tmp_path / "requirements.yml").write_text(_fill(files[requirements], values))
    _run(create[0], tmp_path)
    return tmp_path / "context"


def _galaxy_stage(context, image, installed_file):
    """Run the galaxy stage's install command, taken from the generated
    Containerfile, in the base image over the context's _build with no
    network; return one file of the collection it installed."""
    containerfile = (context / "Containerfile").read_text()
    assert f'ARG EE_BASE_IMAGE="{image}"' in containerfile, containerfile
    install = [
        line[4:] for line in containerfile.splitlines() if line.startswith("RUN ") and "collection install" in line
    ]
    assert len(install) == 1, containerfile
    command = install[0].replace("$ANSIBLE_GALAXY_CLI_COLLECTION_OPTS ", "")
    script = f"{command} && echo {MARK} && cat {INSTALLED}/{installed_file}"
    argv = ["podman", "run", "--rm", "--network", "none", "-v", f"{context / '_build'}:/build:ro", "-w", "/build"]
    result = subprocess.run(
        [*argv, image, "sh", "-c", script], capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.split(f"{MARK}\n", 1)[1]


def test_guide_section_has_both_sources(guide):
    commands, files = guide
    assert set(files) == {"execution-environment.yml", FROM_TARBALL, FROM_GIT}, sorted(files)
    definition = yaml.safe_load(files["execution-environment.yml"])
    assert definition["dependencies"]["galaxy"] == "requirements.yml"
    assert definition["additional_build_files"] == [{"src": "collections", "dest": "collections"}]
    assert sum(c.startswith("ansible-builder build") for c in commands) == 1, commands


def test_collection_from_the_tarball(tmp_path, guide, values, base_image):
    context = _follow(tmp_path, guide, values, FROM_TARBALL)
    tarball = tmp_path / "collections" / values["<TARBALL>"]
    copied = context / "_build" / "collections" / values["<TARBALL>"]
    assert copied.read_bytes() == tarball.read_bytes()
    with tarfile.open(tarball) as tar:
        manifest = json.load(tar.extractfile("MANIFEST.json"))
    assert json.loads(_galaxy_stage(context, base_image, "MANIFEST.json")) == manifest


def test_collection_from_the_git_repository(tmp_path, guide, values, base_image):
    context = _follow(tmp_path, guide, values, FROM_GIT)
    ref = values["<GIT_REF>"]
    clone = context / "_build" / "collections" / "aws_sso.git"
    assert _git("--git-dir", str(clone), "cat-file", "-t", ref) == "commit"
    # The commit's README, which the working tree may have changed since.
    readme = _galaxy_stage(context, base_image, "README.md")
    assert readme.strip() == _git("-C", str(REPO), "show", f"{ref}:README.md")
