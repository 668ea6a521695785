"""B507, CWE-295: reject unknown SSH host keys instead of trusting them.

``AutoAddPolicy`` and ``WarningPolicy`` accept any host key, so a man in the middle is trusted on
first (and every) contact. ``RejectPolicy`` refuses hosts missing from the known-hosts file,
which is loaded first when the code loads no host keys into that client itself::

    client = paramiko.SSHClient()                                 client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())  ->  client.load_system_host_keys()
                                                                  client.set_missing_host_key_policy(paramiko.RejectPolicy())

Refused where the user's own option picks the trusting policy (``if not strict_host_key_checking:``),
and where the client has no name to load the known hosts into (``clients[host]``).
"""

from __future__ import annotations

import re

import libcst as cst

from promsec_ci.rewrite.base import OperatorMeta, ReviewGuidance
from promsec_ci.rewrite.call_edit import VERIFICATION_OPTION_WORDS, CallTransformer, TransformerOperator, positional
from promsec_ci.rewrite.cst_tools import dotted_name

_TRUSTING = {"AutoAddPolicy", "WarningPolicy"}


class _ParamikoRejectPolicy(CallTransformer):
    def __init__(self, line: int) -> None:
        super().__init__(line)
        self._client: str | None = None

    def on_call(self, original: cst.Call, updated: cst.Call, name: str | None) -> cst.BaseExpression:
        func = updated.func
        if not isinstance(func, cst.Attribute) or func.attr.value != "set_missing_host_key_policy":
            return updated
        args = positional(updated)
        if len(args) != 1 or len(updated.args) != 1 or self.chosen_by_option(original, VERIFICATION_OPTION_WORDS):
            return updated
        client = dotted_name(func.value)
        if client is None:
            return updated  # clients[host]: nothing to load its known hosts into by name
        policy = args[0].value
        inner = policy.func if isinstance(policy, cst.Call) else policy
        if isinstance(inner, cst.Attribute) and inner.attr.value in _TRUSTING:
            new_inner: cst.BaseExpression = inner.with_changes(attr=cst.Name("RejectPolicy"))
        elif isinstance(inner, cst.Name) and inner.value in _TRUSTING:
            self.add_import("paramiko", "RejectPolicy")
            new_inner = cst.Name("RejectPolicy")
        else:
            return updated
        new_policy = policy.with_changes(func=new_inner) if isinstance(policy, cst.Call) else new_inner
        self._client = client
        return updated.with_changes(args=[args[0].with_changes(value=new_policy)])

    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine,
                                  updated_node: cst.SimpleStatementLine):
        if original_node is not self.target or self._client is None or self.module is None:
            return updated_node
        if self._loads_host_keys(original_node, self._client):
            return updated_node
        load = cst.parse_statement(f"{self._client}.load_system_host_keys()\n")
        load = load.with_changes(leading_lines=updated_node.leading_lines)
        return cst.FlattenSentinel([load, updated_node.with_changes(leading_lines=[])])

    def _loads_host_keys(self, statement: cst.CSTNode, client: str) -> bool:
        """Whether ``client`` itself loads host keys where it lives: in the enclosing function (the
        class, for ``self.`` clients; the module at module level). Another client's keys, loaded
        elsewhere in the module, leave this one rejecting every host."""
        scope: cst.CSTNode | None = self.enclosing_function(statement)
        if client.startswith("self."):
            while scope is not None and not isinstance(scope, cst.ClassDef):
                scope = self.parent_of(scope)
        if scope is None:
            scope = self.module
        code = cst.Module([]).code_for_node(scope) if not isinstance(scope, cst.Module) else scope.code
        return re.search(rf"(?<![\w.]){re.escape(client)}\s*\.\s*load_(system_)?host_keys\s*\(", code) is not None


ParamikoRejectPolicy = TransformerOperator(
    OperatorMeta(
        name="paramiko-reject-policy",
        cwes=(295,),
        rule_ids=("B507",),
        directive="Verify SSH host keys: load the known hosts and use paramiko.RejectPolicy instead "
        "of AutoAddPolicy or WarningPolicy, which trust any server.",
        summary="paramiko AutoAddPolicy/WarningPolicy -> RejectPolicy with known hosts loaded",
        references=(
            "https://cwe.mitre.org/data/definitions/295.html",
            "https://docs.paramiko.org/en/stable/api/client.html#paramiko.client.RejectPolicy",
        ),
        review_guidance=ReviewGuidance.MERGE_AFTER_REVIEW,
    ),
    _ParamikoRejectPolicy,
)
