# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Apply a Declaration to the text of an AWS config file.

Only the sections being changed are parsed by configupdater; every other
line is copied through untouched, so comments, blank lines, key order,
unmanaged sections and nested values survive byte for byte.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

try:
    from configupdater import ConfigUpdater, Option

    HAS_CONFIGUPDATER = True
except ImportError:  # pragma: no cover - reported by the action plugin
    HAS_CONFIGUPDATER = False

from ansible_collections.labcloud.aws_sso.plugins.module_utils.ini_scan import (
    ConfigFileError,
    as_botocore_reads,
    parse_nested,
    scan,
)
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.declaration import DeclarationError
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.declaration_values import LEGACY_PROFILE_KEYS

NESTED_INDENT = "    "
# The section kinds this module manages, as ini_scan names them.
MANAGED_KINDS = ("sso-session", "profile", "services")


def _by_kind():
    return {kind: [] for kind in MANAGED_KINDS}


@dataclass
class EditResult:
    text: str
    added: dict = field(default_factory=_by_kind)
    updated: dict = field(default_factory=_by_kind)
    removed: dict = field(default_factory=_by_kind)


def _same_value(existing, wanted):
    if isinstance(wanted, dict):
        return existing.startswith("\n") and parse_nested(existing) == wanted
    return existing == wanted


def render_block(block, newline):
    lines = ["[%s]" % block.header]
    for key, value in block.keys.items():
        if isinstance(value, dict):
            lines.append("%s =" % key)
            lines.extend("%s%s = %s" % (NESTED_INDENT, sub, sub_value) for sub, sub_value in value.items())
        else:
            lines.append(("%s = %s" % (key, value)).rstrip())
    return newline.join(lines) + newline


def _newline_of(lines):
    for line in lines:
        if line.endswith("\r\n"):
            return "\r\n"
        if line.endswith("\n"):
            return "\n"
    return "\n"


def _index_sections(scanned):
    by_identity = {}
    for section in scanned.sections:
        kind, name = section.identity
        if kind in MANAGED_KINDS:
            by_identity.setdefault((kind, name), []).append(section)
    return by_identity


def _find(by_identity, block, problems):
    found = by_identity.get((block.kind, block.name), [])
    if len(found) > 1:
        where = " and ".join("[%s] at line %d" % (s.header, s.lineno) for s in found)
        problems.append(
            "%s %r is defined twice in the file (%s); botocore uses only one of them: remove the other"
            % (block.kind, block.name, where)
        )
        return None
    return found[0] if found else None


