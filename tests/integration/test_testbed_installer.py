"""The stand-in aws/install (tests/testbed/fixtures/aws-install) keeps the
official installer's interface: options, layout, symlinks, messages, exit codes.

Most tests use a fake two-file dist/ so they run in milliseconds; one test
installs and upgrades the real AWS CLI from the mirror's zips.
"""

import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from tests.testbed import awscli, paths

INSTALL_SCRIPT = awscli.INSTALL_SCRIPT
# The official script runs under /bin/sh, which is dash on Debian: testing
# with dash keeps bashisms out of the fixture.
SH = shutil.which("dash") or "/bin/sh"


def make_installer(root, version="2.0.0", version_line=None):
    """An unpacked installer tree <root>/aws/{install,dist/} with a fake CLI."""
    aws = root / "aws"
    dist = aws / "dist"
    dist.mkdir(parents=True)
    shutil.copy2(INSTALL_SCRIPT, aws / "install")
    line = version_line or f"aws-cli/{version} Python/3.13.7 Linux/6.1.0 exe/x86_64.debian.12"
    for exe in ("aws", "aws_completer"):
        (dist / exe).write_text(
            textwrap.dedent(f"""\
                #!/bin/sh
                case "$1" in --version) echo "{line}" ;; *) echo "{exe} $*" ;; esac
                """)
        )
        (dist / exe).chmod(0o755)
    (dist / "lib").mkdir()
    (dist / "lib" / "libfake.so").write_bytes(b"\x7fELF fake")
    return aws / "install"


def run_install(installer, *args, cwd=None):
    return subprocess.run(
        [SH, str(installer), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "HOME": str(installer.parent)},
        timeout=300,
        check=False,
    )


@pytest.fixture
def dirs(tmp_path):
    return tmp_path / "aws-cli", tmp_path / "bin"


def install_into(dirs, installer, *args, cwd=None):
    """Run the installer with -i/-b pointing at the test's own directories."""
    install_dir, bin_dir = dirs
    return run_install(installer, "-i", str(install_dir), "-b", str(bin_dir), *args, cwd=cwd)


def assert_installed(install_dir, bin_dir, version):
    v2 = install_dir / "v2"
    vdir = v2 / version
    assert (vdir / "dist" / "aws").is_file()
    assert os.access(vdir / "dist" / "aws", os.X_OK)
    assert (vdir / "dist" / "lib" / "libfake.so").is_file()
    assert os.readlink(vdir / "bin" / "aws") == "../dist/aws"
    assert os.readlink(vdir / "bin" / "aws_completer") == "../dist/aws_completer"
    current = v2 / "current"
    assert current.is_symlink()
    assert Path(os.readlink(current)) == vdir
    assert os.readlink(bin_dir / "aws") == str(v2 / "current" / "bin" / "aws")
    assert os.readlink(bin_dir / "aws_completer") == str(v2 / "current" / "bin" / "aws_completer")
    out = subprocess.run([bin_dir / "aws", "--version"], capture_output=True, text=True, check=True).stdout
    assert out.startswith(f"aws-cli/{version} ")
    # Nothing half-built or temporary may be left beside the real entries.
    assert sorted(p.name for p in v2.iterdir() if p.name.startswith(".") or ".tmp" in p.name) == []
    assert [p.name for p in bin_dir.iterdir() if ".tmp" in p.name] == []


def test_fixture_is_marked_as_test_fixture():
    head = INSTALL_SCRIPT.read_text().splitlines()[:5]
    assert head[0] == "#!/bin/sh"
    assert any("TEST FIXTURE" in line and "NOT Amazon" in line for line in head)
    assert os.access(INSTALL_SCRIPT, os.X_OK)


@pytest.mark.parametrize("style", ["short", "long"])
def test_fresh_install(tmp_path, dirs, style):
    install_dir, bin_dir = dirs
    installer = make_installer(tmp_path / "unpacked")
    flags = (
        ["-i", install_dir, "-b", bin_dir] if style == "short" else ["--install-dir", install_dir, "--bin-dir", bin_dir]
    )
    res = run_install(installer, *map(str, flags))
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == f"You can now run: {bin_dir}/aws --version"
    assert_installed(install_dir, bin_dir, "2.0.0")


def test_update_flag_on_fresh_install_is_fine(tmp_path, dirs):
    install_dir, bin_dir = dirs
    installer = make_installer(tmp_path / "unpacked")
    res = install_into(dirs, installer, "--update")
    assert res.returncode == 0, res.stderr
    assert_installed(install_dir, bin_dir, "2.0.0")


