"""Where a value may stand in SQL text, for ``sql-parameterize``.

A placeholder can only replace a value, never a column name, a keyword or a clause. The text
before a spliced value decides (the SQL around the value as the programmer wrote it):

- after a comparison or arithmetic operator, ``LIKE``/``GLOB``/``REGEXP``, ``LIMIT``/``OFFSET``,
  ``THEN``/``ELSE``, ``BETWEEN`` and the ``AND`` that closes it;
- as an element of a ``VALUES (...)`` row; a row of a single unquoted value only when the
  column list names one column (``VALUES (%s)`` % ``", ".join(values)`` is a whole row);
- for a single-quoted literal, also as a function argument or list element (``IN ('%s')``);

and the text after it must not make it a left-hand side (``WHERE %s = 1``, ``%s LIKE 'a%'``,
``%s IS NULL``) or a function (``%s(``). Anything else (``WHERE %s``, ``AND %s``,
``ORDER BY %s``, ``IS %s``, ``lower(%s)``) is a fragment or a name: no parameter.

Parameters cannot stand in DDL at all (SQLite and PostgreSQL refuse ``CREATE VIEW ... = ?``).

    value_position("SELECT * FROM t WHERE a = ", " AND b = 1")  ->  True
    value_position("SELECT * FROM t WHERE ", " = 1")            ->  False
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\d+|\S")
# String literals and comments, in one pass: either may hold what would start the other.
_LITERAL_OR_COMMENT = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|/\*.*?\*/", re.DOTALL)
_OPERATORS = frozenset({"=", "<", ">", "+", "-", "*", "/"})
_VALUE_WORDS = frozenset({"like", "ilike", "glob", "regexp", "rlike", "limit", "offset", "then", "else", "between"})
# What may not follow a value: it would be the left-hand side of a test, or a function.
_LEFT_HAND = frozenset({"=", "<", ">", "!", "like", "ilike", "in", "is", "not", "between", "glob", "regexp", "rlike",
                        "(", "."})
_DDL = frozenset({"create", "alter", "drop"})


def tokens(text: str) -> list[str]:
    """The SQL tokens of ``text``, lower-cased; comments dropped, each string literal one ``0``."""
    plain = _LITERAL_OR_COMMENT.sub(lambda m: " 0 " if m.group()[0] in "'\"" else " ", text)
    return [t.lower() for t in _TOKEN.findall(plain)]


def value_position(before: str, after: str, quoted: bool = False) -> bool:
    """Whether a value may stand between ``before`` and ``after`` (see the module docstring).
    A single-quoted literal (``quoted``) is one value wherever an argument or list element
    goes too: ``concat('%s', name)``, ``IN ('%s', '%s')``."""
    preceding, following = tokens(before), tokens(after)
    if following and following[0] in _LEFT_HAND or not preceding:
        return False
    last = preceding[-1]
    if last in _OPERATORS or last in _VALUE_WORDS:
        return True
    if last == "and":
        return _closes_between(preceding)
    if last in ("(", ","):
        return quoted or _in_values_row(preceding, following)
    return False


def is_ddl(text: str) -> bool:
    words = tokens(text)
    return bool(words) and words[0] in _DDL


def _closes_between(preceding: list[str]) -> bool:
    """``BETWEEN <value> AND``: the value between them holds no other keyword."""
    if "between" not in preceding:
        return False
    start = len(preceding) - 1 - preceding[::-1].index("between")
    return not {"and", "or", "where", "select"} & set(preceding[start + 1:-1])


def _in_values_row(preceding: list[str], following: list[str]) -> bool:
    opening = _open_paren(preceding, len(preceding) - 1)
    if opening is None or not _row_of_values(preceding, opening):
        return False
    if preceding[-1] == "(" and following[:1] == [")"]:
        return _column_count(preceding) == 1  # ``VALUES (%s)``: one value, or a joined row
    return True


def _open_paren(preceding: list[str], end: int) -> int | None:
    """Index of the ``(`` still open at ``preceding[end]``."""
    depth = 0
    for index in range(end, -1, -1):
        if preceding[index] == ")":
            depth += 1
        elif preceding[index] == "(":
            if depth == 0:
                return index
            depth -= 1
    return None


def _row_of_values(preceding: list[str], opening: int) -> bool:
    """Whether the ``(`` at ``opening`` starts a row of ``VALUES (..), (..)``."""
    while opening > 0:
        previous = preceding[opening - 1]
        if previous == "values":
            return True
        if previous != "," or opening < 2 or preceding[opening - 2] != ")":
            return False
        earlier = _open_paren(preceding, opening - 3)
        if earlier is None:
            return False
        opening = earlier
    return False


def _column_count(preceding: list[str]) -> int | None:
    """Columns named by ``INSERT INTO t (a, b)`` before ``VALUES``; ``None`` without a list."""
    values = len(preceding) - 1 - preceding[::-1].index("values")
    if values < 1 or preceding[values - 1] != ")":
        return None
    opening = _open_paren(preceding, values - 2)
    if opening is None:
        return None
    columns = preceding[opening + 1:values - 1]
    return columns.count(",") + 1 if columns else None
