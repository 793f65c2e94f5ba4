"""Stand-in for the get-pip bootstrap script that ansible-test downloads.

ansible-test fetches get-pip.py from a host this machine cannot reach before
it builds each sanity virtualenv. This script does the same job from what is
reachable: it installs the interpreter's bundled pip (ensurepip) and then
lets pip fetch the exact versions ansible-test asked for from the package
index. `python offline_get_pip.py --install` places it where ansible-test
looks for a cached copy.
"""

import os
import shutil
import subprocess
import sys


def install_into_cache():
    from ansible_test._internal.python_requirements import get_venv_packages

    pip_version = get_venv_packages(_AnyPython())["pip"]
    target = os.path.expanduser("~/.ansible/test/cache/get_pip_%s.py" % pip_version.replace(".", "_"))
    os.makedirs(os.path.dirname(target), exist_ok=True)
    shutil.copyfile(__file__, target)
    print("ansible-test pip bootstrap for pip %s: %s" % (pip_version, target))


class _AnyPython:
    version = "%d.%d" % sys.version_info[:2]


def bootstrap():
    import ensurepip

    # ensurepip blanks the pip configuration in os.environ (it must not see
    # it), but the real install needs the machine's index and CA settings.
    environment = dict(os.environ)
    ensurepip.bootstrap(upgrade=True)
    args = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
    sys.exit(subprocess.call([sys.executable, "-m", "pip", "install", "-q"] + args, env=environment))


if __name__ == "__main__":
    if sys.argv[1:] == ["--install"]:
        install_into_cache()
    else:
        bootstrap()
