"""Java code graphs (CFG, AST, DFG) from tree-sitter, in the Python graphs' feature layout.

The vector layout is ``graphs/features.py``'s, slot for slot, so a gGAN trained on Python graphs
reads Java graphs: Java statements take the Python statement kind of the same meaning
(``local_variable_declaration`` -> ``Assign``, ``throw_statement`` -> ``Raise`` ...), and Java
calls add, next to their own hashed names, the Python token of the same meaning::

    st.executeQuery(sql)                 -> ".execute"            (a SQL sink)
    Runtime.getRuntime().exec(cmd)       -> "os.system"           (one command string)
    new ProcessBuilder(a, b).start()     -> "subprocess.run"      (an argument list)
    MessageDigest.getInstance("MD5")     -> "hashlib.md5"
    new Random() / Math.random()         -> "random.random"
    new SecureRandom()                   -> "secrets.SystemRandom"
    System.getenv("X")                   -> "os.environ.get"
    new File(p) / Paths.get(p)           -> "open"

String building into a sink, shell use, parameters passed separately, and taint (method
parameters, servlet request input, ``System.in``, the environment) fill the same flags.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from promsec_ci.graphs.base import (
    BREAK,
    CHILD,
    CONTINUE,
    DEF_USE,
    EXCEPT,
    FALSE,
    LOOP_BACK,
    RETURN,
    SEQ,
    TRUE,
    WITH,
    RawGraph,
)
from promsec_ci.graphs.features import (
    API_BUCKETS,
    FEATURE_DIM,
    KIND_DIM,
    KINDS,
    RISKY_FLAGS,
    STRING_FLAGS,
    TAINT_FLAGS,
    _finding_features,  # the finding slots must match the Python graphs bit for bit
    offset,
    stable_bucket,
)
from promsec_ci.records import Finding, Unit

# Java syntax node -> the Python kind of the same meaning (feature slot).
KIND_OF = {
    "method_declaration": "FunctionDef", "constructor_declaration": "FunctionDef",
    "class_declaration": "ClassDef", "local_variable_declaration": "Assign",
    "expression_statement": "Expr", "return_statement": "Return", "if_statement": "If",
    "for_statement": "For", "enhanced_for_statement": "For", "while_statement": "While",
    "do_statement": "While", "try_statement": "Try", "try_with_resources_statement": "With",
    "catch_clause": "ExceptHandler", "finally_clause": "Try", "throw_statement": "Raise",
    "switch_expression": "Match", "switch_statement": "Match", "break_statement": "Break",
    "continue_statement": "Continue", "assert_statement": "Assert", "synchronized_statement": "With",
    "labeled_statement": "Expr", "block": "Expr", "yield_statement": "Return", "empty_statement": "Pass",
    "assignment_expression": "Assign", "method_invocation": "Call", "object_creation_expression": "Call",
    "field_access": "Attribute", "identifier": "Name", "string_literal": "Constant",
    "decimal_integer_literal": "Constant", "true": "Constant", "false": "Constant", "null_literal": "Constant",
    "binary_expression": "BinOp", "unary_expression": "UnaryOp", "ternary_expression": "IfExp",
    "lambda_expression": "Lambda", "array_access": "Subscript", "array_initializer": "List",
    "formal_parameters": "arguments", "formal_parameter": "arg", "argument_list": "arguments",
    "variable_declarator": "Assign", "update_expression": "AugAssign", "cast_expression": "Call",
}
_KIND_INDEX = {name: i for i, name in enumerate(KINDS)}
_COMPOUND = {"if_statement", "for_statement", "enhanced_for_statement", "while_statement", "do_statement",
             "try_statement", "try_with_resources_statement", "switch_expression", "synchronized_statement",
             "labeled_statement", "block"}
_SQL_SINKS = {"execute", "executeQuery", "executeUpdate", "executeLargeUpdate", "addBatch", "prepareStatement",
              "prepareCall", "createQuery", "createNativeQuery", "query", "queryForObject", "queryForList",
              "update"}
_SHELLS = re.compile(r'^"(/bin/|/usr/bin/)?(sh|bash|zsh|cmd|cmd\.exe|powershell)"$')
_REQUEST_CALLS = {"getParameter", "getParameterValues", "getParameterMap", "getHeader", "getHeaders",
                  "getQueryString", "getCookies", "getInputStream", "getReader", "getPathInfo", "getRequestURI"}
_HASHES = {"md5": "hashlib.md5", "md2": "hashlib.md5", "sha1": "hashlib.sha1", "sha-1": "hashlib.sha1",
           "sha": "hashlib.sha1", "sha-256": "hashlib.sha256", "sha-384": "hashlib.sha384",
           "sha-512": "hashlib.sha512"}
_FILE_TYPES = {"File", "FileInputStream", "FileOutputStream", "FileReader", "FileWriter", "RandomAccessFile"}


@dataclass
class _Spec:
    kind: str
    parts: list  # tree-sitter nodes executing at this graph node
    start: int
    end: int
    stmt: object | None = None


@dataclass
class _Context:
    """What features need beyond the node: imports, the method's parameters, the line offset."""

    offset: int
    imports: dict[str, str] = field(default_factory=dict)
    params: frozenset[str] = frozenset()


