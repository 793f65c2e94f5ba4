"""The execution environment, used the way AWX and ansible-navigator use it.

`make ee` builds localhost/labcloud-aws-sso-ee (tests/ee/build.sh) and runs
this. A project directory like an AWX project (a playbook that imports the
collection's playbook, an inventory, a variables file, an SSH key as the
machine credential) is run with `ansible-navigator run` inside the EE, which
reaches two managed hosts over SSH: containers of the test ground's Debian
image running sshd on their own ports of the host network. Everything the
controller side needs (configupdater for aws_config, gpg for the installer's
signature, the collection itself) must come from the EE: the play fails
otherwise.
"""

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.testbed import paths

EE_IMAGE = "localhost/labcloud-aws-sso-ee:latest"
HOST_IMAGE = "localhost/labcloud-ee-sshd:latest"
BASE_IMAGE = "localhost/labcloud-ee-base:latest"
NAVIGATOR = Path(paths.REPO) / ".venv" / "bin" / "ansible-navigator"
# The image's user is uid 1000 (ansible-builder's default; AWX runs it so),
# while navigator under rootful podman runs it as root: the project directory
# belongs to 1000, so that either can read the key (0600) and write artifacts.
EE_UID = 1000
USERS = ["alice", "bob"]
VERSION = paths.AWSCLI_LATEST
PROJECT = Path(paths.REPO) / "build" / "ee" / "project"
# ansible-runner wraps each event in an escape sequence that the terminal
# hides (ESC[K base64 ESC[nD); colours are turned off.
EVENT_MARK = re.compile(r"\x1b\[K[A-Za-z0-9+/=]*\x1b\[\d+D|\x1b\[[0-9;]*[A-Za-z]")
HOST_ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}


def _podman(*args, timeout=120, check=True):
    result = subprocess.run(
        ["podman", *args], capture_output=True, text=True, timeout=timeout, env=HOST_ENV, check=False
    )
    if check and result.returncode:
        raise AssertionError(f"podman {' '.join(args)} failed: {result.stderr or result.stdout}")
    return result


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_ssh(port, deadline=30):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                if s.recv(64).startswith(b"SSH-"):
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"sshd on 127.0.0.1:{port} did not answer within {deadline} s")


@pytest.fixture(scope="module")
def images():
    missing = [i for i in (EE_IMAGE, HOST_IMAGE) if _podman("image", "exists", i, check=False).returncode]
    if missing:
        pytest.fail(f"images missing: {missing}; run make ee (bash tests/ee/build.sh)")


@pytest.fixture(scope="module")
def project():
    """An AWX-style project directory owned by the EE's user. It stays after
    the run (build/ee/project): the navigator log, the playbook artifacts and
    the report are what a failure is read from."""
    root = PROJECT
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    os.chmod(root, 0o755)
    key = root / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "ee-test", "-f", str(key)], check=True)
    return root


@pytest.fixture(scope="module")
def hosts(images, project):
    """Two managed hosts, each with sshd on a free port and the users."""
    tag = secrets.token_hex(3)
    started = []
    inventory = {}
    pub = (project / "id_ed25519.pub").read_text()
    try:
        for i in (1, 2):
            name = f"ee-host{i}-{tag}"
            port = _free_port()
            _podman("run", "-d", "--network", "host", "--name", name, HOST_IMAGE)
            started.append(name)
            script = (
                "set -e; mkdir -p /root/.ssh /run/sshd; chmod 700 /root/.ssh; "
                'printf "%s" "$PUB" > /root/.ssh/authorized_keys; chmod 600 /root/.ssh/authorized_keys; '
                + "".join(f"useradd --create-home --shell /bin/bash {u}; " for u in USERS)
                + f"/usr/sbin/sshd -p {port} -o ListenAddress=127.0.0.1 -o PasswordAuthentication=no "
                "-o PermitRootLogin=prohibit-password -o UsePAM=no"
            )
            _podman("exec", "-e", f"PUB={pub}", name, "sh", "-c", script)
            _wait_for_ssh(port)
            inventory[name] = {"ansible_host": "127.0.0.1", "ansible_port": port}
        yield inventory
    finally:
        for name in started:
            _podman("rm", "-f", "-t", "0", name, check=False)


