"""sql-parameterize: SQL built from values -> constant SQL text plus driver parameters."""

import sqlite3
from textwrap import dedent

import pytest

from promsec_ci.rewrite.sql_parameterize import SqlParameterize, SqlParameterizeOperator
from tests.rewrite.injection_check import check, refuses, rules, run_module

# Snippets that show no driver get the placeholder of their repository (rewrite/paramstyle.py);
# these tests exercise the query rewriting itself, in a repository whose driver wants ``?``.
QMARK_REPOSITORY = SqlParameterizeOperator(lambda: "?")


def test_concatenation_in_execute_sqlite_question_marks():
    check(
        SqlParameterize,
        """\
        import sqlite3

        def user_id(cursor, email):
            cursor.execute('SELECT id FROM users WHERE email="' + email + '";')  # one row
            return cursor.fetchone()
        """,
        4,
        """\
        import sqlite3

        def user_id(cursor, email):
            cursor.execute('SELECT id FROM users WHERE email=?;', (email,))  # one row
            return cursor.fetchone()
        """,
        "B608",
    )


BUILD_THEN_EXECUTE = """\
import MySQLdb

def remove(db, email):
    cur = db.cursor()
    # build the query
    query = 'DELETE FROM subscriptions WHERE email = "%s" AND note NOT LIKE \\'keep%%\\'' % (email,)
    cur.execute(query)
    db.commit()
"""

BUILD_THEN_EXECUTE_FIXED = """\
import MySQLdb

def remove(db, email):
    cur = db.cursor()
    # build the query
    query = 'DELETE FROM subscriptions WHERE email = %s AND note NOT LIKE \\'keep%%\\''
    cur.execute(query, (str(email),))
    db.commit()
"""


@pytest.mark.parametrize("line", [6, 7], ids=["finding-on-build", "finding-on-execute"])
def test_data_flow_percent_with_pyformat_driver(line):
    # %s for MySQLdb; the literal % of the LIKE pattern stays doubled because the driver formats.
    check(SqlParameterize, BUILD_THEN_EXECUTE, line, BUILD_THEN_EXECUTE_FIXED, "B608")


def test_like_pattern_becomes_one_parameter():
    check(
        QMARK_REPOSITORY,
        """\
        def search(db, name):
            return db.execute("SELECT * FROM t WHERE name LIKE '%" + name + "%' ORDER BY id").fetchall()
        """,
        2,
        """\
        def search(db, name):
            return db.execute("SELECT * FROM t WHERE name LIKE ? ORDER BY id", ("%" + name + "%",)).fetchall()
        """,
        "B608",
    )


def test_format_named_fields_numbers_and_kwargs():
    check(
        QMARK_REPOSITORY,
        """\
        def delete(db, playlist_id, **where):
            db.execute("DELETE FROM video where playlist_id={playlist_id} AND owner='{owner}';".format(
                playlist_id=playlist_id, **where))
        """,
        2,
        """\
        def delete(db, playlist_id, **where):
            db.execute("DELETE FROM video where playlist_id=? AND owner=?;", (playlist_id, str(where["owner"])))
        """,
        "B608",
    )


def test_fstring_pieces_keep_their_layout():
    check(
        QMARK_REPOSITORY,
        """\
        def set_language(self):
            query = ("UPDATE users "
                     f"SET language='{self.language}' "
                     f"WHERE chat_id={self.chat_id}")

            try:
                self.cursor.execute(query)
            finally:
                self.cursor.close()
        """,
        2,
        """\
        def set_language(self):
            query = ("UPDATE users "
                     "SET language=? "
                     "WHERE chat_id=?")

            try:
                self.cursor.execute(query, (str(self.language), self.chat_id))
            finally:
                self.cursor.close()
        """,
        "B608",
    )


def test_numeric_values_and_rebinding_in_a_loop():
    check(
        QMARK_REPOSITORY,
        """\
        def purge(cursor, email):
            sql = "SELECT id FROM subscriptions WHERE email = '" + email + "'"
            cursor.execute(sql)
            for row in cursor.fetchall():
                sql = "DELETE FROM subscriptions WHERE id = " + str(row[0])
                cursor.execute(sql)
        """,
        2,
        """\
        def purge(cursor, email):
            sql = "SELECT id FROM subscriptions WHERE email = ?"
            cursor.execute(sql, (email,))
            for row in cursor.fetchall():
                sql = "DELETE FROM subscriptions WHERE id = " + str(row[0])
                cursor.execute(sql)
        """,
        "B608",
    )


def test_pandas_read_sql_gets_params_keyword():
    check(
        QMARK_REPOSITORY,
        """\
        import pandas as pd

        def frame(conn, job):
            return pd.read_sql(f"SELECT * FROM jobs WHERE job_number={job}", conn)
        """,
        4,
        """\
        import pandas as pd

        def frame(conn, job):
            return pd.read_sql("SELECT * FROM jobs WHERE job_number=?", conn, params=(job,))
        """,
        "B608",
    )


def test_multiline_triple_quoted_template():
    check(
        QMARK_REPOSITORY,
        """\
        def update(self, serial, ts, status):
            query = '''
                UPDATE Inverters
                SET TimeStamp='%s', Status='%s'
                WHERE Serial='%s';
            ''' % (ts, status, serial)
            self.c.execute(query)
        """,
        2,
        """\
        def update(self, serial, ts, status):
            query = '''
                UPDATE Inverters
                SET TimeStamp=?, Status=?
                WHERE Serial=?;
            '''
            self.c.execute(query, (str(ts), str(status), str(serial)))
        """,
        "B608",
    )


