"""Platform selection of the awscli role: which tasks file and which vars file
each kind of host gets, and the early, explanatory failure for the others.

macOS and the other distributions cannot be booted here, so the role's
preflight.yml runs with ansible-playbook on localhost under faked facts (a
tiny module that returns ansible_facts, which is how facts reach a host).
"""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from tests.testbed.paths import REPO

LINK_ROOT = REPO / "build" / "link"

FAKE_FACTS_MODULE = textwrap.dedent(
    """\
    #!/usr/bin/python
    from ansible.module_utils.basic import AnsibleModule

    module = AnsibleModule({"facts": {"type": "dict", "required": True}})
    module.exit_json(changed=False, ansible_facts=module.params["facts"])
    """
)

PLAYBOOK = textwrap.dedent(
    """\
    - name: Platform selection under faked facts
      hosts: all
      gather_facts: false
      tasks:
        - name: Pretend to be another platform
          fake_facts:
            facts: "{{ fake }}"

        - name: Run the role's platform checks
          block:
            - name: Preflight
              ansible.builtin.include_role:
                name: labcloud.aws_sso.awscli
                tasks_from: preflight.yml
              vars:
                awscli_install_method: "{{ method | default('zip') }}"
            - name: Record the choice
              ansible.builtin.set_fact:
                outcome:
                  tasks: "{{ __awscli_tasks }}"
                  arch: "{{ __awscli_arch }}"
                  distro_package: "{{ __awscli_distro_package }}"
                  gpg_packages: "{{ __awscli_gpg_packages }}"
          rescue:
            - name: Record the failure
              ansible.builtin.set_fact:
                outcome:
                  failed: "{{ ansible_failed_result.msg }}"

        - name: Write the outcome
          ansible.builtin.copy:
            dest: "{{ out_dir }}/{{ inventory_hostname }}.json"
            content: "{{ outcome | to_json }}"
            mode: "0644"
    """
)


def facts(system, arch, family, distribution, major):
    return {
        "system": system,
        "architecture": arch,
        "os_family": family,
        "distribution": distribution,
        "distribution_major_version": major,
        "distribution_version": major,
    }


HOSTS = {
    "debian12": facts("Linux", "x86_64", "Debian", "Debian", "12"),
    "debian13_arm": facts("Linux", "aarch64", "Debian", "Debian", "13"),
    "ubuntu_pkg": dict(facts("Linux", "x86_64", "Debian", "Ubuntu", "24"), method="package"),
    "rocky9_arm": facts("Linux", "aarch64", "RedHat", "Rocky", "9"),
    "mac_arm": facts("Darwin", "arm64", "Darwin", "MacOSX", "14"),
    "mac_intel": facts("Darwin", "x86_64", "Darwin", "MacOSX", "13"),
    "mac_pkg": dict(facts("Darwin", "arm64", "Darwin", "MacOSX", "14"), method="package"),
    "alpine": facts("Linux", "x86_64", "Alpine", "Alpine", "3"),
    "power": facts("Linux", "ppc64le", "RedHat", "RedHat", "9"),
    "armv7": facts("Linux", "armv7l", "Debian", "Raspbian", "12"),
    "freebsd": facts("FreeBSD", "amd64", "FreeBSD", "FreeBSD", "14"),
}


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    if not (LINK_ROOT / "ansible_collections" / "labcloud" / "aws_sso").exists():
        pytest.skip("build/link is missing: run `make collection`")
    work = tmp_path_factory.mktemp("awscli-platforms")
    (work / "library").mkdir()
    (work / "library" / "fake_facts.py").write_text(FAKE_FACTS_MODULE)
    (work / "play.yml").write_text(PLAYBOOK)
    inventory = {"all": {"hosts": {}}}
    for name, host_facts in HOSTS.items():
        host_facts = dict(host_facts)
        method = host_facts.pop("method", None)
        hostvars = {
            "ansible_connection": "local",
            # The managed side runs on this machine's own python, as a real
            # host would; interpreter discovery would pick a broken shim.
            "ansible_python_interpreter": sys.executable,
            "fake": host_facts,
        }
        if method:
            hostvars["method"] = method
        inventory["all"]["hosts"][name] = hostvars
    (work / "inventory.json").write_text(json.dumps(inventory))
    out = work / "out"
    out.mkdir()
    env = dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=str(LINK_ROOT),
        ANSIBLE_LIBRARY=str(work / "library"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_RETRY_FILES_ENABLED="0",
    )
    proc = subprocess.run(
        [
            os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
            "-i",
            str(work / "inventory.json"),
            "-e",
            f"out_dir={out}",
            str(work / "play.yml"),
        ],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return {p.stem: json.loads(p.read_text()) for p in out.glob("*.json")}


@pytest.mark.parametrize(
    "host, tasks, arch",
    [
        ("debian12", "linux_zip.yml", "x86_64"),
        ("debian13_arm", "linux_zip.yml", "aarch64"),
        ("ubuntu_pkg", "linux_package.yml", "x86_64"),
        ("rocky9_arm", "linux_zip.yml", "aarch64"),
        ("mac_arm", "macos.yml", "aarch64"),
        ("mac_intel", "macos.yml", "x86_64"),
    ],
)
def test_supported_platforms_get_their_tasks(outcomes, host, tasks, arch):
    assert outcomes[host]["tasks"] == tasks
    assert outcomes[host]["arch"] == arch


def test_vars_come_from_the_os_family_file(outcomes):
    assert outcomes["debian12"]["distro_package"] == "awscli"
    assert outcomes["debian12"]["gpg_packages"] == ["gnupg"]
    assert outcomes["rocky9_arm"]["gpg_packages"] == ["gnupg2"]
    assert outcomes["rocky9_arm"]["distro_package"] == ""
    assert outcomes["mac_arm"]["gpg_packages"] == []


@pytest.mark.parametrize(
    "host, words",
    [
        ("alpine", ["glibc", "musl", "Supported"]),
        ("power", ["x86_64 and aarch64", "ppc64le"]),
        ("armv7", ["x86_64 and aarch64", "armv7l"]),
        ("freebsd", ["Linux (x86_64 or", "macOS", "FreeBSD"]),
        ("mac_pkg", ["package", "macOS"]),
    ],
)
def test_unsupported_platforms_fail_early_saying_what_is_supported(outcomes, host, words):
    message = outcomes[host]["failed"]
    for word in words:
        assert word in message
