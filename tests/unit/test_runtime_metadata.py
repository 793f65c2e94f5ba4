"""meta/runtime.yml claims the ansible-core versions that are tested, and each has its sanity ignore file."""

import re

import ansible.release
import pytest
import yaml
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from tests.testbed.paths import REPO

SANITY = REPO / "tests" / "sanity"
IGNORE_FILE = re.compile(r"^ignore-(\d+)\.(\d+)\.txt$")
# Far beyond any ansible-core release: a version this high being claimed means the range has no end.
BEYOND = Version("2.999.0")


def requires_ansible():
    return SpecifierSet(yaml.safe_load((REPO / "meta" / "runtime.yml").read_text())["requires_ansible"])


def claimed_minors(specifier):
    """Each X.Y of which some release X.Y.Z lies in specifier (ansible-core is 2.x)."""
    return {
        (2, minor)
        for minor in range(100)
        if any(Version("2.%d.%d" % (minor, patch)) in specifier for patch in range(50))
    }


def ignore_file_minors():
    return {
        (int(match.group(1)), int(match.group(2)))
        for match in (IGNORE_FILE.match(path.name) for path in SANITY.iterdir())
        if match
    }


def test_the_claim_is_bounded():
    assert BEYOND not in requires_ansible(), (
        "requires_ansible has no upper bound: it claims every future ansible-core, which nothing tests"
    )


def test_every_claimed_version_has_an_ignore_file_and_no_other_has_one():
    claimed = claimed_minors(requires_ansible())
    present = ignore_file_minors()
    missing = ["tests/sanity/ignore-%d.%d.txt" % minor for minor in sorted(claimed - present)]
    extra = ["tests/sanity/ignore-%d.%d.txt" % minor for minor in sorted(present - claimed)]
    assert not missing, "requires_ansible claims these, copy the newest ignore file to them: %s" % missing
    assert not extra, "requires_ansible does not claim these; remove them or widen it: %s" % extra
    assert claimed


def pinned_cores():
    """The ansible-core of each controller venv: requirements.txt (every suite), requirements-next.txt (make compat)."""
    return {
        name: Version(re.search(r"^ansible-core==(\S+)$", (REPO / name).read_text(), re.M).group(1))
        for name in ("requirements.txt", "requirements-next.txt")
    }


def test_the_tested_ansible_core_is_claimed():
    for name, pinned in pinned_cores().items():
        assert pinned in requires_ansible(), "%s pins ansible-core %s, which requires_ansible does not claim" % (
            name,
            pinned,
        )
    assert Version(ansible.release.__version__) in requires_ansible()


def test_every_claimed_version_is_tested_on_a_pin():
    tested = {(pinned.major, pinned.minor) for pinned in pinned_cores().values()}
    untested = sorted(claimed_minors(requires_ansible()) - tested)
    assert not untested, "requires_ansible claims %s, which no requirements file pins and no suite runs" % untested


def test_the_roles_ask_for_the_same_minimum():
    lowest = min(claimed_minors(requires_ansible()))
    for meta in sorted((REPO / "roles").glob("*/meta/main.yml")):
        declared = yaml.safe_load(meta.read_text())["galaxy_info"]["min_ansible_version"]
        assert Version(declared) == Version("%d.%d" % lowest), meta


@pytest.mark.parametrize("ignore", sorted(SANITY.glob("ignore-*.txt")), ids=lambda path: path.name)
def test_every_ignore_entry_names_a_file_that_exists(ignore):
    # ansible-test fails on an entry for a file that is gone, in each version's run.
    for line in ignore.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            assert (REPO / line.split()[0]).is_file(), line


def test_claimed_minors_reads_ranges_as_ansible_galaxy_would():
    assert claimed_minors(SpecifierSet(">=2.19.0,<2.20.0")) == {(2, 19)}
    assert claimed_minors(SpecifierSet(">=2.18.5,<2.20.0")) == {(2, 18), (2, 19)}
    assert claimed_minors(SpecifierSet(">=2.16.0,!=2.17.*,<2.19")) == {(2, 16), (2, 18)}


def _runtime():
    return yaml.safe_load((REPO / "meta" / "runtime.yml").read_text())


def _module_exists(name):
    return (REPO / "plugins" / "modules" / (name + ".py")).is_file()


def test_every_old_module_name_redirects_to_a_module_of_this_collection_with_a_deprecation():
    routing = _runtime()["plugin_routing"]["modules"]
    assert {"sso_identity", "sso_assignments"} <= set(routing)
    for old, route in routing.items():
        target = route["redirect"]
        collection, _, new = target.rpartition(".")
        assert collection == "labcloud.aws_sso", "%s redirects out of the collection: %s" % (old, target)
        assert _module_exists(new), "%s redirects to %s, which has no plugins/modules/%s.py" % (old, target, new)
        assert not _module_exists(old), "plugins/modules/%s.py still exists and would shadow its redirect" % old
        deprecation = route["deprecation"]
        assert target in deprecation["warning_text"], "%s's warning must name %s" % (old, target)
        assert Version(deprecation["removal_version"]) > Version(
            yaml.safe_load((REPO / "galaxy.yml").read_text())["version"]
        )


def test_action_groups_list_current_module_names_only():
    groups = _runtime()["action_groups"]
    names = [entry for members in groups.values() for entry in members if isinstance(entry, str)]
    missing = [name for name in names if not _module_exists(name)]
    assert not missing, "action_groups names modules that do not exist: %s" % missing
    assert {"sso_identity_info", "sso_portal_access_info"} <= set(groups["user_bounds"])