def test_constant_built_the_long_way_is_folded():
    check(
        QMARK_REPOSITORY,
        """\
        def remove(cursor, email):
            cursor.execute("DELETE FROM subscription " +
                           "WHERE email = %s;", (email,))
        """,
        2,
        """\
        def remove(cursor, email):
            cursor.execute("DELETE FROM subscription WHERE email = %s;", (email,))
        """,
        "B608",
    )


@pytest.mark.parametrize(
    ("source", "line"),
    [
        ('def f(db, t, x):\n    db.execute("SELECT * FROM {} WHERE id = {}".format(t, x))\n', 2),
        ('def f(db, col):\n    db.execute("SELECT * FROM t ORDER BY " + col)\n', 2),
        ('def f(db, col):\n    db.execute("SELECT " + col + " FROM t")\n', 2),
        ('def f(db, n):\n    db.execute("INSERT INTO tags_" + n + " VALUES (1)")\n', 2),
        ('def f(db, col):\n    db.execute("UPDATE t SET %s = 1" % (col,))\n', 2),
        ('def f(db, ids):\n    db.execute("SELECT * FROM t WHERE id IN (" + ",".join(ids) + ")")\n', 2),
        ('def f(db, x):\n    db.execute("SELECT * FROM t WHERE a = %r" % (x,))\n', 2),
        ('def f(db, x):\n    db.execute("SELECT * FROM t WHERE a = {:>5}".format(x))\n', 2),
        ('def f(db, x):\n    db.execute("SELECT * FROM t WHERE a = \'%s\'" % x, ())\n', 2),
        ('def f(self, x):\n    q = "SELECT * FROM t WHERE a = \'%s\'" % (x,)\n    self.query(q)\n', 2),
        ('def f(db, x):\n    q = "SELECT * FROM t WHERE a = \'%s\'" % (x,)\n    x = 1\n    db.execute(q)\n', 2),
        ('def f(db, x):\n    q = "SELECT * FROM t WHERE a = \'%s\'" % (x,)\n    db.execute(q)\n    log(q)\n', 2),
        ('import sqlite3\nimport psycopg2\ndef f(db, x):\n'
         '    db.execute("SELECT * FROM t WHERE a = \'%s\'" % (x,))\n', 4),
    ],
    ids=["table-name", "order-by", "select-list", "glued-to-name", "set-column", "in-list", "repr", "format-spec",
         "has-params", "unknown-wrapper", "value-reassigned", "query-reused", "two-driver-kinds"],
)
def test_refuses(source, line):
    assert refuses(SqlParameterize, source, line)


def test_behaviour_kept_and_injection_closed(tmp_path):
    source = """\
    import sqlite3

    def find(conn, name):
        cur = conn.cursor()
        cur.execute("SELECT id FROM users WHERE name = '" + name + "' AND id > " + str(0))
        return cur.fetchall()
    """
    fixed = SqlParameterize.apply(dedent(source), 5)
    assert fixed is not None
    old = run_module(tmp_path, "before", source)["find"]
    new = run_module(tmp_path, "after", fixed.text)["find"]
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE users (id INTEGER, name TEXT)")
    conn.executemany("INSERT INTO users VALUES (?, ?)", [(1, "ann"), (2, "bob"), (3, "o'hara")])
    assert new(conn, "bob") == old(conn, "bob") == [(2,)]
    assert new(conn, "nobody") == old(conn, "nobody") == []
    probe = "x' OR '1'='1"
    assert len(old(conn, probe)) == 3  # the original is injectable
    assert new(conn, probe) == []
    assert new(conn, "o'hara") == [(3,)]  # and now handles quotes in data


def test_variable_rebuilt_for_a_second_query():
    check(
        QMARK_REPOSITORY,
        """\
        def delete(cursor, cmt_id):
            sql = "SELECT msg_id FROM comment where cmt_id = %d;" % (cmt_id,)
            cursor.execute(sql)
            m = cursor.fetchone()
            sql = "DELETE FROM comment where cmt_id = '%d';" % (cmt_id)
            cursor.execute(sql)
        """,
        2,
        """\
        def delete(cursor, cmt_id):
            sql = "SELECT msg_id FROM comment where cmt_id = ?;"
            cursor.execute(sql, (int(cmt_id),))
            m = cursor.fetchone()
            sql = "DELETE FROM comment where cmt_id = '%d';" % (cmt_id)
            cursor.execute(sql)
        """,
        "B608",
    )


def test_driver_guessed_from_names_and_words_kept_apart():
    check(
        SqlParameterize,
        """\
        def find(conn, s):
            with conn.cursor(cursor_factory=DictCursor) as cur:
                cur.execute("select * from result where problem = '" + s[3] + "'and diff = '" + s[4] + "'")
                return cur.fetchone()
        """,
        3,
        """\
        def find(conn, s):
            with conn.cursor(cursor_factory=DictCursor) as cur:
                cur.execute("select * from result where problem = %s and diff = %s", (s[3], s[4]))
                return cur.fetchone()
        """,
        "B608",
    )


NO_DRIVER = """\
def find(cursor, name):
    cursor.execute("SELECT * FROM users WHERE name = '%s'" % (name,))
    return cursor.fetchall()
"""


def test_no_fix_when_nothing_shows_the_driver():
    # sqlite3 wants ?, psycopg2 and the MySQL drivers %s: a guess would break the query.
    assert SqlParameterize.apply(NO_DRIVER, 2) is None


def test_the_repository_style_decides_for_files_without_a_driver():
    rewrite = SqlParameterizeOperator(lambda: "%s").apply(NO_DRIVER, 2)
    assert rewrite is not None
    assert 'cursor.execute("SELECT * FROM users WHERE name = %s", (str(name),))' in rewrite.text


def test_the_file_driver_wins_over_the_repository_style():
    rewrite = SqlParameterizeOperator(lambda: "%s").apply("import sqlite3\n\n" + NO_DRIVER, 4)
    assert rewrite is not None and "name = ?" in rewrite.text


