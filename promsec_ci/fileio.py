"""Reading source files in their own encoding, and writing files without ever leaving a
half-written one behind."""

from __future__ import annotations

import io
import os
import stat
import tempfile
import tokenize
from pathlib import Path


def source_encoding(data: bytes, path: str) -> str:
    """The encoding a source file is written in: for Python, a BOM (``utf-8-sig``) or a PEP 263
    coding line (``# -*- coding: latin-1 -*-``), else UTF-8. Raises ``SyntaxError`` for a coding
    line Python would refuse, ``LookupError`` for an unknown codec."""
    if not path.endswith(".py"):
        return "utf-8"
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return encoding


def encode_source(text: str) -> bytes:
    """Python source text as the bytes its coding line declares (what the ``ast`` of those
    bytes decodes back to ``text``); UTF-8 when it declares none or cannot hold the text."""
    data = text.encode("utf-8")
    try:
        encoding = source_encoding(data, ".py")
        return data if encoding in ("utf-8", "utf-8-sig") else text.encode(encoding)
    except (SyntaxError, LookupError, UnicodeEncodeError):
        return data


def atomic_write(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename,
    keeping the existing file's mode. ``utf-8-sig`` writes the BOM back.

    Raises:
        UnicodeEncodeError: ``text`` has a character ``encoding`` cannot hold (nothing written).
    """
    data = text.encode(encoding)
    target = Path(path)
    mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else None
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or ".")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
