"""java-path-in-base-dir: a file path built from input -> normalised and checked against its base.

Before / after::

                                                   java.nio.file.Path baseDir = java.nio.file.Paths
                                                       .get("/srv/data/").toAbsolutePath().normalize();
                                                   java.nio.file.Path safePath = baseDir.resolve(name)
                                                       .normalize();
                                                   if (!safePath.startsWith(baseDir)) {
                                                       throw new IllegalArgumentException(...);
                                                   }
    File f = new File("/srv/data/" + name);        File f = new File(safePath.toString());

The base is the constant head of the path (``"/srv/data/" + name``, ``new File(DIR, name)``);
without one the precondition fails, as there is nothing to check the path against.
"""

from __future__ import annotations

from promsec_ci.java.rewrite.base import (
    JavaOperator,
    JavaOperatorMeta,
    arguments,
    call_name,
    call_object,
    concat_parts,
    enclosing_method,
    fresh_name,
    insert_before,
    is_constant,
    local_declaration,
    on_line,
    statement_in_block,
    string_expression,
    text,
    unparen,
)

_FILE_TYPES = frozenset(
    {"File", "FileInputStream", "FileOutputStream", "FileReader", "FileWriter", "RandomAccessFile"}
)


def _split(arguments_, scope, before: int):
    """(base expression, relative expression) of a path, or ``None``."""
    if len(arguments_) == 2 and arguments_[1].type != "string_literal":
        base, child = arguments_
        return _as_string(base, scope), string_expression(child, scope)
    if not arguments_:
        return None
    path = unparen(arguments_[0])
    parts = concat_parts(path)
    if parts is None and path.type == "identifier":
        found = local_declaration(scope, text(path), before)
        parts = concat_parts(found[1]) if found is not None and found[2] == "String" else None
    if parts is None:
        return None
    head = 0
    while head < len(parts) and is_constant(parts[head]):
        head += 1
    if head == 0 or head == len(parts):
        return None
    base = " + ".join(text(p) for p in parts[:head])
    rest = parts[head:]
    if len(rest) == 1:
        relative = string_expression(rest[0], scope)
    else:
        relative = ('"" + ' if not rest[0].type == "string_literal" else "") + " + ".join(text(p) for p in rest)
    return base, relative


def _as_string(node, scope) -> str:
    return string_expression(node, scope) if node.type != "string_literal" else text(node)


class PathInBaseDirOperator(JavaOperator):
    meta = JavaOperatorMeta(
        name="java-path-in-base-dir",
        cwes=(22, 23, 36),
        rule_ids=("PT_RELATIVE_PATH_TRAVERSAL", "PT_ABSOLUTE_PATH_TRAVERSAL", "PATH_TRAVERSAL_IN",
                  "PATH_TRAVERSAL_OUT", "java-path-traversal"),
        directive="resolve the file name against the base directory, normalise the result and reject it unless "
                  "it still starts with the base directory",
        summary="Normalise the path and check that it stays inside its base directory.",
        references=("https://cwe.mitre.org/data/definitions/22.html",
                    "https://docs.oracle.com/javase/8/docs/api/java/nio/file/Path.html#normalize--"),
    )

    def rewrite(self, root, data, line):
        candidates = on_line(root, ("object_creation_expression", "method_invocation"), line)
        for node in reversed(candidates):
            if node.type == "object_creation_expression":
                type_node = node.child_by_field_name("type")
                if type_node is None or text(type_node).rpartition(".")[2] not in _FILE_TYPES:
                    continue
            else:
                owner = call_object(node)
                if call_name(node) not in ("get", "of") or owner is None or \
                        text(owner).rpartition(".")[2] not in ("Paths", "Path"):
                    continue
            scope = enclosing_method(node)
            statement = statement_in_block(node)
            args = arguments(node)
            if scope is None or statement is None or not args or len(args) > 2:
                continue
            split = _split(args, scope, node.start_byte)
            if split is None:
                continue
            base, relative = split
            base_name = fresh_name(text(scope), "baseDir")
            safe_name = fresh_name(text(scope), "safePath")
            lines = [
                f"java.nio.file.Path {base_name} = java.nio.file.Paths.get({base}).toAbsolutePath().normalize();",
                f"java.nio.file.Path {safe_name} = {base_name}.resolve({relative}).normalize();",
                f"if (!{safe_name}.startsWith({base_name})) {{",
                '    throw new IllegalArgumentException("path escapes the base directory");',
                "}",
            ]
            replacement = f"{safe_name}.toString()"
            if node.type == "method_invocation":
                replacement = safe_name
                return [(node.start_byte, node.end_byte, replacement), insert_before(data, statement, lines)]
            arguments_node = node.child_by_field_name("arguments")
            return [(arguments_node.start_byte, arguments_node.end_byte, f"({replacement})"),
                    insert_before(data, statement, lines)]
        return None


OPERATOR = PathInBaseDirOperator()
