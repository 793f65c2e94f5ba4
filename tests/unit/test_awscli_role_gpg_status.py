"""The gpg_status filter decides whether an AWS CLI installer may be installed."""

import os
import shutil
import subprocess

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.labcloud.aws_sso.plugins.filter.gpg_status import FilterModule, gpg_status

AWS = "FB5DB77FD5C118B80511ADA8A6310ACC4672475C"
SUBKEY = "1111222233334444555566667777888899990000"
OTHER = "B92450D7910D896D842765934B5F7868A8EE55DD"


def validsig(signer, primary=None):
    tail = f" {primary}" if primary else ""
    return f"[GNUPG:] VALIDSIG {signer} 2026-11-22 1795320902 0 4 0 1 10 00{tail}"


GOOD = "\n".join(
    [
        "[GNUPG:] NEWSIG",
        f"[GNUPG:] KEY_CONSIDERED {AWS} 0",
        "[GNUPG:] SIG_ID abc 2026-11-22 1795320902",
        "[GNUPG:] GOODSIG A6310ACC4672475C AWS CLI Team <aws-cli@amazon.com>",
        validsig(AWS, AWS),
        "[GNUPG:] TRUST_UNDEFINED 0 pgp",
    ]
)


def test_good_signature_by_the_configured_key():
    v = gpg_status(GOOD, AWS)
    assert v == {"valid": True, "fingerprint": AWS, "reason": f"good signature by {AWS}"}


def test_fingerprint_may_be_written_with_spaces_and_lower_case():
    assert gpg_status(GOOD, "fb5d b77f d5c1 18b8 0511  ada8 a631 0acc 4672 475c")["valid"]


def test_signature_by_a_subkey_counts_for_its_primary_key():
    text = GOOD.replace(validsig(AWS, AWS), validsig(SUBKEY, AWS))
    assert gpg_status(text, AWS)["valid"]


def test_good_signature_by_another_key_is_rejected():
    text = GOOD.replace(AWS, OTHER)
    v = gpg_status(text, AWS)
    assert not v["valid"]
    assert OTHER in v["reason"] and "not by the configured key" in v["reason"]


def test_bad_signature_is_rejected():
    text = "[GNUPG:] NEWSIG\n[GNUPG:] BADSIG A6310ACC4672475C AWS CLI Team\n[GNUPG:] FAILURE gpg-exit 33554433\n"
    v = gpg_status(text, AWS)
    assert not v["valid"] and "BAD signature" in v["reason"]


def test_expired_key_is_rejected_even_with_validsig():
    # gpg still prints VALIDSIG for a signature made by an expired key and
    # can exit 0: only the EXPKEYSIG line tells.
    text = GOOD.replace("GOODSIG", "EXPKEYSIG")
    v = gpg_status(text, AWS)
    assert not v["valid"] and "expired" in v["reason"]


def test_revoked_key_is_rejected():
    assert not gpg_status(GOOD + "\n[GNUPG:] REVKEYSIG A6310ACC4672475C x", AWS)["valid"]


def test_unknown_signer_is_rejected_with_its_key_id():
    text = (
        "[GNUPG:] NEWSIG\n"
        f"[GNUPG:] ERRSIG 4B5F7868A8EE55DD 22 8 00 1795320902 9 {OTHER}\n"
        "[GNUPG:] NO_PUBKEY 4B5F7868A8EE55DD\n"
    )
    v = gpg_status(text, AWS)
    assert not v["valid"] and "4B5F7868A8EE55DD" in v["reason"]


@pytest.mark.parametrize("text", ["", "[GNUPG:] NODATA 2\n[GNUPG:] FAILURE verify 4294967295\n", "gpg: no signature"])
def test_missing_signature_is_rejected(text):
    v = gpg_status(text, AWS)
    assert not v["valid"] and "no signature" in v["reason"]


