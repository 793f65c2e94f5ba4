"""The docs-site guides name only variables the collection knows: a guide must not teach a typo."""

import re

import pytest

from ansible_collections.labcloud.aws_sso.plugins.plugin_utils import known_vars
from tests.testbed.paths import REPO

KNOWN = known_vars.known_names(REPO)
# The namespaces the checks cover, and the playbooks' own (logout_*, discover_*, aws_config_*).
VARIABLE = re.compile(r"(?<![\w.-])((?:aws_sso|awscli|verify|login|logout|discover|aws_config)_[a-z0-9_]+)\b")
# Words of those namespaces that are no variables: statuses, the typos guides show on purpose, and
# the job artifact guide_awx publishes with set_stats.
NOT_VARIABLES = {"login_required", "aws_sso_default_profle", "awscli_verison", "aws_sso_report"}
GUIDES = sorted((REPO / "docs" / "docsite" / "rst").glob("guide_*.rst"))


def named_variables(text):
    # Not inside a URL, a path or a module's option (labcloud.aws_sso.x, O(...)).
    return set(VARIABLE.findall(text)) - NOT_VARIABLES


@pytest.mark.parametrize("guide", GUIDES, ids=[g.stem for g in GUIDES])
def test_every_variable_a_guide_names_exists(guide):
    assert named_variables(guide.read_text()) - KNOWN == set()


def test_the_own_lab_guide_names_the_mirror_key_and_endpoint_variables():
    named = named_variables((REPO / "docs" / "docsite" / "rst" / "guide_own_lab.rst").read_text())
    assert {
        "awscli_base_url",
        "awscli_gpg_key_src",
        "awscli_gpg_fingerprint",
        "aws_sso_services",
        "aws_sso_env",
        "verify_cli_environment",
        "login_cli_environment",
        "logout_cli_environment",
        "aws_sso_hosts",
    } <= named


def test_a_misspelt_variable_would_be_caught():
    assert named_variables("set ``awscli_gpg_fingerprnt`` to") - KNOWN == {"awscli_gpg_fingerprnt"}
