"""B608 / CWE-89: SQL text built from values -> a parameterised query.

Handles the query built inside the ``execute`` call and the query built into a variable that
a later statement executes (the finding may sit on either line); ``+``, ``%``, ``str.format``
(positional, named, ``**kwargs``) and f-strings. The placeholder is the driver's, taken from
evidence in the file (``rewrite/sql_evidence.py``: driver imports, placeholders of queries the
file already parameterises, a SQLite database file, SQL only SQLite accepts), else the
repository's (``rewrite/paramstyle.py``); with neither, no fix: a wrong guess breaks the query.
APIs with a documented placeholder of their own need no driver evidence:

- ``frappe.db.sql(query, values)``: ``%s``
  (https://github.com/frappe/erpnext/wiki/Code-Security-Guidelines);
- PyGreSQL's classic ``db.query(command, args)``: ``$1, $2, ...``, recognised only in a file
  that calls its result methods (``namedresult()``, ``dictresult()``, ``getresult()``, ...)
  (https://pygresql.org/contents/pg/db_wrapper.html, ``DB.query``);
- ``pandas.read_sql``: ``params=`` (with the driver's placeholder);
- Django's ``Manager.raw(sql, params)`` (in a file importing Django) and ``RawSQL(sql, params)``
  (whose empty ``params`` gets the values): ``%s`` on every database backend
  (https://docs.djangoproject.com/en/stable/topics/db/sql/#passing-parameters-into-raw).

Quotes around a value go with it (``'%s'`` -> ``?``); a quoted literal mixing text and values
becomes one parameter (``LIKE '%" + x + "%'`` -> ``LIKE ?`` with ``"%" + x + "%"``). Only a value
can be a parameter (``rewrite/sql_positions.py``): a name, a keyword or a clause spliced in
(``WHERE %s``, ``ORDER BY %s``, ``lower(%s) = 'a'``), DDL, text whose reading differs between
databases (backslashes, ``#``, prefixed literals such as ``E'..'``) and values already made into
literals (``repr(x)``, ``conn.escape(x)``) or rounded (``%f``) mean no rewrite. Comments are
skipped, so an apostrophe in ``-- it's`` does not open a literal. A value that sat inside quotes
reached the database as text, so it is bound as ``str(x)`` (``str(int(x))`` for ``'%d'``) unless
the code shows it is a ``str`` already (a literal, a build, a ``str`` method's result, request
data, a parameter annotated ``str``, a variable only ever assigned such values): an int, a UUID,
a ``Decimal`` or ``None`` bound as such is another type (``None`` would be NULL, not ``'None'``).
An unquoted value keeps its type; ``%d`` spliced ``int(x)``, which is bound. When the query is built
in one statement and run in later ones, the values move to the executes: only values that read
the same there (no call, nothing assigned or handed to a call in between, not read in a nested
scope). A constant spelled as a build (``f"SELECT 1"``) becomes a plain literal, which needs no
placeholder, unless the variable is extended later (``+=``). The whole right operand of ``%``
(``"... '%s'" % row``, no tuple display) that the code lets be a row (a loop target, a fetched
row, a tuple; ``value_types.ValueTypes.single``) gave ``%`` its item: quoted, ``"%s" % row`` is
bound (the same text); unquoted, no rewrite. A plain parameter is taken for one value.

Sample::

    q = "SELECT * FROM users WHERE name = '%s'" % (name,)  ->  q = "SELECT * FROM users WHERE name = ?"
    cur.execute(q)                                          ->  cur.execute(q, (str(name),))
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor
from libcst.metadata import ParentNodeProvider, PositionProvider

from promsec_ci.rewrite.base import Operator, OperatorMeta, ReviewGuidance, Rewrite
from promsec_ci.rewrite.cst_tools import ModuleMemo, called_name, dotted_name, enclosing_scope, parse, wrapper_of
from promsec_ci.rewrite.data_flow import assigned, dotted_prefixes, find_assignment, readers, stored
from promsec_ci.rewrite.resolve import NodeSwapper, import_aliases, imported_modules, resolve, statement_at
from promsec_ci.rewrite.sql_evidence import file_evidence, only_style
from promsec_ci.rewrite.sql_positions import is_ddl, value_position
from promsec_ci.rewrite.string_build import (
    Built,
    Slot,
    Text,
    as_str,
    constant_build,
    decompose,
    fstring_of,
    plus_chain,
    render_string,
    unwrap_str,
)
from promsec_ci.rewrite.value_types import ValueTypes

_READ_SQL = frozenset({"pandas.read_sql", "pandas.read_sql_query", "pd.read_sql", "pd.read_sql_query"})
_RAW_SQL = frozenset({"django.db.models.RawSQL", "django.db.models.expressions.RawSQL"})
_DJANGO_STYLE = "%s"
# frappe.db.sql(query, values): ``%s`` (or ``%(name)s``) placeholders on every frappe backend.
_FRAPPE_SQL = "frappe.db.sql"
# Methods of PyGreSQL's query result object: a file calling them runs ``db.query(sql)`` through
# PyGreSQL's classic API, whose ``query(command, args)`` binds ``$1, $2, ...``.
_PYGRESQL_RESULTS = frozenset({"getresult", "dictresult", "namedresult", "dictiter", "namediter", "onescalar",
                               "scalarresult", "singledict", "singlenamed"})
NUMBERED = "$"  # the placeholder style ``$1, $2, ...``
NAMED = ":"  # SQLAlchemy ``text()`` binds ``:name`` with a dict, on every driver
# What SQLAlchemy's text() takes for a bind parameter: literal text matching it cannot stay.
_TEXT_BIND = re.compile(r"(?<![:\w\\]):(\w+)(?!:)")
_SQLALCHEMY_MODULES = frozenset({"sqlalchemy", "flask_sqlalchemy"})

# A string literal's prefix in SQL: national (N), escape (E), hex (X), bit (B), Unicode (U&),
# a MySQL character set (_utf8).
_LITERAL_PREFIX = re.compile(r"(?:^|[^\w])(?:[nexbr]|u&|_\w+)$", re.IGNORECASE)
_NAME_CHAR = re.compile(r"[\w.`\[\]]")


@dataclass(frozen=True)
class Parameters:
    """The values a parameterised query binds.

    Args:
        values: the value expressions, in placeholder order.
        names: their bind names, for ``:name`` placeholders (``None`` for positional ones).
    """

    values: tuple[cst.BaseExpression, ...]
    names: tuple[str, ...] | None = None


@dataclass(frozen=True)
class _FileApis:
    """What the file shows of the APIs its ``.query``/``.execute`` calls reach."""

    pygresql: bool = False  # it calls PyGreSQL's result methods: ``db.query(sql)`` is PyGreSQL's
    own_execute: bool = False  # it defines ``execute(self, sql)`` with no room for parameters


@dataclass(frozen=True)
class _Sink:
    call: cst.Call
    keyword_params: bool  # pandas.read_sql(sql, con, params=...) rather than cursor.execute(sql, params)
    style: str | None = None  # the API's own placeholder (frappe, PyGreSQL), whatever the driver
    fills_params: bool = False  # RawSQL(sql, []): the values go in the (empty) params already passed


class SqlParameterizeOperator(Operator):
    """See the module docstring."""

    meta = OperatorMeta(
        name="sql-parameterize",
        cwes=(89,),
        rule_ids=("B608", "B611"),
        directive=("Pass every user-supplied value to the database driver as a query parameter with "
                   "placeholders instead of formatting it into the SQL text."),
        summary="Build the SQL text from constants only and pass the values as driver parameters.",
        references=(
            "https://cwe.mitre.org/data/definitions/89.html",
            "https://peps.python.org/pep-0249/#paramstyle",
            "https://docs.python.org/3/library/sqlite3.html#sqlite3-placeholders",
        ),
        review_guidance=ReviewGuidance.MERGE_AFTER_CURSORY_REVIEW,
    )

    def __init__(self, fallback_style: Callable[[], str | None] = lambda: None) -> None:
        # The placeholder to use when nothing in the file shows the driver: the repository's
        # (see rewrite/paramstyle.py) or the user's choice, asked for only then. None: no fix, a
        # wrong guess would break the query at run time (sqlite3 wants ?, psycopg2 and MySQL
        # drivers %s).
        self.fallback_style = fallback_style

    def apply(self, source: str, line: int) -> Rewrite | None:
        module = parse(source)
        if module is None:
            return None
        wrapper = wrapper_of(module)
        positions = wrapper.resolve(PositionProvider)
        parents = wrapper.resolve(ParentNodeProvider)
        aliases = import_aliases(module)
        statement = statement_at(module, positions, line)
        if statement is None:
            return None
        evidence = file_evidence(module, aliases)
        style = only_style(evidence) if evidence else self.fallback_style()
        apis = _file_apis(module)
        replacements = _same_statement(statement, parents, aliases, style, apis)
        if replacements is None:
            replacements = _data_flow(statement, parents, aliases, style, apis)
        if not replacements:
            return None
        updated = module.visit(NodeSwapper(replacements))
        imports: tuple[str, ...] = ()
        if aliases.get("sqlalchemy") != "sqlalchemy" and any(_wraps_text(r) for r in replacements.values()):
            context = CodemodContext()
            AddImportsVisitor.add_needed_import(context, "sqlalchemy")
            updated = AddImportsVisitor(context).transform_module(updated)
            imports = ("import sqlalchemy",)
        return Rewrite(text=updated.code, line=line, imports=imports)


SqlParameterize = SqlParameterizeOperator()


# What the file shows of its query APIs, once per parsed module: every candidate edit asks again.
_file_apis: ModuleMemo[_FileApis] = ModuleMemo(
    lambda module: _FileApis(pygresql=_calls_any(module, _PYGRESQL_RESULTS), own_execute=_defines_execute(module)))


# --- where the query is executed ---------------------------------------------------------------

def _sqlalchemy_style(receiver: cst.BaseExpression, aliases: Mapping[str, str]) -> str | None:
    """``:name`` binds for ``<x>.engine.execute(sql)`` (a SQLAlchemy Engine, as Flask-SQLAlchemy's
    ``db.engine``), and ``<x>.session.execute(sql)`` in a file importing SQLAlchemy; ``None``
    for any other receiver (a DB-API cursor or connection)."""
    name = dotted_name(receiver) or ""
    last = name.rpartition(".")[2]
    if aliases.get("sqlalchemy", "sqlalchemy") != "sqlalchemy":
        return None  # the name sqlalchemy is bound to something else: no place for sqlalchemy.text
    if last == "engine" or last == "session" and imported_modules(aliases) & _SQLALCHEMY_MODULES:
        return NAMED
    return None


def _wraps_text(node: cst.CSTNode) -> bool:
    if not isinstance(node, cst.Call) or not node.args:
        return False
    first = node.args[0].value
    return isinstance(first, cst.Call) and dotted_name(first.func) == "sqlalchemy.text"


def _defines_execute(module: cst.Module) -> bool:
    """Whether the file defines an ``execute`` that takes no parameters after the query
    (``def execute(self, sql)``): its ``.execute(sql)`` calls may be that wrapper, not a driver's."""
    found = False

    class _Visitor(cst.CSTVisitor):
        def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
            nonlocal found
            params = node.params
            positional = [p.name.value for p in (*params.posonly_params, *params.params)]
            after_query = positional[2:] if positional[:1] in (["self"], ["cls"]) else positional[1:]
            if node.name.value == "execute" and not after_query and not isinstance(params.star_arg, cst.Param):
                found = True

    module.visit(_Visitor())
    return found


