# Copyright: labcloud founding engineers
# MIT License (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
name: gpg_status
short_description: Decide whether C(gpg --status-fd) output proves a good signature by one key
version_added: 0.1.0
description:
  - Reads the machine-readable status lines that C(gpg --status-fd) prints while verifying a
    detached signature and decides whether the data was signed by the key with the expected
    full fingerprint.
  - The exit code of gpg alone is not enough (an expired key or a key nobody asked for can still
    give a good-looking result), so the verdict requires a C(GOODSIG) and a C(VALIDSIG) whose
    signing-key or primary-key fingerprint equals the expected one, and rejects any C(BADSIG),
    C(EXPKEYSIG), C(EXPSIG), C(REVKEYSIG), C(ERRSIG) or a run without any signature.
options:
  _input:
    description: The status text (the stdout of gpg when run with C(--status-fd 1)).
    type: str
    required: true
  fingerprint:
    description: Full fingerprint of the key that must have made the signature. Spaces are ignored.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Fail unless the AWS CLI Team key signed the zip
  ansible.builtin.assert:
    that: (__verify.stdout | labcloud.aws_sso.gpg_status(awscli_gpg_fingerprint)).valid
"""

RETURN = r"""
_value:
  description: The verdict.
  type: dict
  contains:
    valid:
      description: True only when the expected key made a good signature and nothing was rejected.
      type: bool
    fingerprint:
      description: Primary-key fingerprint of the key that made the signature, if gpg named one.
      type: str
    reason:
      description: One sentence a human can act on, for logs and failure messages.
      type: str
"""

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_text

_PREFIX = "[GNUPG:] "

# Status keywords that make a verification fail whatever else was printed,
# with the explanation given to the operator.
_REJECT = {
    "BADSIG": "BAD signature: the file does not match its signature (corrupted or tampered download)",
    "EXPKEYSIG": "the signing key has expired: fetch the renewed key and update the configured key",
    "EXPSIG": "the signature itself has expired",
    "REVKEYSIG": "the signing key has been revoked",
}


def _normalise(fingerprint):
    return "".join(to_text(fingerprint).split()).upper()


def gpg_status(text, fingerprint):
    expected = _normalise(fingerprint)
    if len(expected) not in (40, 64) or any(c not in "0123456789ABCDEF" for c in expected):
        raise AnsibleFilterError(f"gpg_status: expected a full 40 or 64 hex digit fingerprint, got {fingerprint!r}")

    goodsig = False
    signer = ""
    signers = []
    rejected = []
    missing_key = ""
    signatures = 0
    for line in to_text(text).splitlines():
        if not line.startswith(_PREFIX):
            continue
        words = line[len(_PREFIX) :].split()
        if not words:
            continue
        keyword, args = words[0], words[1:]
        if keyword == "NEWSIG":
            signatures += 1
        elif keyword == "GOODSIG":
            goodsig = True
        elif keyword == "VALIDSIG" and args:
            # args[0] is the (sub)key that signed; the primary key's fingerprint,
            # when present, is the 10th field and is what operators pin.
            primary = args[9] if len(args) > 9 else args[0]
            signers.append((args[0].upper(), primary.upper()))
        elif keyword in _REJECT:
            rejected.append(_REJECT[keyword])
        elif keyword == "ERRSIG":
            rejected.append("the signature could not be checked")
        elif keyword == "NO_PUBKEY" and args:
            missing_key = args[0]

    if signers:
        signer = signers[0][1]

    def verdict(valid, reason):
        return {"valid": valid, "fingerprint": signer, "reason": reason}

    if missing_key:
        return verdict(
            False,
            f"signed by key {missing_key}, which is not the configured key {expected}"
            " (untrusted signer, or the configured key must be rotated)",
        )
    if rejected:
        return verdict(False, "; ".join(rejected))
    if signatures == 0 and not signers:
        return verdict(False, "no signature found (empty or missing .sig file)")
    if not goodsig or not signers:
        return verdict(False, "gpg did not report a good and valid signature")
    strangers = [p for s, p in signers if expected not in (s, p)]
    if strangers:
        return verdict(
            False,
            f"signed by key {strangers[0]}, not by the configured key {expected}",
        )
    return verdict(True, f"good signature by {expected}")


class FilterModule:
    def filters(self):
        return {"gpg_status": gpg_status}
