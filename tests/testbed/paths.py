"""Where the test ground keeps what it builds.

Everything lives under one cache directory that survives between runs and
clones (images, downloaded wheels and installer zips are slow to rebuild).
Every testbed script takes its locations from here so they agree.
"""

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

CACHE = Path(
    os.environ.get("LABCLOUD_CACHE")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "labcloud-aws-sso"
)

# AWS CLI version -> release of the PyPI package aws-cdk-asset-awscli-v2 that carries it.
AWSCLI_RELEASES = {
    "2.36.33": "2.0.190",
    "2.38.5": "2.0.198",
}
AWSCLI_LATEST = "2.38.5"

WHEELS = CACHE / "wheels"
# CACHE/awscli/<cli version>/dist/aws is a runnable real AWS CLI v2.
AWSCLI = CACHE / "awscli"
# Served over HTTP with the official site's layout:
#   MIRROR/awscli-exe-linux-x86_64-<version>.zip (+ .sig)
#   MIRROR/awscli-exe-linux-x86_64.zip (+ .sig)            the "latest"
#   MIRROR/awscli-exe-linux-aarch64[-<version>].zip (+ .sig)
#                         the x86_64 zip under the aarch64 name, signed by the
#                         test key (no aarch64 build can be fetched here; the
#                         arm64 test host runs it through its amd64 libc)
#   MIRROR/tampered/...   same names, one byte changed, original signature
#   MIRROR/untrusted/...  same names, signed by a key nobody trusts
#   MIRROR/broken/...     the latest version only, validly signed, but its
#                         aws/install fails half-way (rollback tests)
#   MIRROR/rollback/awscli-exe-linux-x86_64.zip (+ .sig)
#                         the OLDEST version, validly signed, served as latest
MIRROR = CACHE / "mirror"
# Throwaway signing keys made by the test tooling, never committed:
#   GPG/test-signing.asc + GPG/test-signing.fpr   (the key tests trust)
#   GPG/untrusted.asc    + GPG/untrusted.fpr
GPG = CACHE / "gpg"

IMAGES = {
    "bookworm": "localhost/labcloud-bookworm:latest",
    "trixie": "localhost/labcloud-trixie:latest",
}
# Hosts of another architecture, run under qemu-user through binfmt_misc
# (hosts.sh installs and registers the emulator): name -> (Debian codename,
# Debian architecture, image). Kept apart from IMAGES, whose every entry the
# fleet tests start natively.
FOREIGN_IMAGES = {
    "bookworm-arm64": ("bookworm", "arm64", "localhost/labcloud-bookworm-arm64:latest"),
}
ARM64_IMAGE = FOREIGN_IMAGES["bookworm-arm64"][2]


def awscli_dist(version=AWSCLI_LATEST):
    """Return the dist/ directory of a real AWS CLI v2 of that version."""
    return AWSCLI / version / "dist"


def awscli_bin(version=AWSCLI_LATEST):
    return awscli_dist(version) / "aws"
