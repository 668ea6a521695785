from __future__ import annotations

import textwrap

from promsec_ci.llm.redact import contains_placeholder, password_lines, redact


def test_bandit_password_literals_are_replaced():
    source = textwrap.dedent('''\
        def connect(host, password="hunter2"):
            secret = "s3cr3t-value"
            return db.connect(host, password="topsecret")
    ''')
    lines = password_lines(source)
    assert lines == {1, 2, 3}
    result = redact(source, lines)
    assert result.count == 3
    for value in ("hunter2", "s3cr3t-value", "topsecret"):
        assert value not in result.text
    assert 'password="REDACTED_SECRET_1"' in result.text
    assert 'secret = "REDACTED_SECRET_2"' in result.text
    assert contains_placeholder(result.text)


def test_key_patterns_anywhere():
    source = textwrap.dedent('''\
        AWS = "AKIAABCDEFGHIJKLMNOP"
        GH = "token ghp_abcdefghijklmnopqrstuvwxyz0123456789 here"
        KEY = """-----BEGIN RSA PRIVATE KEY-----
        MIIEowIBAAKCAQEA
        -----END RSA PRIVATE KEY-----"""
        OPENAI = "sk-proj-abcdefghijklmnopqrstuvwx"
    ''')
    result = redact(source)
    assert result.count == 4
    assert "AKIA" not in result.text and "ghp_" not in result.text and "MIIE" not in result.text
    assert "sk-proj" not in result.text
    assert "token REDACTED_SECRET_2 here" in result.text


def test_nothing_to_redact():
    source = "def f(x):\n    return x + 1\n"
    result = redact(source, password_lines(source))
    assert result.text == source and not result.redacted


def test_java_password_literals_and_key_shapes_are_replaced():
    from promsec_ci.llm.redact import java_password_lines

    source = textwrap.dedent('''\
        public Connection open(String url) throws Exception {
            String dbPassword = "hunter22";
            Connection c = DriverManager.getConnection(url, "admin", "s3cr3t!");
            String greeting = "hello";
            this.apiKey = "AKIAABCDEFGHIJKLMNOP";
            return c;
        }
    ''')
    lines = java_password_lines(source)
    result = redact(source, lines, "java")

    assert lines == {2, 3, 5}
    assert "hunter22" not in result.text and "s3cr3t!" not in result.text and "AKIA" not in result.text
    assert '"hello"' in result.text and result.count == 4  # the user name shares the password's line