def _calls_any(module: cst.Module, methods: frozenset[str]) -> bool:
    """Whether ``module`` calls a method named in ``methods`` anywhere."""
    found = False

    class _Visitor(cst.CSTVisitor):
        def visit_Call(self, call: cst.Call) -> None:
            nonlocal found
            found = found or isinstance(call.func, cst.Attribute) and call.func.attr.value in methods

    module.visit(_Visitor())
    return found


def _sinks(node: cst.CSTNode, aliases: Mapping[str, str], header_only: bool = False,
           apis: _FileApis | None = None) -> list[_Sink]:
    """The query-running calls in ``node`` (only in its header, for a compound statement, when
    ``header_only``); ``db.query(sql)`` too when the file uses PyGreSQL's query results."""
    found: list[_Sink] = []

    class _Visitor(cst.CSTVisitor):
        def visit_Call(self, call: cst.Call) -> None:
            func = call.func
            name = resolve(func, aliases)
            if name == _FRAPPE_SQL:
                found.append(_Sink(call, keyword_params=False, style="%s"))
            elif isinstance(func, cst.Attribute) and func.attr.value == "execute" and not apis.own_execute:
                style = _sqlalchemy_style(func.value, aliases)
                if style is not None or not (dotted_name(func.value) or "").endswith("session"):
                    found.append(_Sink(call, keyword_params=False, style=style))  # not an unknown ORM session
            elif apis.pygresql and isinstance(func, cst.Attribute) and func.attr.value == "query":
                found.append(_Sink(call, keyword_params=False, style=NUMBERED))
            elif name in _READ_SQL:
                found.append(_Sink(call, keyword_params=True))
            elif name in _RAW_SQL:
                found.append(_Sink(call, keyword_params=False, style=_DJANGO_STYLE, fills_params=True))
            elif django and isinstance(func, cst.Attribute) and func.attr.value == "raw":
                found.append(_Sink(call, keyword_params=False, style=_DJANGO_STYLE))

        def visit_IndentedBlock(self, node: cst.IndentedBlock) -> bool:
            return node is not body_of  # compound statement: only its header is "the statement"

    body_of = getattr(node, "body", None) if header_only and isinstance(node, cst.BaseCompoundStatement) else None
    django = "django" in imported_modules(aliases)
    apis = apis or _FileApis()
    node.visit(_Visitor())
    return found