def test_a_file_whose_evidence_disagrees_gets_no_fix_from_the_repository_style():
    assert SqlParameterizeOperator(lambda: "%s").apply("import sqlite3\nimport cx_Oracle\n\n" + NO_DRIVER, 5) is None


def test_placeholder_of_a_query_the_file_already_parameterises():
    check(
        SqlParameterize,
        """\
        def vote(db, chan, target, voters, done):
            if done:
                db.execute("DELETE FROM votes WHERE chan='{}' AND target='{}'".format(chan, target))
            else:
                db.execute("INSERT INTO votes(chan, target, voters) VALUES(?, ?, ?)", (chan, target, voters))
        """,
        3,
        """\
        def vote(db, chan, target, voters, done):
            if done:
                db.execute("DELETE FROM votes WHERE chan=? AND target=?", (str(chan), str(target)))
            else:
                db.execute("INSERT INTO votes(chan, target, voters) VALUES(?, ?, ?)", (chan, target, voters))
        """,
        "B608",
    )


def test_constant_fstring_needs_no_driver_evidence():
    # Nothing is spliced in: the f prefix is useless, and dropping it changes no behaviour.
    check(
        SqlParameterize,
        """\
        def dark_knight(cur):
            cur.execute(f"SELECT * FROM film WHERE fulltext @@ to_tsquery('Dark Knight')")
            return cur.fetchall()
        """,
        2,
        """\
        def dark_knight(cur):
            cur.execute("SELECT * FROM film WHERE fulltext @@ to_tsquery('Dark Knight')")
            return cur.fetchall()
        """,
        "B608",
    )


def test_constant_start_of_a_query_extended_later_is_left_alone():
    # The value goes in at ``+=``; folding the first piece would only quiet the analyzer.
    source = """\
    def patch(user_id, new_id):
        query = f\"\"\"update users set user_id = %s \"\"\"
        query += f\"\"\"where user_id = '{user_id}'\"\"\"
        run_query(query, (new_id,))
    """
    assert rules(dedent(source))["B608"] == 1
    assert refuses(QMARK_REPOSITORY, source, 2)


PYGRESQL_PAGE = """\
def page(db, name):
    query = db.query("select id from page where page_name = '%s'" % (name,))
    return query.namedresult()
"""


def test_pygresql_query_gets_numbered_parameters():
    # PyGreSQL's DB.query(command, args) binds $1, $2, ...; namedresult() shows it is PyGreSQL.
    check(
        SqlParameterize,
        """\
        def history(db, name, since):
            sql = "select id from page where page_name = '" + name + "' and ts > " + str(since)
            return db.query(sql).dictresult()
        """,
        2,
        """\
        def history(db, name, since):
            sql = "select id from page where page_name = $1 and ts > $2"
            return db.query(sql, (name, since)).dictresult()
        """,
        "B608",
    )
    check(
        QMARK_REPOSITORY,  # the API's placeholder wins over the repository's driver
        PYGRESQL_PAGE,
        2,
        PYGRESQL_PAGE.replace("'%s'\" % (name,))", "$1\", (str(name),))"),
        "B608",
    )


def test_frappe_db_sql_takes_values():
    # frappe.db.sql(query, values) formats %s placeholders itself, whichever database runs frappe.
    check(
        SqlParameterize,
        """\
        def customer_of(sender):
            return frappe.db.sql(\"\"\"select dl.link_name from `tabDynamic Link` dl
                where dl.link_doctype='Customer' and dl.email_id='{email_id}'\"\"\".format(email_id=sender))
        """,
        2,
        """\
        def customer_of(sender):
            return frappe.db.sql(\"\"\"select dl.link_name from `tabDynamic Link` dl
                where dl.link_doctype='Customer' and dl.email_id=%s\"\"\", (str(sender),))
        """,
        "B608",
    )



def test_django_manager_raw_takes_params():
    # Django formats %s placeholders in Manager.raw(sql, params) on every backend.
    check(
        SqlParameterize,
        """\
        from django.db import models

        def people_named(name):
            return Person.objects.raw("SELECT * FROM app_person WHERE last_name = '%s'" % (name,))
        """,
        4,
        """\
        from django.db import models

        def people_named(name):
            return Person.objects.raw("SELECT * FROM app_person WHERE last_name = %s", (str(name),))
        """,
        "B608",
    )


def test_django_raw_sql_gets_the_values_in_its_empty_params():
    check(
        SqlParameterize,
        """\
        from django.db.models.expressions import RawSQL

        def with_rank(queryset, board):
            return queryset.annotate(rank=RawSQL("SELECT score FROM ranks WHERE board = " + board, []))
        """,
        4,
        """\
        from django.db.models.expressions import RawSQL

        def with_rank(queryset, board):
            return queryset.annotate(rank=RawSQL("SELECT score FROM ranks WHERE board = %s", (board,)))
        """,
        "B611",
    )


def test_raw_outside_django_and_raw_sql_with_params_are_left_alone():
    # Without Django, .raw() is some other API; RawSQL with parameters already has its own order.
    assert refuses(SqlParameterize, "def f(api, n):\n    return api.raw('SELECT * FROM t WHERE n = ' + n)\n", 2)
    with_params = (
        "from django.db.models import RawSQL\n\n"
        "def f(qs, n, m):\n    return qs.annotate(x=RawSQL('SELECT a FROM t WHERE n = ' + n + ' AND m = %s', [m]))\n"
    )
    assert refuses(SqlParameterize, with_params, 4)


ENGINE_QUERY = """\
def projects_of(db, user_id, status: str):
    sql = "SELECT id FROM projects WHERE owner = {0} AND status = '{1}' AND reviewer = {0}".format(user_id, status)
    return [row[0] for row in db.engine.execute(sql)]
"""


