# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Names and config edits for the profiles sso_portal_profiles generates from the portal.

Controller side. Given the accounts and roles a user can reach, this picks
the pairs to generate (include/exclude patterns), names each from a template
(trim and case rules per field, explicit names per pair), makes every name
one botocore reads back as written, refuses two pairs with one name, and
works out the edit of the user's config: profiles added, updated, renamed
(same account and role under a new name, keys the user added carried over)
and pruned. A generated profile carries one marker key naming its session;
nothing without that marker is ever changed or removed.
"""

from __future__ import annotations

import fnmatch
import re
import string
import unicodedata
from dataclasses import dataclass, field

from ansible_collections.labcloud.aws_sso.plugins.module_utils.ini_scan import as_botocore_reads, scan
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.declaration import DeclarationError, build
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.declaration_values import (
    LEGACY_PROFILE_KEYS,
    PROFILE_KEYS,
    check_name,
    check_region,
)

FIELDS = ("account_id", "account_name", "account_email", "role_name", "session")
CASES = ("keep", "lower", "upper")
OUTPUTS = ("json", "yaml", "yaml-stream", "text", "table")
DEFAULT_TEMPLATE = "{account_name}-{role_name}"
# botocore and the AWS CLI read only the keys they know; this one marks a
# profile as ours and names the session it was generated from.
MARKER_KEY = "labcloud_generated"
_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_ACCOUNT_RE = re.compile(r"^\d{12}$", re.ASCII)
_UNSAFE_RE = re.compile(r"[^A-Za-z0-9._-]+")
_DASHES_RE = re.compile(r"-{2,}")
# Letters NFKD does not take apart into a base letter and marks.
_TRANSLIT = {
    "ß": "ss",
    "ẞ": "SS",
    "æ": "ae",
    "Æ": "AE",
    "œ": "oe",
    "Œ": "OE",
    "ø": "o",
    "Ø": "O",
    "đ": "d",
    "Đ": "D",
    "ð": "d",
    "Ð": "D",
    "ł": "l",
    "Ł": "L",
    "þ": "th",
    "Þ": "TH",
    "ı": "i",
    "ħ": "h",
    "Ħ": "H",
}
SAFE_HINT = "use ASCII letters, digits, '.', '_' or '-'"


class NamingError(DeclarationError):
    """Problems with the naming options or the names they give; nothing is written."""


def transliterate(text):
    """Latin letters with accents become their base letters (é -> e, ß -> ss); other scripts are left as they are."""
    out = []
    for char in unicodedata.normalize("NFKD", text):
        if unicodedata.combining(char):
            continue
        out.append(_TRANSLIT.get(char, char))
    return "".join(out)


def safe_name(text):
    """A profile name botocore reads back as written: ASCII letters, digits, '.', '_' and '-'.

    Anything else (spaces, brackets, slashes, letters of other scripts)
    becomes '-', runs of '-' become one, and '-' or '.' at either end go."""
    name = _UNSAFE_RE.sub("-", transliterate(text))
    return _DASHES_RE.sub("-", name).strip("-.")


def _glob_list(label, value, problems):
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        problems.append("%s must be a list of patterns such as 'prod-*' or '111111111111'" % label)
        return []
    return [v.lower() for v in value]


def _matches(patterns, *values):
    return any(fnmatch.fnmatchcase(v.lower(), p) for p in patterns for v in values if v is not None)


@dataclass
class Options:
    session: str
    template: str = DEFAULT_TEMPLATE
    trim: dict = field(default_factory=dict)
    case: dict = field(default_factory=dict)
    names: dict = field(default_factory=dict)
    include_accounts: list = field(default_factory=list)
    exclude_accounts: list = field(default_factory=list)
    include_roles: list = field(default_factory=list)
    exclude_roles: list = field(default_factory=list)
    region: str = None
    output: str = None
    per_account: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)


def check_options(params):
    """Options from the task's parameters, every problem collected (NamingError)."""
    problems = []
    opts = Options(session=params["session"])
    template = params.get("name_template") or DEFAULT_TEMPLATE
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        problems.append("name_template %r is not a valid template (%s); e.g. %s" % (template, exc, DEFAULT_TEMPLATE))
        parsed = []
    used = []
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in FIELDS:
            problems.append(
                "name_template uses {%s}, which is not a field; the fields are %s"
                % (name, ", ".join("{%s}" % f for f in FIELDS))
            )
        elif spec or conversion:
            problems.append("name_template: write {%s} without a format spec or conversion; use trim and case" % name)
        used.append(name)
    if parsed and not used:
        problems.append("name_template %r uses no field, so every profile would get the same name" % template)
    opts.template = template
    for option, valid in (("trim", None), ("case", CASES)):
        rules = params.get(option) or {}
        for key, rule in rules.items():
            label = "%s.%s" % (option, key)
            if key not in FIELDS + (("name",) if option == "case" else ()):
                problems.append("%s: %s is not a field; the fields are %s" % (option, key, ", ".join(FIELDS)))
                continue
            if valid:
                if rule not in valid:
                    problems.append("%s must be one of %s, not %r" % (label, ", ".join(valid), rule))
                    continue
                opts.case[key] = rule
                continue
            patterns = [rule] if isinstance(rule, str) else rule
            if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
                problems.append("%s must be a regular expression or a list of them, e.g. '^acme-'" % label)
                continue
            compiled = []
            for index, pattern in enumerate(patterns):
                try:
                    compiled.append(re.compile(pattern))
                except re.error as exc:
                    problems.append("%s[%d] %r is not a regular expression: %s" % (label, index, pattern, exc))
            opts.trim[key] = compiled
    for key, name in (params.get("names") or {}).items():
        label = "names[%r]" % key
        account, sep, role = str(key).rpartition("/")
        if not sep or not account or not role:
            problems.append("%s: write the key as ACCOUNT/ROLE (account id or name, then the role name)" % label)
            continue
        if not isinstance(name, str) or not name or safe_name(name) != name:
            problems.append(
                "%s: %r is not a safe profile name; %s%s"
                % (label, name, SAFE_HINT, " (e.g. %r)" % safe_name(name) if isinstance(name, str) else "")
            )
            continue
        if name == "default":
            problems.append(
                "%s: default is the [default] profile, which sso_portal_profiles never writes; pick another" % label
            )
            continue
        opts.names[(account, role)] = name
    for option in ("include_accounts", "exclude_accounts", "include_roles", "exclude_roles"):
        setattr(opts, option, _glob_list(option, params.get(option), problems))
    check_region("", "region", params.get("region"), problems)
    opts.region = params.get("region")
    opts.output = params.get("output")
    for key, entry in (params.get("per_account") or {}).items():
        label = "per_account[%r]" % key
        if not isinstance(entry, dict) or set(entry) - {"region", "output"}:
            problems.append("%s must be a mapping with region and/or output, e.g. {region: eu-west-1}" % label)
            continue
        check_region(label, "region", entry.get("region"), problems)
        if entry.get("output") is not None and entry["output"] not in OUTPUTS:
            problems.append("%s.output must be one of %s" % (label, ", ".join(OUTPUTS)))
        opts.per_account[str(key)] = entry
    settings = dict(params.get("settings") or {})
    if MARKER_KEY in settings:
        problems.append("settings.%s is set by sso_portal_profiles itself; remove it" % MARKER_KEY)
        settings.pop(MARKER_KEY)
    if settings:
        try:
            build({"profiles": [_item("settings-check", settings=settings)]})
        except DeclarationError as exc:
            problems.extend(p.replace("profiles[0] (settings-check).", "") for p in exc.problems)
    opts.settings = settings
    problems = [p.lstrip(".") for p in problems]
    if problems:
        raise NamingError(problems)
    return opts


