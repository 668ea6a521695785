"""sql_positions: where in SQL text a value (and so a placeholder) may stand."""

import pytest

from promsec_ci.rewrite.sql_positions import is_ddl, tokens, value_position


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("SELECT * FROM t WHERE a = ", " AND b = 1"),
        ("SELECT * FROM t WHERE a <> ", ""),
        ("UPDATE t SET n = n + ", " WHERE id = 1"),
        ("SELECT * FROM t WHERE a LIKE ", ""),
        ("SELECT * FROM t LIMIT ", " OFFSET 5"),
        ("SELECT * FROM t WHERE a BETWEEN ", " AND 5"),
        ("SELECT * FROM t WHERE a BETWEEN ? AND ", ""),
        ("INSERT INTO t (a, b) VALUES (", ", 2)"),
        ("INSERT INTO t VALUES (1, ", ")"),
        ("INSERT INTO t (a) VALUES (", ")"),
        ("INSERT INTO t (a, b) VALUES (1, 2), (", ", 3)"),
        ("SELECT CASE WHEN a = 1 THEN ", " ELSE 0 END FROM t"),
        ("SELECT * FROM t -- where a = \nWHERE b = ", ""),
    ],
)
def test_value_positions(before, after):
    assert value_position(before, after)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("SELECT * FROM t WHERE ", ""),
        ("SELECT * FROM t WHERE ", " = 1"),
        ("SELECT * FROM t WHERE a = 1 AND ", ""),
        ("SELECT * FROM t WHERE a = 1 ", ""),
        ("SELECT * FROM t ORDER BY ", ""),
        ("SELECT ", " FROM t"),
        ("SELECT * FROM ", ""),
        ("SELECT * FROM t WHERE a IS ", ""),
        ("SELECT * FROM t WHERE a IN (", ")"),
        ("SELECT * FROM t WHERE lower(", ") = 'a'"),
        ("SELECT * FROM t WHERE a = 1 OR ", " LIKE 'x%'"),
        ("INSERT INTO t (a, b) VALUES (", ")"),
        ("INSERT INTO t VALUES (", ")"),
        ("SELECT * FROM t WHERE a = ", "(1)"),
        ("SELECT * FROM t WHERE 'a = ' = ", " IS NULL"),
    ],
)
def test_names_clauses_and_fragments_are_not_values(before, after):
    assert not value_position(before, after)


def test_tokens_drop_comments_and_fold_literals():
    assert tokens("SELECT 'it''s -- x' /* it's */ FROM t -- it's\nWHERE") == ["select", "0", "from", "t", "where"]


@pytest.mark.parametrize(("text", "expected"), [("CREATE VIEW v AS SELECT 1", True), ("  drop table t", True),
                                                ("SELECT 'create'", False), ("-- create\nSELECT 1", False)])
def test_ddl(text, expected):
    assert is_ddl(text) is expected
