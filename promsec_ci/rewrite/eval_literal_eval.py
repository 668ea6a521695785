"""B307 / CWE-95: ``eval(text)`` that parses data -> ``ast.literal_eval(text)``.

Only when the evidence says the text is a Python literal (``eval_intent``): a constant that
``ast.literal_eval`` accepts, or names and uses that show data (``rows = eval(line)`` then
``rows[0]``). ``literal_eval`` gives the same value for every literal and refuses code.
``eval`` with globals/locals is real code evaluation and is left alone, as is a module's own
``eval`` (``def eval(loader)``, the evaluation step of training code), and so is text that may
be ``bytes`` (``request.data``, ``sock.recv(n)``, ``open(p, "rb").read()``, ``check_output(..)``):
``eval`` decodes it, ``literal_eval`` raises ``ValueError`` for anything but ``str``.

Sample::

    last = f.readline()                 last = f.readline()
    if last.startswith("["):        ->  if last.startswith("["):
        seq = eval(last)[1]                 seq = ast.literal_eval(last)[1]
"""

from __future__ import annotations

import libcst as cst
from libcst.metadata import ParentNodeProvider

from promsec_ci.rewrite.base import Operator, OperatorMeta, ReviewGuidance, Rewrite
from promsec_ci.rewrite.cst_tools import StatementTransformer, dotted_name, enclosing_scope, rewrite_at
from promsec_ci.rewrite.data_flow import stored
from promsec_ci.rewrite.eval_intent import DATA, eval_intent
from promsec_ci.rewrite.resolve import import_aliases, imported_name


class EvalTransformer(StatementTransformer):
    """Replaces ``eval(x)`` calls of the target statement whose intent is ``intent``.

    Args:
        line: the target statement's line.
        intent: ``data`` or ``arithmetic``.
    """

    def __init__(self, line: int, intent: str) -> None:
        super().__init__(line)
        self.intent = intent
        self.aliases: dict[str, str] = {}
        self.module: cst.Module | None = None

    def visit_Module(self, node: cst.Module) -> bool:
        self.aliases = import_aliases(node)
        if "eval" in stored(node) or _defines_eval(node):
            self.aliases["eval"] = "eval"  # the module's own eval (``def eval(loader)``), not the builtin
        self.module = node
        return True

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not self.in_target or not _is_builtin_eval(original_node, self.aliases):
            return updated_node
        parents = self.metadata[ParentNodeProvider]
        scope = enclosing_scope(original_node, parents)
        if eval_intent(original_node, parents, scope) != self.intent:
            return updated_node
        if self.intent == DATA and may_be_bytes(original_node.args[0].value, scope):
            return updated_node
        return self.replacement(updated_node)

    def replacement(self, call: cst.Call) -> cst.BaseExpression:
        name = imported_name(self.module, "ast") if self.module is not None else None
        if name is None:
            name = "ast"
            self.add_import("ast")
        return call.with_changes(func=cst.Attribute(value=cst.Name(name), attr=cst.Name("literal_eval")))


def _defines_eval(module: cst.Module) -> bool:
    """Whether a ``def``, ``class`` or parameter anywhere in the module is named ``eval``."""
    found = False

    class _Definitions(cst.CSTVisitor):
        def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
            nonlocal found
            found = found or node.name.value == "eval"

        def visit_ClassDef(self, node: cst.ClassDef) -> None:
            nonlocal found
            found = found or node.name.value == "eval"

        def visit_Param(self, node: cst.Param) -> None:
            nonlocal found
            found = found or node.name.value == "eval"

    module.visit(_Definitions())
    return found


def _is_builtin_eval(call: cst.Call, aliases: dict[str, str]) -> bool:
    func = call.func
    if not isinstance(func, cst.Name) or func.value != "eval" or "eval" in aliases:
        return False
    return len(call.args) == 1 and call.args[0].keyword is None and not call.args[0].star


# Calls whose result is bytes: network reads, decoders, compressors, ``str.encode``.
_BYTES_CALLS = frozenset({"recv", "recvfrom", "recv_bytes", "read_bytes", "get_data", "b64decode", "urlsafe_b64decode",
                          "decodebytes", "a2b_base64", "unhexlify", "decompress", "decrypt", "encode"})
