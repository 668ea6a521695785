"""Node features of code graphs: what a node does, which APIs it calls, how risky its arguments
and strings are, where its values come from, and what the analyzer says about it.

One vector layout (``FEATURE_DIM`` floats) for every graph kind::

    [ kind one-hot | API-token buckets | risky kwargs | string building | taint | findings ]

API tokens are resolved through the imports (``from subprocess import run`` makes ``run(...)``
``subprocess.run``) and hashed with CRC-32 into buckets, so features are stable across runs and
machines (Python's ``hash()`` is salted per process).
"""

from __future__ import annotations

import ast
import zlib
from collections.abc import Iterable, Sequence

from promsec_ci.graphs.source import ParsedUnit
from promsec_ci.records import Finding

KINDS: tuple[str, ...] = (
    # statements
    "FunctionDef", "AsyncFunctionDef", "ClassDef", "Return", "Delete", "Assign", "AugAssign",
    "AnnAssign", "For", "AsyncFor", "While", "If", "With", "AsyncWith", "Match", "Raise", "Try",
    "TryStar", "Assert", "Import", "ImportFrom", "Global", "Nonlocal", "Expr", "Pass", "Break",
    "Continue", "ExceptHandler",
    # expressions and the rest (AST graphs)
    "Call", "Attribute", "Name", "Constant", "BinOp", "JoinedStr", "FormattedValue", "keyword",
    "Subscript", "Compare", "BoolOp", "UnaryOp", "List", "Tuple", "Dict", "arguments", "arg",
    "Lambda", "comprehension", "IfExp", "Await", "Starred", "Slice", "alias", "withitem",
    # synthetic nodes
    "Exit", "Unparsable",
)
_KIND_INDEX = {name: i for i, name in enumerate(KINDS)}
KIND_DIM = len(KINDS) + 1  # last slot: any other kind
API_BUCKETS = 64
RISKY_FLAGS: tuple[str, ...] = (
    "shell=True", "verify=False", "debug=True", "autoescape=False", "check_hostname=False",
    "bind-all-interfaces", "permissive-mode", "yaml-load-no-safe-loader", "timeout=",
    "usedforsecurity=False", "filter=", "parameters-passed",
)
STRING_FLAGS: tuple[str, ...] = ("percent", "concat", "f-string", "format", "into-sink")
TAINT_FLAGS: tuple[str, ...] = ("parameter", "request", "input", "argv-environ", "tainted-name")
RULE_BUCKETS = 16
CWE_BUCKETS = 8
FINDING_DIM = RULE_BUCKETS + CWE_BUCKETS + 2  # + any finding, + high severity

_OFFSETS = {}
_pos = 0
for _name, _size in (("kind", KIND_DIM), ("api", API_BUCKETS), ("risky", len(RISKY_FLAGS)),
                     ("string", len(STRING_FLAGS)), ("taint", len(TAINT_FLAGS)), ("finding", FINDING_DIM)):
    _OFFSETS[_name] = _pos
    _pos += _size
FEATURE_DIM = _pos

# Calls whose argument must never be built from strings (commands, queries, code).
SINK_SUFFIXES = ("execute", "executemany", "executescript", "system", "popen", "run", "call",
                 "check_call", "check_output", "Popen", "eval", "exec", "raw", "text", "spawn")


def stable_bucket(token: str, buckets: int) -> int:
    """Deterministic bucket of ``token`` (CRC-32; identical in every process)."""
    return zlib.crc32(token.encode("utf-8")) % buckets


def offset(part: str) -> int:
    """Start index of a named slice of the feature vector (``kind``, ``api``, ``finding`` ...)."""
    return _OFFSETS[part]


def resolve_call(func: ast.AST, imports: dict[str, str]) -> str | None:
    """Dotted name of a call target with its import resolved (``sp.run`` -> ``subprocess.run``)."""
    parts: list[str] = []
    node = func
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Call):  # os.popen(cmd).read -> os.popen().read
        inner = resolve_call(node.func, imports)
        if inner is None:
            return None
        parts.append(inner + "()")
        return ".".join(reversed(parts))
    if not isinstance(node, ast.Name):
        return None
    parts.append(imports.get(node.id, node.id))
    return ".".join(reversed(parts))


def call_tokens(call: ast.Call, imports: dict[str, str]) -> list[str]:
    """Tokens hashed into the API buckets: the resolved name and the bare method (``.execute``)."""
    name = resolve_call(call.func, imports)
    tokens = []
    if name:
        tokens.append(name)
    if isinstance(call.func, ast.Attribute):
        tokens.append("." + call.func.attr)
    return tokens


class TaintTracker:
    """Names that carry values from parameters, ``request.*``, ``input()`` or the environment,
    propagated forward through assignments in source order."""

    def __init__(self, parsed: ParsedUnit) -> None:
        self.params = parsed.params
        self.tainted: set[str] = set(parsed.params)

    def flags(self, nodes: Iterable[ast.AST]) -> list[float]:
        flags = [0.0] * len(TAINT_FLAGS)
        for node in nodes:
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                if node.id in self.params:
                    flags[0] = 1.0
                if node.id in self.tainted:
                    flags[4] = 1.0
                if node.id == "request":
                    flags[1] = 1.0
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("input",
                                                                                                   "raw_input"):
                flags[2] = 1.0
            elif isinstance(node, ast.Attribute) and node.attr in ("argv", "environ", "getenv"):
                flags[3] = 1.0
        return flags

    def update(self, stmt: ast.AST, flags: list[float]) -> None:
        """After a statement: its assigned names are tainted when its value was."""
        if not any(flags):
            return
        targets: list[ast.AST] = []
        if isinstance(stmt, ast.Assign):
            targets = stmt.targets
        elif isinstance(stmt, (ast.AugAssign, ast.AnnAssign)):
            targets = [stmt.target]
        elif isinstance(stmt, (ast.For, ast.AsyncFor)):
            targets = [stmt.target]
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            targets = [i.optional_vars for i in stmt.items if i.optional_vars is not None]
        for target in targets:
            for node in ast.walk(target):
                if isinstance(node, ast.Name):
                    self.tainted.add(node.id)


