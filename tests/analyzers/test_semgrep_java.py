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
    import java.util.ArrayList;
    import java.util.List;
    import java.util.Random;
    import javax.naming.directory.DirContext;
    import javax.naming.directory.SearchControls;
    import javax.servlet.http.Cookie;
    import javax.servlet.http.HttpServletRequest;
    import javax.servlet.http.HttpServletResponse;
    import javax.xml.xpath.XPath;
    import javax.xml.xpath.XPathFactory;
    import org.w3c.dom.Document;

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

        public Process env(HttpServletRequest request) throws Exception {
            String[] env = {"GREETING=" + request.getParameter("greeting")};
            return Runtime.getRuntime().exec(new String[] {"/usr/bin/printenv"}, env);  // java-command-injection-taint
        }

        public Process shell(HttpServletRequest request) throws Exception {
            List<String> argv = new ArrayList<>();
            argv.add("sh");
            argv.add("-c");
            argv.add("echo " + request.getParameter("name"));  // java-command-injection-taint
            return new ProcessBuilder(argv).start();
        }

        public void ldap(HttpServletRequest request, DirContext ctx) throws Exception {
            String filter = "(&(objectclass=person)(uid=" + request.getParameter("uid") + "))";
            ctx.search("ou=people,dc=example,dc=org", filter, new SearchControls());  // java-ldap-injection
        }

        public void session(HttpServletRequest request) {
            String user = request.getParameter("user");
            request.getSession().setAttribute("user", user);  // java-trust-boundary-session
        }

        public void cookie(HttpServletResponse response, String id) {
            Cookie cookie = new Cookie("session", id);
            cookie.setHttpOnly(true);
            response.addCookie(cookie);  // java-cookie-not-secure
        }

        public String xpath(HttpServletRequest request, Document doc) throws Exception {
            XPath xp = XPathFactory.newInstance().newXPath();
            String expression = "/users/user[@name='" + request.getParameter("name") + "']/email";
            return xp.evaluate(expression, doc);  // java-xpath-injection
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
    import javax.naming.directory.DirContext;
    import javax.naming.directory.SearchControls;
    import javax.servlet.http.Cookie;
    import javax.servlet.http.HttpServletRequest;
    import javax.servlet.http.HttpServletResponse;
    import javax.xml.xpath.XPath;
    import javax.xml.xpath.XPathFactory;
    import org.w3c.dom.Document;

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

        public Process env(HttpServletRequest request) throws Exception {
            return new ProcessBuilder("/usr/bin/printf", "%s", request.getParameter("greeting")).start();
        }

        public Process shell(HttpServletRequest request) throws Exception {
            return new ProcessBuilder("echo", request.getParameter("name")).start();
        }

        public void ldap(HttpServletRequest request, DirContext ctx) throws Exception {
            Object[] args = {request.getParameter("uid")};
            ctx.search("ou=people,dc=example,dc=org", "(&(objectclass=person)(uid={0}))", args, new SearchControls());
        }

        public void session(HttpServletRequest request) {
            String user = org.owasp.esapi.ESAPI.validator().getValidInput("user", request.getParameter("user"),
                    "Username", 32, false);
            request.getSession().setAttribute("user", user);
        }

        public void cookie(HttpServletResponse response, String id) {
            Cookie cookie = new Cookie("session", id);
            cookie.setSecure(true);
            cookie.setHttpOnly(true);
            response.addCookie(cookie);
        }

        public String xpath(HttpServletRequest request, Document doc) throws Exception {
            XPath xp = XPathFactory.newInstance().newXPath();
            String name = request.getParameter("name");
            xp.setXPathVariableResolver(variable -> name);
            return xp.evaluate("/users/user[@name=$name]/email", doc);
        }
    }
""")
EXPECTED_CWE = {
    "java-hardcoded-secret": 798, "java-sql-concat": 89, "java-command-injection": 78,
    "java-hardcoded-db-password": 259, "java-path-traversal": 22, "java-xss-response-writer": 79,
    "java-header-injection": 113, "java-weak-hash": 328, "java-weak-cipher": 327, "java-predictable-random": 330,
    "java-command-injection-taint": 78, "java-ldap-injection": 90, "java-trust-boundary-session": 501,
    "java-cookie-not-secure": 614, "java-xpath-injection": 643,
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


def test_run_level_errors_become_error_notices():
    report = {"results": [], "errors": [
        {"code": 7, "level": "error", "type": "SemgrepError", "message": "invalid configuration file found\nmore"},
        {"type": "PartialParsing", "path": "elsewhere/C.java"},  # a file we did not send: ignored
    ]}

    analysis = parse_semgrep_json(report, {"f0/A.java": "app/A.java"}, {"app/A.java": ""})

    assert [(n.message, n.path, n.level) for n in analysis.notices] == [
        ("semgrep failed: invalid configuration file found", None, "error")]


@needs_semgrep
def test_a_relative_rules_path_works_and_a_broken_rules_file_is_not_a_clean_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rules.yaml").write_text(textwrap.dedent("""\
        rules:
          - id: md5
            languages: [java]
            severity: WARNING
            message: md5
            metadata: {cwe: 328}
            pattern: java.security.MessageDigest.getInstance("MD5")
    """))
    (tmp_path / "broken.yaml").write_text(
        "rules: [{id: broken, languages: [java], severity: ERROR, message: m, pattern: 'f(('}]\n")
    source = 'class A { Object h() throws Exception { return java.security.MessageDigest.getInstance("MD5"); } }\n'

    found = SemgrepJavaAnalyzer(rules="rules.yaml").analyze_text(source, "src/A.java")
    broken = SemgrepJavaAnalyzer(rules="broken.yaml")
    analysis = broken.analyze([FileChange("src/A.java", source)])

    assert [(f.rule_id, f.cwe, f.start_line) for f in found] == [("md5", 328, 1)]
    assert analysis.findings == [] and [n.level for n in analysis.notices] == ["error"]
    assert "Rule parse error" in analysis.notices[0].message
    assert broken.analyze_text(source, "src/A.java") is None  # a fix can never be verified by a broken run
