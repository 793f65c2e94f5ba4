"""The scenario's own local Identity Center (moto STS + portal + OIDC).

    python idc_server.py STATE_FILE

Runs until SIGTERM. Writes {pid, url, sts_url, admin_url, start_url, region}
to STATE_FILE once it answers. Its own server, not the shared `idc start`
daemon: the scenario changes settings (device-code lifetime, token
lifetimes) that would disturb anyone else using a shared one.
"""

import copy
import json
import os
import signal
import sys
import threading

from tests.testbed import idc

DEVELOPER = {"111111111111": ["Developer"]}


def main(state_file):
    directory = copy.deepcopy(idc.DEFAULT_DIRECTORY)
    # Every host user of the scenario signs in as the Identity Center user
    # of the same name, with the role the profile `dev` asks for.
    for name in ("alice", "bob", "carol", "dave", "erin", "frank", "grace"):
        directory["users"][name] = {"email": "%s@labcloud.test" % name, "access": dict(DEVELOPER)}
    testbed = idc.Testbed(directory)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    state = {
        "pid": os.getpid(),
        "url": testbed.url,
        "sts_url": testbed.sts_url,
        "admin_url": testbed.admin_url,
        "start_url": testbed.start_url,
        "region": testbed.region,
        "env": testbed.env,
    }
    tmp = state_file + ".tmp"
    with open(tmp, "w") as handle:
        json.dump(state, handle)
    os.replace(tmp, state_file)
    try:
        done.wait()
    finally:
        testbed.stop()
        if os.path.exists(state_file):
            os.unlink(state_file)


if __name__ == "__main__":
    main(sys.argv[1])
