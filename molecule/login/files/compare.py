"""Compare cache files written by us with those the real CLI wrote.

    python3 compare.py CLI_DIR OUR_CACHE_DIR [NAME...]

For each file name (default: every file in CLI_DIR): same keys in the same
order, the same bytes once every string value is blanked, the same mode.
Prints a JSON report; exits 1 on any difference.
"""

import json
import os
import re
import stat
import sys


def form(data):
    return re.sub(rb'": "[^"]*"', b'": ""', data)


def keys(data):
    return json.loads(data, object_pairs_hook=lambda pairs: [k for k, _ in pairs])


def main(cli_dir, ours, names):
    names = names or sorted(os.listdir(cli_dir))
    report = []
    for name in names:
        theirs_path, our_path = os.path.join(cli_dir, name), os.path.join(ours, name)
        with open(theirs_path, "rb") as handle:
            theirs = handle.read()
        with open(our_path, "rb") as handle:
            mine = handle.read()
        entry = {
            "file": name,
            "keys": keys(mine),
            "same_keys": keys(mine) == keys(theirs),
            "same_form": form(mine) == form(theirs),
            "mode": "%04o" % stat.S_IMODE(os.stat(our_path).st_mode),
            "same_mode": stat.S_IMODE(os.stat(our_path).st_mode) == stat.S_IMODE(os.stat(theirs_path).st_mode),
            "values_differ": mine != theirs,
        }
        report.append(entry)
    print(json.dumps(report))
    ok = all(e["same_keys"] and e["same_form"] and e["same_mode"] and e["values_differ"] for e in report)
    return 0 if ok and report else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3:]))
