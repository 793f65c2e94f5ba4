# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""The main() of a module whose action plugin does all the work on the controller.

Such a module file exists for its documentation and its argument spec
(ansible-doc, validate-modules). Its main() is reached only when the module is
run without its action plugin, and by ansible-lint's `args` rule: the rule
resolves a task's action with the *action* loader first, so it loads
plugins/action/NAME.py, skips any action plugin without a main() (an action
plugin may rewrite options before a module sees them), and otherwise calls
that main() with the task's options on stdin and AnsibleModule swapped for a
stub that stops right after validation. Ours rewrite nothing, so both the
module and its action plugin expose this same check as main(); unknown
options, nested ones included through `options=`, come back as args[module].
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils import basic


def validate_then_refuse(name, argument_spec, mutually_exclusive=None):
    """Check the options against the spec, then fail: the work belongs to the action plugin."""
    # Looked up on `basic` at call time, not bound at import: ansible-lint swaps
    # the attribute on ansible.module_utils.basic, and a name bound earlier would
    # keep the real class, whose fail_json below would turn every valid task
    # into a lint error.
    module = basic.AnsibleModule(
        argument_spec=argument_spec, mutually_exclusive=mutually_exclusive, supports_check_mode=True
    )
    module.fail_json(msg="labcloud.aws_sso.%s runs through its action plugin on the controller" % name)
