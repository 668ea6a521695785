"""Java rewrite operators, one module each, and the lookup from a finding to the operators that answer it.

Adding one: a module holding ``OPERATOR = <JavaOperator subclass>()``, one line in ``JAVA_OPERATORS``
(sorted by module name).
"""

from __future__ import annotations

from promsec_ci.java.rewrite.base import JavaOperator, JavaOperatorMeta
from promsec_ci.java.rewrite.password_from_env import OPERATOR as PASSWORD_FROM_ENV
from promsec_ci.java.rewrite.path_in_base_dir import OPERATOR as PATH_IN_BASE_DIR
from promsec_ci.java.rewrite.prepared_statement import OPERATOR as PREPARED_STATEMENT
from promsec_ci.java.rewrite.process_builder import OPERATOR as PROCESS_BUILDER
from promsec_ci.java.rewrite.secure_random import OPERATOR as SECURE_RANDOM
from promsec_ci.java.rewrite.strong_hash import OPERATOR as STRONG_HASH
from promsec_ci.records import Finding

JAVA_OPERATORS: tuple[JavaOperator, ...] = (
    PASSWORD_FROM_ENV,
    PATH_IN_BASE_DIR,
    PREPARED_STATEMENT,
    PROCESS_BUILDER,
    SECURE_RANDOM,
    STRONG_HASH,
)


def operators_for(finding: Finding) -> list[JavaOperator]:
    """Operators answering ``finding``: by rule id, else by CWE."""
    by_rule = [op for op in JAVA_OPERATORS if finding.rule_id in op.meta.rule_ids]
    if by_rule:
        return by_rule
    return [op for op in JAVA_OPERATORS if finding.cwe is not None and finding.cwe in op.meta.cwes]


def by_name(name: str) -> JavaOperator:
    """The operator with this kebab-case name; ``KeyError`` when there is none."""
    for op in JAVA_OPERATORS:
        if op.meta.name == name:
            return op
    raise KeyError(name)


__all__ = ["JAVA_OPERATORS", "JavaOperator", "JavaOperatorMeta", "by_name", "operators_for"]
