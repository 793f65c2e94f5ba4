# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""The variables labcloud.aws_sso knows, and those of a host it does not.

Ansible ignores a variable nothing reads, so `aws_sso_default_profle: dev`
in group_vars silently leaves the default in force on every host. The roles
and playbooks therefore refuse any variable of the collection's namespaces
that the collection does not know, naming the closest known one.

The known names are read at run time from the collection's own files, next
to this one, never copied into a list: every option of every role entry
point (meta/argument_specs.yml), the roles' defaults and vars, the variables
each playbook documents in its header, and whatever the roles and playbooks
set themselves (play and task vars, set_fact, register). An option added to
an argument spec is known the moment it is written; a list kept by hand, or
generated at build time, would fall behind and fail a lab for a correct name.
"""

from __future__ import annotations

import difflib
import functools
import re
from pathlib import Path

import yaml

# Prefixes whose every variable must be one the collection knows.
NAMESPACES = ("aws_sso_", "awscli_", "verify_", "login_")
SWITCH = "aws_sso_unknown_variables"
MODES = ("fail", "warn", "ignore")
# Below this similarity (difflib's ratio of the parts after the prefix) a
# known name is no help: "did you mean" would only confuse.
CUTOFF = 0.6

ROOT = Path(__file__).resolve().parents[2]
SET_FACT = {"set_fact", "ansible.builtin.set_fact", "ansible.legacy.set_fact"}
# "Variables:" in a playbook's header comment, then one variable a line:
# "#   name   what it does"; deeper-indented lines continue a description.
_HEADER_VARIABLE = re.compile(r"^#\s{1,4}([A-Za-z_][A-Za-z0-9_]*)(?:\s{2,}|\s*$)")


# libyaml when there is one: the files are read again in each worker process
# that runs the check, and it parses them several times faster.
class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """YAML as Ansible writes it: tags such as !unsafe or !vault are read as nothing, not refused."""


_Loader.add_multi_constructor("!", lambda loader, suffix, node: None)


def _load(path):
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506 - a SafeLoader
    except (OSError, yaml.YAMLError):
        return None


def _argument_spec_names(spec):
    """Option names of every entry point of a meta/argument_specs.yml document."""
    entries = spec.get("argument_specs") if isinstance(spec, dict) else None
    if not isinstance(entries, dict):
        return set()
    return {
        name
        for entry in entries.values()
        if isinstance(entry, dict) and isinstance(entry.get("options"), dict)
        for name in entry["options"]
    }


def _names_set(node):
    """Every variable a tasks file or playbook sets: play and task vars, set_fact keys, register."""
    found = set()
    if isinstance(node, list):
        for item in node:
            found |= _names_set(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "register" and isinstance(value, str):
                found.add(value)
            elif (key == "vars" or key in SET_FACT) and isinstance(value, dict):
                found |= {name for name in value if name != "cacheable"}
            found |= _names_set(value)
    return found


def _documented_in_header(text):
    """Variables a playbook's leading comment lists after its "Variables:" line."""
    names, listing = set(), False
    for line in text.splitlines():
        if not line.startswith("#"):
            if line.strip() and line.strip() != "---":
                break
            continue
        if "Variables:" in line:
            listing = True
            continue
        match = _HEADER_VARIABLE.match(line)
        if listing and match:
            names.add(match.group(1))
    return names


def _role_names(role):
    names = _argument_spec_names(_load(role / "meta" / "argument_specs.yml"))
    for folder in ("defaults", "vars"):
        for path in sorted((role / folder).rglob("*.yml")):
            document = _load(path)
            if isinstance(document, dict):
                names |= set(document)
    for path in sorted((role / "tasks").rglob("*.yml")):
        names |= _names_set(_load(path))
    return names


def _playbook_names(path):
    try:
        header = _documented_in_header(path.read_text(encoding="utf-8"))
    except OSError:
        header = set()
    return header | _names_set(_load(path))


@functools.lru_cache(maxsize=None)
def known_names(root=ROOT):
    """Every variable name the collection at root documents or sets (computed once per process)."""
    root = Path(root)
    names = set()
    for role in sorted((root / "roles").iterdir()) if (root / "roles").is_dir() else ():
        names |= _role_names(role)
    for path in sorted((root / "playbooks").glob("*.yml")):
        names |= _playbook_names(path)
    return frozenset(name for name in names if isinstance(name, str))


def namespace_of(name, namespaces):
    """The namespace a variable belongs to (upper case counts: AWSCLI_VERSION is a typo too), or None."""
    lowered = name.lower()
    matching = [prefix for prefix in namespaces if lowered.startswith(prefix)]
    return max(matching, key=len) if matching else None


def closest(name, known, namespaces):
    """The known name most like name, or None when none is close enough.

    Only the parts after the prefixes are compared: every name of a namespace
    shares its prefix, which would make any two of them look alike. A match in
    the name's own namespace wins a tie, so awscli_verison gives
    awscli_version, while aws_sso_version still finds awscli_version.
    """
    own = namespace_of(name, namespaces)
    stem = name.lower()[len(own) :] if own else name.lower()
    best, best_key = None, None
    for candidate in sorted(known):
        prefix = namespace_of(candidate, namespaces)
        if prefix is None:
            continue
        matcher = difflib.SequenceMatcher(None, stem, candidate[len(prefix) :])
        ratio = matcher.ratio()
        key = (ratio, prefix == own)
        if ratio >= CUTOFF and (best_key is None or key > best_key):
            best, best_key = candidate, key
    return best


def unknown(names, known, namespaces=NAMESPACES):
    """Sorted (name, closest known name or None) for each name of the namespaces that known lacks.

    Names starting with two underscores are the roles' internal ones and never checked.
    """
    known = frozenset(known)
    return [
        (name, closest(name, known, namespaces))
        for name in sorted(set(names))
        if isinstance(name, str) and not name.startswith("__") and namespace_of(name, namespaces) and name not in known
    ]


def describe(found):
    """One clause per unknown variable: "name: did you mean known?" or why there is no suggestion."""
    return [
        "%s: did you mean %s?" % (name, match) if match else "%s: no variable of labcloud.aws_sso is like it" % name
        for name, match in found
    ]


def message(host, found, mode):
    """The whole report for a host, in one line: every unknown variable, then what to do."""
    count = len(found)
    head = "%s: %d variable%s unknown to labcloud.aws_sso would be ignored silently: " % (
        host,
        count,
        "" if count == 1 else "s",
    )
    if mode == "warn":
        tail = "going on, as %s is warn" % SWITCH
    else:
        tail = (
            "stopped before changing anything; correct the names where they are set (group_vars, host_vars, -e), "
            "or set %s: warn for variables that belong to something else" % SWITCH
        )
    return head + "; ".join(describe(found)) + " -- " + tail