def _query_arg(sink: _Sink) -> cst.Arg | None:
    """The SQL argument, when the call has no parameters yet."""
    call = sink.call
    if any(arg.star for arg in call.args):
        return None
    positional = [arg for arg in call.args if arg.keyword is None]
    keywords = {arg.keyword.value for arg in call.args if arg.keyword is not None}
    if sink.fills_params:
        return positional[0] if len(positional) == 2 and not keywords and _is_empty(positional[1].value) else None
    if not positional or "params" in keywords or "parameters" in keywords:
        return None
    if not sink.keyword_params and len(positional) > 1:
        return None
    return positional[0]


def _with_params(sink: _Sink, params: Parameters) -> cst.Call:
    if params.names is not None:
        return _with_named_params(sink, params)
    elements = []
    for index, value in enumerate(params.values):
        last = index == len(params.values) - 1
        comma = cst.Comma() if last and len(params.values) == 1 else (
            cst.MaybeSentinel.DEFAULT if last else cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        elements.append(cst.Element(value=value, comma=comma))
    values = cst.Tuple(elements=elements)
    if sink.fills_params:
        query, empty = sink.call.args
        return sink.call.with_changes(args=[query, empty.with_changes(value=values)])
    if sink.keyword_params:
        equal = cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(""))
        arg = cst.Arg(value=values, keyword=cst.Name("params"), equal=equal)
    else:
        arg = cst.Arg(value=values)
    return _append_arg(sink.call, arg)


def _is_empty(node: cst.BaseExpression) -> bool:
    return isinstance(node, (cst.List, cst.Tuple)) and not node.elements