def _item(name, state="present", settings=None, **keys):
    item = {"name": name, "state": state, "purge_keys": False, "settings": settings or {}}
    item.update(keys)
    return item


def _field_value(opts, key, raw):
    value = raw or ""
    for pattern in opts.trim.get(key, ()):
        value = pattern.sub("", value)
    value = value.strip()
    rule = opts.case.get(key, "keep")
    if rule == "lower":
        value = value.lower()
    elif rule == "upper":
        value = value.upper()
    return value


def _pair_label(pair):
    return "%s (%s)/%s" % (pair["account_id"], pair["account_name"], pair["role_name"])


def name_pairs(accounts, opts):
    """The pairs to generate, each with its name, region and output; NamingError on collisions.

    Returns (pairs, warnings)."""
    problems, warnings = [], []
    pairs = []
    for account in accounts:
        ids = (account["account_id"], account["account_name"])
        if opts.include_accounts and not _matches(opts.include_accounts, *ids):
            continue
        if _matches(opts.exclude_accounts, *ids):
            continue
        for role in account["roles"]:
            if opts.include_roles and not _matches(opts.include_roles, role):
                continue
            if _matches(opts.exclude_roles, role):
                continue
            pairs.append(dict(account, role_name=role))
    used_names, used_accounts = set(), set()
    by_name = {}
    for pair in pairs:
        keys = ((pair["account_id"], pair["role_name"]), (pair["account_name"], pair["role_name"]))
        explicit = [k for k in keys if k in opts.names]
        if explicit:
            used_names.add(explicit[0])
            name = opts.names[explicit[0]]
        else:
            values = dict(pair, session=opts.session)
            rendered = opts.template.format(**{key: _field_value(opts, key, values.get(key)) for key in FIELDS})
            rule = opts.case.get("name", "keep")
            rendered = rendered.lower() if rule == "lower" else rendered.upper() if rule == "upper" else rendered
            name = safe_name(rendered)
            if not name:
                problems.append(
                    "%s gets an empty name from %r; give it one with names: {'%s/%s': NAME} or add {account_id}"
                    % (_pair_label(pair), opts.template, pair["account_id"], pair["role_name"])
                )
                continue
            if name == "default":
                problems.append(
                    "%s would be named default, which is the [default] profile; give it another with names:"
                    % _pair_label(pair)
                )
                continue
        pair["name"] = name
        settings = {}
        for account_key in (pair["account_id"], pair["account_name"]):
            if account_key in opts.per_account:
                used_accounts.add(account_key)
                settings = opts.per_account[account_key]
                break
        pair["region"] = settings.get("region") or opts.region
        pair["output"] = settings.get("output") or opts.output
        by_name.setdefault(name, []).append(pair)
    for name, group in sorted(by_name.items()):
        if len(group) > 1:
            first = group[1]
            problems.append(
                "profile name %r would be given to %d account/role pairs: %s; tell them apart with names: "
                "{'%s/%s': OTHER_NAME} or put {account_id} in name_template"
                % (
                    name,
                    len(group),
                    " and ".join(_pair_label(p) for p in group),
                    first["account_id"],
                    first["role_name"],
                )
            )
    for key in sorted(set(opts.names) - used_names, key=str):
        warnings.append("names['%s/%s'] matches no account/role this user can reach" % key)
    for key in sorted(set(opts.per_account) - used_accounts):
        warnings.append("per_account[%r] matches no account this user can reach" % key)
    if problems:
        raise NamingError(problems)
    return sorted((p for g in by_name.values() for p in g), key=lambda p: p["name"]), warnings


