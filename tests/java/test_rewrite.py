"""Java rewrite operators: before/after on small sources, and the preconditions that must fail."""

from __future__ import annotations

import textwrap

import pytest

from promsec_ci.java.rewrite import JAVA_OPERATORS, by_name, operators_for
from promsec_ci.java.syntax import parses
from promsec_ci.records import Finding, Level


def _wrap(body: str) -> str:
    """A class around method bodies (indented 4), so every case is a whole file."""
    return "class T {\n" + textwrap.indent(textwrap.dedent(body), "    ") + "}\n"


def _line(source: str, marker: str) -> int:
    return next(n for n, line in enumerate(source.splitlines(), start=1) if marker in line)


def _apply(name: str, body: str, marker: str) -> str | None:
    source = _wrap(body)
    rewrite = by_name(name).apply(source, _line(source, marker))
    if rewrite is not None:
        assert parses(rewrite.text)
    return rewrite.text if rewrite else None


def test_sql_concatenation_becomes_prepared_statement_with_setters():
    after = _apply("java-prepared-statement", """\
        java.sql.ResultSet find(java.sql.Connection conn, String name, int age) throws Exception {
            java.sql.Statement st = conn.createStatement();
            return st.executeQuery("SELECT * FROM users WHERE name LIKE '%" + name + "%' AND age > " + age);
        }
    """, "executeQuery")

    assert after == _wrap("""\
        java.sql.ResultSet find(java.sql.Connection conn, String name, int age) throws Exception {
            java.sql.Statement st = conn.createStatement();
            java.sql.PreparedStatement ps = conn.prepareStatement("SELECT * FROM users WHERE name LIKE ? AND age > ?");
            ps.setString(1, "%" + name + "%");
            ps.setObject(2, age);
            return ps.executeQuery();
        }
    """)


def test_sql_from_a_local_variable_keeps_constants_in_the_query():
    after = _apply("java-prepared-statement", """\
        static final String TABLE = "users";
        void drop(java.sql.Statement st, long id) throws Exception {
            String sql = "DELETE FROM " + TABLE + " WHERE id = '" + id + "'";
            st.execute(sql, java.sql.Statement.RETURN_GENERATED_KEYS);
        }
    """, "st.execute")

    assert 'String sql = "DELETE FROM " + TABLE + " WHERE id = ?";' in after
    assert "java.sql.PreparedStatement ps = st.getConnection().prepareStatement(sql, " \
           "java.sql.Statement.RETURN_GENERATED_KEYS);" in after
    assert "ps.setString(1, String.valueOf(id));" in after
    assert "ps.execute();" in after


@pytest.mark.parametrize("body", [
    # a table name cannot be a parameter
    'void f(java.sql.Statement st, String t) throws Exception { st.executeQuery("SELECT * FROM " + t); }',
    # constant query: nothing to parametrize
    'void f(java.sql.Statement st) throws Exception { st.executeQuery("SELECT 1"); }',
    # the query variable is used elsewhere too (logged): rewriting it would change that output
    'void f(java.sql.Statement st, String n) throws Exception {\n'
    '    String q = "SELECT * FROM u WHERE n = \'" + n + "\'";\n    System.out.println(q);\n    st.executeQuery(q);\n}',
])
def test_sql_precondition_fails(body):
    source = _wrap(body + "\n")
    assert by_name("java-prepared-statement").apply(source, _line(source, "executeQuery")) is None


def test_runtime_exec_string_becomes_process_builder_argument_list():
    after = _apply("java-process-builder", """\
        Process ping(String host) throws java.io.IOException {
            return Runtime.getRuntime().exec("ping -c 1 " + host);
        }
    """, "exec(")
    assert 'return new ProcessBuilder("ping", "-c", "1", host).start();' in after


def test_runtime_exec_via_variables_and_shell_precondition():
    after = _apply("java-process-builder", """\
        Process list(String dir) throws java.io.IOException {
            Runtime r = Runtime.getRuntime();
            String cmd = "ls -l " + dir + "/";
            return r.exec(cmd);
        }
    """, "r.exec")
    assert 'return new ProcessBuilder("ls", "-l", dir + "/").start();' in after
    shell = _wrap('Process f(String x) throws Exception { return Runtime.getRuntime().exec("sh -c " + x); }\n')
    assert by_name("java-process-builder").apply(shell, 2) is None


