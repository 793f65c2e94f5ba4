"""What a command cost, measured from outside it."""

import json
import subprocess
import sys


def peak_rss_mib(argv, env):
    """Run argv: (exit code, the largest resident set of it or any descendant it waited for in MiB, output tail).

    A fresh interpreter runs it, so RUSAGE_CHILDREN counts only argv's tree."""
    probe = (
        "import resource, subprocess, sys, json\n"
        "p = subprocess.run(json.loads(sys.argv[1]), capture_output=True, text=True, timeout=300)\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024\n"
        "print(json.dumps([p.returncode, peak, p.stdout[-3000:] + p.stderr[-3000:]]))\n"
    )
    answer = subprocess.run([sys.executable, "-c", probe, json.dumps(argv)], env=env, capture_output=True, text=True)
    return json.loads(answer.stdout.strip().splitlines()[-1])
