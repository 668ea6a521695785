"""B104, CWE-605: do not bind servers to every interface by default.

``0.0.0.0`` exposes the service on every network the host is on. The address becomes
loopback unless the deployment opts in through ``BIND_HOST``::

    app.run(host="0.0.0.0", port=8080)
        -> app.run(host=os.environ.get("BIND_HOST", "127.0.0.1"), port=8080)
    sock.bind(("0.0.0.0", 9000))
        -> sock.bind((os.environ.get("BIND_HOST", "127.0.0.1"), 9000))

Comparisons (``if host == "0.0.0.0"``) and list or set entries (``ALLOWED_HOSTS``) are left alone,
and so is a class attribute or module constant whose name does not say it is a bind address
(``ip`` of an address record, ``UNSPECIFIED`` compared with ``ss`` output) unless the class or
module binds it, and a function's local variable that never reaches a bind or
server call: code often spells out what an unset host means (``host = "0.0.0.0" if not
self._host else self._host``) to display it, while the bind itself passes ``None``. Nor a statement whose comment
says why it binds every interface (``# all interfaces: docker run -p publishes the port``): on
loopback the published port would answer nothing. Tests are
left alone (``production_only``): they bind the wildcard to test it.
"""

from __future__ import annotations

import re

import libcst as cst

from promsec_ci.rewrite.base import OperatorMeta, ReviewGuidance
from promsec_ci.rewrite.call_edit import ComparisonAwareTransformer, TransformerOperator, env_lookup, split_words
from promsec_ci.rewrite.cst_tools import dotted_name

# Calls that bind or start a server on the address they are given.
_BIND_CALLS = frozenset({
    "bind", "listen", "run", "serve", "create_server", "start_server", "make_server", "run_simple",
    "run_app", "TCPSite", "HTTPServer", "ThreadingHTTPServer", "TCPServer", "ThreadingTCPServer",
    "UDPServer", "WSGIServer", "Server", "Config", "create_connection", "socket_bind", "serve_forever",
})


_COMMENT = re.compile(r"#[^\n]*")
# What a comment says when the wildcard is meant: other machines, a container's published port.
_WIDE_REASONS = ("docker", "containers?", "kubernetes", "k8s", "all interfaces", "every interface", "any interface",
                 "all network interfaces", "externally", "outside", "other machines", "other hosts", "lan",
                 "publicly", "remote(?:ly)? (?:access|connections?|clients?)", "vagrant", "wsl")


def _binds(call: cst.Call) -> bool:
    name = (dotted_name(call.func) or "").rpartition(".")[2]
    return name in _BIND_CALLS or name.endswith(("Server", "_server"))


def _names_an_address(arg: cst.Arg) -> bool:
    keyword = arg.keyword.value.lower() if arg.keyword is not None else ""
    return any(word in keyword for word in ("host", "bind", "listen", "interface"))


def _names_a_bind_address(assignment: cst.Assign | cst.AnnAssign) -> bool:
    """Whether an attribute's name says it is where a server binds (``HOST``, ``bind_address``,
    ``listen_ip``), not, say, the ``ip`` field of an address record."""
    targets = assignment.targets if isinstance(assignment, cst.Assign) else [assignment]
    words = {w for t in targets for w in split_words(dotted_name(t.target) or "")}
    return bool(words & {"host", "bind", "listen", "interface", "server"})


