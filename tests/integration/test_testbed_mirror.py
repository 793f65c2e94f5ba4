"""The local installer mirror: the official URL layout, HTTP caching
validators, request counting, and the three signature outcomes the install
role must tell apart (good, tampered, untrusted)."""

import email.utils
import hashlib
import json
import os
import subprocess
import urllib.error
import urllib.request
import zipfile

import pytest

from tests.testbed import awscli, mirror, paths

LATEST = "/awscli-exe-linux-x86_64.zip"
PINNED = "/awscli-exe-linux-x86_64-2.36.33.zip"


def request(url, method="GET", headers=None):
    """(status, headers, body) without raising on 3xx/4xx."""
    req = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, err.headers, err.read()


@pytest.fixture
def m(awscli_mirror):
    awscli_mirror.reset_stats()
    return awscli_mirror


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_official_layout_is_served(m):
    for version in paths.AWSCLI_RELEASES:
        for suffix in ("", ".sig"):
            for variant in ("", "tampered/", "untrusted/"):
                status, _, _ = request(
                    f"{m.url}/{variant}awscli-exe-linux-x86_64-{version}.zip{suffix}",
                    "HEAD",
                )
                assert status == 200, (variant, version, suffix)
    for suffix in ("", ".sig"):
        for variant in ("", "tampered/", "untrusted/"):
            assert request(f"{m.url}/{variant}awscli-exe-linux-x86_64.zip{suffix}", "HEAD")[0] == 200


def test_latest_is_the_latest_version():
    latest = awscli.mirror_file()
    assert os.path.samefile(latest, awscli.mirror_file(paths.AWSCLI_LATEST))
    with zipfile.ZipFile(latest) as zf:
        names = zf.namelist()
    assert "aws/install" in names
    assert "aws/dist/aws" in names
    assert all(n.startswith("aws/") for n in names)


def test_get_and_head_headers(m):
    path = awscli.mirror_file(paths.AWSCLI_LATEST).with_suffix(".zip.sig")
    url = f"{m.url}/{path.name}"
    status, headers, body = request(url)
    assert status == 200
    assert body == path.read_bytes()
    assert int(headers["Content-Length"]) == len(body)
    assert headers["ETag"] == f'"{sha256(path)}"'
    assert email.utils.parsedate_to_datetime(headers["Last-Modified"]).timestamp() == int(path.stat().st_mtime)

    status, head_headers, head_body = request(url, "HEAD")
    assert status == 200
    assert head_body == b""
    for name in ("Content-Length", "ETag", "Last-Modified"):
        assert head_headers[name] == headers[name]


def test_zip_download_is_complete(m):
    status, headers, body = request(m.url + PINNED)
    assert status == 200
    assert headers["Content-Type"] == "application/zip"
    assert hashlib.sha256(body).hexdigest() == sha256(awscli.mirror_file("2.36.33"))


def test_if_none_match_gives_304(m):
    status, headers, _ = request(m.url + LATEST, "HEAD")
    etag = headers["ETag"]
    status, headers304, body = request(m.url + LATEST, headers={"If-None-Match": etag})
    assert status == 304
    assert body == b""
    assert headers304["ETag"] == etag
    # Lists, weak forms and * match too; another tag does not.
    assert request(m.url + LATEST, "HEAD", {"If-None-Match": f'"x", W/{etag}'})[0] == 304
    assert request(m.url + LATEST, "HEAD", {"If-None-Match": "*"})[0] == 304
    assert request(m.url + LATEST, "HEAD", {"If-None-Match": '"0000"'})[0] == 200


def test_if_modified_since(m):
    _, headers, _ = request(m.url + LATEST, "HEAD")
    last_modified = headers["Last-Modified"]
    assert request(m.url + LATEST, headers={"If-Modified-Since": last_modified})[0] == 304
    earlier = email.utils.formatdate(email.utils.parsedate_to_datetime(last_modified).timestamp() - 1, usegmt=True)
    assert request(m.url + LATEST, "HEAD", {"If-Modified-Since": earlier})[0] == 200
    assert request(m.url + LATEST, "HEAD", {"If-Modified-Since": "not a date"})[0] == 200
    # If-None-Match wins over If-Modified-Since when both are sent.
    assert (
        request(
            m.url + LATEST,
            "HEAD",
            {"If-Modified-Since": last_modified, "If-None-Match": '"other"'},
        )[0]
        == 200
    )


