"""docs/shells.md, written from the table in plugins/module_utils/shell_facts.py.

    python tests/tools/shells_doc.py           # rewrite it
    python tests/tools/shells_doc.py --check   # exit 1 if it is stale

tests/unit/test_shell_facts.py runs the check, so the page cannot say other
than the code does.
"""

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "build" / "link"))

from ansible_collections.labcloud.aws_sso.plugins.module_utils import shell_facts  # noqa: E402

PAGE = REPO / "docs" / "shells.md"

INTRO = """# Shell start-up files per OS family

Which files bash, zsh and fish read, and which ones `labcloud.aws_sso.shell_env`
(and so the `sso` role) writes, on each OS family. The table lives in
`plugins/module_utils/shell_facts.py`; this page is written from it by
`tests/tools/shells_doc.py`, and `tests/unit/test_shell_facts.py` holds the
page and the module's documentation to it.

The family is decided on the managed host from its own facts, never the
controller's: `platform.system()` for macOS; otherwise `ID`, then each word
of `ID_LIKE`, of `/etc/os-release` (`/usr/lib/os-release` where that is
missing). A host of no known family gets Debian's row, which is what
`shell_env` did before there were others.

## What shell_env writes

In user scope every family gets the same files, because which of them bash
reads is bash's own rule (bash(1), INVOCATION): the block at the top of
`~/.bashrc` (above an early `return` for non-interactive shells) and in the
first of `~/.bash_profile`, `~/.bash_login`, `~/.profile` that exists
(`~/.profile` is created when none does); `~/.zshenv`, read by every zsh;
`~/.config/fish/conf.d/labcloud-aws-sso.fish`, a file of its own.

In system scope (as root), per family. Where zsh or fish has two paths, the
first whose directory exists is used.

| family | os-release `ID` / `ID_LIKE` | bash | zsh | fish |
|---|---|---|---|---|
"""

READS = """
## What each shell reads

System files first, then the user's (`~`). "sshd" is the non-interactive
`bash -c command` (or `zsh -c`, `fish -c`) that sshd starts for
`ssh host command`. fish reads its `conf.d` directories, the system one then
the user's, in every shell on every family.

| family | bash login | bash interactive | bash sshd | every zsh, `zsh -c` included |
|---|---|---|---|---|
"""

GAP = """
On Arch, `ssh host command` to a bash user reads no start-up file at all
(bash is built there without `SSH_SOURCE_BASHRC`), so neither scope reaches
it: run `ssh host bash -lc command`, give the command its variables, or give
the user zsh or fish. Everywhere else the variables reach login, interactive
and sshd-started shells of all three shells.

## Where each row comes from

"""

TESTED = """
How much of this was run: the Debian row on real Debian 12 and 13 hosts
(`tests/integration/test_shell_env.py`, `molecule/sso`); the RHEL family,
SUSE and Arch rows on bookworm containers laid out as those systems are
(`tests/integration/test_os_layouts.py`; these are layouts, not the
distributions, see [testing.md](testing.md)); macOS by unit tests only.
"""


def _paths(paths, joiner=", "):
    return joiner.join("`%s`" % path for path in paths) if paths else "nothing"


def render():
    out = [INTRO]
    for row in shell_facts.FAMILIES.values():
        ids = ", ".join("`%s`" % name for name in row["ids"]) or "`platform.system()` is `Darwin`"
        writes = row["system_writes"]
        out.append(
            "| %s | %s | %s | %s | %s |\n"
            % (row["label"], ids, _paths(writes["bash"]), _paths(writes["zsh"], " or "), _paths(writes["fish"], " or "))
        )
    out.append(READS)
    for row in shell_facts.FAMILIES.values():
        bash = row["reads"]["bash"]
        out.append(
            "| %s | %s | %s | %s | %s |\n"
            % (
                row["label"],
                _paths(bash["login"]),
                _paths(bash["interactive"]),
                _paths(bash["sshd"]),
                _paths(row["reads"]["zsh"]["sshd"]),
            )
        )
    out.append(GAP)
    for row in shell_facts.FAMILIES.values():
        out.append("- **%s**: %s.\n" % (row["label"], row["source"]))
    out.append(TESTED)
    return "".join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/shells.md is stale")
    args = parser.parse_args()
    text = render()
    if args.check:
        if PAGE.read_text() != text:
            print("docs/shells.md is stale: run python tests/tools/shells_doc.py", file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
