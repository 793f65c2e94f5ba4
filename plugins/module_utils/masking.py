# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""The one masker: secret values out of every diff and message.

Three entry points share one set of rules:

mask_ini(text)      AWS config and credentials files (diffs).
mask_shell(text)    shell start-up files: sh, bash, zsh, csh, fish (diffs).
mask_message(text)  free text, such as an error quoting a line of a user's file.

Rules by name: the value of a key or variable whose name looks secret
(is_secret_name) is replaced by MASK; in INI text that includes commented-out
keys, continuation lines and nested sub-settings, and credential_process
keeps its program but not its arguments. Rules by value, whatever the name,
in every kind of text: passwords in URLs (scheme://user:pw@host), tokens of
a known form (GitHub, GitLab, Slack, AWS access key ids, JWTs, PEM private
keys) and long random-looking blobs. Masking too much is harmless, too
little is a leak: when in doubt, a rule masks.

Only the standard library, Python 3.7+: this runs on managed hosts and on
the controller.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

MASK = "********"

# Names that carry credentials in AWS files and in the environment, or that
# tools commonly use for them (credential_process runs a command line that
# may embed a key; GH_PAT, SSH_KEY, DATABASE_PASSWORD, SLACK_AUTH...).
_SECRET_NAME_RE = re.compile(
    r"secret|token|passw|passphrase|private|credential|access_?key|session_?key|api_?key|auth|cookie"
    r"|(?:^|[_.-])(?:pat|pw|pwd|dsn)(?:$|[_.-])|[_.-]key(?:$|[_.-])",
    re.IGNORECASE,
)

# -- rules by value: anywhere in any text ---------------------------------------

_PEM_RE = re.compile(r"(-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----)(.*?)(-----END [A-Z0-9 ]*PRIVATE KEY-----|\Z)", re.DOTALL)
# scheme://user:password@host: the password goes, the rest says where.
_URL_PASSWORD_RE = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://[^\s/@:'\"]*:)([^\s/'\"]+)@")
# scheme://TOKEN@host: a long user part is a token (https://x@github.com).
_URL_TOKEN_RE = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://)([A-Za-z0-9._~%+-]{20,})@")
_KNOWN_TOKEN_RE = re.compile(
    r"\b(?:"
    r"gh[pousr]_[A-Za-z0-9]{16,}"  # GitHub
    r"|github_pat_[A-Za-z0-9_]{16,}"
    r"|glpat-[A-Za-z0-9_-]{16,}"  # GitLab
    r"|xox[abposr]-[A-Za-z0-9-]{8,}"  # Slack
    r"|(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}"  # AWS access key ids
    r"|sk-[A-Za-z0-9_-]{20,}"  # OpenAI, Anthropic, Stripe
    r"|AIza[A-Za-z0-9_-]{30,}"  # Google API keys
    r"|npm_[A-Za-z0-9]{30,}"
    r"|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"  # JWT
    r")"
)
# A long run of base64/hex characters standing on its own. Not after a `/`
# or `.` (a path component, a cache file's sha1 name) and not starting
# with `/` (a path).
_BLOB_RE = re.compile(r"(?<![A-Za-z0-9_/.@+-])[A-Za-z0-9+_-][A-Za-z0-9+/_-]{31,}={0,2}(?![A-Za-z0-9_/.@+=-])")
_HEX_RE = re.compile(r"^[0-9A-Fa-f]+$")


def is_secret_name(name):
    """Whether a key or variable name looks like it holds a secret."""
    return bool(_SECRET_NAME_RE.search(name))


def _looks_random(blob):
    """Digits and letters mixed the way keys and tokens are, not like words or ids."""
    if not re.search(r"[0-9]", blob) or not re.search(r"[A-Za-z]", blob):
        return False
    return bool(_HEX_RE.match(blob)) or (bool(re.search(r"[a-z]", blob)) and bool(re.search(r"[A-Z]", blob)))


def _mask_blob(match):
    return MASK if _looks_random(match.group(0)) else match.group(0)


def mask_values(text):
    """text with every secret-looking value masked, whatever name it has or has not."""
    text = _PEM_RE.sub(lambda m: m.group(1) + MASK + m.group(3), text)
    text = _URL_PASSWORD_RE.sub(lambda m: m.group(1) + MASK + "@", text)
    text = _URL_TOKEN_RE.sub(lambda m: m.group(1) + MASK + "@", text)
    text = _KNOWN_TOKEN_RE.sub(MASK, text)
    return _BLOB_RE.sub(_mask_blob, text)


def _lines(text):
    """(body, line end) pairs; \\r\\n, \\r and \\n all end a line, as for botocore's reader."""
    return re.findall(r"([^\r\n]*)(\r\n|\r|\n|$)", text)[:-1] if text else []


# -- INI: AWS config and credentials ---------------------------------------------

# configparser: the key is everything before the first `=` or `:`.
_INI_KEY_RE = re.compile(r"^(?P<lead>\s*)(?P<key>[^=:\s][^=:]*?)(?P<sep>\s*[=:]\s*)(?P<value>.*)$")
_COMMENT_RE = re.compile(r"^(?P<prefix>\s*[#;][#;]*)(?P<rest>.*)$")
# credential_process's program: a quoted path or the first word.
_PROGRAM_RE = re.compile(r"""^(?:"[^"]*"|'[^']*'|\S+)""")


def _indent(text):
    return len(text) - len(text.lstrip())


def _mask_whole(body):
    """A line whose every word may be secret: only its indentation (and comment mark) is kept."""
    comment = _COMMENT_RE.match(body)
    lead = comment.group("prefix") + " " if comment else body[: _indent(body)]
    return lead + MASK


def _masked_value(key, value):
    if key.strip().lower() == "credential_process":
        program = _PROGRAM_RE.match(value).end()
        rest = value[program:]
        return value[:program] + rest[: _indent(rest)] + MASK if rest.strip() else value
    return MASK


def _mask_ini_setting(body):
    """`key = value` with the value masked when the key looks secret; (text, key or None)."""
    match = _INI_KEY_RE.match(body)
    if not match or match.group("key")[0] in "#;[":
        return body, None
    key = match.group("key")
    if not match.group("value") or not is_secret_name(key):
        return body, key
    return body[: match.start("value")] + _masked_value(key, match.group("value")), key


class _IniMasker:
    """Line by line, remembering whose value an indented line continues."""

    def __init__(self):
        self.key_indent = None  # indentation of the last key line, while its value may continue
        self.key_secret = False
        self.comment_indent = None  # the same for a commented-out secret key

    def line(self, body):
        stripped = body.strip()
        if not stripped:
            return body
        indent = _indent(body)
        if self.key_indent is not None and indent > self.key_indent:
            # A continuation line (configparser: deeper than its key, blank
            # lines and comments in between or not), or a nested sub-setting.
            return _mask_whole(body) if self.key_secret else self._setting_or_comment(body)
        if stripped[0] in "#;":
            return self._comment(body)
        self.comment_indent = None
        if stripped[0] == "[":
            self.key_indent = None
            return body
        masked, key = _mask_ini_setting(body)
        if key is not None:
            self.key_indent, self.key_secret = indent, is_secret_name(key)
        elif self.key_indent is not None:
            # configparser keeps the value open past a line it cannot parse,
            # for lines deeper than that one.
            self.key_indent = indent
        return masked

    def _setting_or_comment(self, body):
        if body.strip()[0] in "#;":
            return self._comment(body)
        return _mask_ini_setting(body)[0]

    def _comment(self, body):
        """A commented-out key is as secret as a live one, and so are its commented continuation lines."""
        match = _COMMENT_RE.match(body)
        rest = match.group("rest")
        if self.comment_indent is not None and rest.strip() and _indent(rest) > self.comment_indent:
            return _mask_whole(body)
        self.comment_indent = None
        masked, key = _mask_ini_setting(rest)
        if key is not None and is_secret_name(key):
            self.comment_indent = _indent(rest)
        return match.group("prefix") + masked


def mask_ini(text):
    """AWS config or credentials text with every secret value masked; everything else kept for the diff."""
    masker = _IniMasker()
    return mask_values("".join(masker.line(body) + end for body, end in _lines(text)))


# -- shell start-up files ---------------------------------------------------------

_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
# Any NAME= or `set NAME` anywhere on a line (comments included): masking too much is harmless.
_SHELL_ASSIGN_RE = re.compile(r"(?P<name>%s)\s*(?P<op>\+?=)" % _IDENT)
_SHELL_SET_RE = re.compile(
    r"\b(?P<cmd>set|setenv)(?P<flags>(?:\s+-{1,2}[A-Za-z][A-Za-z-]*)*)\s+(?P<name>%s)(?P<op>\s+|$)" % _IDENT
)


def _mask_shell_line(body):
    cut = None
    for match in list(_SHELL_ASSIGN_RE.finditer(body)) + list(_SHELL_SET_RE.finditer(body)):
        if is_secret_name(match.group("name")):
            end = match.end("op")
            cut = end if cut is None else min(cut, end)
    if cut is None:
        return body
    sep = "" if body[cut - 1 : cut] in ("=", " ", "\t") else " "
    return body[:cut] + sep + MASK


def mask_shell(text):
    """Shell text with everything after a secret-looking variable's `=` (or set/setenv NAME) masked."""
    return mask_values("".join(_mask_shell_line(body) + end for body, end in _lines(text)))


# -- free text ----------------------------------------------------------------------

# NAME=value, or name: value for names with an underscore (aws_secret_access_key:
# quoted from a file) but not "Token: ..." in a sentence, nor a URL's "://".
_MESSAGE_ASSIGN_RE = re.compile(r"(?<![\w.-])(?P<name>[A-Za-z_][\w.-]*)(?P<op>\s*=\s*|\s*:(?!//)\s*)")
_QUOTED_REST_RE = {quote: re.compile(r"(?:\\.|[^\\%s])*" % quote) for quote in "'\""}


def _opening_quote(body, start):
    """The quote right before start (a quoted line: 'token = x'), or None: the value runs to the end."""
    before = body[:start].rstrip()
    return before[-1:] if before[-1:] in ("'", '"') else None


def _value_end(body, start, quote):
    if quote is None:
        return len(body)
    return _QUOTED_REST_RE[quote].match(body, start).end()


def _mask_message_line(body):
    pos = 0
    while True:
        match = _MESSAGE_ASSIGN_RE.search(body, pos)
        if not match:
            return body
        name = match.group("name")
        if not is_secret_name(name) or (":" in match.group("op") and "_" not in name):
            pos = match.end()
            continue
        end = _value_end(body, match.end(), _opening_quote(body, match.start()))
        if end == match.end():
            pos = match.end()
            continue
        body = body[: match.end()] + MASK + body[end:]
        pos = match.end() + len(MASK)


def mask_message(text):
    """Free text (an error quoting a user's line, a program's stderr) with secret values masked.

    The value of a secret-looking NAME=value runs to the end of the line, or to
    the closing quote when the assignment is quoted ('line 3: "token = x"').
    """
    if not isinstance(text, str):
        return text
    return mask_values("".join(_mask_message_line(body) + end for body, end in _lines(text)))
