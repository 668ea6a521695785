"""java-password-from-env: a hard-coded password -> ``System.getenv``.

Before / after::

    DriverManager.getConnection(url, "app", "s3cret")      DriverManager.getConnection(url, "app",
                                                               System.getenv("DB_PASSWORD"))
    private static final String API_KEY = "k-123";          private static final String API_KEY =
                                                               System.getenv("API_KEY");

A password held in a variable or field is replaced where that variable gets its literal. The
deployment must now set the variable: review before merging.
"""

from __future__ import annotations

import re

from promsec_ci.java.rewrite.base import (
    JavaOperator,
    JavaOperatorMeta,
    arguments,
    call_name,
    local_declaration,
    on_line,
    text,
    unparen,
)

_SECRET_NAME = re.compile(r"(?i)(passw(or)?d|passwd|pwd|secret|api_?key|access_?key|auth_?token|private_?key)")
_CONNECT = frozenset({"getConnection", "setPassword"})


def env_name(identifier: str) -> str:
    """``dbPassword`` / ``DB_PASSWORD`` -> ``DB_PASSWORD``."""
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", identifier)
    return re.sub(r"\W+", "_", snake).strip("_").upper() or "SECRET"


def _getenv(name: str) -> str:
    return f'System.getenv("{name}")'


class PasswordFromEnvOperator(JavaOperator):
    meta = JavaOperatorMeta(
        name="java-password-from-env",
        cwes=(259, 798),
        rule_ids=("DMI_CONSTANT_DB_PASSWORD", "DMI_EMPTY_DB_PASSWORD", "HARD_CODE_PASSWORD", "HARD_CODE_KEY",
                  "java-hardcoded-db-password", "java-hardcoded-secret"),
        directive="read the password from the environment with System.getenv instead of writing it in the "
                  "source code",
        summary="Read the credential from an environment variable instead of the source.",
        references=("https://cwe.mitre.org/data/definitions/259.html",
                    "https://cwe.mitre.org/data/definitions/798.html"),
    )

    def rewrite(self, root, data, line):
        for call in reversed(on_line(root, "method_invocation", line)):
            args = arguments(call)
            if call_name(call) not in _CONNECT or not args or len(args) not in (1, 2, 3):
                continue
            password = unparen(args[-1])
            if password.type == "string_literal":
                return [(password.start_byte, password.end_byte, _getenv("DB_PASSWORD"))]
            if password.type in ("identifier", "field_access"):
                name = text(password).rpartition(".")[2]
                found = local_declaration(root, name, len(data) + 1)
                if found is not None and unparen(found[1]).type == "string_literal":
                    value = found[1]
                    return [(value.start_byte, value.end_byte, _getenv(env_name(name)))]
        for declarator in reversed(on_line(root, "variable_declarator", line)):
            name_node = declarator.child_by_field_name("name")
            value = declarator.child_by_field_name("value")
            if name_node is None or value is None or value.type != "string_literal":
                continue
            if _SECRET_NAME.search(text(name_node)):
                return [(value.start_byte, value.end_byte, _getenv(env_name(text(name_node))))]
        return None


OPERATOR = PasswordFromEnvOperator()
