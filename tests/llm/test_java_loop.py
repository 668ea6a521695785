"""Java methods through the PromSec loop: ``promsec-ci scan`` against a scripted model on 127.0.0.1
(the real openai client), with every regeneration verified by real javac and real semgrep."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from promsec_ci.analyzers.semgrep_java import SemgrepJavaAnalyzer, find_semgrep
from promsec_ci.cli import cli
from promsec_ci.fixes import apply_edits
from promsec_ci.java.build import compile_sources
from promsec_ci.records import Edit
from tests.servers.openai_server import Reply, ScriptedModel, is_inversion, last_user

pytestmark = pytest.mark.skipif(find_semgrep() is None or shutil.which("javac") is None,
                                reason="semgrep or the JDK (javac) is not installed")

SCHEMA = Path(__file__).resolve().parents[3] / "shared" / "schemas" / "sarif-schema-2.1.0.json"

# The query is built in a helper variable across statements and the value follows FROM ... in the
# concatenation, so java-prepared-statement's precondition fails: only the loop can fix it.
SOURCE = textwrap.dedent("""\
    package demo;

    import java.sql.Connection;
    import java.sql.ResultSet;
    import java.sql.SQLException;
    import java.sql.Statement;
    import java.util.ArrayList;
    import java.util.List;

    public class Users {
        public String motto() {
            return "NOT_FOR_THE_MODEL";
        }

        public List<String> find(Connection conn, String name) throws SQLException {
            Statement st = conn.createStatement();
            String where = " WHERE name = '" + name + "'";
            String sql = "SELECT email FROM users" + where;
            List<String> emails = new ArrayList<>();
            try (ResultSet rs = st.executeQuery(sql)) {
                while (rs.next()) {
                    emails.add(rs.getString("email"));
                }
            }
            return emails;
        }
    }
""")

INVERTED = "Write a Java method find(Connection conn, String name) that returns the emails of the users with that name."

BODY = """\
    List<String> emails = new ArrayList<>();
    try (ResultSet rs = st.executeQuery(QUERY)) {
        while (rs.next()) {
            emails.add(rs.getString("email"));
        }
    }
    return emails;
}
"""


def answer(header: str, first_lines: str, query: str = "") -> str:
    """A model's answer: prose, then one java block with an import and the method."""
    body = BODY.replace("QUERY", query)
    return (f"Here is the secure method:\n\n```java\nimport java.sql.PreparedStatement;\n\n{header} {{\n"
            f"{first_lines}{body}```\nIt uses a parameterized query.")


HEADER = "public List<String> find(Connection conn, String name) throws SQLException"
PREPARED = ('    PreparedStatement st = conn.prepareStatement("SELECT email FROM users WHERE name = ?");\n'
            "    st.setString(1, name);\n")
SECURE = answer(HEADER, PREPARED)

REJECTED = {
    "signature": (answer(HEADER.replace("String name", "Object name"), PREPARED.replace("setString(1, name)",
                                                                                        "setObject(1, name)")),
                  "signature changed"),
    "injection": (answer(HEADER, "    Statement st = conn.createStatement();\n",
                         "\"SELECT email FROM users WHERE name = '\" + name + \"'\""),
                  "still reports the findings"),
    "no-compile": (answer(HEADER, PREPARED.replace("setString", "setStrin")), "does not compile"),
}


def model(regeneration: str):
    return lambda request: Reply(INVERTED) if is_inversion(request) else Reply(regeneration)


def scan(tmp_path: Path, server, *extra: str) -> tuple[object, dict, dict]:
    """In process (click's runner), so runs share one import of the heavy stages."""
    env = {"PROMSEC_LLM_API_KEY": "test-key", "OPENAI_API_KEY": None, "OPENAI_BASE_URL": None}
    args = ["scan", str(tmp_path / "Users.java"), "--java-analyzer", "semgrep", "--llm-base-url", server.url,
            "--llm-model", "m", "-f", "json", "-o", str(tmp_path / "report.json"),
            "-f", "sarif", "-o", str(tmp_path / "report.sarif"), "-f", "text", "-o", "-", *extra]
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code == 1, result.output  # the finding blocks, fixed or not
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    sarif = json.loads((tmp_path / "report.sarif").read_text(encoding="utf-8"))
    return result, report, sarif


