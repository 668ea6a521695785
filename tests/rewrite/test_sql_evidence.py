"""sql_evidence: the SQL placeholder a file's own code shows, or none."""

from textwrap import dedent

import libcst as cst
import pytest

from promsec_ci.rewrite.resolve import import_aliases
from promsec_ci.rewrite.sql_evidence import file_evidence, only_style, placeholders


def style_of(source: str) -> str | None:
    module = cst.parse_module(dedent(source))
    return only_style(file_evidence(module, import_aliases(module)))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import sqlite3\n", "?"),
        ("import psycopg2.extras\n", "%s"),
        ("from django.db import connection\n", "%s"),
        ("import sqlite3\nimport pymysql\n", None),
        ("import pyodbc\n", "?"),
        # named or numbered placeholders (:1, $1) are not written: no answer, even with another driver
        ("import cx_Oracle\n", None),
        ("import asyncpg\nimport psycopg2\n", None),
        # the imports decide before anything the code shows
        ('import sqlite3\ncur.execute("SELECT 1 WHERE a = %s", (a,))\n', "?"),
    ],
    ids=["sqlite3", "psycopg2", "django", "two-drivers", "pyodbc", "oracle", "asyncpg", "import-wins"],
)
def test_driver_imports(source, expected):
    assert style_of(source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('db.execute("insert into votes values(?, ?)", (a, b))\n', "?"),
        ('cur.execute("INSERT INTO users(email, nick) VALUES(%s, %s);", (email, nick))\n', "%s"),
        ('cur.executemany("UPDATE t SET a = %(a)s", rows)\n', "%s"),
        ('cur.execute("SELECT 1 FROM t WHERE a = ?", [a])\ncur.execute("SELECT 1 FROM t WHERE b = %s", (b,))\n',
         None),
    ],
    ids=["qmark-query", "format-query", "pyformat-many", "both-kinds"],
)
def test_placeholders_of_queries_the_file_parameterises(source, expected):
    assert style_of(source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("con = sql.connect('amara.db')\n", "?"),
        ('conn = connect(":memory:")\n', "?"),
        ("conn = lite.connect(path + '/data.sqlite3')\n", None),  # only a literal file name counts
        ('db.execute("UPDATE players SET judge = 1 WHERE name = \'%s\' COLLATE NOCASE" % name)\n', "?"),
        ("q = '''INSERT OR IGNORE INTO consumption VALUES (%s)''' % ts\n", "?"),
        ('c.execute("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT)")\n', "?"),
        ('c.execute("CREATE TABLE t (id INT AUTO_INCREMENT)")\n', None),  # MySQL spelling
        ('"""pragma: the docstring of a module"""\n', None),
    ],
    ids=["db-file", "memory", "computed-path", "collate-nocase", "insert-or-ignore", "autoincrement",
         "mysql-auto-increment", "not-sql"],
)
def test_sqlite_connections_and_sqlite_only_sql(source, expected):
    assert style_of(source) == expected


def test_evidence_in_code_must_agree():
    assert style_of('con = sqlite.connect("app.db")\ncon.cursor(cursor_factory=RealDictCursor)\n') is None


def test_unparameterised_queries_show_nothing():
    # A query that formats its values (no second argument) shows the Python operator, not the driver.
    assert style_of('cur.execute("SELECT * FROM t WHERE a = %s" % a)\n') is None
    assert style_of('cur.execute("SELECT * FROM t WHERE a = \'?\'", ())\n') is None


def test_placeholders_ignore_question_marks_in_literals():
    assert placeholders("SELECT '?' FROM t WHERE a = ?") == {"?"}
    assert placeholders("SELECT 'why?' FROM t") == set()
    assert placeholders("UPDATE t SET a = %(a)s") == {"%s"}
