"""Benign inputs for a unit, read from its source without importing it.

Each parameter gets a hypothesis strategy from, in order: a stand-in (a parameter named or typed
like a database cursor/connection receives the seeded sqlite3 database), its type hint, its
default value, its name (``username`` draws from the seeded user names, ``filename`` from the
temporary tree, ``port`` from small integers), else short identifiers. Benign strings never hold
shell or SQL metacharacters, so a correct fix must behave exactly like the original on them.
Literal calls of the unit found in the repository's tests are added as explicit examples.

Also here: the database schema and rows the stand-in database is seeded with (tables and
columns read from SQL text in the code) and the temporary file tree.
"""

from __future__ import annotations

import ast
import io
import itertools
import json
import re
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

NAMES = ("alice", "bob", "carol")
PASSWORDS = ("s3cret", "hunter2", "letmein")
WORK = "srv/app"  # the working directory, two levels below the tree's root
YAML_PAYLOAD = '!!python/object/apply:os.system ["touch pwned"]\n'
BENIGN_FILES = ("readme.txt", "report.txt", "files/readme.txt", "files/report.txt", "data/config.yaml")
ARCHIVES = ("archives/bundle.tar",)
YAML_DOCS = ("name: demo\nitems: [1, 2, 3]\n", "user: alice\nrole: admin\n", "- a\n- b\n")
HOSTS = ("example.com", "localhost", "127.0.0.1", "10.0.0.7")
STANDIN_NAMES = {"cursor": "cursor", "cur": "cursor", "c": "cursor", "conn": "connection",
                 "connection": "connection", "con": "connection", "db": "connection", "dbconn": "connection",
                 "db_conn": "connection"}


@dataclass(frozen=True)
class Param:
    """One parameter of the unit.

    Args:
        name: the parameter's name (``args:email`` for a field of a Flask request).
        kind: ``positional`` (passed by position), ``keyword``, or ``request`` (a field the unit
            reads from ``flask.request.args``/``form``/``values``; sent in a test request).
        annotation: the type hint's source text, or ``""``.
        default: the default's literal value, when it has a literal one.
        has_default: whether the parameter has a default at all.
    """

    name: str
    kind: str
    annotation: str = ""
    default: object = None
    has_default: bool = False

    @property
    def base_name(self) -> str:
        """The name without the ``args:``/``form:`` prefix of a request field."""
        return self.name.rsplit(":", 1)[-1]

    @property
    def standin(self) -> str | None:
        if self.kind == "request":
            return None
        hint = self.annotation.lower()
        if "cursor" in hint:
            return "cursor"
        if "connection" in hint:
            return "connection"
        if hint in ("", "any") and self.name.lower() in STANDIN_NAMES:
            return STANDIN_NAMES[self.name.lower()]
        return None


@dataclass(frozen=True)
class Signature:
    """The callable part of a unit: its dotted target and parameters (``self`` dropped)."""

    target: str
    params: tuple[Param, ...] = field(default=())