def _write_project(project, hosts, mirror_url):
    gpg_key = project / "awscli-test-signing.asc"
    shutil.copy(paths.GPG / "test-signing.asc", gpg_key)
    inventory = {
        "all": {
            "hosts": hosts,
            "vars": {
                "ansible_user": "root",
                "ansible_ssh_private_key_file": str(project / "id_ed25519"),
                "ansible_ssh_common_args": "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null",
                "ansible_python_interpreter": "/usr/bin/python3",
            },
        }
    }
    (project / "inventory.yml").write_text(yaml.safe_dump(inventory))
    lab = {
        # The installer is downloaded and its signature checked inside the
        # EE (awscli_download_on_controller), then pushed to the hosts.
        "awscli_version": VERSION,
        "awscli_base_url": mirror_url,
        "awscli_download_on_controller": True,
        "awscli_controller_cache_dir": str(project / "cache"),
        "awscli_gpg_key_src": str(gpg_key),
        "awscli_gpg_fingerprint": (paths.GPG / "test-signing.fpr").read_text().strip(),
        "aws_sso_sessions": [
            {"name": "lab", "sso_start_url": "https://lab.awsapps.com/start", "sso_region": "us-east-1"}
        ],
        "aws_sso_profiles": [
            {"name": "dev", "sso_session": "lab", "sso_account_id": "012345678901", "sso_role_name": "PowerUserAccess"}
        ],
        "aws_sso_default_profile": "dev",
        "aws_sso_region": "eu-west-1",
        "aws_sso_users": USERS,
    }
    (project / "lab.yml").write_text(yaml.safe_dump(lab))
    # What an AWX project holds: a playbook of its own that imports the collection's.
    (project / "setup.yml").write_text(
        "---\n- name: Lab day one\n  ansible.builtin.import_playbook: labcloud.aws_sso.setup\n"
    )
    for path in [project, *project.rglob("*")]:
        os.chown(path, EE_UID, 0)


def _navigator(project, playbook, *extra, timeout=1200):
    argv = [
        str(NAVIGATOR),
        "run",
        str(project / playbook),
        "-i",
        str(project / "inventory.yml"),
        "-e",
        f"@{project / 'lab.yml'}",
        "--ee",
        "true",
        "--ce",
        "podman",
        "--eei",
        EE_IMAGE,
        "--pp",
        "never",
        "--mode",
        "stdout",
        # The managed hosts and the mirror listen on the host's 127.0.0.1.
        "--co=--network=host",
        "--pae",
        "true",
        "--pas",
        str(project / "artifacts" / "{playbook_name}-{time_stamp}.json"),
        "--lf",
        str(project / "navigator.log"),
        "--senv",
        "ANSIBLE_NOCOLOR=1",
        *extra,
    ]
    env = {**HOST_ENV, "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8"}
    started = time.monotonic()
    result = subprocess.run(argv, cwd=project, capture_output=True, text=True, timeout=timeout, env=env, check=False)
    result.seconds = round(time.monotonic() - started, 1)
    result.stdout = EVENT_MARK.sub("", result.stdout)
    (project / f"{playbook}.stdout").write_text(result.stdout)
    return result


def _recap(stdout):
    """host -> {ok: n, changed: n, failed: n, unreachable: n} from PLAY RECAP."""
    recap, seen = {}, False
    for line in stdout.splitlines():
        if line.startswith("PLAY RECAP"):
            seen, recap = True, {}
            continue
        if seen and ":" in line and "ok=" in line:
            host, _, rest = line.partition(":")
            recap[host.strip()] = {k: int(v) for k, v in (f.split("=") for f in rest.split())}
    return recap


def _on_host(name, *argv):
    return _podman("exec", name, *argv).stdout


# What the README tells AWX users to put in their project: the collection's
# verify playbook, then report.json kept as the job's artifacts.
VERIFY_PLAYBOOK = """---
- name: Fleet report
  ansible.builtin.import_playbook: labcloud.aws_sso.verify

- name: Keep the report with the job
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Publish report.json as the job's artifacts
      ansible.builtin.set_stats:
        per_host: false
        data:
          aws_sso_report: "{{ lookup('ansible.builtin.file', verify_report_dir ~ '/report.json') | from_json }}"
"""


def _find_key(data, key):
    """Every value of key anywhere in nested JSON."""
    if isinstance(data, dict):
        for k, v in data.items():
            if k == key:
                yield v
            else:
                yield from _find_key(v, key)
    elif isinstance(data, list):
        for v in data:
            yield from _find_key(v, key)


def _artifacts(project, playbook):
    return sorted((project / "artifacts").glob(f"{playbook}-*.json"))


