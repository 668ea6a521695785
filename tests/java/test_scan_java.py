"""Java through ``promsec-ci scan`` (real entry point, subprocess): diff filtering, SARIF, fixes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from promsec_ci.analyzers.semgrep_java import find_semgrep
from promsec_ci.java.build import library_classpath

SCHEMA = Path(__file__).resolve().parents[3] / "shared" / "schemas" / "sarif-schema-2.1.0.json"

BASE = """\
package app;

import java.security.MessageDigest;

public class Users {
    public byte[] legacy(byte[] data) throws Exception {
        return MessageDigest.getInstance("MD5").digest(data);
    }
}
"""

CHANGE = BASE.replace("""    }
}
""", """    }

    public java.sql.ResultSet find(java.sql.Connection conn, String name) throws Exception {
        java.sql.Statement st = conn.createStatement();
        return st.executeQuery("SELECT * FROM users WHERE name = '" + name + "'");
    }
}
""")


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "promsec_ci", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600)


@pytest.mark.skipif(find_semgrep() is None, reason="semgrep is not installed")
def test_java_change_is_scanned_filtered_fixed_and_reported_in_sarif(git_repo, tmp_path):
    git_repo.write("src/main/java/app/Users.java", BASE)
    git_repo.commit("base with an old weak hash")
    git_repo.git("checkout", "-q", "-b", "feature")
    git_repo.write("src/main/java/app/Users.java", CHANGE)
    git_repo.commit("adds a query")
    sarif_path, json_path = tmp_path / "out.sarif", tmp_path / "out.json"

    result = run("scan", "--base", "main", "--java-analyzer", "semgrep", "-f", "sarif", "-o", str(sarif_path),
                 "-f", "json", "-o", str(json_path), cwd=git_repo.path)

    assert result.returncode == 1, result.stderr
    report = json.loads(json_path.read_text())
    (finding,) = report["findings"]  # the old MD5 line is not part of the change
    assert (finding["rule_id"], finding["path"], finding["start_line"]) == (
        "java-sql-concat", "src/main/java/app/Users.java", 12)
    assert finding["fix"]["operators"] == ["promsec:java/java-prepared-statement"]
    sarif = json.loads(sarif_path.read_text())
    if SCHEMA.is_file():
        jsonschema.validate(sarif, json.loads(SCHEMA.read_text()))
    (run_,) = [r for r in sarif["runs"] if r["results"]]
    assert run_["tool"]["driver"]["name"] == "semgrep"
    (sarif_result,) = run_["results"]
    assert sarif_result["ruleId"] == "java-sql-concat"
    assert sarif_result["fixes"], "the verified fix travels in SARIF"


def test_bad_java_analyzer_value_is_a_one_line_error(tmp_path):
    (tmp_path / "A.java").write_text("class A {}\n")
    result = run("scan", "--java-analyzer", "pmd", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "java-analyzer" in result.stderr


@pytest.mark.skipif(find_semgrep() is None, reason="semgrep is not installed")
def test_a_clean_java_scan_imports_no_heavy_dependency(tmp_path):
    (tmp_path / "Clean.java").write_text("class Clean {\n    int add(int a, int b) { return a + b; }\n}\n")
    probe = (
        "import sys\n"
        "from promsec_ci.cli import cli\n"
        "code = cli.main(['scan', '--java-analyzer', 'semgrep', '.'], standalone_mode=False)\n"
        "heavy = [m for m in ('torch', 'torch_geometric', 'openai', 'github', 'gitlab') if m in sys.modules]\n"
        "print('exit', code, 'heavy', heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.stdout.strip().splitlines()[-1] == "exit 0 heavy []", result.stderr


TWO_PATHS = """\
import javax.servlet.http.HttpServletRequest;

public class Files {
    public java.io.File a(HttpServletRequest request) {
        return new java.io.File("/srv/a/" + request.getParameter("a"));
    }

    public java.io.File b(HttpServletRequest request) {
        return new java.io.File("/srv/b/" + request.getParameter("b"));
    }
}
"""


@pytest.mark.skipif(find_semgrep() is None or shutil.which("javac") is None or not library_classpath(),
                    reason="semgrep, javac or the servlet API (libservlet-api-java) missing")
def test_fixes_of_two_methods_sharing_a_helper_apply_together_and_compile(tmp_path):
    source = tmp_path / "Files.java"
    source.write_text(TWO_PATHS)

    result = run("fix", "--apply", "--java-analyzer", "semgrep", "--no-llm", str(source), cwd=tmp_path)

    fixed = source.read_text()
    assert "2 fixes" in result.stdout + result.stderr, result.stderr
    assert fixed.count("private static String resolveInBaseDir(") == 1
    assert fixed.count("new java.io.File(resolveInBaseDir(") == 2
    compiled = subprocess.run(["javac", "-cp", ":".join(library_classpath()), "-d", str(tmp_path / "out"),
                               str(source)], capture_output=True, text=True, check=False)
    assert compiled.returncode == 0, compiled.stderr