def _with_named_params(sink: _Sink, params: Parameters) -> cst.Call:
    """``execute(sqlalchemy.text(sql), {"name": value, ...})``."""
    space = cst.SimpleWhitespace(" ")
    elements = [cst.DictElement(key=cst.SimpleString(f'"{name}"'), value=value,
                                whitespace_after_colon=space,
                                comma=cst.Comma(whitespace_after=space) if index < len(params.values) - 1
                                else cst.MaybeSentinel.DEFAULT)
                for index, (name, value) in enumerate(zip(params.names, params.values, strict=True))]
    text = cst.Attribute(value=cst.Name("sqlalchemy"), attr=cst.Name("text"))
    query = sink.call.args[0]
    call = sink.call.with_changes(args=[query.with_changes(value=cst.Call(func=text, args=[cst.Arg(query.value)])),
                                        *sink.call.args[1:]])
    return _append_arg(call, cst.Arg(value=cst.Dict(elements=elements)))


def _append_arg(call: cst.Call, arg: cst.Arg) -> cst.Call:
    """Add ``arg`` last, following the call's layout (same line, or one argument per line)."""
    args = list(call.args)
    last = args[-1]
    if isinstance(last.comma, cst.Comma):
        # Trailing comma: one argument per line. The new one takes it; the old one takes the separator.
        separator = args[-2].comma if len(args) >= 2 and isinstance(args[-2].comma, cst.Comma) else \
            cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        args[-1] = last.with_changes(comma=separator)
        args.append(arg.with_changes(comma=last.comma))
    else:
        args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        args.append(arg)
    return call.with_changes(args=args)


# --- the two shapes ----------------------------------------------------------------------------

def _same_statement(statement: cst.CSTNode, parents: Mapping[cst.CSTNode, cst.CSTNode], aliases: Mapping[str, str],
                    style: str | None, apis: _FileApis) -> dict[cst.CSTNode, cst.CSTNode] | None:
    """``cur.execute("..." % x)``: the query is built inside the call. A constant spelled as a
    build (``f"SELECT 1"``) needs no placeholder, so no driver evidence either."""
    replacements: dict[cst.CSTNode, cst.CSTNode] = {}
    for sink in _sinks(statement, aliases, header_only=True, apis=apis):
        first = next((a for a in sink.call.args if a.keyword is None and not a.star), None)
        constant = _constant_literal(first.value) if first is not None else None
        if constant is not None:
            replacements[sink.call] = sink.call.with_changes(
                args=[a.with_changes(value=constant) if a is first else a for a in sink.call.args])
            continue
        arg = _query_arg(sink)
        built = decompose(arg.value) if arg is not None else None
        placeholder = sink.style or style
        if built is None or placeholder is None:
            continue
        result = parameterize(built, arg.value, placeholder, ValueTypes(statement, parents))
        if result is None:
            return None
        template, params = result
        call = sink.call.with_changes(
            args=[a.with_changes(value=template) if a is arg else a for a in sink.call.args])
        replacements[sink.call] = _with_params(replace(sink, call=call), params)
    return replacements or None


def _data_flow(statement: cst.CSTNode, parents: Mapping[cst.CSTNode, cst.CSTNode], aliases: Mapping[str, str],
               style: str | None, apis: _FileApis) -> dict[cst.CSTNode, cst.CSTNode] | None:
    """``q = "..." % x`` then ``cur.execute(q)``; ``statement`` is either of the two."""
    constant = _constant_assignment(statement, parents)
    if constant is not None:
        return constant
    bound = assigned(statement)
    if bound is not None and _is_build(bound[1]):
        return _link(statement, parents, aliases, style, apis)
    for sink in _sinks(statement, aliases, header_only=True, apis=apis):
        arg = _query_arg(sink)
        if arg is None or not isinstance(arg.value, cst.Name):
            continue
        assignment = find_assignment(statement, arg.value.value, parents, _is_build)
        result = _link(assignment, parents, aliases, style, apis) if assignment is not None else None
        if result is not None:
            return result
    return None


def _constant_literal(node: cst.BaseExpression) -> cst.BaseExpression | None:
    """One plain literal for a constant built the long way (``"a " + "b"``, ``f"a"``): no value
    flows into it, only its spelling made it look like a built query."""
    constant = constant_build(node)
    if constant is None:
        return None
    literal = render_string(*constant)
    lpar, rpar = getattr(node, "lpar", ()), getattr(node, "rpar", ())
    return literal.with_changes(lpar=lpar, rpar=rpar) if lpar else literal


def _constant_assignment(statement: cst.CSTNode,
                         parents: Mapping[cst.CSTNode, cst.CSTNode]) -> dict[cst.CSTNode, cst.CSTNode] | None:
    """``q = f"SELECT ..."`` with nothing spliced in: one plain literal. Not when the variable is
    extended later (``q += f"... {x}"``): the query is built there, and folding the first piece
    would only quiet the analyzer."""
    bound = assigned(statement)
    if bound is None:
        return None
    name, value = bound
    literal = _constant_literal(value)
    if literal is None or _extended(name, enclosing_scope(statement, parents) or statement):
        return None
    return {value: literal}


def _extended(name: str, scope: cst.CSTNode) -> bool:
    """Whether ``name += ...`` occurs in ``scope``."""
    found = False

    class _Visitor(cst.CSTVisitor):
        def visit_AugAssign(self, node: cst.AugAssign) -> None:
            nonlocal found
            found = found or isinstance(node.target, cst.Name) and node.target.value == name

    scope.visit(_Visitor())
    return found