class _Plan:
    """What will happen to each section, worked out before any text changes."""

    def __init__(self, scanned, declaration):
        self.scanned = scanned
        self.declaration = declaration
        self.by_identity = _index_sections(scanned)
        self.existing = {}  # (kind, name) -> Section for declared blocks
        self.removals = []  # Sections to delete
        self.problems = []
        for block in declaration.blocks():
            section = _find(self.by_identity, block, self.problems)
            self.existing[(block.kind, block.name)] = section
            if block.state == "absent" and section is not None:
                self.removals.append(section)
        if declaration.exclusive:
            declared = {(b.kind, b.name) for b in declaration.blocks()}
            for identity, sections in self.by_identity.items():
                if identity not in declared:
                    self.removals.extend(sections)
        self.removed_ids = {id(s) for s in self.removals}

    def final_values(self):
        """Effective keys of every profile, session and services block after the edit."""
        finals = {kind: {} for kind in MANAGED_KINDS}
        for (kind, name), sections in self.by_identity.items():
            kept = [s for s in sections if id(s) not in self.removed_ids]
            if kept:
                finals[kind][name] = {k: as_botocore_reads(v) for k, v in kept[-1].values().items()}
        for block in self.declaration.blocks():
            values = finals[block.kind].pop(block.name, None)
            if block.state == "absent":
                continue
            values = {} if values is None or block.purge_keys else dict(values)
            if block.kind == "profile" and "sso_session" in block.keys and self.declaration.migrate_legacy:
                for key in LEGACY_PROFILE_KEYS:
                    values.pop(key, None)
            # Nested values count too: botocore compares every key a
            # profile shares with its session, sub-settings included.
            values.update(block.keys)
            finals[block.kind][block.name] = values
        return finals

    def check_references(self):
        finals = self.final_values()
        sessions = finals["sso-session"]
        services = finals["services"]
        declared_profiles = {b.name for b in self.declaration.profiles}
        # One problem per missing block, not per profile: removing a
        # block that many profiles use would otherwise repeat one sentence.
        orphans = {"sso-session": {}, "services": {}}
        mismatches = []
        for name, values in sorted(finals["profile"].items()):
            where = "profile %r" % name + ("" if name in declared_profiles else " (already in the file)")
            nested = [key for key in ("services", "sso_session") if isinstance(values.get(key), dict)]
            if nested:
                # Only a file can hold these (declared names are strings);
                # botocore fails on them as well.
                self.problems.extend(
                    "%s has indented sub-settings under %s; it must name a block: fix the file" % (where, key)
                    for key in nested
                )
                continue
            services_name = values.get("services")
            # botocore reads a services block without entries as missing too.
            if services_name is not None and not services.get(services_name):
                orphans["services"].setdefault(services_name, []).append(name)
            session_name = values.get("sso_session")
            if session_name is None:
                continue
            if session_name not in sessions:
                orphans["sso-session"].setdefault(session_name, []).append(name)
                continue
            for key, value in sorted(values.items()):
                if key == "sso_session" or key not in sessions[session_name]:
                    continue
                if sessions[session_name][key] != value:
                    if key == "services":
                        fix = "remove services from the sso-session (the AWS CLI reads it only from profiles)"
                    else:
                        fix = "remove it from the profile"
                        if not self.declaration.migrate_legacy:
                            fix += "; set migrate_legacy: true to drop legacy keys"
                    mismatches.append(
                        "%s sets %s = %s but its sso-session %r has %s; botocore rejects the mismatch: %s"
                        % (where, key, value, session_name, sessions[session_name][key], fix)
                    )
        existing = {"sso-session": sorted(sessions), "services": sorted(n for n, v in services.items() if v)}
        for kind in ("sso-session", "services"):
            for block_name, users in sorted(orphans[kind].items()):
                self.problems.append(self._orphan_problem(kind, block_name, users, declared_profiles, existing[kind]))
        self.problems.extend(mismatches)

    def _orphan_problem(self, kind, block_name, users, declared_profiles, existing):
        """One sentence for a block that profiles name but that will not exist: why, who, and the fix."""
        groups = []
        for names, note in (
            ([n for n in users if n in declared_profiles], ""),
            ([n for n in users if n not in declared_profiles], " (already in the file)"),
        ):
            if names:
                plural = "profile" if len(names) == 1 else "profiles"
                groups.append("%s %s%s" % (plural, ", ".join(repr(n) for n in names), note))
        use = "use" if len(users) > 1 else "uses"
        those = "those profiles" if len(users) > 1 else "that profile"
        if kind == "sso-session":
            noun, declared, option, remove = kind, self.declaration.sessions, "sso_sessions", those
        else:
            # The profiles work without it; only the reference has to go.
            noun, declared, option = "services block", self.declaration.services, "services"
            remove = "services from " + those
        kept = [s for s in self.by_identity.get((kind, block_name), []) if id(s) not in self.removed_ids]
        if any(b.name == block_name for b in declared):
            # Declared, yet missing from the result: only state: absent does that.
            reason, use, fix = "is declared with state: absent", "still " + use, "keep it (state: present)"
        elif kept:
            reason, fix = "is empty in the file, which botocore reads as missing", "declare it under %s" % option
        else:
            if (kind, block_name) in self.by_identity:
                reason, use = "is not declared and exclusive: true removes it", "still " + use
            else:
                reason = "is neither in the file nor declared"
            fix = "declare it under %s" % option
            # A typo in the reference is the usual cause of a block nobody declared.
            guess = difflib.get_close_matches(block_name, existing, n=1)
            if guess:
                fix = "did you mean %r? Otherwise %s" % (guess[0], fix)
        return "%s %r %s, but %s %s it; %s, or remove %s" % (
            noun,
            block_name,
            reason,
            " and ".join(groups),
            use,
            fix,
            remove,
        )