def test_ee_brings_the_controller_side(images):
    """configupdater and gpg are in the EE because the collection's
    meta/execution-environment.yml asks for them, as ansible-builder reads it."""
    import ansible_builder

    introspect = Path(ansible_builder.__file__).parent / "_target_scripts" / "introspect.py"
    found = subprocess.run(
        [sys.executable, str(introspect), "introspect", str(Path(paths.REPO) / "build" / "collections")],
        capture_output=True,
        text=True,
        check=True,
    )
    wanted = yaml.safe_load(found.stdout.split("---", 1)[1])
    assert any(r.startswith("configupdater") and "labcloud.aws_sso" in r for r in wanted["python"]), wanted
    assert any(r.startswith("gnupg [platform:dpkg]") for r in wanted["system"]), wanted

    def has_configupdater(image):
        probe = ["run", "--rm", "--network", "none", image, "python3", "-c", "import configupdater"]
        return _podman(*probe, check=False).returncode == 0

    assert not has_configupdater(BASE_IMAGE), "the base image has configupdater already: this proves nothing"
    assert has_configupdater(EE_IMAGE)
    run = ["run", "--rm", "--network", "none", EE_IMAGE]
    assert _podman(*run, "gpg", "--version").stdout.startswith("gpg (GnuPG)")
    assert "labcloud.aws_sso" in _podman(*run, "ansible-galaxy", "collection", "list", "labcloud.aws_sso").stdout


def test_setup_from_the_ee(hosts, project, awscli_mirror):
    _write_project(project, hosts, awscli_mirror.url)
    awscli_mirror.reset_stats()

    first = _navigator(project, "setup.yml")
    print(f"setup in the EE: {first.seconds} s")
    assert first.returncode == 0, first.stdout[-4000:] + first.stderr[-2000:]
    recap = _recap(first.stdout)
    # localhost: the fleet report that setup ends with is written on the controller.
    assert set(recap) - {"localhost"} == set(hosts), recap
    assert all(r["failed"] == 0 and r["unreachable"] == 0 for r in recap.values()), recap
    assert all(recap[h]["changed"] > 0 for h in hosts), recap

    # The installer was fetched and its signature checked inside the EE
    # (gpg from the collection's bindep), once, into the project directory.
    zips = list((project / "cache").rglob(f"awscli-exe-linux-x86_64-{VERSION}.zip"))
    assert len(zips) == 1, zips
    gets = awscli_mirror.stats().get(f"/awscli-exe-linux-x86_64-{VERSION}.zip", {}).get("GET", 0)
    assert gets == 1, awscli_mirror.stats()
    assert "good signature by" in first.stdout

    for name in hosts:
        assert _on_host(name, "/usr/local/bin/aws", "--version").startswith(f"aws-cli/{VERSION} ")
        for user in USERS:
            config = f"/home/{user}/.aws/config"
            assert _on_host(name, "stat", "-c", "%U %a", config).split() == [user, "600"]
            text = _on_host(name, "cat", config)
            assert "[profile dev]" in text and "[sso-session lab]" in text
            assert "sso_account_id = 012345678901" in text
            shell = _on_host(name, "su", "-", user, "-c", "echo $AWS_PROFILE $AWS_REGION")
            assert shell.split() == ["dev", "eu-west-1"], shell

    # The playbook artifact navigator keeps (AWX shows the same events as the job's).
    artifacts = _artifacts(project, "setup")
    assert len(artifacts) == 1, artifacts
    assert json.loads(artifacts[0].read_text())["status"] == "successful"


def test_verify_from_the_ee(hosts, project):
    """The fleet report written by the controller side in the EE lands in
    the project directory, as job artifacts would."""
    (project / "verify.yml").write_text(VERIFY_PLAYBOOK)
    os.chown(project / "verify.yml", EE_UID, 0)
    report_dir = project / "report"
    run = _navigator(project, "verify.yml", "-e", "verify_check=token", "-e", f"verify_report_dir={report_dir}")
    print(f"verify in the EE: {run.seconds} s")
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert sorted(p.name for p in report_dir.iterdir()) == ["report.html", "report.json", "report.md"]
    report = json.loads((report_dir / "report.json").read_text())
    seen = {(row["host"], row["user"], row["profile"]): row["status"] for row in report["rows"]}
    # Nobody has signed in on these hosts: every user's profile needs a login.
    assert seen == {(h, u, "dev"): "login_required" for h in hosts for u in USERS}, seen
    # The job template's own play published report.json with set_stats: AWX
    # keeps it as the job's artifacts; navigator keeps it in its artifact.
    artifacts = _artifacts(project, "verify")
    assert len(artifacts) == 1, artifacts
    published = list(_find_key(json.loads(artifacts[0].read_text())["plays"], "aws_sso_report"))
    assert published, "no aws_sso_report in the playbook artifact"
    assert all(p["rows"] == report["rows"] for p in published), published