# Keys a profile with sso_session cannot hold: the sso-session block holds them.
_SESSION_ONLY_KEYS = LEGACY_PROFILE_KEYS + ("sso_registration_scopes",)


def _carried(old, name, values, pair, opts, warnings):
    """The keys of profile old that the task does not set, for its new name.

    The user may have added any key to a generated profile, region, output
    and services included; a rename must not lose one silently, so each key
    left behind gets a warning saying why."""
    set_here = {"sso_session", "sso_account_id", "sso_role_name", MARKER_KEY, *opts.settings}
    set_here.update(option for option in ("region", "output") if pair.get(option))
    carried = {}
    for key, value in values.items():
        if key in set_here:
            continue
        why = _not_carried(key, value)
        if why:
            warnings.append("key %r of profile %r was not carried over to %r: %s" % (key, old, name, why))
            continue
        carried[key] = as_botocore_reads(value)
    return carried


def _not_carried(key, value):
    """Why key = value cannot move to a generated profile, or None."""
    if not _KEY_RE.match(key):
        return "it is not a valid config key (lower-case letters, digits, '_', '.' or '-')"
    if key in _SESSION_ONLY_KEYS:
        return "a profile with sso_session takes it from its sso-session block"
    problems = []
    if key == "region":
        check_region("", "region", value, problems)
    elif key == "output" and value not in OUTPUTS:
        problems.append("output must be one of %s" % ", ".join(OUTPUTS))
    elif key == "services" and check_name("services", value):
        problems.append("services %s" % check_name("services", value))
    return "; ".join(p.lstrip(".") for p in problems) or None


