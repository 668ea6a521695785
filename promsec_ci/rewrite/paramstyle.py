"""Which SQL placeholder a repository's database driver wants, for code that does not show it.

A function that receives a cursor or calls a project helper (``db.execute(...)``) names no
driver; the rest of the repository usually does, in two places that must agree:

- its declared dependencies (``requirements.txt: psycopg2-binary==2.9`` -> ``%s``);
- the drivers its own modules import (``db.py: import sqlite3`` -> ``?``): the standard
  library's ``sqlite3`` is never declared. Test code is left out, as a test database is often
  not the production one.

``sql-parameterize`` uses the answer only when the file itself holds no evidence, and makes no
fix when nothing decides or the evidence disagrees.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

from promsec_ci.changes import is_test_code, source_files
from promsec_ci.config import Options
from promsec_ci.rewrite.resolve import module_prefixes
from promsec_ci.rewrite.sql_evidence import driver_evidence, only_style

STYLES = {"qmark": "?", "format": "%s"}
# PyPI distributions of DB-API drivers -> their placeholder (PEP 249 paramstyle).
_DRIVERS = {
    "psycopg2": "%s", "psycopg2-binary": "%s", "psycopg": "%s", "psycopg-binary": "%s",
    "mysqlclient": "%s", "pymysql": "%s", "mysql-connector-python": "%s", "flask-mysqldb": "%s",
    "pyodbc": "?", "apsw": "?", "aiosqlite": "?",
}
_DEPENDENCY_FILES = ("requirements.txt", "requirements-prod.txt", "requirements/base.txt",
                     "requirements/prod.txt", "pyproject.toml", "setup.cfg", "setup.py", "Pipfile")
_NAME = re.compile(r"(?<![\w.-])([A-Za-z][\w.-]*)")
_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+([\w.]+)[ \t]+import\b|import[ \t]+([\w. \t,]+))", re.MULTILINE)
# Enough modules to see a repository's drivers without reading a whole monorepo.
_MAX_MODULES = 5000


def fallback_style(options: Options, root: str | None) -> Callable[[], str | None]:
    """The placeholder for files that show no driver, asked for only when one is needed: the
    configured ``sql_paramstyle``, or with ``auto`` the one the repository at ``root`` agrees on
    (``None`` when nothing decides, its evidence disagrees, or there is no repository)."""
    if options.sql_paramstyle != "auto":
        configured = STYLES[options.sql_paramstyle]
        return lambda: configured
    if root is None:
        return lambda: None
    return cache(lambda: repository_style(Path(root)))


def repository_style(root: Path) -> str | None:
    return only_style(_dependency_evidence(root) | driver_evidence(_imported_modules(root)))


def _dependency_evidence(root: Path) -> set[str]:
    found: set[str] = set()
    for name in _DEPENDENCY_FILES:
        path = root / name
        try:
            text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
        except OSError:
            continue
        for match in _NAME.finditer(text):
            style = _DRIVERS.get(match.group(1).lower().replace("_", "-"))
            if style:
                found.add(style)
    return found


def _imported_modules(root: Path) -> set[str]:
    """Every module (and its packages) that the repository's non-test Python imports."""
    found: list[str] = []
    for path in _production_modules(root):
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for match in _IMPORT.finditer(text):
            names = [match.group(1)] if match.group(1) else match.group(2).split(",")
            found.extend(name.split()[0] for name in names if name.split())  # ``a.b as c`` -> ``a.b``
    return module_prefixes(found)


def _production_modules(root: Path) -> Iterator[Path]:
    count = 0
    for path in source_files(root):
        if path.suffix != ".py" or is_test_code(path.relative_to(root).as_posix()):
            continue
        yield path
        count += 1
        if count == _MAX_MODULES:
            return
