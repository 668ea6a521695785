"""java-path-in-base-dir: a file path built from input -> normalised and checked against its base.

Before / after::

    File f = new File("/srv/data/" + name);    File f = new File(resolveInBaseDir("/srv/data/", name));

    + private static String resolveInBaseDir(String base, String name) {   // once, first in the class
    +     java.nio.file.Path baseDir = java.nio.file.Paths.get(base).toAbsolutePath().normalize();
    +     java.nio.file.Path resolved = baseDir.resolve(name).normalize();
    +     if (!resolved.startsWith(baseDir)) throw new IllegalArgumentException(...);
    +     return resolved.toString();
    + }

The base is the constant head of the path (``"/srv/data/" + name``, ``new File(DIR, name)``);
without one the precondition fails, as there is nothing to check the path against. The check
lives in one small static helper placed first in the top-level class, so the method itself
changes by a single call.
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
    indentation,
    is_constant,
    local_declaration,
    on_line,
    string_expression,
    text,
    unparen,
)

HELPER = "resolveInBaseDir"
HELPER_SOURCE = f"""\
/** Resolves name inside base, rejecting paths that escape it (added by promsec-ci, CWE-22). */
private static String {HELPER}(String base, String name) {{
    java.nio.file.Path baseDir = java.nio.file.Paths.get(base).toAbsolutePath().normalize();
    java.nio.file.Path resolved = baseDir.resolve(name).normalize();
    if (!resolved.startsWith(baseDir)) {{
        throw new IllegalArgumentException("path escapes the base directory: " + name);
    }}
    return resolved.toString();
}}"""
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
            args = arguments(node)
            if scope is None or not args or len(args) > 2:
                continue
            split = _split(args, scope, node.start_byte)
            holder = _top_level_class(node)
            if split is None or holder is None:
                continue
            base, relative = split
            arguments_node = node.child_by_field_name("arguments")
            edits = [(arguments_node.start_byte, arguments_node.end_byte, f"({HELPER}({base}, {relative}))")]
            if not _has_helper(holder):
                # First in the class body: next to the class header no line of the helper repeats
                # its neighbour, so every fix's diff places it identically and fixes of several
                # methods combine (at the end, the helper's "}" would merge into the last method's).
                body = holder.child_by_field_name("body")
                opening = body.start_byte + 1  # just after the class body's "{"
                indent = "    " + indentation(data, holder)
                helper = "\n".join(indent + line if line else "" for line in HELPER_SOURCE.splitlines())
                edits.append((opening, opening, f"\n{helper}\n"))
            return edits
        return None


def _top_level_class(node):
    """The outermost class (or enum) declaration holding ``node``: the helper goes there."""
    outer = None
    current = node.parent
    while current is not None:
        if current.type in ("class_declaration", "enum_declaration"):
            outer = current
        current = current.parent
    return outer


def _has_helper(holder) -> bool:
    for method in holder.child_by_field_name("body").named_children:
        name = method.child_by_field_name("name") if method.type == "method_declaration" else None
        if name is not None and text(name) == HELPER:
            return True
    return False


OPERATOR = PathInBaseDirOperator()
