import pytest

from promsec_ci.config import Options
from promsec_ci.rewrite.paramstyle import fallback_style, repository_style


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
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    assert repository_style(tmp_path) == expected


def test_configured_style_wins_over_the_repository(tmp_path):
    (tmp_path / "requirements.txt").write_text("psycopg2\n")
    assert fallback_style(Options(sql_paramstyle="qmark"), str(tmp_path)) == "?"
    assert fallback_style(Options(), str(tmp_path)) == "%s"
