"""pytest fixtures of the test ground (filled in by the test-ground work)."""

# --- Real AWS CLI and installer mirror (tests/testbed/awscli.py, mirror.py) ---
# Self-contained: the imports sit here so this block stays independent of the
# fixtures added below it.
import pytest as _pytest

from tests.testbed import awscli as _awscli
from tests.testbed import mirror as _mirror
from tests.testbed import paths as _paths

_awscli_built = []


def _ensure_awscli_built():
    # The first test that needs the real CLI pays for the build (about 25 s
    # from an empty cache, well under a second once cached); a file lock in
    # ensure_all keeps xdist workers from building twice.
    if not _awscli_built:
        _awscli.ensure_all()
        _awscli_built.append(True)


@_pytest.fixture(scope="session")
def awscli_dist():
    """dist/ of the real latest AWS CLI v2 (paths.AWSCLI_LATEST), built if missing."""
    _ensure_awscli_built()
    return _paths.awscli_dist(_paths.AWSCLI_LATEST)


@_pytest.fixture(scope="module")
def user_runnable_cli(awscli_dist):
    """The real CLI where throwaway users can run it (/root is closed to them): hard links in a directory of its own."""
    import os
    import shutil
    import tempfile

    base = tempfile.mkdtemp(prefix="lcsso-cli-")
    os.chmod(base, 0o755)
    shutil.copytree(str(awscli_dist), os.path.join(base, "dist"), copy_function=os.link)
    yield os.path.join(base, "dist", "aws")
    shutil.rmtree(base)


@_pytest.fixture(scope="session")
def awscli_mirror():
    """MirrorServer serving paths.MIRROR: .url, .stats(), .reset_stats()."""
    _ensure_awscli_built()
    with _mirror.MirrorServer() as server:
        yield server


# --- end of the AWS CLI block ---


# -- Local Identity Center (tests/testbed/idc.py) -----------------------------
# Self-contained like the block above: its own imports, under its own names,
# so either block can change without touching the other (hence the noqa).
import pytest as _idc_pytest  # noqa: E402

from tests.testbed import idc as _idc  # noqa: E402


@_idc_pytest.fixture(scope="session")
def identity_center():
    """moto (STS) + the local Identity Center on free 127.0.0.1 ports, for
    the whole session. The object carries .env (endpoint variables),
    .directory, .approve(user_code, user), .revoke(user), .expire_tokens(),
    .set_token_lifetime(seconds, user) and .calls()."""
    with _idc.Testbed() as testbed:
        yield testbed


@_idc_pytest.fixture
def sso_cli(tmp_path, identity_center, awscli_dist):
    """A fresh HOME for the real AWS CLI v2 pointed at the local Identity
    Center through a clean environment; per-user lifetime overrides made by
    the test are undone afterwards."""
    yield _idc.CliHome(awscli_dist / "aws", tmp_path / "home", identity_center)
    for user in identity_center.directory["users"]:
        identity_center.set_settings(user=user, token_lifetime=None)


# --- end of the Local Identity Center block ---
