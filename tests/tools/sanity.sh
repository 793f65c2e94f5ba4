#!/usr/bin/env bash
# ansible-test sanity on what users get: the built collection tarball plus its
# ignore files, unpacked into ROOT (ansible_collections/labcloud/aws_sso), with
# the ansible-test of the venv VENV_BIN and Python PYVER.
#   tests/tools/sanity.sh VENV_BIN PYVER ROOT
set -euo pipefail
bin=$1 pyver=$2 root=$3
rm -rf "$root" && mkdir -p "$root"
tar -xzf build/dist/labcloud-aws_sso-*.tar.gz -C "$root"
mkdir -p "$root/tests" && cp -r tests/sanity "$root/tests/"
# ansible-test lists files with git; without a repo of its own it would use
# this checkout's, where build/ is ignored.
git -C "$root" init -q
"$bin/python" tests/tools/offline_get_pip.py --install
cd "$root" && "$bin/ansible-test" sanity --requirements --python "$pyver" --color no