def test_etag_differs_between_files(m):
    tags = {request(m.url + p, "HEAD")[1]["ETag"] for p in (LATEST, PINNED, "/tampered" + LATEST)}
    assert len(tags) == 3


def test_not_found_and_hidden(m):
    for path in (
        "/nope.zip",
        "/.manifest.json",
        "/tampered",
        "/",
        "/../mirror/awscli-exe-linux-x86_64.zip",
        "/%2e%2e/gpg/test-signing.asc",
    ):
        assert request(m.url + path)[0] == 404, path


def test_stats_count_and_reset(m):
    request(m.url + LATEST, "HEAD")
    _, headers, _ = request(m.url + LATEST + ".sig")
    request(m.url + LATEST + ".sig", headers={"If-None-Match": headers["ETag"]})
    request(m.url + "/missing.zip")

    status, _, body = request(m.url + "/_stats")
    assert status == 200
    stats = json.loads(body)
    assert stats == m.stats()
    assert stats[LATEST]["HEAD"] == 1 and stats[LATEST]["GET"] == 0
    assert stats[LATEST + ".sig"]["GET"] == 2
    assert stats[LATEST + ".sig"]["status"] == {"200": 1, "304": 1}
    assert stats[LATEST + ".sig"]["bytes"] == awscli.mirror_file().with_suffix(".zip.sig").stat().st_size
    assert stats["/missing.zip"]["status"] == {"404": 1}
    assert "/_stats" not in stats

    status, _, body = request(m.url + "/_stats/reset", "POST")
    assert status == 200
    assert json.loads(request(m.url + "/_stats")[2]) == {}


def test_binds_loopback_only(m):
    host, port = m._httpd.server_address
    assert host == "127.0.0.1"
    assert port != 0


def test_cli_start_env_stop(tmp_path, monkeypatch):
    """The background mode used by `make` and shell scripts."""
    env = dict(os.environ, LABCLOUD_CACHE=str(paths.CACHE))
    cli = [os.sys.executable, "-m", "tests.testbed.mirror"]

    def call(*args):
        return subprocess.run(
            cli + list(args),
            capture_output=True,
            text=True,
            cwd=paths.REPO,
            env=env,
            timeout=60,
            check=False,
        )

    was_running = mirror.running_url()
    started = call("start")
    try:
        assert started.returncode == 0, started.stderr
        line = started.stdout.strip()
        assert line.startswith("AWSCLI_MIRROR_URL=http://127.0.0.1:")
        url = line.split("=", 1)[1]
        assert call("start").stdout.strip() == line  # idempotent
        assert call("env").stdout.strip() == line
        assert request(url + LATEST, "HEAD")[0] == 200
        state = json.loads(mirror.STATE_FILE.read_text())
        assert state["url"] == url and state["pid"] > 0
    finally:
        if not was_running:
            assert call("stop").returncode == 0
    if not was_running:
        assert call("env").returncode == 1
        with pytest.raises(urllib.error.URLError):
            urllib.request.urlopen(url + "/_stats", timeout=5)


# --- signatures, as the install role checks them ------------------------------