def build_java_raw(unit: Unit, kind: str = "cfg", findings: Sequence[Finding] = (),
                   module_text: str | None = None) -> RawGraph:
    """The graph of a Java unit in plain Python lists (same layout as ``graphs.build_raw``).

    Args:
        unit: a Java method, constructor or class-level statement.
        kind: ``cfg``, ``ast`` or ``dfg``.
        findings: analyzer findings; each marks the innermost node holding its first line.
        module_text: the whole file, so calls resolve through its imports.
    """
    from promsec_ci.java.syntax import parse

    wrapped = "class __Unit {\n" + unit.source + "\n}\n"
    root = parse(wrapped).root_node
    body = root.named_children[0].child_by_field_name("body") if root.named_children else None
    members = list(body.named_children) if body is not None else []
    context = _Context(offset=unit.start_line - 2, imports=_imports(module_text or ""),
                       params=_params(members[0]) if members else frozenset())
    if kind == "ast":
        specs, edges = _ast(members, context)
    elif kind == "dfg":
        specs, edges = _dfg(members, context)
    elif kind == "cfg":
        specs, edges = _cfg(members, context)
    else:
        raise ValueError(f"graph kind must be one of cfg, ast, dfg, not {kind!r}")
    if not specs:
        specs.append(_Spec("Unparsable", [], unit.start_line, unit.start_line))
    return _featurize(specs, edges, findings, context)


def build_java_graph(unit: Unit, kind: str = "cfg", findings: Sequence[Finding] = (),
                     module_text: str | None = None):
    """``build_java_raw`` as a ``graphs.CodeGraph`` (torch imported here)."""
    from promsec_ci.graphs import CodeGraph, to_data

    raw = build_java_raw(unit, kind, findings, module_text)
    return CodeGraph(data=to_data(raw), node_lines=tuple(raw.lines), kind=kind, node_spans=tuple(raw.spans))


# -- structure ------------------------------------------------------------------------------------

def _line(node, context: _Context) -> int:
    return node.start_point[0] + 1 + context.offset


def _end(node, context: _Context) -> int:
    return node.end_point[0] + 1 + context.offset


def _header(node) -> list:
    """The parts of a statement that execute at its own node (a compound statement's header)."""
    if node.type in ("if_statement", "while_statement", "do_statement", "switch_expression",
                     "synchronized_statement"):
        condition = node.child_by_field_name("condition")
        return [condition] if condition is not None else []
    if node.type == "for_statement":
        return [c for c in (node.child_by_field_name(f) for f in ("init", "condition", "update")) if c is not None]
    if node.type == "enhanced_for_statement":
        return [c for c in (node.child_by_field_name(f) for f in ("name", "value")) if c is not None]
    if node.type == "try_with_resources_statement":
        resources = node.child_by_field_name("resources")
        return [resources] if resources is not None else []
    if node.type in ("try_statement", "block", "labeled_statement", "method_declaration",
                     "constructor_declaration"):
        return []
    return [node]


