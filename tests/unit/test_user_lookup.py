"""user_lookup asks the name service in a child with a deadline, so a hung SSSD or LDAP fails the host, not the run."""

import time

import pytest

from ansible_collections.labcloud.aws_sso.plugins.module_utils.as_user_errors import AsUserError
from ansible_collections.labcloud.aws_sso.plugins.modules import user_lookup


def test_the_child_answers_who_exists_and_who_does_not():
    answer = user_lookup.bounded_look_up(["root", "no-such-user-labcloud", "root"], 30)
    assert answer["missing"] == ["no-such-user-labcloud"]
    assert list(answer["users"]) == ["root"]
    assert answer["users"]["root"]["uid"] == 0 and answer["users"]["root"]["home"]


def test_a_name_service_that_never_answers_fails_at_the_deadline(monkeypatch):
    def hung(names):
        time.sleep(300)

    monkeypatch.setattr(user_lookup, "look_up", hung)
    started = time.monotonic()
    with pytest.raises(AsUserError, match=r"did not answer within 1 s \(a hung SSSD, LDAP or NIS server\?\)"):
        user_lookup.bounded_look_up(["root"], 1)
    # The deadline, then at most the sweep of what the lookup left behind.
    assert time.monotonic() - started < 10


@pytest.mark.parametrize(
    ("entries", "names"),
    [
        (["alice", {"user": "bob"}, {"name": "carol"}, {"user": "dan", "name": "x"}], ["alice", "bob", "carol", "dan"]),
        ([{"profiles": []}, "", None, 7], []),
    ],
)
def test_names_are_read_as_aws_sso_users_gives_them(entries, names):
    assert list(user_lookup._names(entries)) == names
