"""java-prepared-statement: ``Statement.execute*(concatenation)`` -> ``PreparedStatement`` with ``?``.

Before / after::

    Statement st = conn.createStatement();           Statement st = conn.createStatement();
    ResultSet rs = st.executeQuery(                  java.sql.PreparedStatement ps = conn.prepareStatement(
        "SELECT * FROM users WHERE name = '"             "SELECT * FROM users WHERE name = ?");
        + name + "'");                               ps.setString(1, name);
                                                     ResultSet rs = ps.executeQuery();

A value inside SQL quotes becomes a ``setString`` parameter (``LIKE '%x%'`` keeps its wildcards in
the value); a bare value becomes ``setObject``. Names written like constants (``TABLE``) stay in
the query text. The query may also come from a local ``String sql = ... + x;`` used only there.
A bare value must follow a comparison, LIKE, LIMIT, IN ( or VALUES (: anywhere else (after FROM,
ORDER BY ...) SQL needs an identifier, which a parameter cannot replace, so the precondition fails.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from promsec_ci.java.rewrite.base import (
    JavaOperator,
    JavaOperatorMeta,
    arguments,
    assigned_elsewhere,
    call_name,
    call_object,
    concat_parts,
    enclosing_method,
    fresh_name,
    insert_before,
    is_constant,
    is_string_literal,
    literal_value,
    local_declaration,
    on_line,
    statement_in_block,
    string_expression,
    text,
    unparen,
    uses,
)

_EXECUTE = frozenset({"execute", "executeQuery", "executeUpdate", "executeLargeUpdate"})
# Where a bare (unquoted) value may become a parameter: after a comparison, LIKE, LIMIT, IN ( ...
_VALUE_CONTEXT = re.compile(r"(?i)(=|<|>|\blike|\blimit|\boffset|\bin\s*\(|\bvalues\s*\(|\bbetween|\band)\s*$")


@dataclass(frozen=True)
class _Query:
    sql: str  # Java source of the new query expression
    setters: tuple[str, ...]  # "setString(1, name)" without the receiver


def parametrize(parts, scope) -> _Query | None:
    """The ``?`` query and setter calls for the operands of a concatenated SQL string."""
    pieces: list[str] = []  # Java source pieces of the query, joined with " + "
    current = ""  # literal text being accumulated (already escaped source text)
    setters: list[str] = []
    i = 0
    while i < len(parts):
        part = parts[i]
        if is_string_literal(part):
            current += literal_value(part)
        elif is_constant(part):
            if current:
                pieces.append(f'"{current}"')
                current = ""
            pieces.append(_text(part))
        else:
            if current.count("'") % 2 == 1:  # inside an SQL string: '...<value>...'
                prefix = current[current.rfind("'") + 1 :]
                following = parts[i + 1] if i + 1 < len(parts) else None
                if following is None or not is_string_literal(following) or "'" not in literal_value(following):
                    return None
                rest = literal_value(following)
                suffix = rest[: rest.index("'")]
                current = current[: current.rfind("'")] + "?" + rest[rest.index("'") + 1 :]
                value = string_expression(part, scope)
                if prefix or suffix:
                    value = " + ".join(x for x in (f'"{prefix}"' if prefix else "", _text(part),
                                                     f'"{suffix}"' if suffix else "") if x)
                setters.append(f"setString({len(setters) + 1}, {value})")
                i += 2
                continue
            if not _VALUE_CONTEXT.search(current):
                return None  # a table, column or keyword position: a parameter cannot stand there
            current += "?"
            setters.append(f"setObject({len(setters) + 1}, {_text(part)})")
        i += 1
    if not setters:
        return None
    if current or not pieces:
        pieces.append(f'"{current}"')
    return _Query(" + ".join(pieces), tuple(setters))


def _text(node) -> str:
    return text(node)


class PreparedStatementOperator(JavaOperator):
    meta = JavaOperatorMeta(
        name="java-prepared-statement",
        cwes=(89,),
        rule_ids=("SQL_NONCONSTANT_STRING_PASSED_TO_EXECUTE", "SQL_INJECTION_JDBC", "SQL_INJECTION",
                  "java-sql-concat"),
        directive="build the SQL query as a constant with ? placeholders and pass every value through "
                  "PreparedStatement setters instead of concatenating it into the query",
        summary="Use a PreparedStatement with ? parameters instead of string concatenation.",
        references=("https://cwe.mitre.org/data/definitions/89.html",
                    "https://docs.oracle.com/javase/tutorial/jdbc/basics/prepared.html"),
    )

    def rewrite(self, root, data, line):
        for call in reversed(on_line(root, "method_invocation", line)):
            edits = self._rewrite_call(call, data)
            if edits:
                return edits
        return None

    def _rewrite_call(self, call, data):
        receiver = call_object(call)
        args = arguments(call)
        if call_name(call) not in _EXECUTE or receiver is None or not args or len(args) > 2:
            return None
        method = enclosing_method(call)
        statement = statement_in_block(call)
        if method is None or statement is None:
            return None
        edits = []
        query_node = unparen(args[0])
        parts = concat_parts(query_node)
        if parts is None and query_node.type == "identifier":
            found = local_declaration(method, text(query_node), call.start_byte)
            name = text(query_node)
            if found is None or assigned_elsewhere(method, name) or uses(method, name) != 2:
                return None
            _, value, type_text = found
            parts = concat_parts(value)
            if parts is None or type_text != "String":
                return None
            query = parametrize(parts, method)
            if query is None:
                return None
            edits.append((value.start_byte, value.end_byte, query.sql))
            sql_source = name
        elif parts is not None:
            query = parametrize(parts, method)
            if query is None:
                return None
            sql_source = query.sql
        else:
            return None
        connection = self._connection(receiver, method, call)
        ps = fresh_name(text(method), "ps")
        extra = f", {text(args[1])}" if len(args) == 2 else ""
        lines = [f"java.sql.PreparedStatement {ps} = {connection}.prepareStatement({sql_source}{extra});"]
        lines += [f"{ps}.{setter};" for setter in query.setters]
        method_name = call_name(call)
        edits.append((call.start_byte, call.end_byte, f"{ps}.{method_name}()"))
        edits.append(insert_before(data, statement, lines))
        return edits

    @staticmethod
    def _connection(receiver, method, call) -> str:
        """The Connection the Statement came from (``conn`` of ``conn.createStatement()``)."""
        receiver = unparen(receiver)
        if receiver.type == "method_invocation" and call_name(receiver) == "createStatement":
            owner = call_object(receiver)
            if owner is not None and not arguments(receiver):
                return text(owner)
        if receiver.type == "identifier":
            found = local_declaration(method, text(receiver), call.start_byte)
            if found is not None:
                value = unparen(found[1])
                owner = call_object(value) if value.type == "method_invocation" else None
                if owner is not None and call_name(value) == "createStatement" and not arguments(value) \
                        and owner.type == "identifier" and not assigned_elsewhere(method, text(owner)):
                    return text(owner)
        return f"{text(receiver)}.getConnection()"


OPERATOR = PreparedStatementOperator()
