"""The one controller-side writer: atomic, mode from the umask, untouched when nothing changed."""

import os

from ansible_collections.labcloud.aws_sso.plugins.plugin_utils import controller_files


def test_write_atomic_mode_change_and_no_leftovers(tmp_path):
    old = os.umask(0o027)
    try:
        path = tmp_path / "report.json"
        assert controller_files.write_atomic(str(path), "one\n") is True
        assert path.read_text() == "one\n"
        assert oct(path.stat().st_mode & 0o777) == oct(0o640)
        assert controller_files.write_atomic(str(path), "one\n") is False
        assert controller_files.write_atomic(str(path), "two\n") is True
        assert path.read_text() == "two\n"
        assert os.listdir(tmp_path) == ["report.json"]
    finally:
        os.umask(old)


def test_a_narrower_mode_and_utf8_whatever_the_locale(tmp_path):
    old = os.umask(0o002)
    try:
        path = tmp_path / "profiles.yml"
        assert controller_files.write_atomic(str(path), "name: caf\u00e9\n", mode=0o644) is True
        assert oct(path.stat().st_mode & 0o777) == oct(0o644)
        assert path.read_bytes() == "name: caf\u00e9\n".encode("utf-8")
    finally:
        os.umask(old)


def test_a_failed_write_leaves_the_old_file_and_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "report.md"
    path.write_text("old\n")

    def refuse(src, dst):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(os, "rename", refuse)
    try:
        controller_files.write_atomic(str(path), "new\n")
    except OSError as exc:
        assert exc.errno == 30
    else:
        raise AssertionError("the failed rename was not reported")
    assert path.read_text() == "old\n" and os.listdir(tmp_path) == ["report.md"]
