#!/usr/bin/env bash
# make demo-local: apply a lab's SSO declaration to a throwaway HOME on localhost,
# show the file, prove the real AWS CLI v2 reads it, then change one thing
# and show the diff and that a re-run changes nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/labcloud-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/home/.aws"
cp demo/existing-config "$work/home/.aws/config"
cp docs/examples/lab.yml "$work/lab.yml"
aws_bin=$(.venv/bin/python -c 'from tests.testbed.paths import awscli_bin; print(awscli_bin())')
run() {
  ansible-playbook labcloud.aws_sso.aws_config -i localhost, -c local -e aws_config_become=false \
    -e ansible_python_interpreter=/usr/bin/python3 -e "@$work/lab.yml" \
    -e "{\"aws_config_users\": [{\"user\": \"$(id -un)\", \"path\": \"$work/home/.aws/config\"}]}" "$@"
}
cli() { env -i PATH=/usr/bin:/bin HOME="$work/home" "$aws_bin" "$@"; }

echo "== 1. Apply the lab declaration to an existing hand-written config"
run --diff
echo "== The resulting ~/.aws/config"
cat "$work/home/.aws/config"
echo "== What the real AWS CLI v2 reads from it"
cli --version
echo "profiles: $(cli configure list-profiles | tr '\n' ' ')"
echo "dev uses sso_session=$(cli configure get sso_session --profile dev)," \
  "portal $(cli configure get sso_start_url --sso-session lab)"
echo "== 2. Re-run: nothing changes"
run | grep -E 'changed=0' >/dev/null && echo "idempotent: changed=0"
echo "== 3. Move dev to eu-west-1: one line changes"
sed -i 's/region: us-west-2/region: eu-west-1/' "$work/lab.yml"
run --diff | sed -n '/^---/,/^changed/p'