def _is_build(value: cst.BaseExpression) -> bool:
    return decompose(value) is not None


def _link(assignment: cst.CSTNode, parents: Mapping[cst.CSTNode, cst.CSTNode], aliases: Mapping[str, str],
          style: str | None, apis: _FileApis) -> dict[cst.CSTNode, cst.CSTNode] | None:
    """Rewrite ``name = <build>`` and every later ``execute(name)`` that reads it."""
    flow = readers(assignment, parents)
    built = decompose(flow.value) if flow is not None else None
    if built is None:
        return None
    sinks = [s for statement in flow.between for s in _sinks(statement, aliases, apis=apis)
             if any(_is_query_name(s, use) for use in flow.uses)]
    if len(sinks) != len(flow.uses):
        return None  # the query is also read by something other than an execute
    placeholders = {sink.style or style for sink in sinks}
    if len(placeholders) != 1 or None in placeholders:
        return None  # no evidence, or one text for APIs wanting different placeholders
    style = placeholders.pop()
    # The values are now read at the executes: none of them may change in between, nor be
    # evaluated more than once, nor be read in another scope.
    read = {n for slot in built.slots for n in dotted_prefixes(slot.node)}
    written: set[str] = set()
    for statement in flow.between:
        written |= stored(statement)
    if read & written or any(_in_nested_scope(use, flow.between, parents) for use in flow.uses):
        return None
    # Statements in between, executes, or one loop (or other block) around the execute.
    if not (len(flow.uses) == 1 and len(flow.between) == 1 and isinstance(flow.between[0], cst.SimpleStatementLine)):
        if not all(_stable(slot.node) for slot in built.slots):
            return None  # ``next(ids)``: would run again, and later
        objects = {name for slot in built.slots for name in _objects_read(slot.node)}
        receivers: set[str] = set()
        passed: set[str] = set()
        for statement in flow.between:
            called_on, arguments = _handed_over(statement)
            receivers |= called_on
            passed |= arguments
        if read & receivers or objects & passed:
            return None  # ``names[0]`` after ``names.pop(0)``, ``user.name`` after ``user.rename(..)``
    result = parameterize(built, flow.value, style, ValueTypes(flow.assignment, parents))
    if result is None:
        return None
    template, params = result
    replacements: dict[cst.CSTNode, cst.CSTNode] = {flow.value: template}
    for sink in sinks:
        replacements[sink.call] = _with_params(sink, params)
    return replacements


def _stable(node: cst.BaseExpression) -> bool:
    """A variable, an attribute chain, a constant, an item of one (``row[0]``), or ``str()``/
    ``int()`` of those: reading it again later gives the same value unless something assigns it
    or hands its container to a call (which ``_link`` checks)."""
    if isinstance(node, cst.Call):
        return called_name(node) in ("str", "int") and len(node.args) == 1 and _stable(node.args[0].value)
    if isinstance(node, cst.Subscript):
        return _stable(node.value) and all(isinstance(e.slice, cst.Index) and _stable(e.slice.value)
                                           for e in node.slice)
    return isinstance(node, (cst.SimpleString, cst.Integer, cst.Float)) or dotted_name(node) is not None


def _objects_read(node: cst.CSTNode) -> set[str]:
    """The objects ``node`` reads items or attributes of (``row`` for ``row[0]``, ``user`` for
    ``user.name``, ``self`` and ``self.user`` for ``self.user.name``)."""
    found: set[str] = set()

    class _Visitor(cst.CSTVisitor):
        def visit_Subscript(self, subscript: cst.Subscript) -> None:
            found.add(dotted_name(subscript.value) or "")

        def visit_Attribute(self, attribute: cst.Attribute) -> None:
            found.update(dotted_prefixes(attribute.value))

    node.visit(_Visitor())
    return found - {""}


def _handed_over(statement: cst.CSTNode) -> tuple[set[str], set[str]]:
    """What ``statement``'s calls may change: the objects whose methods it calls (``names`` for
    ``names.pop(0)``, ``cur`` for ``cur.execute(..)``, which changes ``cur.lastrowid``) and the
    objects it passes (``fill(row)``)."""
    receivers: set[str] = set()
    passed: set[str] = set()

    class _Visitor(cst.CSTVisitor):
        def visit_Call(self, call: cst.Call) -> None:
            if isinstance(call.func, cst.Attribute):
                receivers.add(dotted_name(call.func.value) or "")
            passed.update(dotted_name(arg.value) or "" for arg in call.args)

    statement.visit(_Visitor())
    return receivers - {""}, passed - {""}