def _header_end(node, context: _Context) -> int:
    if node.type in ("method_declaration", "constructor_declaration"):
        body = node.child_by_field_name("body")
        return _line(body, context) if body is not None else _end(node, context)
    parts = _header(node)
    if node.type in _COMPOUND:
        return max([_end(p, context) for p in parts], default=_line(node, context))
    return _end(node, context)


def _statements_of(node) -> list:
    if node is None:
        return []
    if node.type in ("block", "constructor_body", "switch_block_statement_group"):
        return [c for c in node.named_children if c.type not in ("line_comment", "block_comment")]
    return [node]


class _CfgBuilder:
    def __init__(self, context: _Context) -> None:
        self.context = context
        self.specs: list[_Spec] = []
        self.edges: list[tuple[int, int, int]] = []
        self.returns: list[int] = []
        self.loops: list[tuple[int, list[int]]] = []

    def node(self, stmt, kind: str | None = None) -> int:
        self.specs.append(_Spec(kind or KIND_OF.get(stmt.type, stmt.type), _header(stmt), _line(stmt, self.context),
                                _header_end(stmt, self.context), stmt))
        return len(self.specs) - 1

    def link(self, preds, target: int) -> None:
        self.edges.extend((src, target, etype) for src, etype in preds)

    def block(self, stmts, preds):
        for stmt in stmts:
            preds = self.statement(stmt, preds)
        return preds

    def statement(self, stmt, preds):
        kind = stmt.type
        if kind in ("block", "constructor_body"):
            return self.block(_statements_of(stmt), preds)
        n = self.node(stmt)
        self.link(preds, n)
        if kind in ("method_declaration", "constructor_declaration"):
            return self.block(_statements_of(stmt.child_by_field_name("body")), [(n, SEQ)])
        if kind == "if_statement":
            body = self.block(_statements_of(stmt.child_by_field_name("consequence")), [(n, TRUE)])
            alternative = stmt.child_by_field_name("alternative")
            orelse = self.block(_statements_of(alternative), [(n, FALSE)]) if alternative else [(n, FALSE)]
            return body + orelse
        if kind in ("for_statement", "enhanced_for_statement", "while_statement", "do_statement"):
            self.loops.append((n, []))
            body = self.block(_statements_of(stmt.child_by_field_name("body")), [(n, TRUE)])
            self.link([(src, LOOP_BACK) for src, _ in body], n)
            _, breaks = self.loops.pop()
            return [(n, FALSE)] + [(b, BREAK) for b in breaks]
        if kind in ("try_statement", "try_with_resources_statement"):
            body = self.block(_statements_of(stmt.child_by_field_name("body")), [(n, WITH if "resources" in kind
                                                                                  else SEQ)])
            exits = body
            finally_node = None
            for child in stmt.named_children:
                if child.type == "catch_clause":
                    h = self.node(child, "ExceptHandler")
                    self.edges.append((n, h, EXCEPT))
                    exits = exits + self.block(_statements_of(child.child_by_field_name("body")), [(h, SEQ)])
                elif child.type == "finally_clause":
                    finally_node = child
            if finally_node is not None:
                exits = self.block(_statements_of(finally_node.named_children[0]) if finally_node.named_children
                                   else [], exits)
            return exits
        if kind in ("switch_expression", "switch_statement"):
            exits = []
            switch_body = stmt.child_by_field_name("body")
            self.loops.append((n, []))
            for group in switch_body.named_children if switch_body is not None else []:
                statements = [c for c in group.named_children if c.type not in ("switch_label", "line_comment",
                                                                                  "block_comment")]
                exits += self.block(statements, [(n, TRUE)])
            _, breaks = self.loops.pop()
            return exits + [(n, FALSE)] + [(b, BREAK) for b in breaks]
        if kind == "synchronized_statement":
            return self.block(_statements_of(stmt.child_by_field_name("body")), [(n, WITH)])
        if kind in ("return_statement", "throw_statement", "yield_statement"):
            self.returns.append(n)
            return []
        if kind == "break_statement":
            if self.loops:
                self.loops[-1][1].append(n)
            return []
        if kind == "continue_statement":
            if self.loops:
                self.edges.append((n, self.loops[-1][0], CONTINUE))
            return []
        if kind == "labeled_statement":
            inner = [c for c in stmt.named_children if c.type != "identifier"]
            return self.block(inner, [(n, SEQ)])
        return [(n, SEQ)]