def test_a_second_bad_signature_spoils_a_good_one():
    text = GOOD + "\n[GNUPG:] NEWSIG\n[GNUPG:] BADSIG 4B5F7868A8EE55DD x\n"
    assert not gpg_status(text, AWS)["valid"]


def test_goodsig_without_validsig_is_not_enough():
    text = "\n".join(line for line in GOOD.splitlines() if "VALIDSIG" not in line)
    assert not gpg_status(text, AWS)["valid"]


@pytest.mark.parametrize("fpr", ["", "A6310ACC4672475C", "not a fingerprint at all, no"])
def test_short_or_malformed_expected_fingerprint_is_an_error(fpr):
    with pytest.raises(AnsibleFilterError):
        gpg_status(GOOD, fpr)


def test_the_filter_is_registered():
    assert FilterModule().filters()["gpg_status"] is gpg_status


# --- against the real gpg ----------------------------------------------------


@pytest.fixture
def signer(tmp_path):
    if not shutil.which("gpg"):
        pytest.skip("gpg is not installed")
    home = tmp_path / "signer"
    home.mkdir(mode=0o700)
    env = dict(os.environ, GNUPGHOME=str(home))

    def gpg(*args, **kw):
        return subprocess.run(["gpg", "--batch", "--quiet", *args], env=env, check=True, capture_output=True, **kw)

    def make_key(uid, faked_time=None, expire="1y"):
        extra = [f"--faked-system-time={faked_time}!"] if faked_time else []
        gpg(*extra, "--passphrase", "", "--quick-gen-key", uid, "ed25519", "sign", expire)
        out = gpg("--with-colons", "--list-keys", uid, text=True).stdout
        return next(line.split(":")[9] for line in out.splitlines() if line.startswith("fpr:"))

    def sign(fpr, path, faked_time=None):
        extra = [f"--faked-system-time={faked_time}!"] if faked_time else []
        gpg(*extra, "--yes", "--local-user", fpr, "--detach-sign", "--output", f"{path}.sig", str(path))

    yield gpg, make_key, sign
    subprocess.run(["gpgconf", "--kill", "all"], env=env, check=False, capture_output=True)


def verify(tmp_path, gpg, fpr, path):
    """What the role does: import the one key into an empty home, verify."""
    home = tmp_path / f"verify-{fpr[:8]}"
    home.mkdir(mode=0o700, exist_ok=True)
    key = tmp_path / f"{fpr}.asc"
    key.write_bytes(gpg("--armor", "--export", fpr).stdout)
    env = dict(os.environ, GNUPGHOME=str(home))
    subprocess.run(["gpg", "--batch", "--import", str(key)], env=env, check=True, capture_output=True)
    out = subprocess.run(
        ["gpg", "--batch", "--status-fd", "1", "--verify", f"{path}.sig", str(path)],
        env=env,
        capture_output=True,
        text=True,
    ).stdout
    subprocess.run(["gpgconf", "--kill", "all"], env=env, check=False, capture_output=True)
    return out


def test_real_gpg_good_tampered_and_expired(tmp_path, signer):
    gpg, make_key, sign = signer
    data = tmp_path / "awscli.zip"
    data.write_bytes(b"PK\x03\x04 pretend installer")
    good = make_key("good <good@test.invalid>")
    sign(good, data)
    assert gpg_status(verify(tmp_path, gpg, good, data), good)["valid"]

    data.write_bytes(b"PK\x03\x04 pretend installer, one byte changed!")
    assert "BAD signature" in gpg_status(verify(tmp_path, gpg, good, data), good)["reason"]

    # A key made and used in 2001 that expired after a day.
    old = make_key("old <old@test.invalid>", faked_time="20010101T000000", expire="1d")
    data.write_bytes(b"PK\x03\x04 old installer")
    sign(old, data, faked_time="20010101T010000")
    v = gpg_status(verify(tmp_path, gpg, old, data), old)
    assert not v["valid"] and "expired" in v["reason"]