def _in_nested_scope(use: cst.CSTNode, statements: tuple[cst.CSTNode, ...],
                     parents: Mapping[cst.CSTNode, cst.CSTNode]) -> bool:
    """Whether ``use`` sits in a function, lambda, class or comprehension inside ``statements``:
    a value read there may see that scope's own variables."""
    scopes = (cst.FunctionDef, cst.Lambda, cst.ClassDef, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
    child, current = use, parents.get(use)
    outermost_iterable = None  # ``[r for r in cur.execute(q)]``: evaluated in the enclosing scope
    while current is not None:
        if isinstance(current, cst.CompFor) and child is current.iter:
            outermost_iterable = current
        elif isinstance(current, scopes):
            if outermost_iterable is None or getattr(current, "for_in", None) is not outermost_iterable:
                return True
            outermost_iterable = None
        if current in statements:
            return False
        child, current = current, parents.get(current)
    return False


def _is_query_name(sink: _Sink, use: cst.Name) -> bool:
    arg = _query_arg(sink)
    return arg is not None and arg.value is use


# --- the query text ----------------------------------------------------------------------------

def parameterize(built: Built, node: cst.BaseExpression, style: str,
                 types: ValueTypes) -> tuple[cst.BaseExpression, Parameters] | None:
    """The constant SQL template replacing ``node`` and the parameter values, or ``None`` when a
    value is not in a value position.

    Args:
        built: ``decompose(node)``.
        node: the building expression (its parentheses are kept on the template).
        style: ``?``, ``%s``, ``$`` (numbered: ``$1``, ``$2``, ...) or ``:`` (named, for
            SQLAlchemy's ``text()``: one name per distinct value expression).
        types: what the code around ``node`` shows of the values' types.
    """
    if style == NAMED and _TEXT_BIND.search(built.literal_text):
        return None  # text() would take that literal ``:word`` for a bind parameter
    built = built.with_single_values(types.single)  # a row left marked: ``%`` formatted its item
    if not _evaluated_as_before(built, node):
        return None  # ``"{0} {0}".format(next(ids))``: bound in placeholder order, next() runs twice
    if is_ddl(built.literal_text):
        return None  # no parameters in CREATE / ALTER / DROP
    stream: list[tuple[str, int] | Slot] = []
    for part in built.parts:
        if isinstance(part, Text):
            stream.extend((ch, part.piece) for ch in part.text)
        else:
            stream.append(part)
    out: list[tuple[str, int]] = []  # output characters with their piece
    binds = _Binds(style)
    i = 0
    while i < len(stream):
        item = stream[i]
        if isinstance(item, Slot):
            after = _text_until_slot(stream, i + 1)
            if not value_position(_chars(out), after) or _glued(out, stream, i):
                return None
            if item.whole_operand:
                return None  # ``"... %s" % row``: a tuple ``row`` gave ``%`` its item, a parameter would get the tuple
            value = _slot_value(item)
            if value is None:
                return None
            mark = binds.add(value)
            piece = out[-1][1] if out else _next_piece(stream, i)
            out.extend((ch, piece) for ch in mark)
            i += 1
            continue
        ch, piece = item
        comment_end = _comment_end(stream, i)
        if comment_end is not None:
            if comment_end < 0:
                return None  # a value inside a comment, or a comment left open
            out.extend(_escape_text(stream[i:comment_end], style, quoted=False))
            i = comment_end
            continue
        if ch in "'\"`":
            close = _closing_quote(stream, i, ch)
            if close is None:
                return None
            section = stream[i + 1:close]
            if not any(isinstance(s, Slot) for s in section):
                out.extend(_escape_text(stream[i:close + 1], style, quoted=True))
                i = close + 1
                continue
            if ch == "`" or _LITERAL_PREFIX.search(_chars(out)):
                return None  # a quoted identifier, or a prefixed literal (N'..', E'..', X'..', _utf8'..')
            if not value_position(_chars(out), _text_until_slot(stream, close + 1), quoted=ch == "'"):
                return None  # a quoted string where a name goes
            if out and _NAME_CHAR.match(out[-1][0]):
                out.append((" ", piece))  # like'%s' -> like ?, not like?
            value = _section_value(section, ch, built, types)
            if value is None:
                return None
            mark = binds.add(value)
            out.extend((p, piece) for p in mark)
            i = close + 1
            following = stream[i] if i < len(stream) else None
            if isinstance(following, tuple) and _NAME_CHAR.match(following[0]):
                out.append((" ", piece))
            continue
        if ch == "?" and style == "?" or ch == "$" and style == NUMBERED:
            return None  # a bare ? (or $) in the text would read as a placeholder
        if ch in "#\\":
            return None  # a MySQL comment or a backslash escape: the text's meaning depends on the database
        out.extend(_escape_text([item], style, quoted=False))
        i += 1
    return _render(out, built, node), binds.parameters()


def _evaluated_as_before(built: Built, node: cst.BaseExpression) -> bool:
    """Whether binding the values in placeholder order runs each call once and in the order the
    build ran them: a call (``next(ids)``, ``input()``) used twice (``{0}`` twice, ``%(a)s`` twice)
    or placed in another order (``"{b} {a}".format(a=f(), b=g())``) would not."""
    order: dict[int, int] = {}

    class _Visitor(cst.CSTVisitor):
        def on_visit(self, visited: cst.CSTNode) -> bool:
            order.setdefault(id(visited), len(order))
            return True

    node.visit(_Visitor())
    calls = [order.get(id(slot.node), -1) for slot in built.slots if not _stable(slot.node)]
    return calls == sorted(set(calls))


class _Binds:
    """The values bound so far and the placeholder text for each."""

    def __init__(self, style: str) -> None:
        self.style = style
        self.values: list[cst.BaseExpression] = []
        self.names: list[str] = []
        self._by_code: dict[str, str] = {}

    def add(self, value: cst.BaseExpression) -> str:
        if self.style == NUMBERED:
            self.values.append(value)
            return f"${len(self.values)}"
        if self.style != NAMED:
            self.values.append(value)
            return self.style
        code = cst.Module(body=[]).code_for_node(value) if _stable(value) else str(id(value))
        if code not in self._by_code:  # the same variable twice binds one name; ``next(ids)`` twice, two
            self._by_code[code] = _bind_name(value, set(self.names))
            self.values.append(value)
            self.names.append(self._by_code[code])
        return f":{self._by_code[code]}"

    def parameters(self) -> Parameters:
        return Parameters(tuple(self.values), tuple(self.names) if self.style == NAMED else None)


def _bind_name(value: cst.BaseExpression, taken: set[str]) -> str:
    """``user_id`` for ``user_id`` / ``self.user_id`` / ``form["user_id"]``, else ``p1``, ``p2``, ..."""
    base = ""
    value = unwrap_str(value)
    if isinstance(value, cst.Call) and called_name(value) == "int" and len(value.args) == 1:
        value = value.args[0].value  # ``int(user_id)`` for ``%d``: still user_id
    if isinstance(value, cst.Name):
        base = value.value
    elif isinstance(value, cst.Attribute):
        base = value.attr.value
    elif isinstance(value, cst.Subscript) and len(value.slice) == 1:
        key = getattr(value.slice[0].slice, "value", None)
        text = key.evaluated_value if isinstance(key, cst.SimpleString) else None
        base = text if isinstance(text, str) and text.isidentifier() else ""
    name, number = base or "p1", 1
    while name in taken:
        number += 1
        name = f"{base or 'p'}{number}" if base else f"p{number}"
    return name


def _text_until_slot(stream, start: int) -> str:
    text = []
    for item in stream[start:]:
        if isinstance(item, Slot):
            break
        text.append(item[0])
    return "".join(text)


def _chars(out: list[tuple[str, int]]) -> str:
    return "".join(c[0] for c in out)


def _comment_end(stream, start: int) -> int | None:
    """Where a ``--`` or ``/* */`` comment starting at ``start`` ends (exclusive); ``None`` when
    none starts there, ``-1`` when it holds a value or never closes."""
    pair = "".join(item[0] for item in stream[start:start + 2] if not isinstance(item, Slot))
    if pair not in ("--", "/*"):
        return None
    closing = "\n" if pair == "--" else "*/"
    i = start + 2
    while i < len(stream):
        if isinstance(stream[i], Slot):
            return -1
        if "".join(item[0] for item in stream[i:i + len(closing)] if not isinstance(item, Slot)) == closing:
            return i + len(closing)
        i += 1
    return len(stream) if pair == "--" else -1


def _next_piece(stream, start: int) -> int:
    for item in stream[start:]:
        if not isinstance(item, Slot):
            return item[1]
    return 0


def _glued(out: list[tuple[str, int]], stream, index: int) -> bool:
    """A value stuck to a name or number (``ingredients_`` + n): part of an identifier."""
    before = out[-1][0] if out else ""
    after_item = stream[index + 1] if index + 1 < len(stream) else None
    after = "" if after_item is None or isinstance(after_item, Slot) else after_item[0]
    return bool(before and _NAME_CHAR.match(before)) or bool(after and _NAME_CHAR.match(after)) or \
        isinstance(after_item, Slot)


def _closing_quote(stream, start: int, quote: str) -> int | None:
    """The index of the quote closing the literal opened at ``start``; ``None`` when it never
    closes or holds a backslash (an escape in MySQL, a plain character in standard SQL)."""
    i = start + 1
    while i < len(stream):
        item = stream[i]
        if not isinstance(item, Slot) and item[0] == "\\":
            return None
        if not isinstance(item, Slot) and item[0] == quote:
            nxt = stream[i + 1] if i + 1 < len(stream) else None
            if quote != "`" and nxt is not None and not isinstance(nxt, Slot) and nxt[0] == quote:
                i += 2  # doubled quote: an escaped quote inside the literal
                continue
            return i
        i += 1
    return None


def _section_value(section, quote: str, built: Built, types: ValueTypes) -> cst.BaseExpression | None:
    """The parameter standing for a quoted SQL literal that contains values: the text the
    literal held. A value the code shows to be a ``str`` is bound as it is; any other becomes
    ``str(x)`` (``str(int(x))`` for ``%d``): the database got text, and an int, a UUID, a
    ``Decimal`` or ``None`` bound as such is another type (``None`` becomes NULL, not ``'None'``)."""
    parts: list[Text | Slot] = []
    text = ""
    piece = 0
    i = 0
    while i < len(section):
        item = section[i]
        if isinstance(item, Slot):
            if _slot_value(item) is None:
                return None  # binding would change the text (``'%f'`` rounding, ``repr(x)``)
            if text:
                parts.append(Text(text, piece))
                text = ""
            parts.append(item if item.whole_operand else _as_text_slot(item))
        else:
            ch, piece = item
            if ch == quote:
                i += 1  # '' -> '
            text += ch
        i += 1
    if text:
        parts.append(Text(text, piece))
    like = built.pieces[0] if built.pieces else None
    if len(parts) > 1 and any(isinstance(part, Slot) and part.whole_operand for part in parts):
        return None  # ``"... '%%%s%%'" % row`` with a row: one ``"%s" % row`` would not show the pattern
    if len(parts) == 1:
        only = parts[0]
        return _bare(only.node if only.conversion == "raw" or types.kind(only.node) == "str" else as_str(only, like))
    if built.kind == "add" and all(p.conversion == "raw" for p in parts if isinstance(p, Slot)):
        return plus_chain(parts, like)
    return fstring_of(parts, like)


def _as_text_slot(slot: Slot) -> Slot:
    """The slot of a value known to be no tuple as a ``str`` one; ``%d`` spliced ``int(x)``'s
    digits, so it becomes one over ``int(x)`` (unless ``x`` is an int already)."""
    if slot.conversion != "int":
        return Slot(slot.node, slot.conversion)
    return Slot(slot.node if _is_int(slot.node) else _int_call(slot.node), "str")


def _int_call(node: cst.BaseExpression) -> cst.Call:
    return cst.Call(func=cst.Name("int"), args=[cst.Arg(node.with_changes(lpar=[], rpar=[]))])


def _slot_value(slot: Slot) -> cst.BaseExpression | None:
    """The parameter for an unquoted value, or ``None`` when binding it would change the text
    the program produced (``%f`` rounds, ``repr()`` and escaping functions add quotes). A value
    of unknown type is bound as it is, as developers do."""
    if slot.conversion == "float" or _pre_quoted(slot.node):
        return None
    node = slot.node
    if slot.conversion == "int" and not _is_int(node):
        return _int_call(node)  # %d spliced int(x)'s digits: 1 for 1.5 or Decimal("1.5")
    return _bare(unwrap_str(node))


def _is_int(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Integer) or isinstance(node, cst.Call) and called_name(node) in ("int", "len", "ord")


def _pre_quoted(node: cst.BaseExpression) -> bool:
    """``repr(x)``, ``conn.escape(x)``, ``escape_string(x)``, ``quote_literal(x)``: text already
    made into (or for) an SQL literal; bound as a value it would keep its quotes or backslashes.
    So is a value whose code holds a quote or a backslash: ``x.replace("'", "''")`` (the query
    read ``o''hara`` as o'hara, the bound value is ``o''hara``), ``"','".join(names)`` inside
    ``IN ('%s')`` (several literals, not one), ``"'" + x + "'"``."""
    name = called_name(node) if isinstance(node, cst.Call) else ""
    if name in ("repr", "ascii", "mogrify") or any(word in name for word in ("escape", "quote", "literal")):
        return True
    return _holds_quoting(node)


def _holds_quoting(node: cst.CSTNode) -> bool:
    """Whether a string literal in ``node`` holds a quote or a backslash."""
    found = False

    class _Visitor(cst.CSTVisitor):
        def visit_SimpleString(self, string: cst.SimpleString) -> None:
            nonlocal found
            value = string.evaluated_value
            text = value.decode("latin-1") if isinstance(value, bytes) else value
            found = found or any(ch in text for ch in "'\"\\`")

        def visit_FormattedStringText(self, text: cst.FormattedStringText) -> None:
            nonlocal found
            found = found or any(ch in text.value for ch in "'\"\\`")

    node.visit(_Visitor())
    return found


def _bare(node: cst.BaseExpression) -> cst.BaseExpression:
    """``x`` for ``(x)``: a tuple element needs no parentheses around an atom."""
    atoms = (cst.Name, cst.Attribute, cst.Subscript, cst.Call, cst.SimpleString, cst.Integer, cst.Float)
    if isinstance(node, atoms) and node.lpar:
        return node.with_changes(lpar=[], rpar=[])
    return node


def _escape_text(items, style: str, quoted: bool) -> list[tuple[str, int]]:
    """With ``%s`` placeholders the driver applies ``%`` formatting: a literal ``%`` doubles."""
    out = []
    for ch, piece in items:
        out.append((ch, piece))
        if ch == "%" and style == "%s":
            out.append((ch, piece))
    return out


def _render(out: list[tuple[str, int]], built: Built, node: cst.BaseExpression) -> cst.BaseExpression:
    texts = ["" for _ in built.pieces]
    for ch, piece in out:
        texts[piece] += ch
    if built.layout is None:
        template: cst.BaseExpression = render_string("".join(texts), built.pieces[0])
    else:
        template = _rebuild(built.layout, texts, iter(range(len(built.pieces))))
    parens = getattr(node, "lpar", ()), getattr(node, "rpar", ())
    if parens[0] and not getattr(template, "lpar", ()):
        template = template.with_changes(lpar=parens[0], rpar=parens[1])
    return template


def _rebuild(node: cst.BaseExpression, texts: list[str], order) -> cst.BaseExpression | None:
    """The implicitly concatenated literal with each piece holding its new text; empty pieces go."""
    if isinstance(node, cst.ConcatenatedString):
        left = _rebuild(node.left, texts, order)
        right = _rebuild(node.right, texts, order)
        if left is None or right is None:
            kept = left if right is None else right
            if kept is None:
                return render_string("", node.left if isinstance(node.left, cst.BaseString) else None)
            return kept.with_changes(lpar=node.lpar, rpar=node.rpar) if node.lpar else kept
        return node.with_changes(left=left, right=right)
    index = next(order)
    if not texts[index]:
        return None
    rendered = render_string(texts[index], node)
    return rendered
