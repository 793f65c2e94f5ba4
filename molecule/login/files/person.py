"""Play the people of the scenario: wait for the playbook's table of pending
sign-ins, then approve, deny or ignore each code as planned.

    python person.py PENDING_FILE ADMIN_URL PLAN_JSON REPORT_FILE

PLAN_JSON maps "host/user" to "approve", "deny" or "ignore". A code is
approved as the Identity Center user of the same name as the host user.
The report (what was done to which code) is written to REPORT_FILE.
"""

import json
import os
import sys
import time
import urllib.request


def admin(url, path, body):
    if not url.startswith("http://127.0.0.1:"):
        raise SystemExit("the admin URL must be the local Identity Center: %s" % url)
    request = urllib.request.Request(  # noqa: S310 (checked above)
        url + path, data=json.dumps(body).encode(), method="POST", headers={"Content-Type": "application/json"}
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=10) as reply:
        return json.loads(reply.read() or b"{}")


def main(pending_file, admin_url, plan_json, report_file):
    plan = json.loads(plan_json)
    deadline = time.time() + 300
    while not os.path.exists(pending_file):
        if time.time() > deadline:
            raise SystemExit("no table of pending sign-ins appeared at %s" % pending_file)
        time.sleep(0.2)
    time.sleep(0.2)
    with open(pending_file) as handle:
        rows = json.load(handle)["pending"]
    done = []
    for row in rows:
        action = plan.get("%s/%s" % (row["host"], row["user"]), "ignore")
        if action == "approve":
            admin(admin_url, "/approve", {"user_code": row["user_code"], "user": row["user"]})
        elif action == "deny":
            admin(admin_url, "/deny", {"user_code": row["user_code"]})
        done.append({"host": row["host"], "user": row["user"], "user_code": row["user_code"], "action": action})
    with open(report_file, "w") as handle:
        json.dump({"rows": len(rows), "done": done, "at": time.time()}, handle)


if __name__ == "__main__":
    main(*sys.argv[1:5])