def find_signature(text: str, qualname: str) -> Signature | None:
    """The signature of the function or method ``qualname`` in module ``text``, or ``None``
    when it is not reachable from the module's top level (nested functions, lambdas)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return None
    body = tree.body
    node: ast.AST | None = None
    parts = qualname.split(".")
    for i, part in enumerate(parts):
        node = next((n for n in body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                     and n.name == part), None)
        if node is None:
            return None
        if i < len(parts) - 1:
            if not isinstance(node, ast.ClassDef):
                return None
            body = node.body
    if not isinstance(node, ast.FunctionDef):  # async units need an event loop: not exercised
        return None
    params = [*_params(node.args, is_method=len(parts) > 1 and not _is_static(node)), *_request_fields(node)]
    return Signature(qualname, tuple(params))


_REQUEST_SOURCES = {"args": "args", "values": "args", "form": "form"}


def _request_fields(node: ast.FunctionDef) -> Iterator[Param]:
    """``request.args.get("x")``, ``request.form["x"]`` ... read by a Flask view."""
    seen: set[str] = set()
    for child in ast.walk(node):
        source, key = None, None
        if isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute) and child.func.attr in ("get",
                                                                                                            "getlist"):
            source = _request_source(child.func.value)
            key = child.args[0].value if child.args and isinstance(child.args[0], ast.Constant) else None
        elif isinstance(child, ast.Subscript):
            source = _request_source(child.value)
            key = child.slice.value if isinstance(child.slice, ast.Constant) else None
        if source and isinstance(key, str) and f"{source}:{key}" not in seen:
            seen.add(f"{source}:{key}")
            yield Param(f"{source}:{key}", "request", "str", None, True)


def _request_source(node: ast.expr) -> str | None:
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "request":
        return _REQUEST_SOURCES.get(node.attr)
    return None


def _is_static(node: ast.FunctionDef) -> bool:
    return any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in node.decorator_list)


def _params(args: ast.arguments, is_method: bool) -> Iterator[Param]:
    positional = [*args.posonlyargs, *args.args]
    if is_method and positional:
        positional = positional[1:]
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    for arg, default in zip(positional, defaults, strict=False):
        yield _param(arg, "positional", default)
    for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=False):
        yield _param(arg, "keyword", default)


def _param(arg: ast.arg, kind: str, default: ast.expr | None) -> Param:
    annotation = ast.unparse(arg.annotation) if arg.annotation is not None else ""
    if default is None:
        return Param(arg.arg, kind, annotation)
    try:
        value = ast.literal_eval(default)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return Param(arg.arg, kind, annotation, None, True)
    return Param(arg.arg, kind, annotation, value, True)


# --- strategies ---------------------------------------------------------------------------------

def _ident():
    from hypothesis import strategies as st

    return st.text("abcdefghijklmnopqrstuvwxyz0123456789_", min_size=1, max_size=10)


def strategy_for(param: Param):
    """The hypothesis strategy for one parameter's benign values."""
    from hypothesis import strategies as st

    if param.standin:
        return st.just({"$standin": param.standin})
    by_hint = _from_hint(param.annotation)
    by_name = _from_name(param.base_name.lower())
    if param.kind == "request":
        return by_name if by_name is not None else _ident()
    base = by_hint if by_hint is not None else by_name
    if base is None and param.has_default and param.default is not None:
        base = _from_value(param.default)
    if base is None:
        base = _ident()
    if param.has_default and _jsonable(param.default):
        return st.one_of(st.just(_encode(param.default)), base)
    return base


def _from_hint(hint: str):
    from hypothesis import strategies as st

    hint = hint.replace("typing.", "").replace(" ", "")
    if hint.startswith("Optional[") and hint.endswith("]"):
        hint = hint[len("Optional["):-1]
    hint = re.sub(r"\|None$|^None\|", "", hint)
    if hint == "str":
        return None  # the name says more about which strings make sense
    if hint == "int":
        return st.integers(-3, 50)
    if hint == "float":
        return st.floats(-100, 100, allow_nan=False, allow_infinity=False).map(lambda f: round(f, 3))
    if hint == "bool":
        return st.booleans()
    if hint == "bytes":
        return st.binary(max_size=16).map(lambda b: {"$bytes": b.hex()})
    if hint.startswith(("list[", "List[", "Sequence[", "tuple[")) or hint in ("list", "List"):
        inner = hint[hint.find("[") + 1:-1] if "[" in hint else "str"
        item = _from_hint(inner.split(",")[0]) or _ident()
        return st.lists(item, max_size=3)
    if hint.startswith(("dict", "Dict", "Mapping")):
        return st.dictionaries(_ident(), st.one_of(_ident(), st.integers(0, 9)), max_size=3)
    return None