def test_defaults_are_usr_local(tmp_path):
    """Without options it installs to /usr/local/aws-cli and /usr/local/bin.

    Run in a private mount namespace with a tmpfs over /usr/local, so the
    machine's own /usr/local is never touched.
    """
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.fail("needs root and unshare for a private /usr/local")
    installer = make_installer(tmp_path / "unpacked")
    script = textwrap.dedent(f"""\
        set -e
        mount -t tmpfs labcloud-test /usr/local
        {SH} {installer} >/dev/null
        readlink /usr/local/aws-cli/v2/current
        readlink /usr/local/bin/aws
        readlink /usr/local/bin/aws_completer
        /usr/local/bin/aws --version
        """)
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.fail(f"unshare -m not permitted here: {probe.stderr.decode().strip()}")
    res = subprocess.run(
        ["unshare", "-m", "--propagation", "private", "sh", "-c", script],
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines() == [
        "/usr/local/aws-cli/v2/2.0.0",
        "/usr/local/aws-cli/v2/current/bin/aws",
        "/usr/local/aws-cli/v2/current/bin/aws_completer",
        "aws-cli/2.0.0 Python/3.13.7 Linux/6.1.0 exe/x86_64.debian.12",
    ]
    assert not Path("/usr/local/aws-cli/v2/2.0.0").exists()


def test_existing_install_without_update_fails(tmp_path, dirs):
    install_dir, bin_dir = dirs
    assert install_into(dirs, make_installer(tmp_path / "a", "2.0.0")).returncode == 0
    res = install_into(dirs, make_installer(tmp_path / "b", "2.0.1"))
    assert res.returncode == 1
    assert res.stderr.strip() == (
        f"Found preexisting AWS CLI installation: {install_dir}/v2/current. Please rerun install script with --update flag."
    )
    assert not (install_dir / "v2" / "2.0.1").exists()
    assert_installed(install_dir, bin_dir, "2.0.0")


def test_same_version_without_update_also_fails(tmp_path, dirs):
    """Like the official script, the preexisting check comes before the same-version check."""
    install_dir, bin_dir = dirs
    installer = make_installer(tmp_path / "a")
    assert install_into(dirs, installer).returncode == 0
    res = install_into(dirs, installer)
    assert res.returncode == 1
    assert "Found preexisting AWS CLI installation" in res.stderr


def test_same_version_with_update_skips(tmp_path, dirs):
    install_dir, bin_dir = dirs
    installer = make_installer(tmp_path / "a")
    assert install_into(dirs, installer).returncode == 0
    marker = install_dir / "v2" / "2.0.0" / "dist" / "untouched"
    marker.write_text("x")
    res = install_into(dirs, installer, "-u")
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == f"Found same AWS CLI version: {install_dir}/v2/2.0.0. Skipping install."
    assert marker.exists()
    assert_installed(install_dir, bin_dir, "2.0.0")


def test_update_installs_new_version_and_flips_current(tmp_path, dirs):
    install_dir, bin_dir = dirs
    assert install_into(dirs, make_installer(tmp_path / "a", "2.0.0")).returncode == 0
    res = install_into(dirs, make_installer(tmp_path / "b", "2.1.10"), "--update")
    assert res.returncode == 0, res.stderr
    assert_installed(install_dir, bin_dir, "2.1.10")
    # Old versions stay on disk, as with the official installer.
    assert (install_dir / "v2" / "2.0.0" / "dist" / "aws").is_file()


def test_reselecting_an_installed_older_version_is_skipped(tmp_path, dirs):
    """Official behaviour a role must know about: `--update` back to a version
    whose directory exists prints "Skipping install" and leaves `current`
    on the newer version."""
    install_dir, bin_dir = dirs
    old = make_installer(tmp_path / "a", "2.0.0")
    assert install_into(dirs, old).returncode == 0
    new = make_installer(tmp_path / "b", "2.0.1")
    assert install_into(dirs, new, "-u").returncode == 0
    res = install_into(dirs, old, "-u")
    assert res.returncode == 0
    assert "Skipping install" in res.stdout
    assert os.readlink(install_dir / "v2" / "current") == str(install_dir / "v2" / "2.0.1")


def test_update_replaces_foreign_bin_entries(tmp_path, dirs):
    install_dir, bin_dir = dirs
    bin_dir.mkdir()
    (bin_dir / "aws").write_text("#!/bin/sh\necho aws-cli/1.0.0\n")
    (bin_dir / "aws_completer").symlink_to("/nonexistent/aws_completer")
    res = install_into(dirs, make_installer(tmp_path / "a"))
    assert res.returncode == 0, res.stderr
    assert_installed(install_dir, bin_dir, "2.0.0")


def test_relative_dirs_become_absolute(tmp_path):
    installer = make_installer(tmp_path / "unpacked")
    work = tmp_path / "work"
    work.mkdir()
    res = run_install(installer, "-i", "cli", "-b", "bin", cwd=work)
    assert res.returncode == 0, res.stderr
    assert_installed(work / "cli", work / "bin", "2.0.0")


def test_runs_from_any_cwd_and_path(tmp_path, dirs):
    """Callers run it as ./aws/install, aws/install or by absolute path."""
    install_dir, bin_dir = dirs
    make_installer(tmp_path / "unpacked")
    res = install_into(dirs, Path("aws/install"), cwd=tmp_path / "unpacked")
    assert res.returncode == 0, res.stderr
    assert_installed(install_dir, bin_dir, "2.0.0")


@pytest.mark.parametrize(
    "args",
    [["--bogus"], ["-i"], ["--bin-dir"], ["extra"], ["--install-dir=/tmp/x"]],
)
def test_bad_arguments_fail_without_installing(tmp_path, args):
    installer = make_installer(tmp_path / "unpacked")
    res = run_install(installer, *args, cwd=tmp_path)
    assert res.returncode == 1
    assert "USAGE" in res.stderr
    assert not (tmp_path / "x").exists()


def test_help(tmp_path):
    res = run_install(make_installer(tmp_path / "unpacked"), "--help")
    assert res.returncode == 0
    for word in (
        "--install-dir",
        "--bin-dir",
        "--update",
        "/usr/local/aws-cli",
        "/usr/local/bin",
    ):
        assert word in res.stderr


def test_unreadable_version_fails(tmp_path, dirs):
    install_dir, bin_dir = dirs
    installer = make_installer(tmp_path / "a", version_line="Segmentation fault")
    res = install_into(dirs, installer)
    assert res.returncode == 1
    assert "Unable to determine the AWS CLI version" in res.stderr
    assert not install_dir.exists() or not any((install_dir / "v2").glob("*"))


def test_missing_dist_fails(tmp_path, dirs):
    install_dir, bin_dir = dirs
    installer = make_installer(tmp_path / "a")
    shutil.rmtree(installer.parent / "dist")
    res = install_into(dirs, installer)
    assert res.returncode == 1
    assert "dist/aws not found" in res.stderr
    assert not install_dir.exists()


def test_failed_copy_leaves_no_version_dir(tmp_path):
    """A half-copied version would be "skipped" by every later run, so a copy
    that fails (here: a full disk) must leave neither it nor its staging
    directory behind."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.fail("needs root and unshare for a tiny private tmpfs")
    installer = make_installer(tmp_path / "a")
    (installer.parent / "dist" / "lib" / "big.so").write_bytes(os.urandom(1024 * 1024))
    install_dir, bin_dir = tmp_path / "aws-cli", tmp_path / "bin"
    install_dir.mkdir()
    script = textwrap.dedent(f"""\
        mount -t tmpfs -o size=256k labcloud-test {install_dir} || exit 99
        {SH} {installer} -i {install_dir} -b {bin_dir}
        echo "rc=$?"
        ls -A {install_dir}/v2
        """)
    res = subprocess.run(
        ["unshare", "-m", "--propagation", "private", "sh", "-c", script],
        capture_output=True,
        text=True,
        check=False,
    )
    if "rc=" not in res.stdout:
        pytest.fail(f"cannot mount a private tmpfs here: {res.stderr.strip()}")
    assert res.stdout.split() == ["rc=1"], res.stdout
    assert "Failed to copy" in res.stderr
    assert not bin_dir.exists()


def test_real_cli_install_and_update(tmp_path, awscli_dist):
    """The real 2.36.33 zip installs and runs; --update to 2.38.5 flips current."""
    install_dir, bin_dir = tmp_path / "aws-cli", tmp_path / "bin"
    home = tmp_path / "home"
    home.mkdir()
    for version, update in (("2.36.33", []), ("2.38.5", ["--update"])):
        unpacked = tmp_path / f"unpacked-{version}"
        zip_path = awscli.mirror_file(version)
        subprocess.run(["unzip", "-q", str(zip_path), "-d", str(unpacked)], check=True)
        res = subprocess.run(
            [
                "/bin/sh",
                str(unpacked / "aws" / "install"),
                "-i",
                str(install_dir),
                "-b",
                str(bin_dir),
                *update,
            ],
            capture_output=True,
            text=True,
            env={"PATH": "/usr/bin:/bin", "HOME": str(home)},
            timeout=600,
            check=False,
        )
        assert res.returncode == 0, res.stderr
        out = subprocess.run(
            [
                "env",
                "-i",
                "PATH=/usr/bin:/bin",
                f"HOME={home}",
                str(bin_dir / "aws"),
                "--version",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert out.returncode == 0, out.stderr
        assert out.stdout.startswith(f"aws-cli/{version} ")
        assert os.readlink(install_dir / "v2" / "current") == str(install_dir / "v2" / version)
        shutil.rmtree(unpacked)
    assert (install_dir / "v2" / "2.36.33" / "dist" / "aws").is_file()
    assert paths.AWSCLI_LATEST == "2.38.5"