def test_sqlalchemy_engine_gets_text_with_named_binds():
    # SQLAlchemy's text() binds :name on every driver: no driver evidence needed.
    check(
        QMARK_REPOSITORY,
        ENGINE_QUERY,
        2,
        """\
        import sqlalchemy

        def projects_of(db, user_id, status: str):
            sql = "SELECT id FROM projects WHERE owner = :user_id AND status = :status AND reviewer = :user_id"
            return [row[0] for row in db.engine.execute(sqlalchemy.text(sql), {"user_id": user_id, "status": status})]
        """,
        "B608",
    )


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # Engine.execute: the 1.x API the sample uses
def test_sqlalchemy_fix_keeps_behaviour_and_closes_the_injection(tmp_path):
    sqlalchemy = pytest.importorskip("sqlalchemy")  # the test extra installs it
    fixed = SqlParameterize.apply(ENGINE_QUERY, 2)
    assert fixed is not None and fixed.imports == ("import sqlalchemy",)
    old = run_module(tmp_path, "before", ENGINE_QUERY)["projects_of"]
    new = run_module(tmp_path, "after", fixed.text)["projects_of"]

    class Db:
        engine = sqlalchemy.create_engine("sqlite://")

    Db.engine.execute("CREATE TABLE projects (id INTEGER, owner INTEGER, status TEXT, reviewer INTEGER)")
    Db.engine.execute("INSERT INTO projects VALUES (1, 7, 'open', 7), (2, 7, 'closed', 7), (3, 8, 'open', 8)")
    assert new(Db, 7, "open") == old(Db, 7, "open") == [1]
    assert new(Db, 8, "closed") == old(Db, 8, "closed") == []
    probe = "x' OR '1'='1"
    assert sorted(old(Db, 7, probe)) == [1, 2]  # the original is injectable
    assert new(Db, 7, probe) == []


def test_sqlalchemy_session_in_a_file_importing_it():
    rewrite = SqlParameterize.apply(dedent("""\
        from flask_sqlalchemy import SQLAlchemy

        def find(x):
            return db.session.execute("SELECT * FROM t WHERE a = '%s'" % (x,)).fetchall()
        """), 4)
    assert rewrite is not None
    assert 'db.session.execute(sqlalchemy.text("SELECT * FROM t WHERE a = :x"), {"x": str(x)})' in rewrite.text


@pytest.mark.parametrize(
    ("operator", "source"),
    [
        # no PyGreSQL result method anywhere: db.query is some other API
        (QMARK_REPOSITORY,
         'def f(db, x):\n    rows = db.query("SELECT * FROM t WHERE a = \'%s\'" % (x,))\n    return rows\n'),
        # a $ in the text would read as a placeholder (dollar quoting)
        (QMARK_REPOSITORY,
         'def f(db, x):\n    return db.query("SELECT $$a$$ FROM t WHERE a = \'%s\'" % (x,)).getresult()\n'),
        # a session that is not visibly SQLAlchemy's (Cassandra's takes %s): no evidence, no fix
        (SqlParameterize, 'def f(self, x):\n    self.session.execute("SELECT * FROM t WHERE a = \'%s\'" % (x,))\n'),
        # text() would take the literal :30 for a bind parameter
        (SqlParameterize,
         'def f(db, x):\n    db.engine.execute("SELECT * FROM t WHERE at > \' :30\' AND a = \'%s\'" % (x,))\n'),
    ],
    ids=["not-pygresql", "dollar-in-text", "session-without-sqlalchemy", "colon-in-text"],
)
def test_api_specific_refusals(operator, source):
    assert refuses(operator, source, 2)


@pytest.mark.parametrize(
    ("body", "line"),
    [
        # a clause, a condition or a whole row where a value was expected
        ('cur.execute("SELECT id FROM users WHERE %s" % " AND ".join(conditions))', 4),
        ('cur.execute("SELECT id FROM users WHERE active = 1 AND " + extra)', 4),
        ('cur.execute("SELECT id FROM users WHERE active = 1 " + order_clause)', 4),
        ('cur.execute("INSERT INTO users (name, created) VALUES (%s)" % (row,))', 4),
        ('cur.execute("INSERT INTO users VALUES (%s)" % (row,))', 4),
        ('cur.execute("SELECT id FROM users WHERE created IS %s" % (null_test,))', 4),
        # a column, not a value
        ("cur.execute(\"SELECT id FROM users WHERE %s NOT LIKE '%s'\" % (column, pattern))", 4),
        ('cur.execute("SELECT id FROM users WHERE %s BETWEEN 1 AND 5" % (column,))', 4),
        ("cur.execute(\"SELECT id FROM users WHERE lower(%s) = 'a'\" % (column,))", 4),
        ("cur.execute('SELECT id FROM users WHERE \"%s\" = 1' % (column,))", 4),
        # text whose meaning depends on the database, or where no parameter may stand
        ("cur.execute(\"SELECT id FROM users WHERE note = 'it\\\\'s' AND name = '%s'\" % (name,))", 4),
        ("cur.execute(\"SELECT id FROM users # it's\\nWHERE name = '%s'\" % (name,))", 4),
        ("cur.execute(\"SELECT id FROM users WHERE data = X'%s'\" % (blob,))", 4),
        ("cur.execute(\"CREATE VIEW v AS SELECT id FROM users WHERE name = '%s'\" % (name,))", 4),
        ("cur.execute(\"SELECT id FROM users -- by %s\\nWHERE id = 1\" % (who,))", 4),
        # a value already made into a literal, or formatted in a way a parameter would not be
        ('cur.execute("SELECT id FROM users WHERE name = %s" % (repr(name),))', 4),
        ("cur.execute(\"SELECT id FROM users WHERE name = '%s'\" % (conn.escape_string(name),))", 4),
        ('cur.execute("SELECT id FROM users WHERE score >= %f" % (score,))', 4),
    ],
)
def test_no_parameter_where_no_value_stands(body, line):
    source = f"import sqlite3\n\ndef find(cur, *values):\n    {body}\n"
    assert rules(source)["B608"] >= 1
    assert SqlParameterize.apply(source, line) is None


