"""Data minimisation: hard-coded secrets are replaced by placeholders before anything is sent.

Two sources: string literals Bandit flags as hard-coded passwords (B105 assignments, B106
keyword arguments, B107 defaults) or, in Java, the same shapes found with tree-sitter
(``java_password_lines``: a string assigned to a password-like name, the password argument of
``getConnection``, a ``setPassword`` argument), and well-known key shapes anywhere in the text (AWS access
keys, GitHub and GitLab tokens, Slack tokens, OpenAI-style ``sk-`` keys, Google API keys, PEM
private keys).

Placeholders are never restored. A hard-coded credential is itself a weakness (CWE-798), so the
prompt asks the model to read the value from the environment instead, and a regenerated unit that
still contains a placeholder is rejected: the code we show can hold neither the secret nor the
fake value.

Sample::

    token = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"   ->   token = "REDACTED_SECRET_1"
"""

from __future__ import annotations

import io
import re
import textwrap
import tokenize
from dataclasses import dataclass
from functools import lru_cache

PLACEHOLDER_PREFIX = "REDACTED_SECRET_"
PASSWORD_RULES = ("B105", "B106", "B107")

KEY_PATTERNS = (
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----"),  # compiled with re.S
    re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    re.compile(r"\bgithub_pat_[A-Za-z0-9_]{22,}\b"),
    re.compile(r"\bglpat-[A-Za-z0-9_\-]{20,}"),
    re.compile(r"\bxox[abposr]-[A-Za-z0-9\-]{10,}"),
    re.compile(r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_\-]{20,}"),
    re.compile(r"\bAIza[0-9A-Za-z_\-]{35}\b"),
)

_ANY_KEY = re.compile("|".join(f"(?:{p.pattern})" for p in KEY_PATTERNS), re.S)


@dataclass(frozen=True)
class Redaction:
    """Text safe to send, and how many secrets were taken out of it."""

    text: str
    count: int

    @property
    def redacted(self) -> bool:
        return self.count > 0


def redact(source: str, secret_lines: frozenset[int] | set[int] = frozenset(), language: str = "python") -> Redaction:
    """Replace secrets in ``source`` by ``REDACTED_SECRET_<n>``.

    Args:
        source: code (a unit, dedented or not).
        secret_lines: 1-based lines of ``source`` where Bandit reported B105-B107 (or
            ``java_password_lines`` found one); every non-empty plain string literal on them is replaced.
        language: ``python`` or ``java`` (how string literals are found).
    """
    counter = _Counter()
    literals = _java_literals if language == "java" else _python_literals
    text = _redact_literals(source, literals(source, secret_lines), counter) if secret_lines else source
    text = _ANY_KEY.sub(lambda _match: counter.next(), text)
    return Redaction(text, counter.count)


@lru_cache(maxsize=64)
def password_lines(source: str) -> frozenset[int]:
    """Lines of ``source`` (dedented first) where Bandit sees a hard-coded password."""
    found = _password_analyzer().analyze_text(textwrap.dedent(source), "<unit>") or []
    return frozenset(line for finding in found for line in finding.lines)


@lru_cache(maxsize=1)
def _password_analyzer():
    from promsec_ci.analyzers.bandit import BanditAnalyzer

    return BanditAnalyzer(tests=PASSWORD_RULES)


_SECRET_NAME = re.compile(r"(?i)pass(?:wd|word|phrase)?|pwd|secret|token|api_?key|credential")


@lru_cache(maxsize=64)
def java_password_lines(source: str) -> frozenset[int]:
    """Lines of Java ``source`` holding a hard-coded password: a string literal assigned to a
    password-like name (``password``, ``dbSecret``, ``API_KEY``), or passed as the password of
    ``DriverManager.getConnection(url, user, "...")`` or to ``setPassword("...")``."""
    from promsec_ci.java.syntax import first_line, text_of, walk

    root, shift = _java_root(source)
    lines: set[int] = set()
    for node in walk(root):
        value = None
        if node.type in ("variable_declarator", "assignment_expression"):
            declarator = node.type == "variable_declarator"
            target = node.child_by_field_name("name" if declarator else "left")
            if target is not None and _SECRET_NAME.search(text_of(target).rsplit(".", 1)[-1]):
                value = node.child_by_field_name("value" if declarator else "right")
        elif node.type == "method_invocation":
            name_node, args = node.child_by_field_name("name"), node.child_by_field_name("arguments")
            values = args.named_children if args is not None else []
            name = text_of(name_node) if name_node is not None else ""
            if name == "getConnection" and len(values) == 3:
                value = values[2]
            elif name == "setPassword" and len(values) == 1:
                value = values[0]
        if value is not None and value.type == "string_literal" and value.end_byte - value.start_byte > 2:
            lines.add(first_line(value) - shift)
    return frozenset(lines)


def contains_placeholder(text: str) -> bool:
    return PLACEHOLDER_PREFIX in text


class _Counter:
    def __init__(self) -> None:
        self.count = 0

    def next(self) -> str:
        self.count += 1
        return f"{PLACEHOLDER_PREFIX}{self.count}"


def _python_literals(source: str, lines: frozenset[int] | set[int]) -> list[tuple[int, int, int, str, str]]:
    """(row, start column, end column, opening, closing) of the one-line Python strings on ``lines``."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return []
    found = []
    for token in tokens:
        if token.type != tokenize.STRING or token.start[0] not in lines or token.start[0] != token.end[0]:
            continue
        match = re.fullmatch(r"(?P<prefix>[rRbBuU]{0,2})(?P<quote>'''|\"\"\"|'|\")(?P<body>.*)(?P=quote)",
                             token.string, re.S)
        if match is not None and match["body"]:
            opening = match["prefix"] + match["quote"]
            found.append((token.start[0] - 1, token.start[1], token.end[1], opening, match["quote"]))
    return found


def _java_literals(source: str, lines: frozenset[int] | set[int]) -> list[tuple[int, int, int, str, str]]:
    """The same for the one-line, non-empty Java string literals (columns in characters)."""
    from promsec_ci.java.syntax import walk

    root, shift = _java_root(source)
    rows = source.splitlines()
    found = []
    for node in walk(root):
        row = node.start_point[0] - shift
        if node.type != "string_literal" or row + 1 not in lines or node.end_point[0] != node.start_point[0] \
                or node.end_byte - node.start_byte <= 2 or not 0 <= row < len(rows):
            continue
        line = rows[row].encode("utf-8")
        start = len(line[: node.start_point[1]].decode("utf-8"))
        end = len(line[: node.end_point[1]].decode("utf-8"))
        found.append((row, start, end, '"', '"'))
    return found


def _java_root(source: str):
    """The syntax tree of Java ``source`` (a file, or a bare method parsed inside a class) and how
    many lines the tree's rows are ahead of ``source``'s."""
    from promsec_ci.java.signature import method_node
    from promsec_ci.java.syntax import parse

    root = parse(source).root_node
    if root.has_error:
        method = method_node(source)  # parsed in a one-line wrapper class
        if method is not None:
            return method, 1
    return root, 0


def _redact_literals(source: str, literals: list[tuple[int, int, int, str, str]], counter: _Counter) -> str:
    replacements = [(row, col, end, f"{opening}{counter.next()}{closing}")
                    for row, col, end, opening, closing in literals]
    out = source.splitlines(keepends=True)
    # Right to left so earlier columns on the same line stay valid.
    for row, col, end, new in reversed(replacements):
        out[row] = out[row][:col] + new + out[row][end:]
    return "".join(out)