class _BindLocalhost(ComparisonAwareTransformer):

    def leave_SimpleString(self, original_node: cst.SimpleString,
                           updated_node: cst.SimpleString) -> cst.BaseExpression:
        if not self.in_target or self.in_comparison or updated_node.evaluated_value != "0.0.0.0":
            return updated_node
        if not self._is_bind_address(original_node) or self._wide_on_purpose():
            return updated_node
        return env_lookup(self.module_alias("os"), "BIND_HOST", "127.0.0.1")

    def _wide_on_purpose(self) -> bool:
        """Whether a comment of the statement says why it binds every interface (``# all
        interfaces: the container's port is published``): loopback would stop serving that."""
        if self.target is None:
            return False
        code = cst.Module(body=[self.target]).code
        comments = " ".join(m.group(0) for m in _COMMENT.finditer(code)).lower()
        return any(re.search(rf"\b{phrase}\b", comments) for phrase in _WIDE_REASONS)

    def _is_bind_address(self, node: cst.CSTNode) -> bool:
        """An argument of a bind or server call (``bind(("0.0.0.0", 80))``, ``run(host="0.0.0.0")``)
        or an address keyword, a default or a plain assignment; an options-dict value; not an entry
        of a list or set (``ALLOWED_HOSTS = ["0.0.0.0"]`` names hosts to accept, it binds nothing),
        a returned value or another call's argument (``ip_address("0.0.0.0")`` is the wildcard
        itself)."""
        child, current = node, self.parent_of(node)
        while current is not None and not isinstance(current, (cst.Call, cst.BaseSmallStatement, cst.Param)):
            if isinstance(current, cst.DictElement) and current.value is child:
                return True  # an options dict: {"host": "0.0.0.0"}
            if isinstance(current, (cst.List, cst.Set, cst.Dict, cst.Subscript)):
                return False
            child, current = current, self.parent_of(current)
        if isinstance(current, (cst.Assign, cst.AnnAssign)):
            function = self.enclosing_function(current)
            if function is not None:
                return self._reaches_bind_call(current, function)
            owner = self._owning_class(current)
            scope = owner if owner is not None else self.module
            return _names_a_bind_address(current) or scope is not None and self._reaches_bind_call(current, scope)
        if isinstance(current, cst.Call):
            return _binds(current) or isinstance(child, cst.Arg) and _names_an_address(child)
        return isinstance(current, cst.Param)

    def _owning_class(self, assignment: cst.CSTNode) -> cst.ClassDef | None:
        """The class whose body holds ``assignment`` directly (a class attribute)."""
        current = self.parent_of(assignment)
        while current is not None and not isinstance(current, (cst.ClassDef, cst.FunctionDef, cst.Module)):
            current = self.parent_of(current)
        return current if isinstance(current, cst.ClassDef) else None

    @staticmethod
    def _reaches_bind_call(assignment: cst.Assign | cst.AnnAssign,
                           scope: cst.FunctionDef | cst.ClassDef | cst.Module) -> bool:
        """Whether the assigned name (``self.``/``cls.`` name, for a class attribute) is an
        argument (or in a tuple argument) of a bind call in ``scope``."""
        targets = assignment.targets if isinstance(assignment, cst.Assign) else [assignment]
        names = {dotted_name(t.target) for t in targets} - {None}
        if isinstance(scope, cst.ClassDef):
            names |= {f"{owner}.{name}" for name in names for owner in ("self", "cls", scope.name.value)}
        found = False

        class _Visitor(cst.CSTVisitor):
            def visit_Call(self, call: cst.Call) -> None:
                nonlocal found
                if not _binds(call):
                    return
                for arg in call.args:
                    values = [e.value for e in arg.value.elements] if isinstance(arg.value, cst.Tuple) else [arg.value]
                    found = found or any(dotted_name(v) in names for v in values)

        scope.visit(_Visitor())
        return found


BindLocalhost = TransformerOperator(
    OperatorMeta(
        name="bind-localhost",
        cwes=(605,),
        rule_ids=("B104",),
        directive="Bind network servers to 127.0.0.1 by default and make any wider bind address an "
        "explicit setting (an environment variable), never a hard-coded 0.0.0.0.",
        summary="bind to 0.0.0.0 -> 127.0.0.1 unless BIND_HOST says otherwise",
        references=(
            "https://cwe.mitre.org/data/definitions/605.html",
            "https://docs.python.org/3/library/socket.html#socket.socket.bind",
        ),
        review_guidance=ReviewGuidance.MERGE_AFTER_REVIEW,
        production_only=True,
    ),
    _BindLocalhost,
)