@pytest.mark.parametrize(
    "source",
    [
        # the value may change between the build and the execute
        """\
        import sqlite3

        def first(cur, names):
            q = "SELECT id FROM users WHERE name = '%s'" % names[0]
            names.pop(0)
            return cur.execute(q).fetchall()
        """,
        # read again by a second execute: next() would run twice
        """\
        import sqlite3

        def twice(cur, ids):
            q = "SELECT id FROM users WHERE id = %d" % next(ids)
            cur.execute(q)
            cur.execute(q)
        """,
        # read in a nested scope, which sees the later name = name.upper()
        """\
        import sqlite3

        def lookup(cur, name):
            q = "SELECT id FROM users WHERE name = '%s'" % name
            def fetch():
                return cur.execute(q).fetchall()
            name = name.upper()
            return fetch(), name
        """,
        # read in a comprehension, whose i is not the i the query was built with
        """\
        import sqlite3

        def rows(cur, i):
            q = "SELECT name FROM users WHERE id = %d" % i
            return [cur.execute(q).fetchone() for i in range(3)]
        """,
        # .execute is the file's own wrapper, which takes no parameters
        """\
        import sqlite3

        class Db:
            def execute(self, sql):
                return self.cur.execute(sql)

            def find(self, name):
                return self.execute("SELECT id FROM users WHERE name = '%s'" % (name,))
        """,
        # a session of an ORM the file does not show: not a DB-API cursor
        """\
        import sqlite3

        def find(session, name):
            return session.execute("SELECT id FROM users WHERE name = '%s'" % (name,))
        """,
    ],
    ids=["mutated", "two-readers", "closure", "comprehension", "own-execute", "unknown-session"],
)
def test_no_fix_when_reading_the_values_later_or_elsewhere_would_change_them(source):
    line = next(i for i, text in enumerate(dedent(source).splitlines(), 1) if "SELECT" in text)
    assert refuses(SqlParameterize, source, line)


def test_comments_are_skipped_when_finding_the_quotes_around_a_value(tmp_path):
    source = '''\
        import sqlite3

        def find(cur, name):
            cur.execute("""
                SELECT id FROM users   -- the user's id
                WHERE name = '%s'      -- it's unique
            """ % (name,))
            return cur.fetchall()
        '''
    rewrite = SqlParameterize.apply(dedent(source), 4)
    assert rewrite is not None and "WHERE name = ?      -- it's unique" in rewrite.text
    find = run_module(tmp_path, "fixed", rewrite.text)["find"]
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE users (id INTEGER, name TEXT)")
    conn.execute("INSERT INTO users VALUES (1, 'alice')")
    assert find(conn.cursor(), "alice") == [(1,)]
    assert find(conn.cursor(), "' OR 1=1 -- ") == []


def test_numbers_keep_the_text_the_format_gave():
    source = dedent("""\
        import sqlite3

        def page(cur, total, items):
            cur.execute("SELECT id FROM users WHERE size = '%s' LIMIT %d" % (len(items), total / 2))
        """)
    rewrite = SqlParameterize.apply(source, 4)
    assert rewrite is not None
    assert 'cur.execute("SELECT id FROM users WHERE size = ? LIMIT ?", (str(len(items)), int(total / 2)))' \
        in rewrite.text


def test_named_binds_merge_a_variable_read_twice_but_not_two_calls():
    source = dedent("""\
        import sqlalchemy

        def add(engine, ids, user_id):
            engine.execute("INSERT INTO t VALUES (%d, %d), (%d, %d)" % (next(ids), user_id, next(ids), user_id))
        """)
    rewrite = SqlParameterize.apply(source, 4)
    assert rewrite is not None
    assert ('sqlalchemy.text("INSERT INTO t VALUES (:p1, :user_id), (:p2, :user_id)"), '
            '{"p1": int(next(ids)), "user_id": int(user_id), "p2": int(next(ids))})') in rewrite.text


@pytest.mark.parametrize(
    ("statement", "fixed"),
    [
        ("cur.execute(\"insert into posts values('%s')\" % (content,))",
         'cur.execute("insert into posts values(?)", (str(content),))'),
        ("cur.execute(\"UPDATE a SET solved = concat('%s,', solved) WHERE id = 1\" % (pid,))",
         'cur.execute("UPDATE a SET solved = concat(?, solved) WHERE id = 1", (f"{pid},",))'),
        ("cur.execute(\"SELECT id FROM users WHERE name IN ('%s', '%s')\" % (a, b))",
         'cur.execute("SELECT id FROM users WHERE name IN (?, ?)", (str(a), str(b)))'),
    ],
    ids=["one-quoted-value-row", "function-argument", "in-list-of-literals"],
)
def test_a_single_quoted_literal_is_one_value_as_an_argument_or_list_element(statement, fixed):
    source = f"import sqlite3\n\ndef run(cur, content, pid, a, b):\n    {statement}\n"
    rewrite = SqlParameterize.apply(source, 4)
    assert rewrite is not None and f"    {fixed}\n" in rewrite.text