def _cfg(members, context: _Context):
    builder = _CfgBuilder(context)
    exits = builder.block(members, [])
    end = max([s.end for s in builder.specs], default=context.offset + 2)
    builder.specs.append(_Spec("Exit" if builder.specs else "Unparsable", [], end, end))
    exit_node = len(builder.specs) - 1
    builder.link(exits, exit_node)
    builder.edges.extend((r, exit_node, RETURN) for r in builder.returns)
    return builder.specs, builder.edges


def _ast(members, context: _Context):
    specs: list[_Spec] = []
    edges: list[tuple[int, int, int]] = []

    def visit(node, parent: int | None) -> None:
        is_statement = node.type in KIND_OF and (node.type.endswith(("_statement", "_declaration"))
                                                  or node.type == "catch_clause")
        parts = [node] if node.type in ("method_invocation", "object_creation_expression", "binary_expression",
                                        "identifier", "field_access") else []
        end = _header_end(node, context) if is_statement else _end(node, context)
        specs.append(_Spec(KIND_OF.get(node.type, node.type), parts, _line(node, context), end,
                           node if is_statement else None))
        index = len(specs) - 1
        if parent is not None:
            edges.append((parent, index, CHILD))
        for child in node.named_children:
            if child.type not in ("line_comment", "block_comment", "modifiers", "type_identifier",
                                  "integral_type", "void_type"):
                visit(child, index)

    for member in members:
        visit(member, None)
    return specs, edges


def _dfg(members, context: _Context):
    statements = []

    def collect(node) -> None:
        if node.type in ("block", "constructor_body"):
            for child in _statements_of(node):
                collect(child)
            return
        statements.append(node)
        for field_name in ("body", "consequence", "alternative"):
            child = node.child_by_field_name(field_name)
            if child is not None and node.type not in ("class_declaration",):
                collect(child)
        for child in node.named_children:
            if child.type in ("catch_clause", "finally_clause", "switch_block", "switch_block_statement_group"):
                collect(child)

    for member in members:
        collect(member)
    specs = [_Spec(KIND_OF.get(s.type, s.type), _header(s) if s.type not in ("method_declaration",
                                                                             "constructor_declaration")
                   else [], _line(s, context), _header_end(s, context), s) for s in statements]
    loops = [(_line(s, context), _end(s, context)) for s in statements
             if s.type in ("for_statement", "enhanced_for_statement", "while_statement", "do_statement")]
    info = [_defs_uses(s) for s in statements]
    edges = []
    for j, (_, uses) in enumerate(info):
        for i, (defs, _) in enumerate(info):
            if i == j or not uses & defs:
                continue
            same_loop = any(a <= specs[i].start <= b and a <= specs[j].start <= b for a, b in loops)
            if i < j or same_loop:
                edges.append((i, j, DEF_USE))
    return specs, edges


def _defs_uses(stmt) -> tuple[set[str], set[str]]:
    from promsec_ci.java.syntax import text_of, walk

    defs: set[str] = set()
    uses: set[str] = set()
    if stmt.type in ("method_declaration", "constructor_declaration"):
        return set(_params(stmt)), uses
    for part in _header(stmt) or ([stmt] if stmt.type == "catch_clause" else []):
        for node in walk(part):
            if node.type == "variable_declarator" or node.type == "catch_formal_parameter":
                name = node.child_by_field_name("name")
                if name is not None:
                    defs.add(text_of(name))
            elif node.type == "assignment_expression":
                left = node.child_by_field_name("left")
                if left is not None and left.type == "identifier":
                    defs.add(text_of(left))
            elif node.type == "identifier":
                parent = node.parent
                if parent is not None and parent.type in ("variable_declarator", "catch_formal_parameter") and \
                        parent.child_by_field_name("name") == node:
                    continue
                if parent is not None and parent.type == "method_invocation" and \
                        parent.child_by_field_name("name") == node:
                    continue
                uses.add(text_of(node))
    if stmt.type == "enhanced_for_statement":
        name = stmt.child_by_field_name("name")
        if name is not None:
            defs.add(text_of(name))
    return defs, uses


