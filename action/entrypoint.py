#!/usr/bin/env python3
"""Entry point of the promsec-ci container action: action inputs -> ``promsec-ci scan`` flags.

GitHub passes each input ``foo_bar`` as the environment variable ``INPUT_FOO_BAR``. Empty inputs
are left out, so the config file (``[tool.promsec-ci]``) and the defaults still apply. The LLM
key goes to the environment (``PROMSEC_LLM_API_KEY``), never onto the command line.

Example: ``INPUT_FAIL_ON=high INPUT_MAX_COMMENTS=10`` ->
``promsec-ci scan --reporter github-pr-review --fail-on high --max-comments 10 -f sarif -o promsec-ci.sarif -f text``
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

# input name -> flag; each takes the input's value
VALUE_FLAGS = {
    "base_ref": "--base",
    "filter_mode": "--filter-mode",
    "fail_on": "--fail-on",
    "severity": "--severity",
    "confidence": "--confidence",
    "config": "--config",
    "max_comments": "--max-comments",
    "category": "--category",
    "llm_model": "--llm-model",
    "llm_base_url": "--llm-base-url",
    "max_iterations": "--max-iterations",
}
REPORTERS = ("github-pr-review", "github-check", "none")
TRUE, FALSE = ("true", "yes", "1", "on"), ("false", "no", "0", "off", "")


class InputError(Exception):
    """An action input has a value we do not accept."""


def _input(env: Mapping[str, str], name: str) -> str:
    return env.get(f"INPUT_{name.upper()}", "").strip()


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    value = _input(env, name).lower()
    if not value:
        return default
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise InputError(f"input {name} must be true or false, not {value!r}")


def build_argv(env: Mapping[str, str]) -> list[str]:
    """The ``promsec-ci`` command line for the action inputs in ``env``.

    Args:
        env: the container's environment (``INPUT_*`` variables).

    Raises:
        InputError: an input has an unusable value.
    """
    reporter = _input(env, "reporter") or "github-pr-review"
    if reporter not in REPORTERS:
        raise InputError(f"input reporter must be one of {', '.join(REPORTERS)}, not {reporter!r}")
    argv = ["promsec-ci", "scan", "--reporter", reporter]
    for name, flag in VALUE_FLAGS.items():
        value = _input(env, name)
        if value:
            argv += [flag, value]
    argv.append("--fix" if _bool(env, "fix", True) else "--no-fix")
    if _bool(env, "upload_sarif", False):
        argv.append("--upload-sarif")
    sarif_file = _input(env, "sarif_file") or "promsec-ci.sarif"
    argv += ["-f", "sarif", "-o", sarif_file, "-f", "text"]
    return argv


def child_env(env: Mapping[str, str]) -> dict[str, str]:
    """The environment for ``promsec-ci``: the LLM key moved to ``PROMSEC_LLM_API_KEY``."""
    out = dict(env)
    key = _input(env, "llm_api_key")
    if key:
        out["PROMSEC_LLM_API_KEY"] = key
    return out


def main() -> None:
    try:
        argv = build_argv(os.environ)
    except InputError as exc:
        print(f"promsec-ci: error: {exc}", file=sys.stderr)
        sys.exit(2)
    workspace = os.environ.get("GITHUB_WORKSPACE")
    if workspace and os.path.isdir(workspace):
        os.chdir(workspace)
    os.execvpe(argv[0], argv, child_env(os.environ))


if __name__ == "__main__":
    main()
