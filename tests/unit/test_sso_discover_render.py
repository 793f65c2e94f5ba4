"""The vars file discover writes: account ids stay strings for YAML 1.1 and YAML 1.2 readers alike."""

import re

import pytest
import yaml
from ruamel.yaml import YAML

from ansible_collections.labcloud.aws_sso.plugins.action.sso_discover import render

# A leading zero then an 8 or a 9: no number for PyYAML (YAML 1.1), a number for YAML 1.2.
IDS = ["012345678901", "098765432109", "111111111111", "000000000002", "012345670123"]


def rendered(settings=None):
    pairs = [dict(name="p%d" % n, account_id=a, role_name="Dev", region="eu-west-1") for n, a in enumerate(IDS)]
    return render("aws_sso_profiles", "lab", "https://x.awsapps.com/start", pairs, settings or {})


def test_every_account_id_is_quoted_in_the_file():
    text = rendered()
    for account_id in IDS:
        assert re.search(r"^ +sso_account_id: '%s'$" % account_id, text, re.MULTILINE), text


@pytest.mark.parametrize(
    "load",
    [yaml.safe_load, YAML(typ="safe", pure=True).load],
    ids=["pyyaml_1_1", "ruamel_1_2"],
)
def test_every_account_id_reads_back_as_the_same_string(load):
    data = load(rendered(settings={"cli_pager": "", "max_attempts": "10", "ratio": "1.5e3", "hex": "0x1F"}))
    assert [p["sso_account_id"] for p in data["aws_sso_profiles"]] == IDS
    # Any string that looks like a number, not only account ids.
    assert data["aws_sso_profiles"][0]["settings"] == {
        "cli_pager": "",
        "max_attempts": "10",
        "ratio": "1.5e3",
        "hex": "0x1F",
    }


def test_plain_words_stay_unquoted():
    text = rendered()
    assert "sso_role_name: Dev\n" in text and "region: eu-west-1\n" in text
