"""Background test servers: started once, found again by later commands, stopped cleanly.

The installer mirror and the local Identity Center both run as
`python -m tests.testbed.<name> serve` in their own session, announce
themselves in a JSON state file under paths.CACHE/run/, and log beside it.
"""

import json
import os
import signal
import subprocess
import sys
import time

from tests.testbed import paths

RUN_DIR = paths.CACHE / "run"


class Daemon:
    def __init__(self, name):
        self.module = f"tests.testbed.{name}"
        self.state_file = RUN_DIR / f"{name}.json"
        self.log_file = RUN_DIR / f"{name}.log"

    def is_ours(self, pid):
        """True if pid is this server's process, not a recycled pid."""
        try:
            cmdline = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
        except OSError:
            return False
        return self.module.encode() in cmdline and b"serve" in cmdline

    def read_state(self):
        """The state of the running server, or None."""
        try:
            state = json.loads(self.state_file.read_text())
        except (OSError, ValueError):
            return None
        if not isinstance(state, dict) or not self.is_ours(state.get("pid")):
            return None
        return state

    def write_state(self, state, path=None):
        path = path or self.state_file
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(path.name + ".tmp")
        temp.write_text(json.dumps(state, indent=2) + "\n")
        os.replace(temp, path)

    def start(self, extra_args, ready, timeout=30):
        """Spawn `serve` and return its state once ready(state) holds, else None."""
        RUN_DIR.mkdir(parents=True, exist_ok=True)
        self.state_file.unlink(missing_ok=True)
        command = [sys.executable, "-m", self.module, "serve", *extra_args]
        with open(self.log_file, "ab") as log:
            proc = subprocess.Popen(
                command,
                cwd=paths.REPO,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and proc.poll() is None:
            state = self.read_state()
            if state and state["pid"] == proc.pid and ready(state):
                return state
            time.sleep(0.05)
        if proc.poll() is None:
            proc.terminate()
        return None

    def stop(self):
        state = self.read_state()
        if state is not None:
            pid = state["pid"]
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and self.is_ours(pid):
                time.sleep(0.05)
            if self.is_ours(pid):
                os.kill(pid, signal.SIGKILL)
        self.state_file.unlink(missing_ok=True)