def test_regenerated_java_method_is_verified_attached_to_sarif_and_cached(tmp_path):
    (tmp_path / "Users.java").write_text(SOURCE, encoding="utf-8")
    with ScriptedModel(model(SECURE)) as server:
        first, report, sarif = scan(tmp_path, server)
        requests = list(server.requests)
        _, again, _ = scan(tmp_path, server)
        second_run_calls = len(server.requests) - len(requests)

    [finding] = report["findings"]
    assert finding["rule_id"] == "java-sql-concat"
    fix = finding["fix"]
    assert fix is not None, first.output
    assert fix["operators"] == ["llm:m"] and fix["cwes_removed"] == [89]
    assert fix["prompt"].startswith(INVERTED)

    fixed = apply_edits(SOURCE, [Edit(**edit) for edit in fix["edits"]])
    assert 'conn.prepareStatement("SELECT email FROM users WHERE name = ?")' in fixed
    assert "import java.sql.PreparedStatement;" in fixed
    assert "NOT_FOR_THE_MODEL" in fixed  # the rest of the file is untouched
    after = SemgrepJavaAnalyzer().analyze_text(fixed, "Users.java")
    assert after == []
    assert not compile_sources({"demo/Users.java": fixed}, tmp_path / "javac").failed

    jsonschema.validate(sarif, json.loads(SCHEMA.read_text(encoding="utf-8")))
    [result] = sarif["runs"][0]["results"]
    replacements = result["fixes"][0]["artifactChanges"][0]["replacements"]
    assert any("prepareStatement" in r["insertedContent"]["text"] for r in replacements)

    assert len(requests) == 2  # inversion + one regeneration that verified
    inversion, regeneration = (last_user(r) for r in requests)
    assert "Java method" in inversion and "```java" in inversion
    assert "import java.sql.Statement;" in inversion and "NOT_FOR_THE_MODEL" not in inversion
    assert "Java method" in regeneration and "CWE-89" in regeneration and "java-sql-concat" in regeneration
    assert f"`{HEADER}`" in regeneration

    assert second_run_calls == 0
    assert again["cost"]["llm_queries"] == 0
    assert again["findings"][0]["fix"]["edits"] == fix["edits"]


@pytest.mark.parametrize("case", sorted(REJECTED))
def test_bad_java_regeneration_is_rejected_and_no_fix_is_shown(tmp_path, case):
    reply, reason = REJECTED[case]
    (tmp_path / "Users.java").write_text(SOURCE, encoding="utf-8")
    with ScriptedModel(model(reply)) as server:
        result, report, sarif = scan(tmp_path, server, "--max-iterations", "1")

    assert len(server.requests) == 2
    assert report["findings"][0]["fix"] is None
    assert "fixes" not in sarif["runs"][0]["results"][0]
    messages = [n["message"] for n in report["notices"]]
    assert any("every regeneration was rejected" in m and reason in m for m in messages), messages


def test_java_secret_is_redacted_before_it_is_sent(tmp_path):
    source = SOURCE.replace('String where = " WHERE name', 'String dbPassword = "hunter2-prod";\n'
                            '        conn.setClientInfo("password", dbPassword);\n        String where = " WHERE name')
    (tmp_path / "Users.java").write_text(source, encoding="utf-8")
    with ScriptedModel(model(SECURE)) as server:  # a1 inverts the original, not the operators' ĉ
        scan(tmp_path, server, "--max-iterations", "1", "--strategy", "a1")

    sent = json.dumps(server.requests)
    assert server.requests and "hunter2-prod" not in sent
    assert "REDACTED_SECRET_1" in sent
