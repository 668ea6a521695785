"""B602 / B604 / CWE-78: ``shell=True`` with a constant command that needs no shell -> list form.

A constant command is no injection today, but the shell stays one edit away from one. When
the command uses the shell only to split words (no pipes, redirections, variables, globs,
``;``/``&&``), it is split at build time with ``shlex.split`` semantics and ``shell=True`` is
dropped; the call and so its return value stay as they were.

Sample::

    subprocess.check_output("git rev-parse HEAD", shell=True)
    ->  subprocess.check_output(["git", "rev-parse", "HEAD"])
"""

from __future__ import annotations

from promsec_ci.rewrite.base import Operator, OperatorMeta, ReviewGuidance, Rewrite
from promsec_ci.rewrite.subprocess_shell_false import apply_shell_transformer


class SubprocessShellLiteralOperator(Operator):
    """See the module docstring."""

    meta = OperatorMeta(
        name="subprocess-shell-literal",
        cwes=(78,),
        rule_ids=("B602", "B604"),
        directive="Run the fixed command as an argument list without shell=True, since it needs no shell features.",
        summary="Split the constant command into an argument list and drop shell=True.",
        references=(
            "https://cwe.mitre.org/data/definitions/78.html",
            "https://docs.python.org/3/library/shlex.html#shlex.split",
        ),
        review_guidance=ReviewGuidance.MERGE_AFTER_CURSORY_REVIEW,
    )

    def apply(self, source: str, line: int) -> Rewrite | None:
        return apply_shell_transformer(source, line, constant=True)


SubprocessShellLiteral = SubprocessShellLiteralOperator()