@pytest.fixture
def verifier(tmp_path):
    """gpg --verify in a throwaway GNUPGHOME holding only the test public key."""
    home = tmp_path / "gnupg"
    home.mkdir(mode=0o700)
    env = {"PATH": "/usr/bin:/bin", "GNUPGHOME": str(home), "HOME": str(tmp_path)}
    subprocess.run(
        ["gpg", "--batch", "--quiet", "--import", str(paths.GPG / "test-signing.asc")],
        env=env,
        check=True,
        capture_output=True,
    )

    def verify(zip_path, sig_path):
        res = subprocess.run(
            [
                "gpg",
                "--batch",
                "--status-fd",
                "1",
                "--verify",
                str(sig_path),
                str(zip_path),
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        status = [line.split()[1:] for line in res.stdout.splitlines() if line.startswith("[GNUPG:] ")]
        return res.returncode, status

    yield verify
    subprocess.run(["gpgconf", "--kill", "all"], env=env, check=False, capture_output=True)


def download(url, dest):
    subprocess.run(["curl", "-fsS", "-o", str(dest), url], check=True, timeout=120)
    return dest


def keywords(status):
    return {fields[0]: fields[1:] for fields in status}


@pytest.mark.parametrize(
    "name",
    [
        "awscli-exe-linux-x86_64.zip",
        "awscli-exe-linux-x86_64-2.36.33.zip",
        "awscli-exe-linux-aarch64.zip",
        "awscli-exe-linux-aarch64-2.38.5.zip",
    ],
)
def test_good_zip_has_validsig_with_full_fingerprint(m, verifier, tmp_path, name):
    fpr = (paths.GPG / "test-signing.fpr").read_text().strip()
    assert len(fpr) == 40 and all(c in "0123456789ABCDEF" for c in fpr)
    zip_path = download(f"{m.url}/{name}", tmp_path / name)
    sig_path = download(f"{m.url}/{name}.sig", tmp_path / (name + ".sig"))
    rc, status = verifier(zip_path, sig_path)
    kw = keywords(status)
    assert rc == 0
    assert "VALIDSIG" in kw and kw["VALIDSIG"][0] == fpr
    assert "GOODSIG" in kw
    assert not {"BADSIG", "ERRSIG", "EXPKEYSIG", "REVKEYSIG"} & kw.keys()
    if name == "awscli-exe-linux-x86_64.zip":
        # The zip unpacks with unzip, as on the test hosts (one is enough).
        subprocess.run(["unzip", "-tq", str(zip_path)], check=True, capture_output=True)
    stats = m.stats()
    assert stats[f"/{name}"]["status"] == {"200": 1}


@pytest.mark.parametrize("version", [None, *paths.AWSCLI_RELEASES])
def test_aarch64_names_serve_the_x86_64_build_and_its_signature(version):
    # No aarch64 build can be fetched here; the arm64 test host runs this one
    # natively (tests/integration/test_arm64_host.py says what that proves).
    x86, arm = awscli.mirror_file(version), awscli.mirror_file(version, arch="aarch64")
    assert arm.name == awscli.installer_name(version).replace("x86_64", "aarch64")
    assert os.path.samefile(arm, x86)
    assert os.path.samefile(arm.with_suffix(".zip.sig"), x86.with_suffix(".zip.sig"))


def test_tampered_zip_gives_badsig(m, verifier, tmp_path):
    name = "awscli-exe-linux-x86_64.zip"
    zip_path = download(f"{m.url}/tampered/{name}", tmp_path / name)
    sig_path = download(f"{m.url}/tampered/{name}.sig", tmp_path / (name + ".sig"))
    good = awscli.mirror_file()
    # Exactly one byte differs from the good zip, and the signature is the good one.
    assert good.stat().st_size == zip_path.stat().st_size
    diff = subprocess.run(
        ["cmp", "-l", str(good), str(zip_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert len(diff.stdout.splitlines()) == 1, diff.stdout
    assert sig_path.read_bytes() == good.with_suffix(".zip.sig").read_bytes()
    rc, status = verifier(zip_path, sig_path)
    kw = keywords(status)
    assert rc != 0
    assert "BADSIG" in kw
    assert "VALIDSIG" not in kw and "GOODSIG" not in kw
    # Still a valid archive: only the signature betrays it.
    subprocess.run(["unzip", "-tq", str(zip_path)], check=True, capture_output=True)


def test_untrusted_zip_gives_errsig_no_pubkey(m, verifier, tmp_path):
    name = "awscli-exe-linux-x86_64-2.38.5.zip"
    zip_path = download(f"{m.url}/untrusted/{name}", tmp_path / name)
    sig_path = download(f"{m.url}/untrusted/{name}.sig", tmp_path / (name + ".sig"))
    assert zip_path.read_bytes() == awscli.mirror_file(paths.AWSCLI_LATEST).read_bytes()
    rc, status = verifier(zip_path, sig_path)
    kw = keywords(status)
    assert rc != 0
    assert "ERRSIG" in kw and "NO_PUBKEY" in kw
    untrusted_fpr = (paths.GPG / "untrusted.fpr").read_text().strip()
    assert untrusted_fpr.endswith(kw["NO_PUBKEY"][0])
    assert "VALIDSIG" not in kw and "GOODSIG" not in kw


def test_signature_is_detached_binary():
    sig = awscli.mirror_file().with_suffix(".zip.sig").read_bytes()
    assert not sig.startswith(b"-----BEGIN")
    assert 50 < len(sig) < 1024
