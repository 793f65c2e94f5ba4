"""Shared helpers: build declarations the way the action plugin does and read
files back the way botocore does."""

import os
import tempfile

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from botocore.configloader import build_profile_map, raw_config_parse

from ansible_collections.labcloud.aws_sso.plugins.module_utils.aws_config_spec import ARGUMENT_SPEC
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils import declaration as declaration_mod


class SpecError(Exception):
    pass


def validate(**args):
    result = ArgumentSpecValidator(ARGUMENT_SPEC).validate(args)
    if result.error_messages:
        raise SpecError("; ".join(result.error_messages))
    return result.validated_parameters


def declare(**args):
    """Task options -> Declaration, through the argument spec like the action plugin."""
    return declaration_mod.build(validate(**args))


def session(name="corp", url="https://corp.awsapps.com/start", region="us-east-1", **extra):
    item = dict(name=name, sso_start_url=url, sso_region=region)
    item.update(extra)
    return item


def profile(name="dev", sso_session="corp", account="111122223333", role="ReadOnly", **extra):
    item = dict(name=name, sso_session=sso_session, sso_account_id=account, sso_role_name=role)
    item.update(extra)
    return item


def botocore_read(text):
    """The profile map botocore builds from a file holding exactly text."""
    fd, path = tempfile.mkstemp(prefix="config.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
        return build_profile_map(raw_config_parse(path))
    finally:
        os.unlink(path)


def declared_view(decl):
    """What botocore should read for a declaration's present blocks."""
    view = {"profile": {}, "sso-session": {}}
    for block in decl.blocks():
        if block.state == "present":
            view[block.kind][block.name] = dict(block.keys)
    return view
