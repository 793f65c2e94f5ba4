"""Shared pytest set-up: import the collection from this checkout and load the
test-ground fixtures (local Identity Center, mirror, real AWS CLI)."""

import sys

from tests.testbed.paths import REPO

_LINK_ROOT = REPO / "build" / "link"
if str(_LINK_ROOT) not in sys.path:
    sys.path.insert(0, str(_LINK_ROOT))

pytest_plugins = ["tests.testbed.fixtures"]
