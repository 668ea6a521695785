"""Data minimisation: hard-coded secrets are replaced by placeholders before anything is sent.

Two sources: string literals Bandit flags as hard-coded passwords (B105 assignments, B106
keyword arguments, B107 defaults), and well-known key shapes anywhere in the text (AWS access
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


def redact(source: str, secret_lines: frozenset[int] | set[int] = frozenset()) -> Redaction:
    """Replace secrets in ``source`` by ``REDACTED_SECRET_<n>``.

    Args:
        source: code (a unit, dedented or not).
        secret_lines: 1-based lines of ``source`` where Bandit reported B105-B107; every non-empty
            plain string literal on them is replaced.
    """
    counter = _Counter()
    text = _redact_literals(source, secret_lines, counter) if secret_lines else source
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


def contains_placeholder(text: str) -> bool:
    return PLACEHOLDER_PREFIX in text


class _Counter:
    def __init__(self) -> None:
        self.count = 0

    def next(self) -> str:
        self.count += 1
        return f"{PLACEHOLDER_PREFIX}{self.count}"


def _redact_literals(source: str, lines: set[int], counter: _Counter) -> str:
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return source
    replacements = []
    for token in tokens:
        if token.type != tokenize.STRING or token.start[0] not in lines or token.start[0] != token.end[0]:
            continue
        match = re.fullmatch(r"(?P<prefix>[rRbBuU]{0,2})(?P<quote>'''|\"\"\"|'|\")(?P<body>.*)(?P=quote)",
                             token.string, re.S)
        if match is not None and match["body"]:
            new = f"{match['prefix']}{match['quote']}{counter.next()}{match['quote']}"
            replacements.append((token.start[0] - 1, token.start[1], token.end[1], new))
    out = source.splitlines(keepends=True)
    # Right to left so earlier columns on the same line stay valid.
    for row, col, end, new in reversed(replacements):
        out[row] = out[row][:col] + new + out[row][end:]
    return "".join(out)