def _params(member) -> frozenset[str]:
    from promsec_ci.java.syntax import text_of

    parameters = member.child_by_field_name("parameters")
    if parameters is None:
        return frozenset()
    names = [p.child_by_field_name("name") for p in parameters.named_children]
    return frozenset(text_of(n) for n in names if n is not None)


def _imports(module_text: str) -> dict[str, str]:
    """Simple name -> qualified name, from ``import a.b.C;`` lines."""
    return {m.group(2): m.group(1) for m in re.finditer(r"^\s*import\s+([\w.]+\.(\w+))\s*;", module_text, re.M)}


# -- features -------------------------------------------------------------------------------------

def _featurize(specs: list[_Spec], edges, findings: Sequence[Finding], context: _Context) -> RawGraph:
    on_node: dict[int, list[Finding]] = {}
    for finding in findings:
        best, width = None, None
        for i, spec in enumerate(specs):
            if spec.kind != "Exit" and spec.start <= finding.start_line <= spec.end and (
                    width is None or spec.end - spec.start < width):
                best, width = i, spec.end - spec.start
        if best is not None:
            on_node.setdefault(best, []).append(finding)
    tainted: set[str] = set(context.params)
    rows = []
    for i, spec in enumerate(specs):
        from promsec_ci.java.syntax import walk

        nodes = [n for part in spec.parts for n in walk(part)]
        taint = _taint(nodes, context, tainted)
        rows.append(node_features(spec.kind, nodes, context, taint, on_node.get(i, ())))
        if any(taint) and spec.stmt is not None:
            tainted |= _defs_uses(spec.stmt)[0]
    return RawGraph(x=rows, lines=[s.start for s in specs], spans=[(s.start, s.end) for s in specs],
                    edges=list(edges))


def node_features(kind: str, nodes: Sequence, context: _Context, taint: list[float],
                  findings: Sequence[Finding] = ()) -> list[float]:
    """The feature vector of one Java graph node, in ``graphs.features``' layout.

    Args:
        kind: the Python kind name of the node (``Assign``, ``Call`` ...).
        nodes: tree-sitter nodes executing at this node.
        context: imports and parameters of the unit.
        taint: the taint flags of this node.
        findings: analyzer findings on this node.
    """
    vec = [0.0] * FEATURE_DIM
    vec[_KIND_INDEX.get(kind, KIND_DIM - 1)] = 1.0
    api, risky, string = offset("api"), offset("risky"), offset("string")
    for node in nodes:
        if node.type in ("method_invocation", "object_creation_expression"):
            tokens = call_tokens(node, context.imports)
            for token in tokens:
                vec[api + stable_bucket(token, API_BUCKETS)] = 1.0
            for index in _risky(node, tokens):
                vec[risky + index] = 1.0
            if _is_sink(tokens) and any(_builds_string(a) for a in _args(node)):
                vec[string + STRING_FLAGS.index("into-sink")] = 1.0
        if node.type == "binary_expression" and _is_concat(node):
            vec[string + STRING_FLAGS.index("concat")] = 1.0
        if node.type == "method_invocation" and _name(node) == "format":
            vec[string + STRING_FLAGS.index("format")] = 1.0
    taint_at = offset("taint")
    vec[taint_at: taint_at + len(TAINT_FLAGS)] = taint
    _finding_features(vec, findings)
    return vec


def _name(call) -> str:
    from promsec_ci.java.syntax import text_of

    name = call.child_by_field_name("name") if call.type == "method_invocation" else call.child_by_field_name("type")
    return text_of(name).rpartition(".")[2] if name is not None else ""


def _args(call) -> list:
    arguments = call.child_by_field_name("arguments")
    return list(arguments.named_children) if arguments is not None else []