def _edit_section(lines, section, block, migrate_legacy):
    """Return the new text of a section's core lines, edited with configupdater."""
    core = "".join(lines[section.start : section.core_end])
    crlf = "\r" in core
    if crlf:
        core = core.replace("\r\n", "\n").replace("\r", "\n")
    if not core.endswith("\n"):
        # configupdater mis-places options added after an unterminated
        # last line; apply() takes the newline off again.
        core += "\n"
    updater = ConfigUpdater()
    updater.read_string(core)
    sect = updater[section.header]
    if block.header == "default" and section.header != "default":
        sect.name = "default"
    present = {key.lower(): key for key in sect.options()}
    drop = set()
    if block.purge_keys:
        drop.update(k for k in present if k not in block.keys)
    if block.kind == "profile" and "sso_session" in block.keys and migrate_legacy:
        drop.update(k for k in LEGACY_PROFILE_KEYS if k in present and k not in block.keys)
    for key in drop:
        del sect[present.pop(key)]
    for key, value in block.keys.items():
        if key in present:
            option = sect[present[key]]
            if _same_value(section.options[key].value, value):
                continue
            if isinstance(value, dict):
                option.set_values(["%s = %s" % item for item in value.items()], indent=NESTED_INDENT)
            else:
                option.value = value
            continue
        options = [b for b in sect.iter_blocks() if isinstance(b, Option)]
        builder = options[-1].add_after if options else sect.insert_at(0)
        builder.option(key, "" if isinstance(value, dict) else value)
        if isinstance(value, dict):
            sect[key].set_values(["%s = %s" % item for item in value.items()], indent=NESTED_INDENT)
        present[key] = key
    text = str(updater)
    if not text.endswith("\n"):
        text += "\n"
    if crlf:
        text = text.replace("\n", "\r\n")
    return text


def _removal_end(lines, section):
    """Also drop the blank lines right after a removed block, not comments."""
    end = section.core_end
    while end < section.end and not lines[end].strip():
        end += 1
    return end


def apply(text, declaration):
    """Return an EditResult for text with declaration applied.

    Raises ConfigFileError for a file botocore cannot read and
    DeclarationError for a declaration that cannot be applied to this file.
    """
    scanned = scan(text)
    plan = _Plan(scanned, declaration)
    if not plan.problems:
        plan.check_references()
    if plan.problems:
        raise DeclarationError(plan.problems)

    lines = list(scanned.lines)
    newline = _newline_of(lines)
    result = EditResult(text=text)
    # (start, end, replacement) applied bottom-up so indices stay valid.
    edits = []
    appended = []
    for block in declaration.blocks():
        section = plan.existing[(block.kind, block.name)]
        if block.state == "absent":
            continue
        if section is None:
            appended.append(render_block(block, newline))
            result.added[block.kind].append(block.name)
            continue
        new_core = _edit_section(lines, section, block, declaration.migrate_legacy)
        old_core = "".join(lines[section.start : section.core_end])
        if not old_core.endswith(("\n", "\r")):
            # The last line of a file without a final newline stays so.
            new_core = new_core.rstrip("\r\n")
        if new_core != old_core:
            edits.append((section.start, section.core_end, new_core))
            result.updated[block.kind].append(block.name)
    for section in plan.removals:
        edits.append((section.start, _removal_end(lines, section), ""))
        kind, name = section.identity
        result.removed[kind].append(name)
    for start, end, replacement in sorted(edits, key=lambda e: e[0], reverse=True):
        lines[start:end] = [replacement] if replacement else []
    new_text = "".join(lines)
    if appended:
        if new_text and not new_text.endswith(("\n", "\r")):
            new_text += newline
        if new_text.strip() and new_text.splitlines()[-1].strip():
            new_text += newline
        new_text += newline.join(appended)
    result.text = new_text
    if new_text != text:
        verify(new_text, declaration)
    return result


def verify(text, declaration):
    """Re-read the result as botocore would and insist it says what was declared."""
    try:
        scanned = scan(text)
    except ConfigFileError as exc:  # pragma: no cover - a bug if reached
        raise AssertionError("the edited file would not parse (%s); nothing was written" % exc) from None
    found = {}
    for section in scanned.sections:
        found.setdefault(section.identity, section)
    for block in declaration.blocks():
        section = found.get((block.kind, block.name))
        if block.state == "absent":
            if section is not None:
                raise AssertionError("%s %r still present after removal" % (block.kind, block.name))
            continue
        if section is None:
            raise AssertionError("%s %r missing after the edit" % (block.kind, block.name))
        values = section.values()
        for key, value in block.keys.items():
            if key not in values or not _same_value(values[key], value):
                raise AssertionError("%s %r key %s does not read back as written" % (block.kind, block.name, key))
        if block.purge_keys and set(values) - set(block.keys):
            raise AssertionError("%s %r kept keys that should be purged" % (block.kind, block.name))
