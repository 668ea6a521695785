"""Semgrep backend: the project's own Java rules, run offline on sources the test writes."""

from __future__ import annotations

import textwrap

import pytest

from promsec_ci.analyzers.semgrep_java import SemgrepJavaAnalyzer, find_semgrep, parse_semgrep_json
from promsec_ci.records import FileChange, Level

needs_semgrep = pytest.mark.skipif(find_semgrep() is None, reason="semgrep is not installed (pip install semgrep)")

# One method per CWE; the comment on each flagged line names the rule expected there.
VULNERABLE = textwrap.dedent("""\
    package demo;

    import java.io.File;
    import java.security.MessageDigest;
    import java.sql.Connection;
    import java.sql.DriverManager;
    import java.sql.Statement;
    import java.util.Random;
    import javax.servlet.http.HttpServletRequest;
    import javax.servlet.http.HttpServletResponse;

    public class Vulnerable {
        private String apiKey = "k-1234567890";  // java-hardcoded-secret

        public void sql(Connection conn, String name) throws Exception {
            Statement st = conn.createStatement();
            st.executeQuery("SELECT * FROM users WHERE name = '" + name + "'");  // java-sql-concat
        }

        public Process cmd(String host) throws Exception {
            return Runtime.getRuntime().exec("ping -c 1 " + host);  // java-command-injection
        }

        public Connection db() throws Exception {
            return DriverManager.getConnection("jdbc:h2:mem:x", "sa", "hunter2");  // java-hardcoded-db-password
        }

        public File path(HttpServletRequest request) {
            String name = request.getParameter("file");
            return new File("/srv/data/" + name);  // java-path-traversal
        }

        public void xss(HttpServletRequest request, HttpServletResponse response) throws Exception {
            String name = request.getParameter("name");
            response.getWriter().println("Hello " + name);  // java-xss-response-writer
        }

        public void header(HttpServletRequest request, HttpServletResponse response) {
            response.setHeader("X-Name", request.getParameter("name"));  // java-header-injection
        }

        public byte[] hash(byte[] data) throws Exception {
            return MessageDigest.getInstance("MD5").digest(data);  // java-weak-hash
        }

        public javax.crypto.Cipher cipher() throws Exception {
            return javax.crypto.Cipher.getInstance("DES/CBC/PKCS5Padding");  // java-weak-cipher
        }

        public int token() {
            return new Random().nextInt();  // java-predictable-random
        }
    }
""")
SAFE = textwrap.dedent("""\
    package demo;

    import java.io.File;
    import java.security.MessageDigest;
    import java.security.SecureRandom;
    import java.sql.Connection;
    import java.sql.DriverManager;
    import java.sql.PreparedStatement;
    import javax.servlet.http.HttpServletRequest;
    import javax.servlet.http.HttpServletResponse;

    public class Safe {
        private String apiKey = System.getenv("API_KEY");

        public void sql(Connection conn, String name) throws Exception {
            PreparedStatement ps = conn.prepareStatement("SELECT * FROM users WHERE name = ?");
            ps.setString(1, name);
            ps.executeQuery();
        }

        public Process cmd(String host) throws Exception {
            return new ProcessBuilder("ping", "-c", "1", host).start();
        }

        public Connection db() throws Exception {
            return DriverManager.getConnection("jdbc:h2:mem:x", "sa", System.getenv("DB_PASSWORD"));
        }

        public File path(HttpServletRequest request) {
            String name = request.getParameter("file");
            return new File(resolveInBaseDir("/srv/data/", name));
        }

        public void xss(HttpServletRequest request, HttpServletResponse response) throws Exception {
            String name = request.getParameter("name");
            response.getWriter().println("Hello " + org.owasp.encoder.Encode.forHtml(name));
        }

        public void header(HttpServletRequest request, HttpServletResponse response) {
            response.setHeader("X-Name", java.net.URLEncoder.encode(request.getParameter("name")));
        }

        public byte[] hash(byte[] data) throws Exception {
            return MessageDigest.getInstance("SHA-256").digest(data);
        }

        public javax.crypto.Cipher cipher() throws Exception {
            return javax.crypto.Cipher.getInstance("AES/GCM/NoPadding");
        }

        public int token() {
            return new SecureRandom().nextInt();
        }

        private static String resolveInBaseDir(String base, String name) {
            return name;
        }
    }
""")
EXPECTED_CWE = {
    "java-hardcoded-secret": 798, "java-sql-concat": 89, "java-command-injection": 78,
    "java-hardcoded-db-password": 259, "java-path-traversal": 22, "java-xss-response-writer": 79,
    "java-header-injection": 113, "java-weak-hash": 328, "java-weak-cipher": 327, "java-predictable-random": 330,
}


def _expected_lines(source: str) -> set[tuple[str, int]]:
    return {(line.rsplit("// ", 1)[1], number) for number, line in enumerate(source.splitlines(), start=1)
            if "// java-" in line}


@needs_semgrep
def test_each_rule_flags_its_line_and_the_safe_twin_is_clean():
    analyzer = SemgrepJavaAnalyzer()
    analysis = analyzer.analyze([
        FileChange("src/demo/Vulnerable.java", VULNERABLE),
        FileChange("src/demo/Safe.java", SAFE),
        FileChange("src/demo/Broken.java", "class Broken { int x = ; }\n"),
        FileChange("README.md", "not java"),
    ])

    vulnerable = [f for f in analysis.findings if f.path == "src/demo/Vulnerable.java"]
    assert {(f.rule_id, f.start_line) for f in vulnerable} == _expected_lines(VULNERABLE)
    assert {f.rule_id: f.cwe for f in vulnerable} == EXPECTED_CWE
    assert [f for f in analysis.findings if f.path == "src/demo/Safe.java"] == []
    assert [n.path for n in analysis.notices] == ["src/demo/Broken.java"]
    sql = next(f for f in vulnerable if f.rule_id == "java-sql-concat")
    assert sql.tool == "semgrep" and sql.severity is Level.HIGH and sql.confidence is Level.MEDIUM
    assert sql.code.strip().startswith("st.executeQuery(")
    assert sql.help_url == "https://cwe.mitre.org/data/definitions/89.html"
    assert analyzer.version[0].isdigit()


def test_json_results_are_mapped_back_to_repository_paths():
    report = {
        "version": "1.0.0",
        "results": [{
            "check_id": "tmp.rules.java-weak-hash", "path": "f0/A.java",
            "start": {"line": 2, "col": 9}, "end": {"line": 2, "col": 40},
            "extra": {"message": "weak  hash", "severity": "WARNING", "metadata": {"cwe": 328, "confidence": "HIGH"}},
        }],
        "errors": [{"type": ["PartialParsing", []], "path": "f1/B.java"}],
    }
    analysis = parse_semgrep_json(report, {"f0/A.java": "app/A.java", "f1/B.java": "app/B.java"},
                                  {"app/A.java": "class A {\n  x = md5();\n}\n", "app/B.java": ""})

    (finding,) = analysis.findings
    assert (finding.rule_id, finding.path, finding.start_line) == ("java-weak-hash", "app/A.java", 2)
    assert finding.start_col == 8
    assert finding.message == "weak hash" and finding.code == "  x = md5();"
    assert analysis.notices[0].path == "app/B.java" and "PartialParsing" in analysis.notices[0].message