def call_tokens(call, imports: dict[str, str]) -> list[str]:
    """Hashed tokens of a call: the Python tokens of the same meaning when there are some, else its
    qualified name and its bare method."""
    from promsec_ci.java.syntax import text_of

    name = _name(call)
    owner = call.child_by_field_name("object") if call.type == "method_invocation" else None
    owner_text = text_of(owner) if owner is not None else ""
    shared = _shared_tokens(call, name, owner_text)
    if shared:  # the meaning Python graphs know; Java-only spellings would only add noise for the gGAN
        return shared
    tokens = []
    if call.type == "object_creation_expression":
        tokens.append("new " + imports.get(name, name))
    else:
        head = owner_text.split(".")[0].split("(")[0]
        qualified = imports.get(head, head) + owner_text[len(head):] if owner_text else ""
        tokens += [f"{qualified}.{name}" if qualified else name, "." + name]
    return tokens


def _shared_tokens(call, name: str, owner: str) -> list[str]:
    from promsec_ci.java.syntax import text_of

    args = _args(call)
    first = text_of(args[0]).strip('"').lower() if args else ""
    if call.type == "object_creation_expression":
        if name == "Random":
            return ["random.random", ".random"]
        if name == "SecureRandom":
            return ["secrets.SystemRandom", ".SystemRandom"]
        if name == "ProcessBuilder":
            return ["subprocess.run", ".run"]
        if name in _FILE_TYPES:
            return ["open"]
        return []
    if name in _SQL_SINKS and "ProcessBuilder" not in owner:
        return [".execute"]
    if name == "exec" and "Runtime" in owner or (name == "exec" and owner.endswith("getRuntime()")):
        return ["os.system", ".system"]
    if name == "start" and "ProcessBuilder" in owner:
        return ["subprocess.run", ".run"]
    if name == "getInstance" and owner.endswith("MessageDigest"):
        return [_HASHES.get(first, "hashlib.new")]
    if name == "random" and owner.endswith("Math"):
        return ["random.random", ".random"]
    if name == "getenv" and owner.endswith("System"):
        return ["os.environ.get", ".get"]
    if name in ("get", "of") and owner.rpartition(".")[2] in ("Paths", "Path"):
        return ["open"]
    if name == "getConnection":
        return [".connect"]
    return []


def _is_sink(tokens: list[str]) -> bool:
    return any(t in (".execute", "os.system", "subprocess.run") for t in tokens)


def _risky(call, tokens: list[str]) -> list[int]:
    from promsec_ci.java.syntax import text_of

    found = []
    args = _args(call)
    if ("subprocess.run" in tokens or "os.system" in tokens) and args and _SHELLS.match(text_of(args[0])):
        found.append(RISKY_FLAGS.index("shell=True"))
    if _name(call) in ("prepareStatement", "setString", "setObject", "setInt", "setLong"):
        found.append(RISKY_FLAGS.index("parameters-passed"))
    if any(text_of(a) in ('"0.0.0.0"', '"::"') for a in args):
        found.append(RISKY_FLAGS.index("bind-all-interfaces"))
    return found


def _is_concat(node) -> bool:
    from promsec_ci.java.syntax import text_of

    operator = node.child_by_field_name("operator")
    if operator is None or text_of(operator) != "+":
        return False
    return any(side is not None and side.type == "string_literal"
               for side in (node.child_by_field_name("left"), node.child_by_field_name("right")))


def _builds_string(node) -> bool:
    return (node.type == "binary_expression" and _is_concat(node)) or (
        node.type == "method_invocation" and _name(node) == "format")


def _taint(nodes: Sequence, context: _Context, tainted: set[str]) -> list[float]:
    from promsec_ci.java.syntax import text_of

    flags = [0.0] * len(TAINT_FLAGS)
    for node in nodes:
        if node.type == "identifier":
            name = text_of(node)
            if name in context.params:
                flags[0] = 1.0
            if name in tainted:
                flags[4] = 1.0
            if name == "request":
                flags[1] = 1.0
        elif node.type == "method_invocation":
            name = _name(node)
            if name in _REQUEST_CALLS:
                flags[1] = 1.0
            if name in ("readLine", "nextLine", "next") or "System.in" in text_of(node):
                flags[2] = 1.0
            if name in ("getenv", "getProperty"):
                flags[3] = 1.0
    return flags
