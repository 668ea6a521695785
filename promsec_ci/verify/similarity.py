"""Token-sequence similarity of two pieces of Python code (0..1).

Comments, blank lines and indentation levels are ignored, so re-indenting or re-commenting a
unit does not count as a change; every other token (names, operators, literals) does::

    token_similarity("x = a + b", "x = a - b")  # 0.8: one token of five differs
"""

from __future__ import annotations

import io
import re
import textwrap
import tokenize
from difflib import SequenceMatcher

_SKIP = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
         tokenize.ENDMARKER, tokenize.ENCODING}
_FALLBACK = re.compile(r"\w+|[^\w\s]")


def tokens(source: str) -> list[str]:
    """The significant tokens of ``source`` (dedented first); a regex split when it does not tokenize."""
    text = textwrap.dedent(source)
    try:
        return [tok.string for tok in tokenize.generate_tokens(io.StringIO(text).readline)
                if tok.type not in _SKIP]
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return _FALLBACK.findall(text)


def token_similarity(a: str, b: str) -> float:
    """``SequenceMatcher.ratio`` over the two token sequences: 1.0 for identical code.

    Args:
        a: original code.
        b: rewritten code.
    """
    ta, tb = tokens(a), tokens(b)
    if not ta and not tb:
        return 1.0
    return SequenceMatcher(None, ta, tb, autojunk=False).ratio()