def test_verify_as_awx_runs_it(hosts, project):
    """AWX's own path: `ansible-runner transmit` packs the job, `ansible-runner
    worker` runs it inside the EE (what receptor starts on an execution
    node), `ansible-runner process` turns the stream back into the job's
    events; AWX reads the set_stats data of playbook_on_stats as the job's
    artifacts."""
    data = project / "runner"
    shutil.rmtree(data, ignore_errors=True)
    for sub in ("project", "inventory", "env"):
        (data / sub).mkdir(parents=True)
    # The worker unpacks the job into /runner inside the EE.
    shutil.copy(project / "id_ed25519", data / "id_ed25519")
    inventory = yaml.safe_load((project / "inventory.yml").read_text())
    inventory["all"]["vars"]["ansible_ssh_private_key_file"] = "/runner/id_ed25519"
    (data / "inventory" / "hosts.yml").write_text(yaml.safe_dump(inventory))
    extravars = yaml.safe_load((project / "lab.yml").read_text())
    extravars.update(verify_check="token", verify_report_dir="/runner/report")
    (data / "env" / "extravars").write_text(yaml.safe_dump(extravars))
    (data / "project" / "verify.yml").write_text(VERIFY_PLAYBOOK)

    runner = str(NAVIGATOR.parent / "ansible-runner")
    env = {**HOST_ENV, "HOME": os.environ.get("HOME", "/root")}
    started = time.monotonic()
    transmit = subprocess.Popen([runner, "transmit", str(data), "-p", "verify.yml"], stdout=subprocess.PIPE, env=env)
    worker = subprocess.Popen(
        ["podman", "run", "--rm", "-i", "--network", "host", EE_IMAGE]
        + ["ansible-runner", "worker", "--private-data-dir", "/runner"],
        stdin=transmit.stdout,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    transmit.stdout.close()
    process = subprocess.run(
        [runner, "process", str(data), "--ident", "verify-job"],
        stdin=worker.stdout,
        capture_output=True,
        text=True,
        timeout=1200,
        env=env,
        check=False,
    )
    worker.stdout.close()
    worker_err = worker.stderr.read().decode(errors="replace")
    assert worker.wait(60) == 0 and transmit.wait(60) == 0, worker_err[-3000:]
    print(f"verify through ansible-runner transmit | worker | process: {time.monotonic() - started:.1f} s")
    assert process.returncode == 0, EVENT_MARK.sub("", process.stdout)[-4000:] + process.stderr[-2000:]
    events = [json.loads(p.read_text()) for p in (data / "artifacts" / "verify-job" / "job_events").glob("*.json")]
    stats = [e for e in events if e.get("event") == "playbook_on_stats"]
    assert len(stats) == 1, sorted({e.get("event") for e in events})
    assert stats[0]["event_data"]["failures"] == {}, stats[0]["event_data"]
    published = stats[0]["event_data"].get("artifact_data", {}).get("aws_sso_report")
    assert published, stats[0]["event_data"].keys()
    # The files stayed in the worker's container, as they do in AWX; the
    # artifact carries the report.
    assert {(r["host"], r["user"], r["status"]) for r in published["rows"]} == {
        (h, u, "login_required") for h in hosts for u in USERS
    }


def test_setup_again_changes_nothing(hosts, project, awscli_mirror):
    """A second run changes nothing: the EE's controller side (configupdater
    rendering each user's file) agrees with what it wrote."""
    if not _artifacts(project, "setup"):
        pytest.fail("test_setup_from_the_ee did not run first")
    second = _navigator(project, "setup.yml")
    print(f"second setup in the EE: {second.seconds} s")
    assert second.returncode == 0, second.stdout[-4000:]
    recap = _recap(second.stdout)
    assert set(recap) - {"localhost"} == set(hosts), recap
    assert all(recap[h]["changed"] == 0 and recap[h]["failed"] == 0 for h in hosts), recap
