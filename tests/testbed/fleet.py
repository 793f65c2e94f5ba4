"""Podman "hosts" for the demo, the benchmarks and the tests.

A host is a container of one of the test images (paths.IMAGES) that Ansible
reaches through the containers.podman.podman connection. On the host network
by default, so that the test servers on 127.0.0.1 (installer mirror,
Identity Center) are reachable from inside. Containers are recorded before
they are started and removed on exit, also after an exception or Ctrl-C
half-way through starting them.

    with Fleet({"ws1": paths.IMAGES["bookworm"]}, command=SLEEP) as hosts:
        exec_root("ws1", "sh", "-c", useradd_script(["alice"]), check=True)
        write_inventory(path, hosts.names)
"""

import json
import subprocess

HOST_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
USER_PATH = "/usr/local/bin:/usr/bin:/bin"
HOST_ENV = {"PATH": HOST_PATH}
# For images whose own command would exit: keeps the container up for exec.
SLEEP = ("sleep", "infinity")
CONNECTION = "containers.podman.podman"
INTERPRETER = "/usr/bin/python3"


class PodmanError(RuntimeError):
    pass


def podman(*args, timeout=120, input=None, check=False, text=True):
    """podman with a clean PATH, output captured, never waiting on our stdin."""
    run = subprocess.run(
        ["podman", *args],
        input=input,
        stdin=None if input is not None else subprocess.DEVNULL,
        capture_output=True,
        text=text,
        timeout=timeout,
        env=HOST_ENV,
        check=False,
    )
    if check and run.returncode != 0:
        err = run.stderr if text else run.stderr.decode(errors="replace")
        raise PodmanError("podman %s exited %d: %s" % (" ".join(args[:4]), run.returncode, err.strip()[-2000:]))
    return run


def missing_images(images):
    """The images of `images` that podman does not have (hosts.sh builds them)."""
    return [image for image in images if podman("image", "exists", image).returncode]


def remove(*names, timeout=180):
    """Remove containers, running or not, without waiting for a clean stop."""
    if names:
        podman("rm", "-f", "-t", "0", "--ignore", *names, timeout=timeout)


class Fleet:
    """Named containers, one image each, removed on exit.

    hosts: container name -> image. labels go to every container (so a
    later run can find what a killed one left), run_args to `podman run`
    (resource limits), command after the image. runner runs the podman calls
    that start containers (the demo passes its own, which it can stop on
    Ctrl-C); removal always uses the plain podman(), since it must work
    after the runner was interrupted."""

    def __init__(self, hosts, labels=None, run_args=(), command=(), network="host", runner=podman):
        self.hosts = dict(hosts)
        self.labels = dict(labels or {})
        self.run_args = list(run_args)
        self.command = list(command)
        self.network = network
        self.runner = runner
        self.started = []

    @property
    def names(self):
        return list(self.hosts)

    def add(self, name, image):
        """One more host, started by start() or start_one(name); returns its name."""
        self.hosts[name] = image
        return name

    def start_one(self, name, check=True):
        # Recorded before `podman run`: an interrupt during it must still remove it.
        self.started.append(name)
        labels = [arg for key, value in self.labels.items() for arg in ("--label", "%s=%s" % (key, value))]
        argv = ["run", "-d", "--network", self.network, "--name", name, *labels, *self.run_args]
        return self.runner(*argv, self.hosts[name], *self.command, check=check)

    def start(self):
        """Start every host; if one fails (or Ctrl-C), remove those started and raise."""
        try:
            for name in self.hosts:
                self.start_one(name)
        except BaseException:
            self.remove()
            raise
        return self

    def remove(self, timeout=180):
        remove(*self.started, timeout=timeout)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.remove()
        return False


def label_value(labels, key):
    """The value of label key in podman's {{.Labels}}, printed as map[k1:v1 k2:v2]."""
    for item in labels.strip().removeprefix("map[").removesuffix("]").split():
        k, _sep, v = item.partition(":")
        if k == key:
            return v
    return None


def labelled(label, runner=podman):
    """{container name: its labels as podman prints them} of the containers carrying label."""
    res = runner("ps", "-a", "--filter", f"label={label}", "--format", "{{.Names}} {{.Labels}}", check=False)
    return dict(line.partition(" ")[::2] for line in res.stdout.splitlines())


def root_argv(name, *argv):
    """argv as root in the container, with nothing of podman's or the image's environment."""
    return ["podman", "exec", name, "env", "-i", f"PATH={HOST_PATH}", "HOME=/root", "LANG=C.UTF-8", *argv]


def exec_root(name, *argv, timeout=300, input=None, check=False):
    return podman(*root_argv(name, *argv)[1:], timeout=timeout, input=input, check=check)


def user_argv(name, user, *argv, env=None):
    """argv as user in their home, started with an empty environment as a
    fresh SSH session would be: all they get is what their files set (and env)."""
    extra = [f"{key}={value}" for key, value in (env or {}).items()]
    return [
        "podman", "exec", "--user", user, "--workdir", f"/home/{user}", name,
        "env", "-i", f"HOME=/home/{user}", f"USER={user}", f"LOGNAME={user}", f"PATH={USER_PATH}",
        "LANG=C.UTF-8", *extra, *argv,
    ]  # fmt: skip


def login_shell_argv(name, user, command, env=None):
    """command in user's bash login shell (their ~/.profile and ~/.bashrc)."""
    return user_argv(name, user, "bash", "-lc", command, env=env)


def exec_user(name, user, *argv, env=None, timeout=120, check=False):
    return podman(*user_argv(name, user, *argv, env=env)[1:], timeout=timeout, check=check)


def useradd_script(users, first_uid=None):
    """A shell script adding users with homes and bash; uids from first_uid on if given."""
    uid = ["-u %d " % (first_uid + index) if first_uid is not None else "" for index in range(len(users))]
    return " && ".join("useradd -m -s /bin/bash %s%s" % (u, user) for u, user in zip(uid, users)) or "true"


def write_inventory(path, hosts, interpreter=INTERPRETER, group_vars=None):
    """An inventory of containers, through the podman connection.

    hosts: container names, or inventory name -> host variables (with
    ansible_host naming the container when the two differ)."""
    if not isinstance(hosts, dict):
        hosts = {name: {} for name in hosts}
    group = {"ansible_connection": CONNECTION, "ansible_python_interpreter": interpreter, **(group_vars or {})}
    path.write_text(json.dumps({"all": {"vars": group, "hosts": hosts}}, indent=2))
    return path
