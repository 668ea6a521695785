import pytest

from promsec_ci.config import Options
from promsec_ci.rewrite.paramstyle import fallback_style, repository_style


def _write(root, files):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"requirements.txt": "flask==3.0\npsycopg2-binary>=2.9  # db\n"}, "%s"),
        ({"pyproject.toml": '[project]\ndependencies = ["PyMySQL>=1.1"]\n'}, "%s"),
        ({"setup.py": "install_requires=['pyodbc']"}, "?"),
        ({"requirements.txt": "psycopg2\n", "setup.cfg": "install_requires = pyodbc\n"}, None),
        ({"requirements.txt": "flask\nrequests\n"}, None),
        ({}, None),
    ],
)
def test_repository_dependencies_decide_the_placeholder(tmp_path, files, expected):
    _write(tmp_path, files)
    assert repository_style(tmp_path) == expected


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        # sqlite3 is in the standard library: no dependency file ever names it.
        ({"app/db.py": "import os\nimport sqlite3\n", "app/views.py": "from app.db import get_db\n"}, "?"),
        ({"store.py": "def connect():\n    from psycopg2 import pool\n"}, "%s"),
        ({"db.py": "import mysql.connector as mc, os\n"}, "%s"),
        # evidence that disagrees decides nothing
        ({"requirements.txt": "psycopg2\n", "legacy/export.py": "import sqlite3\n"}, None),
        ({"a.py": "import sqlite3\n", "b.py": "import cx_Oracle\n"}, None),
        # a test database is not the production one; folders of virtualenvs are not the project
        ({"tests/conftest.py": "import sqlite3\n", "test_db.py": "import sqlite3\n"}, None),
        ({"requirements.txt": "psycopg2\n", "tests/test_models.py": "import sqlite3\n"}, "%s"),
        ({".venv/lib/site.py": "import sqlite3\n"}, None),
    ],
)
def test_the_drivers_the_repository_imports_count_too(tmp_path, files, expected):
    _write(tmp_path, files)
    assert repository_style(tmp_path) == expected


def test_configured_style_wins_over_the_repository(tmp_path):
    (tmp_path / "requirements.txt").write_text("psycopg2\n")
    assert fallback_style(Options(sql_paramstyle="qmark"), str(tmp_path))() == "?"
    assert fallback_style(Options(), str(tmp_path))() == "%s"


def test_the_repository_is_read_once_and_only_when_asked(tmp_path):
    style = fallback_style(Options(), str(tmp_path))
    (tmp_path / "db.py").write_text("import sqlite3\n")
    assert style() == "?"  # not read before the first call
    (tmp_path / "db.py").write_text("import psycopg2\n")
    assert style() == "?"  # nor again after it