_NAME_RULES: tuple[tuple[str, str], ...] = (  # most specific first: "filename" is a file, not a name
    (r"^(id|n|num|count|limit|offset|age|port|size|qty|quantity|amount|price|year|page_no|level|days)$|_id$|_count$",
     "int"),
    (r"pass(word)?|pwd|secret", "password"),
    (r"email|mail", "email"),
    (r"url|link|endpoint", "url"),
    (r"archive|tarball|(^|_)tar($|_)|bundle", "archive"),
    (r"yaml|yml|config_text|(^|_)doc(ument)?$|payload|(^|_)raw($|_)", "yaml"),
    (r"path|file|fname|(^|_)dir($|_)|directory|folder", "file"),
    (r"host|server|(^|_)ip($|_)|domain|(^|_)addr(ess)?($|_)|target", "host"),
    (r"user|name|login|owner|author|account|customer|member", "name"),
    (r"^(is_|has_|enable|verbose|debug|force|dry)", "bool"),
)


def _from_name(name: str):
    from hypothesis import strategies as st

    kind = next((k for pattern, k in _NAME_RULES if re.search(pattern, name)), None)
    if kind is None:
        return None
    ident = _ident()
    return {
        "password": st.one_of(st.sampled_from(PASSWORDS), ident),
        "name": st.one_of(st.sampled_from(NAMES), ident),
        "host": st.sampled_from(HOSTS),
        "archive": st.sampled_from(ARCHIVES),
        "yaml": st.sampled_from(YAML_DOCS),
        "file": st.sampled_from(BENIGN_FILES),
        "url": st.sampled_from(("https://example.com/a", "https://example.com/b", "http://example.org/c/d")),
        "email": st.sampled_from(tuple(f"{n}@example.com" for n in NAMES)),
        "int": st.integers(0, 50),
        "bool": st.booleans(),
    }[kind]


def _from_value(value: object):
    from hypothesis import strategies as st

    if isinstance(value, bool):
        return st.booleans()
    if isinstance(value, int):
        return st.integers(-3, 50)
    if isinstance(value, float):
        return st.floats(-100, 100, allow_nan=False).map(lambda f: round(f, 3))
    if isinstance(value, str):
        return _ident()
    return None


def _jsonable(value: object) -> bool:
    try:
        json.dumps(_encode(value))
    except (TypeError, ValueError):
        return False
    return True


