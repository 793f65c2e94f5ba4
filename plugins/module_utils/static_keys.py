# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Remove plain-text AWS keys from a user's credentials and config files.

plan() works on text only: it finds the keys with the same scanner the
config editor uses (module_utils/ini_scan.py, differential-tested against
botocore's RawConfigParser), deletes exactly their lines, and checks by
scanning again that nothing else botocore reads has moved. process_user()
runs as the user (as_user.run_as): it reads and writes through
atomic_file's compare-and-swap, retrying when the file changes under it.

No function here returns or raises a key's value: results carry key and
profile names only, errors carry line numbers, and diffs go through the one
masker (module_utils/masking.py).

Only the standard library: this runs on managed hosts.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import random
import re
import time

from ansible_collections.labcloud.aws_sso.plugins.module_utils import key_backups
from ansible_collections.labcloud.aws_sso.plugins.module_utils.as_user import describe_os_error
from ansible_collections.labcloud.aws_sso.plugins.module_utils.as_user_errors import AsUserError
from ansible_collections.labcloud.aws_sso.plugins.module_utils.atomic_file import (
    read_state,
    write_if_unchanged,
)
from ansible_collections.labcloud.aws_sso.plugins.module_utils.ini_scan import (
    ConfigFileError,
    scan,
    section_identity,
)
from ansible_collections.labcloud.aws_sso.plugins.module_utils.masking import mask_ini
from ansible_collections.labcloud.aws_sso.plugins.module_utils.terminal import printable

CREDENTIALS = "credentials"
CONFIG = "config"
KINDS = (CREDENTIALS, CONFIG)
DEFAULT_PATHS = {CREDENTIALS: ".aws/credentials", CONFIG: ".aws/config"}

# What botocore's shared-credentials and config-file providers read as static
# credentials. aws_security_token is the older name botocore still accepts
# for the session token; left behind it would keep a secret on disk.
STATIC_KEYS = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token", "aws_security_token")

_EOL_RE = re.compile(r"(\r\n|\r|\n)\Z")

# Backups holding removed keys are deleted by the first run this many days
# after they were made (option backup_days).
BACKUP_DAYS = 14

# Compare-and-swap attempts per file before giving up on a file that keeps
# changing (someone running `aws configure` in a loop).
ATTEMPTS = 5


class StaticKeysError(Exception):
    """A file that cannot be handled; the message names lines, never values."""


def _profile_of(kind, section):
    """The profile botocore reads this section as, or None.

    The credentials file is read by literal section name (`[dev]`, and
    `[profile dev]` is a profile called "profile dev"); the config file
    through build_profile_map's rules (`[default]`, `[profile dev]`).
    """
    if kind == CREDENTIALS:
        return section.header
    what, name = section_identity(section.header)
    return name if what == "profile" else None


def _static_keys_of(section):
    """Static key names in a section, in file order."""
    found = [key for key in STATIC_KEYS if key in section.options]
    return sorted(found, key=lambda key: section.options[key].lineno)


def _removal_end(lines, section):
    """A removed block also takes the blank lines right after it, not the comments.

    Comments between a block's last key and the next header belong to the
    next block (the same rule as the config editor's).
    """
    end = section.core_end
    while end < section.end and not lines[end].strip():
        end += 1
    return end


def plan(text, kind, profiles):
    """Work out the removal of the static keys of `profiles` from text.

    Returns a dict: text (the new text), changed, removed ({profile: [keys]}),
    sections_removed (credentials sections left empty and deleted: only in
    the credentials file) and remaining ([{profile, keys}] for profiles not
    listed). Raises ConfigFileError for a file botocore cannot read.
    """
    scanned = scan(text)
    wanted = set(profiles)
    removed = {}
    remaining = {}
    # (section index, profile, keys) of every section whose keys go.
    targets = []
    for index, section in enumerate(scanned.sections):
        profile = _profile_of(kind, section)
        keys = _static_keys_of(section)
        if profile is None or not keys:
            continue
        # Two config sections may be one profile ([default], [profile default]).
        into = removed if profile in wanted else remaining
        known = into.setdefault(profile, [])
        known.extend(key for key in keys if key not in known)
        if profile in wanted:
            targets.append((index, profile, keys))
    result = dict(
        text=text,
        changed=False,
        removed=removed,
        sections_removed=[],
        remaining=[dict(profile=name, keys=keys) for name, keys in sorted(remaining.items())],
    )
    if not targets:
        return result
    try:
        new_text, dropped = _cut(scanned, text, kind, targets, removed, drop_empty=kind == CREDENTIALS)
    except StaticKeysError:
        # Deleting a whole block can make an indented header that follows it
        # read as a continuation of the block before; deleting only key
        # lines cannot (a key line is never indented deeper than the line
        # that opened the value before it). Keep the headers then.
        new_text, dropped = _cut(scanned, text, kind, targets, removed, drop_empty=False)
    for index, profile, _keys in targets:
        if index in dropped and profile not in result["sections_removed"]:
            result["sections_removed"].append(profile)
    result.update(text=new_text, changed=new_text != text)
    return result


def _cut(scanned, text, kind, targets, removed, drop_empty):
    """Delete the key lines (and emptied sections, with drop_empty) and check the result."""
    lines = scanned.lines
    cuts = []
    dropped = set()
    for index, _profile, keys in targets:
        section = scanned.sections[index]
        if drop_empty and len(keys) == len(section.options):
            cuts.append((section.start, _removal_end(lines, section)))
            dropped.add(index)
            continue
        for key in keys:
            option = section.options[key]
            cuts.append((option.lineno - 1, option.end))
    new_lines = list(lines)
    for start, end in sorted(cuts, reverse=True):
        del new_lines[start:end]
    new_text = "".join(new_lines)
    if text and not text.endswith(("\n", "\r")) and new_text:
        # A file without a final newline keeps that form.
        new_text = _EOL_RE.sub("", new_text, count=1)
    _verify(scanned, dropped, removed, kind, new_text)
    return new_text, dropped


def _verify(before, dropped_sections, removed, kind, new_text):
    """Scan the new text again: it must read as the old one minus the removed keys.

    This is what guarantees that deleting lines did not join a kept line to
    another value or change any section botocore sees.
    """
    expected = []
    for index, section in enumerate(before.sections):
        if index in dropped_sections:
            continue
        values = section.values()
        if _profile_of(kind, section) in removed:
            for key in STATIC_KEYS:
                values.pop(key, None)
        expected.append((section.header, values))
    try:
        after = scan(new_text)
    except ConfigFileError as exc:
        raise StaticKeysError("the edited file would not parse (%s); nothing was written" % exc.redacted) from None
    if [(section.header, section.values()) for section in after.sections] != expected:
        raise StaticKeysError("removing the keys would change other settings; nothing was written")


def _plan_file(path, kind, profiles, owner):
    state = read_state(path, owner)
    try:
        return state, plan(state["content"], kind, profiles)
    except ConfigFileError as exc:
        raise StaticKeysError(
            "%s %s; botocore cannot read this file, so it was left untouched: fix it first" % (path, exc.redacted)
        ) from None


def empty_result(**extra):
    """A user's result before anything is done: also the result of a user never reached."""
    return dict(
        changed=False,
        removed={kind: {} for kind in KINDS},
        sections_removed=[],
        backup_files=[],
        remaining=[],
        backups=[],
        backups_deleted=[],
        **extra,
    )


def process_user(acct, paths, profiles, backup, check_mode, want_diff, backup_days=BACKUP_DAYS):
    """Remove one user's static keys; runs as that user (acct, from accounts.account).

    paths maps credentials/config to the user's files. Both files are read
    and planned before either is written, so a file botocore cannot read
    leaves both untouched. Then backups of earlier runs that still hold keys
    are deleted once backup_days old (all of them without backup). Returns a
    JSON-able dict (no values in it); a failure is reported in it with what
    was done before it.
    """
    owner = acct.uid
    result = empty_result(diff=[])
    try:
        planned = {kind: _plan_file(paths[kind], kind, profiles, owner) for kind in KINDS}
        for kind in KINDS:
            _apply(result, kind, paths[kind], profiles, owner, planned[kind], backup, check_mode, want_diff)
    except (StaticKeysError, AsUserError) as exc:
        result.update(failed=True, msg=str(exc))
    except OSError as exc:
        result.update(failed=True, msg=describe_os_error(exc, acct))
    _tidy_backups(result, acct, paths, backup_days if backup else None, check_mode)
    if not want_diff:
        del result["diff"]
    return result


def _tidy_backups(result, acct, paths, keep_days, check_mode):
    """Age out the backups; a failure here never hides the keys' own outcome."""
    targets = [os.path.realpath(paths[kind]) for kind in KINDS]
    try:
        result["backups"], result["backups_deleted"] = key_backups.tidy(
            targets, acct.uid, keep_days, made_now=result["backup_files"], dry_run=check_mode
        )
    except OSError as exc:
        if not result.get("failed"):
            result.update(failed=True, msg="backups of removed keys: " + describe_os_error(exc, acct))


def _apply(result, kind, path, profiles, owner, planned, backup, check_mode, want_diff):
    state, edit = planned
    for attempt in range(ATTEMPTS):
        if edit["changed"] and not check_mode:
            written = write_if_unchanged(path, edit["text"], state["sha256"], owner, backup)
            if written["conflict"]:
                # Someone wrote the file since it was read: read it again and
                # re-plan from what is there now.
                time.sleep(random.uniform(0.02, 0.1) * (attempt + 1))  # noqa: S311 - jitter, not crypto
                state, edit = _plan_file(path, kind, profiles, owner)
                continue
            if written["backup_file"]:
                result["backup_files"].append(written["backup_file"])
        break
    else:
        raise StaticKeysError("%s kept changing while the keys were being removed; run the task again" % path)
    if edit["changed"]:
        result["changed"] = True
        result["removed"][kind] = edit["removed"]
        result["sections_removed"].extend(edit["sections_removed"])
        if want_diff:
            result["diff"].append(
                dict(
                    before_header=path,
                    after_header=path,
                    before=printable(mask_ini(state["content"])),
                    after=printable(mask_ini(edit["text"])),
                )
            )
    result["remaining"].extend(
        dict(file=kind, profile=item["profile"], keys=item["keys"]) for item in edit["remaining"]
    )