@dataclass
class EditPlan:
    declaration: object
    renamed: list
    pruned: list
    stale: list
    warnings: list


def plan_edit(text, pairs, opts, prune):
    """The Declaration that brings the file to the generated profiles.

    Raises NamingError when a name is held by a profile this module did not
    generate (for this session), and ConfigFileError for a file botocore
    cannot read."""
    scanned = scan(text)
    sections = {}
    for section in scanned.sections:
        kind, name = section.identity
        if kind == "profile":
            sections.setdefault(name, section)
    generated = {}  # (account, role) -> [names], file order
    values_of = {}
    for name, section in sections.items():
        values = section.values()
        values_of[name] = values
        if values.get(MARKER_KEY) == opts.session:
            pair = (values.get("sso_account_id"), values.get("sso_role_name"))
            generated.setdefault(pair, []).append(name)
    wanted_names = {p["name"] for p in pairs}
    problems, warnings, items, renamed = [], [], [], []
    removed = set()
    for pair in pairs:
        name = pair["name"]
        key = (pair["account_id"], pair["role_name"])
        existing = values_of.get(name)
        if existing is not None and existing.get(MARKER_KEY) != opts.session:
            owner = existing.get(MARKER_KEY)
            why = "was generated for session %r" % owner if owner else "was not generated by sso_portal_profiles"
            problems.append(
                "profile %r for %s already exists and %s; it is left alone: rename or remove it, give the pair "
                "another name with names: {'%s/%s': NAME}, or add %s = %s to it to let sso_portal_profiles manage it"
                % (name, _pair_label(pair), why, key[0], key[1], MARKER_KEY, opts.session)
            )
            continue
        carried = {}
        if existing is None:
            sources = [n for n in generated.get(key, []) if n not in wanted_names and n not in removed]
            if sources:
                old = sources[0]
                removed.add(old)
                renamed.append({"from": old, "to": name})
                carried = _carried(old, name, values_of[old], pair, opts, warnings)
        keys = {k: carried.pop(k) for k in PROFILE_KEYS if k in carried}
        settings = dict(carried)
        settings.update(opts.settings)
        settings[MARKER_KEY] = opts.session
        keys.update(sso_session=opts.session, sso_account_id=pair["account_id"], sso_role_name=pair["role_name"])
        for option in ("region", "output"):
            if pair.get(option):
                keys[option] = pair[option]
        items.append(_item(name, settings=settings, **keys))
    wanted_pairs = {(p["account_id"], p["role_name"]) for p in pairs}
    pruned, stale = [], []
    for key, names in sorted(generated.items(), key=lambda kv: kv[1]):
        for name in names:
            if name in wanted_names or name in removed:
                continue
            # A second generated profile of a wanted pair (a copy the user
            # made, marker and all) is as stale as one whose assignment went.
            entry = {"name": name, "account_id": key[0], "role_name": key[1]}
            entry["reason"] = "duplicate" if key in wanted_pairs else "gone"
            (pruned if prune else stale).append(entry)
    if problems:
        raise NamingError(problems)
    for old in sorted(removed) + [p["name"] for p in pruned]:
        items.append(_item(old, state="absent"))
    try:
        declaration = build({"profiles": items})
    except DeclarationError as exc:
        raise NamingError(exc.problems) from None
    return EditPlan(declaration, renamed, pruned, stale, warnings)