def test_an_item_read_later_is_bound_when_nothing_in_between_can_change_its_container():
    source = dedent("""\
        import sqlite3

        def unsubscribe(c, email_str):
            q1 = "UPDATE subs SET active = 0 WHERE email = '%s'" % (email_str[0],)
            q2 = "UPDATE subs SET reason = 'gone' WHERE email = '%s'" % (email_str[0],)
            c.execute(q1)
            c.execute(q2)
        """)
    rewrite = SqlParameterize.apply(source, 4)
    assert rewrite is not None and "    c.execute(q1, (str(email_str[0]),))\n" in rewrite.text


def test_a_keyword_right_before_the_quotes_is_kept_apart_from_the_placeholder():
    source = ("import sqlite3\n\ndef find(cur, eid):\n"
              "    cur.execute('''select * from usr where email like\\'''' + eid + '\\'')\n")
    rewrite = SqlParameterize.apply(source, 4)
    assert rewrite is not None and "where email like ?" in rewrite.text


TYPED_VALUES = """\
import sqlite3

def find(conn, year, key, price, note):
    cur = conn.cursor()
    cur.execute(f"SELECT id FROM t WHERE year = '{year}' AND key = '{key}' AND price = '{price}' AND note = '{note}'")
    return cur.fetchall()
"""


def test_a_quoted_value_of_any_type_is_bound_as_the_text_the_query_held(tmp_path):
    # The query held str(value): an int, a UUID, a Decimal or None must still match that text
    # (sqlite3 cannot bind a UUID or a Decimal, and None would become NULL).
    import decimal
    import uuid

    rewrite = SqlParameterize.apply(TYPED_VALUES, 5)
    assert rewrite is not None
    old = run_module(tmp_path, "before", TYPED_VALUES)["find"]
    new = run_module(tmp_path, "after", rewrite.text)["find"]
    key = uuid.UUID("12345678-1234-5678-1234-567812345678")
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (id INTEGER, year, key, price, note)")  # no type: no conversion on compare
    conn.execute("INSERT INTO t VALUES (1, '2020', ?, '1.50', 'None')", (str(key),))
    args = (2020, key, decimal.Decimal("1.50"), None)
    assert new(conn, *args) == old(conn, *args) == [(1,)]
    assert "(str(year), str(key), str(price), str(note))" in rewrite.text


@pytest.mark.parametrize(
    ("header", "statement", "fixed"),
    [
        ("def run(cur, name: str):", "cur.execute(\"SELECT 1 FROM t WHERE a = '%s'\" % name)", "(name,)"),
        ("def run(cur, request):", "cur.execute(\"SELECT 1 FROM t WHERE a = '\" + request.args.get('a') + \"'\")",
         "(request.args.get('a'),)"),
        ("def run(cur):\n    name = input().strip()",
         "cur.execute(f\"SELECT 1 FROM t WHERE a = '{name}'\")", "(name,)"),
        ("def run(cur, request):\n    name = request.form['n'] if request.form else 'anonymous'\n    f(name)",
         "cur.execute(\"SELECT 1 FROM t WHERE a = '{}'\".format(name))", "(name,)"),
        ("def run(cur, name):\n    name = name.strip()", "cur.execute(\"SELECT 1 FROM t WHERE a = '%s'\" % name)",
         "(name,)"),
        ("def run(cur, name, more):\n    for name in more:\n        pass",
         "cur.execute(\"SELECT 1 FROM t WHERE a = '%s'\" % (name,))", "(str(name),)"),
        ("def run(cur, n):", "cur.execute(\"SELECT 1 FROM t WHERE a = '%d'\" % (n,))", "(str(int(n)),)"),
        ("def run(cur, n):", "cur.execute(\"SELECT 1 FROM t WHERE a = '%d'\" % (len(n),))", "(str(len(n)),)"),
        ("def run(cur, n):", "cur.execute(\"SELECT 1 FROM t WHERE a = '%i'\" % (n / 2,))", "(str(int(n / 2)),)"),
        ("def run(cur, n):", "cur.execute(\"SELECT 1 FROM t WHERE a = %d\" % (n,))", "(int(n),)"),
    ],
    ids=["annotated-str", "concatenated", "str-method-result", "every-assignment-a-str", "reassigned-a-str",
         "a-loop-target", "quoted-d", "quoted-d-int", "quoted-i-truncates",
         "unquoted-d-truncates"],
)
def test_a_value_known_to_be_text_is_bound_as_it_is(header, statement, fixed):
    source = f"import sqlite3\n\n{header}\n    {statement}\n"
    line = len(source.splitlines())
    rewrite = SqlParameterize.apply(source, line)
    assert rewrite is not None and rewrite.text.splitlines()[-1].endswith(f", {fixed})")


ONE_TUPLE_OPERAND = """\
import sqlite3

def find(conn, row):
    cur = conn.cursor()
    cur.execute("SELECT id FROM t WHERE name = '%s'" % row)
    return cur.fetchall()
"""
ROWS_OPERAND = """\
import sqlite3

def find(conn, rows):
    cur = conn.cursor()
    found = []
    for row in rows:
        cur.execute("SELECT id FROM t WHERE name = '%s'" % row)
        found += cur.fetchall()
    return found
"""