def test_random_and_math_random_become_secure_random():
    after = _apply("java-secure-random", """\
        int token() {
            java.util.Random random = new java.util.Random();
            return random.nextInt();
        }
    """, "new java.util.Random")
    assert "java.util.Random random = new java.security.SecureRandom();" in after
    after = _apply("java-secure-random", "double d() { return Math.random(); }\n", "Math.random")
    assert "return new java.security.SecureRandom().nextDouble();" in after
    seeded = _wrap("int f() { return new java.util.Random(42L).nextInt(); }\n")
    assert by_name("java-secure-random").apply(seeded, 2) is None  # a seed is deliberate: leave it


def test_weak_digest_becomes_sha256_and_configurable_algorithms_are_left_alone():
    after = _apply("java-strong-hash", """\
        byte[] h(byte[] b) throws Exception { return java.security.MessageDigest.getInstance("SHA1").digest(b); }
    """, "getInstance")
    assert 'getInstance("SHA-256")' in after
    configured = _wrap("byte[] h(String a) throws Exception { return java.security.MessageDigest.getInstance(a)"
                       ".digest(); }\n")
    assert by_name("java-strong-hash").apply(configured, 2) is None


def test_hard_coded_password_literal_and_field_move_to_the_environment():
    after = _apply("java-password-from-env", """\
        java.sql.Connection c(String url) throws Exception {
            return java.sql.DriverManager.getConnection(url, "app", "s3cret");
        }
    """, "getConnection")
    assert 'getConnection(url, "app", System.getenv("DB_PASSWORD"))' in after
    after = _apply("java-password-from-env", """\
        private static final String dbPassword = "s3cret";
        java.sql.Connection c(String url) throws Exception {
            return java.sql.DriverManager.getConnection(url, "app", dbPassword);
        }
    """, "getConnection")
    assert 'private static final String dbPassword = System.getenv("DB_PASSWORD");' in after


def test_path_from_input_is_resolved_inside_its_base_directory():
    after = _apply("java-path-in-base-dir", """\
        java.io.File open(String name) {
            return new java.io.File("/srv/data/" + name);
        }
        java.io.File open2(String dir, String name) {
            return new java.io.File(dir, name);
        }
    """, '"/srv/data/" + name')
    assert 'return new java.io.File(resolveInBaseDir("/srv/data/", name));' in after
    assert after.count("private static String resolveInBaseDir(String base, String name)") == 1
    # A second fix in the same class reuses the helper.
    again = by_name("java-path-in-base-dir").apply(after, _line(after, "(dir, name)"))
    assert again is not None
    assert "new java.io.File(resolveInBaseDir(dir, name))" in again.text
    assert again.text.count("private static String resolveInBaseDir") == 1
    no_base = _wrap("java.io.File f(String p) { return new java.io.File(p); }\n")
    assert by_name("java-path-in-base-dir").apply(no_base, 2) is None


def _finding(rule_id: str, cwe: int | None) -> Finding:
    return Finding("spotbugs", rule_id, rule_id.lower(), cwe, Level.HIGH, Level.HIGH, "T.java", 1, 1, "m")


def test_findings_map_to_operators_by_rule_then_by_cwe():
    assert [op.meta.name for op in operators_for(_finding("SQL_NONCONSTANT_STRING_PASSED_TO_EXECUTE", 89))] == [
        "java-prepared-statement"]
    assert [op.meta.name for op in operators_for(_finding("SOME_OTHER_RULE", 330))] == ["java-secure-random"]
    assert operators_for(_finding("XSS_REQUEST_PARAMETER_TO_SERVLET_WRITER", 79)) == []


def test_every_operator_has_complete_metadata_and_a_java_id():
    names = [op.meta.name for op in JAVA_OPERATORS]
    assert len(set(names)) == len(names) == 6
    for op in JAVA_OPERATORS:
        assert op.meta.id == f"promsec:java/{op.meta.name}"
        assert op.meta.cwes and op.meta.rule_ids and op.meta.references
        assert op.meta.directive and op.meta.summary
        assert type(op).__module__.rsplit(".", 1)[1].replace("_", "-") in op.meta.name
