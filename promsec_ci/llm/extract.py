"""Code out of a model's answer, whatever its shape.

Handles fenced blocks with or without a language tag (```` ``` ```` or ``~~~``, closed or not),
prose before and after, several blocks (the one defining the wanted function wins), and bare
code with prose around it (the longest run of lines that parses and defines the function).

Java methods come out of ``java`` blocks (``extract_java_method``), read with tree-sitter-java.

Sample::

    Here is the fixed function:
    ```python
    def get_user(cur, name):
        cur.execute("SELECT * FROM users WHERE name = ?", (name,))
    ```
    It uses a parameterized query.          ->  the three code lines
"""

from __future__ import annotations

import ast
import re
import textwrap

_FENCE = re.compile(r"^[ \t]*(```+|~~~+)[ \t]*([\w+#.-]*)[^\n]*\n(.*?)(?:^[ \t]*\1[ \t]*$|\Z)", re.S | re.M)
_CODE_START = re.compile(r"^\s*(?:from\s+\S+\s+import\b|import\s+\w|@\w|def\s+\w|async\s+def\s+\w|class\s+\w)")


def fenced_blocks(answer: str) -> list[tuple[str, str]]:
    """(language tag, body) of every fenced block, in order."""
    return [(m.group(2).lower(), m.group(3)) for m in _FENCE.finditer(answer)]


def extract_function(answer: str, name: str) -> str | None:
    """The code (dedented) of the block that defines function ``name``, imports included.

    Args:
        answer: the model's whole answer.
        name: the bare function or method name (``get_user``, not ``Repo.get_user``).
    """
    blocks = [body for _tag, body in fenced_blocks(answer)]
    for body in blocks:
        code = textwrap.dedent(body).strip("\n")
        if _defines(code, name):
            return code + "\n"
    return _bare_code(answer, name)


def extract_java_method(answer: str, name: str) -> str | None:
    """The code (dedented) of the first block that declares Java method ``name``, imports included.

    The block may hold the method alone, or a whole class around it; a ```` ```java ```` or
    untagged block is preferred, and an answer without fences is tried whole.

    Args:
        answer: the model's whole answer.
        name: the bare method name (``find``, not ``Users.find``).
    """
    from promsec_ci.java.signature import method_node

    blocks = fenced_blocks(answer)
    ordered = [body for tag, body in blocks if tag in ("java", "")] + [body for tag, body in blocks
                                                                     if tag not in ("java", "")]
    for body in ordered or [answer]:
        code = textwrap.dedent(body).strip("\n")
        if code and method_node(code, name) is not None:
            return code + "\n"
    return None


def extract_any_code(answer: str) -> str | None:
    """The first fenced block that parses as Python, else the longest bare run that parses."""
    for _tag, body in fenced_blocks(answer):
        code = textwrap.dedent(body).strip("\n")
        if code and _parses(code):
            return code + "\n"
    return _bare_code(answer, None)


def extract_prompt(answer: str) -> str:
    """A prompt from an inversion answer: the fenced block if there is one, else the text,
    without a leading "Prompt:" label or surrounding quotes."""
    blocks = fenced_blocks(answer)
    text = blocks[0][1] if blocks else answer
    text = re.sub(r"^\s*\**\s*(?:optimi[sz]ed\s+)?prompt\s*(?::\s*\**|\**\s*:)\s*", "", text.strip(), flags=re.I)
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1].strip()
    return text


_REFUSAL = re.compile(
    r"^\W*(?:I\s*(?:'m|am)\s+(?:sorry|unable|not able)|I\s+(?:can(?:no|')t|won't|will not|must decline)|"
    r"(?:I'm\s+)?sorry\b|as an ai\b|unfortunately,? i\b)", re.I)


def looks_like_refusal(answer: str) -> bool:
    """True when ``answer`` opens like a refusal ("I'm sorry", "I can't help with that")."""
    return bool(_REFUSAL.match(answer.strip()))


def find_function(tree: ast.Module, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The first function named ``name`` at module level or directly inside a class."""
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            return node
        if isinstance(node, ast.ClassDef):
            for child in node.body:
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) and child.name == name:
                    return child
    return None


def _parse(code: str) -> ast.Module | None:
    try:
        return ast.parse(code)
    except (SyntaxError, ValueError, RecursionError):
        return None


def _parses(code: str) -> bool:
    return _parse(code) is not None


def _defines(code: str, name: str) -> bool:
    tree = _parse(code)
    return tree is not None and find_function(tree, name) is not None


def _bare_code(answer: str, name: str | None) -> str | None:
    """The longest run of lines, starting at a code-looking line, that parses (and defines
    ``name`` when given)."""
    lines = answer.splitlines()
    for start, line in enumerate(lines):
        if not _CODE_START.match(line):
            continue
        for end in range(len(lines), start, -1):
            code = textwrap.dedent("\n".join(lines[start:end])).strip("\n")
            if not code:
                continue
            tree = _parse(code)
            if tree is not None and (name is None or find_function(tree, name) is not None):
                return code + "\n"
    return None