def test_a_percent_operand_the_code_lets_be_a_row_binds_what_percent_made(tmp_path):
    # ``% row`` with row == ("ann",) formats "ann": binding (row,) would pass the tuple itself.
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (id INTEGER, name TEXT)")
    conn.execute("INSERT INTO t VALUES (1, 'ann')")
    old = run_module(tmp_path, "before", ROWS_OPERAND)["find"]
    assert old(conn, [("ann",)]) == old(conn, ["ann"]) == [(1,)]
    # Quoted: the text ``%`` made is bound, row or not.
    rewrite = SqlParameterize.apply(ROWS_OPERAND, 7)
    assert rewrite is not None
    assert "cur.execute(\"SELECT id FROM t WHERE name = ?\", (\"%s\" % row,))" in rewrite.text
    new = run_module(tmp_path, "after", rewrite.text)["find"]
    assert new(conn, [("ann",)]) == new(conn, ["ann"]) == [(1,)]
    assert new(conn, [("x' OR '1'='1",)]) == []
    rewrite = SqlParameterize.apply(ROWS_OPERAND.replace("name = '%s'", "id = '%d'"), 7)
    assert rewrite is not None and '(\"%d\" % row,)' in rewrite.text
    assert run_module(tmp_path, "after_int", rewrite.text)["find"](conn, [(1,)]) == [(1,)]
    # Unquoted, or a pattern around the value: nothing binds the same for a row and its item.
    assert refuses(SqlParameterize, ROWS_OPERAND.replace("'%s'", "%s"), 7)
    assert refuses(SqlParameterize, ROWS_OPERAND.replace("'%s'", "'%%%s%%'"), 7)
    fetched = ONE_TUPLE_OPERAND.replace("'%s'", "%s").replace(
        "    cur = conn.cursor()\n", "    cur = conn.cursor()\n    row = cur.fetchone()\n")
    assert refuses(SqlParameterize, fetched, 6)
    assert refuses(SqlParameterize, ONE_TUPLE_OPERAND.replace("'%s'", "%s").replace("conn, row", "conn, *row"), 5)


@pytest.mark.parametrize(("parameter", "quoted", "bound"), [
    ("row", True, "(str(row),)"),  # a plain parameter is one value, as developers bind it
    ("row", False, "(row,)"),
    ("row: str", True, "(row,)"),
    ("row: int", True, "(str(row),)"),
])
def test_a_percent_operand_known_to_be_one_value_is_bound(parameter, quoted, bound):
    source = ONE_TUPLE_OPERAND.replace("conn, row", f"conn, {parameter}")
    rewrite = SqlParameterize.apply(source if quoted else source.replace("'%s'", "%s"), 5)
    assert rewrite is not None and bound in rewrite.text
    from_request = ONE_TUPLE_OPERAND.replace("    cur = conn.cursor()\n",
                                             "    cur = conn.cursor()\n    row = request.args.get('name')\n")
    rewrite = SqlParameterize.apply(from_request, 6)
    assert rewrite is not None and "(str(row),)" in rewrite.text  # a str, or None: never a tuple


MANUAL_QUOTING = """\
import sqlite3

def find(conn, name, names):
    cur = conn.cursor()
    cur.execute({query})
    return cur.fetchall()
"""


@pytest.mark.parametrize(("query", "found"), [
    ("\"SELECT id FROM t WHERE name = '%s'\" % name.replace(\"'\", \"''\")", [(1,)]),
    ("\"SELECT id FROM t WHERE name IN ('%s')\" % \"','\".join(names)", [(2,), (3,)]),
    ("\"SELECT id FROM t WHERE name = %s\" % (\"'\" + name + \"'\")", None),
    ("\"SELECT id FROM t WHERE name = '%s'\" % name.replace(\"\\\\\", \"\\\\\\\\\")", None),
    ("\"SELECT id FROM t WHERE name = %s\" % quote_literal(name)", None),
], ids=["doubled-quotes", "joined-list", "quotes-added", "backslashes-doubled", "quoting-function"])
def test_no_fix_for_a_value_the_code_quotes_or_escapes_itself(tmp_path, query, found):
    # ``'o''hara'`` held o'hara; bound, the value would be ``o''hara``. A list joined with
    # ``','`` inside ``IN ('%s')`` was several literals; bound, it is one string.
    source = MANUAL_QUOTING.format(query=query)
    if found is not None:
        conn = sqlite3.connect(":memory:")
        conn.execute("CREATE TABLE t (id INTEGER, name TEXT)")
        conn.executemany("INSERT INTO t VALUES (?, ?)", [(1, "o'hara"), (2, "bob"), (3, "cy")])
        assert run_module(tmp_path, "before", source)["find"](conn, "o'hara", ["bob", "cy"]) == found
    assert refuses(SqlParameterize, source, 5)


UNQUOTED_D = """\
import sqlite3

def find(conn, n):
    cur = conn.cursor()
    cur.execute("SELECT id FROM t WHERE id = %d" % n)
    return cur.fetchall()
"""


def test_an_unquoted_d_value_is_bound_as_the_int_percent_made_of_it(tmp_path):
    # ``%d`` of 1.5 or Decimal("1.5") put 1 in the query: binding n itself matched no row
    # (1.5) or failed (sqlite3 cannot bind a Decimal).
    import decimal

    rewrite = SqlParameterize.apply(UNQUOTED_D, 5)
    assert rewrite is not None and '(int(n),)' in rewrite.text
    old = run_module(tmp_path, "before", UNQUOTED_D)["find"]
    new = run_module(tmp_path, "after", rewrite.text)["find"]
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (id INTEGER)")
    conn.execute("INSERT INTO t VALUES (1)")
    for n in (1, 1.5, decimal.Decimal("1.5"), True):
        assert new(conn, n) == old(conn, n) == [(1,)]


FETCHED_ROWS = """\
import sqlite3

def find(conn):
    cur = conn.cursor()
    rows = cur.execute("SELECT name FROM t").fetchall()
    found = []
    for i in range(len(rows)):
        cur.execute("SELECT id FROM t WHERE name = '%s'" % rows[i])
        found += cur.fetchall()
    return found
"""


