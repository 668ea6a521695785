"""Which SQL placeholder a file's own code shows, for ``sql-parameterize``.

A wrong placeholder breaks the query at run time (sqlite3 wants ``?``, psycopg2 and the MySQL
drivers ``%s``), so the placeholder is taken only from evidence in the file, strongest first:

1. the driver it imports (``import sqlite3`` -> ``?``; ``import psycopg2``, ``from django.db
   import connection`` -> ``%s``: Django's cursor takes ``%s`` on every backend);
2. otherwise what the code itself shows, all of which must agree:
   - names that give the driver away when a fragment lacks its imports (``RealDictCursor``);
   - the placeholders of queries the file already parameterises
     (``cur.execute("... WHERE id = ?", (i,))`` -> ``?``);
   - a connection opened on a database file (``connect("app.db")``, ``":memory:"``): SQLite;
   - SQL that only SQLite accepts (``INSERT OR REPLACE``, ``COLLATE NOCASE``,
     ``AUTOINCREMENT``, ``sqlite_master``, ``PRAGMA ...``): every Python SQLite driver
     (sqlite3, apsw, aiosqlite) takes ``?``.

Two kinds at one level are a conflict: no answer, and no fix. So is a driver whose placeholder
the operator does not write (``cx_Oracle``'s ``:1``, ``asyncpg``'s ``$1``).

Sample::

    db.execute("insert or replace into votes values(?, ?)", (a, b))   ->  "?"
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import libcst as cst

from promsec_ci.rewrite.cst_tools import called_name
from promsec_ci.rewrite.resolve import imported_modules

QMARK, FORMAT = "?", "%s"
# Evidence of a driver whose placeholder is neither: it makes any other answer a conflict.
OTHER = "other"
_QMARK_DRIVERS = frozenset({"sqlite3", "aiosqlite", "pysqlite2", "apsw", "pyodbc", "duckdb"})
_FORMAT_DRIVERS = frozenset({"psycopg2", "psycopg", "MySQLdb", "pymysql", "mysql.connector", "flask_mysqldb",
                             "flaskext.mysql", "pymssql", "aiomysql", "pgdb", "django.db"})
_OTHER_DRIVERS = frozenset({"cx_Oracle", "oracledb", "asyncpg"})
# Names that give the driver away when a fragment lacks its imports (psycopg2 cursor factories,
# flask_mysqldb's ``mysql.connection``).
_FORMAT_HINTS = frozenset({"psycopg2", "MySQLdb", "pymysql", "DictCursor", "RealDictCursor", "NamedTupleCursor",
                           "cursor_factory", "mysql"})
_QMARK_HINTS = frozenset({"sqlite3"})
_PARAMETERISED_CALLS = frozenset({"execute", "executemany"})
_FORMAT_MARK = re.compile(r"%(\(\w+\))?s")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_SQLITE_FILE = re.compile(r"(\.(db|db3|sqlite|sqlite3)|:memory:)$", re.IGNORECASE)
_SQLITE_ONLY = re.compile(
    r"\binsert\s+or\s+(replace|ignore|abort|fail|rollback)\b|\bcollate\s+nocase\b|\bautoincrement\b"
    r"|\bsqlite_(master|sequence|schema)\b|^\s*pragma\s+\w+", re.IGNORECASE)


def file_evidence(module: cst.Module, aliases: Mapping[str, str]) -> set[str]:
    """The placeholders the evidence in ``module`` points to (see the module docstring): empty
    when it shows none, more than one on a conflict.

    Args:
        module: the parsed file.
        aliases: its ``import_aliases``.
    """
    return driver_evidence(imported_modules(aliases)) or _code_evidence(module)


def driver_evidence(modules: Iterable[str]) -> set[str]:
    """The placeholders of the DB-API drivers among imported ``modules`` (``QMARK``, ``FORMAT``,
    ``OTHER``)."""
    found = set(modules)
    return {style for style, drivers in ((QMARK, _QMARK_DRIVERS), (FORMAT, _FORMAT_DRIVERS), (OTHER, _OTHER_DRIVERS))
            if found & drivers}


def only_style(evidence: set[str]) -> str | None:
    """The placeholder to write when all ``evidence`` agrees on one the operator writes."""
    return next(iter(evidence)) if len(evidence) == 1 and OTHER not in evidence else None


def _code_evidence(module: cst.Module) -> set[str]:
    collector = _Collector()
    module.visit(collector)
    kinds = set(collector.kinds)
    if collector.names & _QMARK_HINTS:
        kinds.add(QMARK)
    if collector.names & _FORMAT_HINTS:
        kinds.add(FORMAT)
    return kinds


class _Collector(cst.CSTVisitor):
    def __init__(self) -> None:
        self.names: set[str] = set()
        self.kinds: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if _SQLITE_ONLY.search(_text(node) or ""):
            self.kinds.add(QMARK)

    def visit_Call(self, node: cst.Call) -> None:
        name = called_name(node)
        positional = [arg for arg in node.args if arg.keyword is None and not arg.star]
        first = _text(positional[0].value) if positional else None
        if first is None:
            return
        if name == "connect" and _SQLITE_FILE.search(first):
            self.kinds.add(QMARK)
        elif name in _PARAMETERISED_CALLS and len(positional) >= 2:
            self.kinds |= placeholders(first)


def placeholders(sql: str) -> set[str]:
    """The placeholder kinds a parameterised query's text uses (``?`` outside quoted literals)."""
    found = set()
    if _FORMAT_MARK.search(sql):
        found.add(FORMAT)
    if "?" in _QUOTED.sub("", sql):
        found.add(QMARK)
    return found


def _text(node: cst.BaseExpression) -> str | None:
    """The value of a plain (non-f, non-bytes) string literal, implicit concatenation included."""
    if isinstance(node, cst.ConcatenatedString):
        left, right = _text(node.left), _text(node.right)
        return None if left is None or right is None else left + right
    if isinstance(node, cst.SimpleString) and "b" not in node.prefix.lower():
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None
