"""Which SQL placeholder a repository's database driver wants, for code that does not show it.

A function that receives a cursor or calls a project helper (``db.execute(...)``) names no
driver; the repository's declared dependencies usually do. ``sql-parameterize`` uses the answer
only when the file itself holds no evidence, and makes no fix when nothing decides.

    requirements.txt: psycopg2-binary==2.9  ->  "%s"
"""

from __future__ import annotations

import re
from pathlib import Path

from promsec_ci.config import Options

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


def fallback_style(options: Options, root: str) -> str | None:
    """The placeholder for files that show no driver: the configured ``sql_paramstyle``, or with
    ``auto`` the one the repository's dependencies agree on (``None`` when none or both)."""
    if options.sql_paramstyle != "auto":
        return STYLES[options.sql_paramstyle]
    return repository_style(Path(root))


def repository_style(root: Path) -> str | None:
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
    return found.pop() if len(found) == 1 else None