def test_an_item_of_fetched_rows_is_a_row_for_percent(tmp_path):
    # ``% rows[i]`` with rows[i] == ("ann",) formatted "ann"; str(rows[i]) is "('ann',)".
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (id INTEGER, name TEXT)")
    conn.executemany("INSERT INTO t VALUES (?, ?)", [(1, "ann"), (2, "bob")])
    rewrite = SqlParameterize.apply(FETCHED_ROWS, 8)
    assert rewrite is not None and '(\"%s\" % rows[i],)' in rewrite.text
    old = run_module(tmp_path, "before", FETCHED_ROWS)["find"]
    new = run_module(tmp_path, "after", rewrite.text)["find"]
    assert new(conn) == old(conn) == [(1,), (2,)]
    assert refuses(SqlParameterize, FETCHED_ROWS.replace("'%s'", "%s"), 8)


MOVED_VALUES = {
    # a method of the object whose attribute the query holds runs in between
    "renamed": ("""\
        import sqlite3

        class User:
            def __init__(self, name):
                self.name = name

            def rename(self, name):
                self.name = name

        def find(conn):
            user = User("ann")
            cur = conn.cursor()
            q = "SELECT id FROM t WHERE name = '%s'" % user.name
            user.rename("bob")
            return cur.execute(q).fetchall()
        """, [(1,)]),
    # another execute on the cursor changes cur.lastrowid
    "lastrowid": ("""\
        import sqlite3

        def find(conn):
            cur = conn.cursor()
            cur.execute("INSERT INTO t VALUES (3, 'cy')")
            q = "SELECT name FROM t WHERE rowid = %d" % cur.lastrowid
            cur.execute("INSERT INTO t VALUES (4, 'dee')")
            return cur.execute(q).fetchall()
        """, [("cy",)]),
    # one loop around the execute: the value would be read at each turn
    "loop-next": ("""\
        import itertools
        import sqlite3

        def find(conn):
            ids = itertools.count(1)
            cur = conn.cursor()
            found = []
            q = "SELECT id FROM t WHERE id = %s" % next(ids)
            for _ in range(2):
                found += cur.execute(q).fetchall()
            return found
        """, [(1,), (1,)]),
    "loop-pop": ("""\
        import sqlite3

        def find(conn):
            names = ["ann", "bob"]
            cur = conn.cursor()
            found = []
            q = "SELECT id FROM t WHERE name = '%s'" % names[0]
            while names:
                found += cur.execute(q).fetchall()
                names.pop(0)
            return found
        """, [(1,), (1,)]),
}


@pytest.mark.parametrize("case", list(MOVED_VALUES))
def test_no_fix_when_something_in_between_changes_a_moved_value(tmp_path, case):
    source, found = MOVED_VALUES[case]
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (id INTEGER, name TEXT)")
    conn.executemany("INSERT INTO t VALUES (?, ?)", [(1, "ann"), (2, "bob")])
    assert run_module(tmp_path, "before", source)["find"](conn) == found
    line = next(i for i, text in enumerate(dedent(source).splitlines(), 1) if "q = " in text)
    assert refuses(SqlParameterize, source, line)


@pytest.mark.parametrize("query", [
    "\"SELECT id FROM t WHERE id = {0} OR id = {0} + 1\".format(next(ids))",
    "\"SELECT id FROM t WHERE id = %(a)s OR id = %(a)s + 1\" % {\"a\": next(ids)}",
    "\"SELECT id FROM t WHERE id = {a} OR id = {b}\".format(b=next(ids), a=next(ids) * 10)",
    "\"SELECT id FROM t WHERE id = {1} OR id = {0}\".format(next(ids), next(ids) * 10)",
], ids=["format-index-twice", "mapping-key-twice", "keywords-out-of-order", "indexes-out-of-order"])
def test_no_fix_when_binding_would_run_a_call_twice_or_in_another_order(tmp_path, query):
    # Bound in placeholder order, next(ids) would run twice, or the calls in another order.
    source = f"import sqlite3\n\ndef find(conn, ids):\n    return conn.execute({query}).fetchall(), next(ids)\n"
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (id INTEGER)")
    conn.executemany("INSERT INTO t VALUES (?)", [(1,), (2,), (3,), (20,)])
    import itertools

    found = run_module(tmp_path, "before", source)["find"](conn, itertools.count(1))
    assert found in (([(1,), (2,)], 2), ([(1,), (20,)], 3))  # the original ran next(ids) once per call
    assert refuses(SqlParameterize, source, 4)
    assert not refuses(SqlParameterize, source.replace("next(ids)", "ids.start"), 4)


SHADOWED = {
    # the comprehension's n is an int; the function's n = "none" says nothing of it
    "comprehension": ("""\
        import sqlite3

        def find(conn, ids):
            n = "none"
            return [conn.execute("SELECT id FROM t WHERE name = '%s'" % n).fetchall() for n in ids]
        """, [1, 2], '("%s" % n,)'),
    # the lambda's row is a fetched row, not the function's row = "none"
    "lambda": ("""\
        import sqlite3

        def find(conn, ids):
            row = "none"
            return list(map(lambda row: conn.execute("SELECT id FROM t WHERE name = '%s'" % row).fetchall(), ids))
        """, [("1",), ("2",)], '("%s" % row,)'),
}


@pytest.mark.parametrize("case", list(SHADOWED))
def test_a_name_bound_by_a_comprehension_or_lambda_is_not_typed_by_the_function(tmp_path, case):
    source, ids, bound = SHADOWED[case]
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (id INTEGER, name)")  # no type: 1 is not '1'
    conn.executemany("INSERT INTO t VALUES (?, ?)", [(1, "1"), (2, "2")])
    rewrite = SqlParameterize.apply(dedent(source), 5)
    assert rewrite is not None and bound in rewrite.text
    old = run_module(tmp_path, "before", source)["find"]
    new = run_module(tmp_path, "after", rewrite.text)["find"]
    assert new(conn, ids) == old(conn, ids) == [[(1,)], [(2,)]]