def _encode(value: object) -> object:
    if isinstance(value, bytes):
        return {"$bytes": value.hex()}
    if isinstance(value, tuple):
        return {"$tuple": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    return value


_TYPICAL = {"password": PASSWORDS[0], "name": NAMES[0], "host": HOSTS[0], "archive": ARCHIVES[0],
            "yaml": YAML_DOCS[0], "file": BENIGN_FILES[0], "url": "https://example.com/a",
            "email": f"{NAMES[0]}@example.com", "int": 5, "bool": True}
_TYPICAL_HINTS = {"int": 5, "float": 1.5, "bool": True, "bytes": {"$bytes": b"data".hex()}, "str": NAMES[0]}


def typical_example(signature: Signature) -> dict:
    """One ordinary call: defaults where given, else the most typical value for the name or
    hint. It is the first benign call and the base every probe changes one parameter of."""
    values: dict = {}
    for param in signature.params:
        if param.standin:
            values[param.name] = {"$standin": param.standin}
        elif param.kind != "request" and param.has_default and param.default is not None and _jsonable(param.default):
            values[param.name] = _encode(param.default)
        else:
            values[param.name] = _typical(param)
    return values


def _typical(param: Param) -> object:
    hint = param.annotation.replace("typing.", "").replace(" ", "")
    name = param.base_name.lower()
    if hint in _TYPICAL_HINTS and hint != "str":
        return _TYPICAL_HINTS[hint]
    for pattern, kind in _NAME_RULES:
        if re.search(pattern, name):
            return _TYPICAL[kind]
    if hint.startswith(("list", "List", "Sequence")):
        return [NAMES[0]]
    if hint.startswith(("dict", "Dict", "Mapping")):
        return {"key": NAMES[0]}
    return NAMES[0]


def generate_examples(signature: Signature, count: int, explicit: list[dict] | None = None) -> list[dict]:
    """Up to ``count`` distinct benign keyword maps for ``signature`` (deterministic).

    Args:
        signature: the unit's parameters.
        count: how many examples hypothesis should generate.
        explicit: examples found in the repository's tests, tried right after the typical one.
    """
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st

    examples: list[dict] = [typical_example(signature), *(explicit or [])]
    if not signature.params:
        return examples[:1]
    strategies = {p.name: strategy_for(p) for p in signature.params}
    collected: list[dict] = []

    @settings(max_examples=count, database=None, derandomize=True, deadline=None,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(st.fixed_dictionaries(strategies))
    def collect(values: dict) -> None:
        collected.append(values)

    collect()
    seen = {json.dumps(e, sort_keys=True) for e in examples}
    for values in collected:
        key = json.dumps(values, sort_keys=True)
        if key not in seen:
            seen.add(key)
            examples.append(values)
    return examples[: count + 1 + len(explicit or [])]


def as_call(signature: Signature, values: dict) -> dict:
    """A harness call: positional parameters by position, keyword-only ones by name, request
    fields in a Flask test request."""
    args = [values[p.name] for p in signature.params if p.kind == "positional" and p.name in values]
    kwargs = {p.name: values[p.name] for p in signature.params if p.kind == "keyword" and p.name in values}
    call = {"target": signature.target, "args": args, "kwargs": kwargs}
    fields = [p for p in signature.params if p.kind == "request" and p.name in values]
    if fields:
        request: dict[str, dict] = {"args": {}, "form": {}}
        for param in fields:
            source, key = param.name.split(":", 1)
            request[source][key] = values[param.name]
        call["request"] = request
    return call


def examples_from_tests(root: str | None, name: str, signature: Signature, limit: int = 10) -> list[dict]:
    """Literal calls ``name(...)`` in the repository's test files, as keyword maps."""
    if not root:
        return []
    short = name.split(".")[-1]
    found: list[dict] = []
    files = list(itertools.islice((p for pattern in ("test_*.py", "*_test.py") for p in Path(root).rglob(pattern)
                                   if ".git" not in p.parts and "node_modules" not in p.parts), 200))
    for path in files:
        try:
            tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
        except (SyntaxError, ValueError, OSError):
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
            if called != short:
                continue
            values = _literal_call(node, signature)
            if values is not None and values not in found:
                found.append(values)
            if len(found) >= limit:
                return found
    return found


def _literal_call(node: ast.Call, signature: Signature) -> dict | None:
    names = [p.name for p in signature.params]
    standins = {p.name for p in signature.params if p.standin}
    values: dict = {}
    try:
        for i, arg in enumerate(node.args):
            if i >= len(names) or isinstance(arg, ast.Starred):
                return None
            if names[i] not in standins:  # the test's own cursor is replaced by the seeded one
                values[names[i]] = _encode(ast.literal_eval(arg))
        for keyword in node.keywords:
            if keyword.arg is None or keyword.arg not in names:
                return None
            values[keyword.arg] = _encode(ast.literal_eval(keyword.value))
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    required = [p.name for p in signature.params if not p.has_default and not p.standin and p.kind != "request"]
    if any(n not in values for n in required):
        return None
    for p in signature.params:
        if p.standin:
            values[p.name] = {"$standin": p.standin}
    return values


# --- the seeded database and the file tree ------------------------------------------------------

_TABLE = re.compile(r"\b(?:FROM|INTO|UPDATE|JOIN)\s+[\"`\[]?([A-Za-z_]\w*)", re.I)
_COLUMN = re.compile(r"[\"`\[]?([A-Za-z_]\w*)[\"`\]]?\s*(?:=|!=|<>|<=|>=|<|>|\bLIKE\b|\bIN\b)", re.I)
_SELECT = re.compile(r"\bSELECT\s+(.*?)\s+FROM\b", re.I | re.S)
_INSERT = re.compile(r"\bINTO\s+[\"`]?\w+[\"`]?\s*\(([^)]*)\)", re.I)
_SQL_WORDS = {"select", "from", "where", "and", "or", "not", "like", "in", "set", "values", "null", "is",
              "order", "by", "limit", "as", "on", "join", "insert", "into", "update", "delete", "count",
              "distinct", "group", "having", "desc", "asc", "id"}
_INT_COLUMNS = re.compile(r"^(id|age|count|qty|quantity|amount|price|year|score|balance|stock|level)$|_id$")


_SQLISH = re.compile(r"\b(SELECT|WHERE|AND|OR|SET|VALUES|ORDER BY|LIMIT)\b")


def infer_schema(*texts: str) -> dict[str, list[str]]:
    """Tables and columns named in the SQL string literals of ``texts``.

    Columns of a literal that names no table (``"' AND password = '"``, the middle of a
    concatenation) are given to every table.
    """
    schema: dict[str, list[str]] = {}
    orphans: list[str] = []
    for text in texts:
        for literal in _string_parts(text):
            tables = [t for t in _TABLE.findall(literal) if t.lower() not in _SQL_WORDS]
            if not tables:
                if _SQLISH.search(literal):
                    orphans.extend(_columns(literal))
                continue
            columns = _columns(literal)
            for table in tables:
                known = schema.setdefault(table, [])
                known.extend(c for c in columns if c not in known)
    for known in schema.values():
        known.extend(c for c in dict.fromkeys(orphans) if c not in known)
    return schema


def _columns(sql: str) -> list[str]:
    found: list[str] = []
    for chunk in _SELECT.findall(sql):
        for item in chunk.split(","):
            item = item.strip().split()[-1] if item.strip() else ""
            if re.fullmatch(r"[A-Za-z_]\w*", item):
                found.append(item)
    for chunk in _INSERT.findall(sql):
        found.extend(c.strip(" \"`") for c in chunk.split(",") if re.fullmatch(r"\s*[\"`]?\w+[\"`]?\s*", c))
    found.extend(_COLUMN.findall(sql))
    result = []
    for column in found:
        if column.lower() not in _SQL_WORDS and not column.isdigit() and column not in result:
            result.append(column)
    return result


def _string_parts(text: str) -> list[str]:
    """String literals of a module, with f-string holes as blanks; the module's text itself
    when it does not parse."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return [text]
    parts = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            parts.append(node.value)
        elif isinstance(node, ast.JoinedStr):
            parts.append("".join(v.value if isinstance(v, ast.Constant) else " x " for v in node.values))
    return parts


def seed_rows(schema: dict[str, list[str]]) -> dict[str, list[dict]]:
    """Three rows per table whose text values are the names benign inputs draw from."""
    rows: dict[str, list[dict]] = {}
    for table, columns in schema.items():
        rows[table] = []
        for i, name in enumerate(NAMES):
            row: dict[str, object] = {"id": i + 1}
            for column in columns:
                low = column.lower()
                if low == "id":
                    continue
                if _INT_COLUMNS.search(low):
                    row[column] = (i + 1) * 10
                elif re.search(r"pass|pwd|secret|hash", low):
                    row[column] = PASSWORDS[i]
                elif "mail" in low:
                    row[column] = f"{name}@example.com"
                else:
                    row[column] = name
            rows[table].append(row)
    return rows


def file_tree() -> dict[str, object]:
    """The temporary tree every call starts from; the working directory is ``WORK``."""
    tree: dict[str, object] = {
        "secret.txt": "TOP SECRET: outside the application root\n",
        f"{WORK}/readme.txt": "hello from readme\n",
        f"{WORK}/report.txt": "quarterly numbers 1 2 3\n",
        f"{WORK}/files/readme.txt": "hello from files/readme\n",
        f"{WORK}/files/report.txt": "files report 4 5 6\n",
        f"{WORK}/data/config.yaml": YAML_DOCS[0],
        f"{WORK}/data/evil.yaml": YAML_PAYLOAD,
        f"{WORK}/uploads/.keep": "",
        f"{WORK}/archives/bundle.tar": {"$bytes": _tar({"docs/a.txt": b"archived a\n"}).hex()},
        f"{WORK}/archives/evil.tar": {"$bytes": _tar({"../../../escaped.txt": b"escaped\n"}).hex()},
    }
    return tree


def _tar(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()