# ``request.data``, ``response.content``: an HTTP body as bytes.
_BODY_ATTRIBUTES = frozenset({"data", "body", "content", "raw"})
_HTTP_WORDS = frozenset({"request", "req", "response", "resp", "res", "r", "rsp", "reply"})
_TEXT_KEYWORDS = frozenset({"text", "universal_newlines", "encoding", "errors"})


def may_be_bytes(node: cst.BaseExpression, scope: cst.CSTNode | None, depth: int = 2) -> bool:
    """Whether ``node`` may evaluate to ``bytes``, which ``eval`` accepts and ``literal_eval``
    does not: a body read from a request or response, a socket read, a decoder's or
    ``check_output``'s result, a read of a file opened in binary mode or of ``urlopen``; or a
    name the scope binds to one of those."""
    if isinstance(node, cst.Attribute):
        base = (dotted_name(node.value) or "").rpartition(".")[2].lower()
        return node.attr.value in _BODY_ATTRIBUTES and (node.attr.value != "data" or base in _HTTP_WORDS)
    if isinstance(node, cst.Name):
        return depth > 0 and scope is not None and any(
            may_be_bytes(value, scope, depth - 1) for value in _bound_values(node.value, scope))
    if not isinstance(node, cst.Call):
        return False
    leaf = (dotted_name(node.func) or "").rpartition(".")[2]
    if leaf in _BYTES_CALLS:
        return True
    if leaf == "check_output":
        return not any(a.keyword is not None and a.keyword.value in _TEXT_KEYWORDS for a in node.args)
    if leaf in ("read", "readline", "readlines", "read1") and isinstance(node.func, cst.Attribute):
        return _binary_file(node.func.value, scope, depth)
    return False


def _binary_file(node: cst.BaseExpression, scope: cst.CSTNode | None, depth: int) -> bool:
    """``open(path, "rb")``, ``urlopen(url)``, ``sys.stdin.buffer``, or a name bound to one."""
    if isinstance(node, cst.Name):
        return depth > 0 and scope is not None and any(
            _binary_file(value, scope, depth - 1) for value in _bound_values(node.value, scope))
    if isinstance(node, cst.Attribute):
        return node.attr.value == "buffer"
    if not isinstance(node, cst.Call):
        return False
    leaf = (dotted_name(node.func) or "").rpartition(".")[2]
    if leaf in ("urlopen", "BytesIO"):
        return True
    if leaf != "open":
        return False
    modes = [a.value for a in node.args if a.keyword is not None and a.keyword.value == "mode"]
    modes += [a.value for a in node.args[1:2] if a.keyword is None]
    return any(not isinstance(m, cst.SimpleString) or "b" in str(m.evaluated_value) for m in modes)


def _bound_values(name: str, scope: cst.CSTNode) -> list[cst.BaseExpression]:
    """The values ``name = value`` and ``with value as name`` bind in ``scope``."""
    values: list[cst.BaseExpression] = []

    class _Bindings(cst.CSTVisitor):
        def visit_Assign(self, node: cst.Assign) -> None:
            if any(isinstance(t.target, cst.Name) and t.target.value == name for t in node.targets):
                values.append(node.value)

        def visit_WithItem(self, node: cst.WithItem) -> None:
            if node.asname is not None and isinstance(node.asname.name, cst.Name) and node.asname.name.value == name:
                values.append(node.item)

    scope.visit(_Bindings())
    return values


class EvalLiteralEvalOperator(Operator):
    """See the module docstring."""

    meta = OperatorMeta(
        name="eval-literal-eval",
        cwes=(95,),
        rule_ids=("B307",),
        directive="Parse the literal data with ast.literal_eval instead of evaluating it as code with eval.",
        summary="Use ast.literal_eval for text that holds a Python literal.",
        references=(
            "https://cwe.mitre.org/data/definitions/95.html",
            "https://docs.python.org/3/library/ast.html#ast.literal_eval",
        ),
        review_guidance=ReviewGuidance.MERGE_AFTER_CURSORY_REVIEW,
    )

    def apply(self, source: str, line: int) -> Rewrite | None:
        result = rewrite_at(source, EvalTransformer(line, DATA))
        if result is None:
            return None
        text, imports = result
        return Rewrite(text=text, line=line, imports=imports)


EvalLiteralEval = EvalLiteralEvalOperator()