def node_features(
    kind: str,
    nodes: Sequence[ast.AST],
    parsed: ParsedUnit,
    taint: list[float],
    findings: Sequence[Finding] = (),
) -> list[float]:
    """The feature vector of one graph node.

    Args:
        kind: the node's kind name (an ``ast`` class name, ``Exit`` or ``Unparsable``).
        nodes: every ``ast`` node that executes at this graph node (a statement header's subtree).
        parsed: the unit, for imports.
        taint: taint flags of this node (from ``TaintTracker.flags``).
        findings: analyzer findings located on this node.
    """
    vec = [0.0] * FEATURE_DIM
    vec[_KIND_INDEX.get(kind, KIND_DIM - 1)] = 1.0
    api, risky, string = _OFFSETS["api"], _OFFSETS["risky"], _OFFSETS["string"]
    for node in nodes:
        if isinstance(node, ast.Call):
            tokens = call_tokens(node, parsed.imports)
            for token in tokens:
                vec[api + stable_bucket(token, API_BUCKETS)] = 1.0
            for i, flag in enumerate(_risky_flags(node, tokens)):
                vec[risky + i] = max(vec[risky + i], flag)
            if _is_sink(tokens) and any(_builds_string(arg) for arg in _call_values(node)):
                vec[string + 4] = 1.0
        for i, flag in enumerate(_string_flags(node)):
            vec[string + i] = max(vec[string + i], flag)
    taint_at = _OFFSETS["taint"]
    vec[taint_at: taint_at + len(TAINT_FLAGS)] = taint
    _finding_features(vec, findings)
    return vec


def _finding_features(vec: list[float], findings: Sequence[Finding]) -> None:
    base = _OFFSETS["finding"]
    for finding in findings:
        vec[base + stable_bucket(finding.rule_id, RULE_BUCKETS)] = 1.0
        vec[base + RULE_BUCKETS + stable_bucket(f"CWE-{finding.cwe}", CWE_BUCKETS)] = 1.0
        vec[base + RULE_BUCKETS + CWE_BUCKETS] = 1.0
        if str(getattr(finding.severity, "name", finding.severity)).upper() == "HIGH":
            vec[base + RULE_BUCKETS + CWE_BUCKETS + 1] = 1.0


def _call_values(call: ast.Call) -> list[ast.AST]:
    return [*call.args, *(k.value for k in call.keywords)]


def _is_sink(tokens: list[str]) -> bool:
    return any(t.rsplit(".", 1)[-1] in SINK_SUFFIXES for t in tokens)


def _builds_string(node: ast.AST) -> bool:
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.FormattedValue) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mod, ast.Add)):
        return True
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return True
    return False


def _string_flags(node: ast.AST) -> list[float]:
    flags = [0.0] * len(STRING_FLAGS)
    if isinstance(node, ast.BinOp):
        is_str = _is_str(node.left) or _is_str(node.right)
        if isinstance(node.op, ast.Mod) and _is_str(node.left):
            flags[0] = 1.0
        elif isinstance(node.op, ast.Add) and is_str:
            flags[1] = 1.0
    elif isinstance(node, ast.JoinedStr) and any(isinstance(v, ast.FormattedValue) for v in node.values):
        flags[2] = 1.0
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        flags[3] = 1.0
    return flags


def _is_str(node: ast.AST) -> bool:
    return (isinstance(node, ast.Constant) and isinstance(node.value, str)) or isinstance(node, ast.JoinedStr)


def _kw(call: ast.Call, name: str) -> ast.AST | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return None


def _const(node: ast.AST | None, value: object) -> bool:
    return isinstance(node, ast.Constant) and node.value is value


def _risky_flags(call: ast.Call, tokens: list[str]) -> list[float]:
    flags = [0.0] * len(RISKY_FLAGS)
    flags[0] = float(_const(_kw(call, "shell"), True))
    flags[1] = float(_const(_kw(call, "verify"), False))
    flags[2] = float(_const(_kw(call, "debug"), True))
    flags[3] = float(_const(_kw(call, "autoescape"), False))
    flags[4] = float(_const(_kw(call, "check_hostname"), False))
    values = _call_values(call)
    flags[5] = float(any(isinstance(v, ast.Constant) and v.value in ("0.0.0.0", "::") for v in values))
    flags[6] = float(any(isinstance(v, ast.Constant) and isinstance(v.value, int) and not isinstance(v.value, bool)
                         and 0o7 & v.value and v.value <= 0o7777 and "chmod" in " ".join(tokens) for v in values))
    name = tokens[0] if tokens else ""
    flags[7] = float(name.endswith("yaml.load") and not _safe_loader(call))
    flags[8] = float(_kw(call, "timeout") is not None)
    flags[9] = float(_const(_kw(call, "usedforsecurity"), False))
    flags[10] = float(_kw(call, "filter") is not None)
    flags[11] = float(len(call.args) >= 2 and isinstance(call.args[1], (ast.Tuple, ast.List, ast.Dict)))
    return flags


def _safe_loader(call: ast.Call) -> bool:
    loader = _kw(call, "Loader") or (call.args[1] if len(call.args) > 1 else None)
    text = ast.unparse(loader) if loader is not None else ""
    return "Safe" in text or "Base" in text
