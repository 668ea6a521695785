"""SpotBugs/FindBugs backend: the BugCollection parser, and real runs of Debian's findbugs."""

from __future__ import annotations

import os
import shutil
import subprocess
import textwrap

import pytest

from promsec_ci.analyzers import analyzers_for
from promsec_ci.analyzers.spotbugs import SpotBugsAnalyzer, find_engine, parse_bug_collection
from promsec_ci.config import Options
from promsec_ci.records import FileChange, Level

needs_engine = pytest.mark.skipif(
    find_engine() is None or shutil.which("javac") is None,
    reason="neither SpotBugs nor FindBugs (apt-get install findbugs) or no JDK on this machine",
)

XML = textwrap.dedent("""\
    <?xml version="1.0" encoding="UTF-8"?>
    <BugCollection version="4.8.3" sequence="0">
      <BugInstance type="SQL_NONCONSTANT_STRING_PASSED_TO_EXECUTE" priority="1" rank="10" abbrev="SQL"
                   category="SECURITY" cweid="89">
        <ShortMessage>Nonconstant string passed to execute</ShortMessage>
        <LongMessage>app.Users.find(Statement, String) passes a nonconstant String to execute</LongMessage>
        <Class classname="app.Users" primary="true">
          <SourceLine classname="app.Users" start="3" end="9" sourcefile="Users.java" sourcepath="app/Users.java"/>
        </Class>
        <SourceLine classname="app.Users" primary="true" start="6" end="6" sourcefile="Users.java"
                    sourcepath="app/Users.java"/>
      </BugInstance>
      <BugInstance type="COMMAND_INJECTION" priority="2" rank="3" abbrev="SECCI" category="SECURITY" cweid="78">
        <LongMessage>This usage of exec can be vulnerable to Command Injection</LongMessage>
        <Method classname="app.Users" name="run" primary="true">
          <SourceLine classname="app.Users" start="8" end="8" sourcefile="Users.java" sourcepath="app/Users.java"/>
        </Method>
      </BugInstance>
      <BugInstance type="DLS_DEAD_LOCAL_STORE" priority="1" rank="15" abbrev="DLS" category="STYLE" cweid="563">
        <SourceLine classname="app.Users" primary="true" start="7" end="7" sourcefile="Users.java"
                    sourcepath="app/Users.java"/>
      </BugInstance>
      <BugInstance type="PT_RELATIVE_PATH_TRAVERSAL" priority="2" rank="7" abbrev="PT" category="SECURITY" cweid="23">
        <SourceLine classname="lib.Other" primary="true" start="2" end="2" sourcefile="Other.java"
                    sourcepath="lib/Other.java"/>
      </BugInstance>
    </BugCollection>
""")
USERS = "package app;\n" + "\n".join(f"// line {n}" for n in range(2, 11)) + "\n"


def test_parser_maps_bugs_to_repository_paths_and_keeps_security_only():
    findings = parse_bug_collection(XML, {"src/main/java/app/Users.java": USERS})

    assert [(f.rule_id, f.start_line, f.cwe) for f in findings] == [
        ("SQL_NONCONSTANT_STRING_PASSED_TO_EXECUTE", 6, 89),
        ("COMMAND_INJECTION", 8, 78),
    ]
    sql, command = findings
    assert sql.path == "src/main/java/app/Users.java"
    assert sql.tool == "spotbugs"
    assert sql.severity is Level.MEDIUM and sql.confidence is Level.HIGH  # rank 10, priority 1
    assert command.severity is Level.HIGH and command.confidence is Level.MEDIUM  # rank 3, priority 2
    assert sql.code == "// line 6"
    assert "nonconstant String" in sql.message
    assert command.help_url.endswith("#COMMAND_INJECTION")  # FindSecBugs bug: its own page


def test_parser_keeps_other_categories_when_asked_and_survives_bad_xml():
    findings = parse_bug_collection(XML, {"app/Users.java": USERS}, categories=frozenset())
    assert "DLS_DEAD_LOCAL_STORE" in {f.rule_id for f in findings}
    assert parse_bug_collection("<BugCollection><oops", {"app/Users.java": USERS}) == []


VULNERABLE = textwrap.dedent("""\
    package demo;

    import java.io.File;
    import java.sql.Connection;
    import java.sql.DriverManager;
    import java.sql.Statement;
    import javax.servlet.http.HttpServletRequest;
    import javax.servlet.http.HttpServletResponse;

    public class Vulnerable {
        public void sql(Connection conn, String name) throws Exception {
            Statement st = conn.createStatement();
            st.executeQuery("SELECT * FROM users WHERE name = '" + name + "'");
        }

        public Connection db() throws Exception {
            return DriverManager.getConnection("jdbc:h2:mem:x", "sa", "hunter2");
        }

        public File path(HttpServletRequest request) {
            return new File("/srv/data/" + request.getParameter("file"));
        }

        public void xss(HttpServletRequest request, HttpServletResponse response) throws Exception {
            response.getWriter().println("Hello " + request.getParameter("name"));
        }

        public void header(HttpServletRequest request, HttpServletResponse response) {
            response.setHeader("X-Name", request.getParameter("name"));
        }
    }
""")
SAFE = textwrap.dedent("""\
    package demo;

    import java.io.File;
    import java.sql.Connection;
    import java.sql.DriverManager;
    import java.sql.PreparedStatement;
    import javax.servlet.http.HttpServletRequest;
    import javax.servlet.http.HttpServletResponse;

    public class Safe {
        public void sql(Connection conn, String name) throws Exception {
            PreparedStatement ps = conn.prepareStatement("SELECT * FROM users WHERE name = ?");
            ps.setString(1, name);
            ps.executeQuery();
        }

        public Connection db() throws Exception {
            return DriverManager.getConnection("jdbc:h2:mem:x", "sa", System.getenv("DB_PASSWORD"));
        }

        public File path(HttpServletRequest request) {
            return new File("/srv/data/", "report.txt");
        }

        public void xss(HttpServletRequest request, HttpServletResponse response) throws Exception {
            response.getWriter().println("Hello " + request.getParameter("name").length());
        }

        public void header(HttpServletRequest request, HttpServletResponse response) {
            response.setHeader("X-Name", "fixed");
        }
    }
""")


# A record and a nested class need Java 16+: compiled for 17, then patched to class version 52.
MODERN = textwrap.dedent("""\
    package demo;
    public class Modern {
        record Point(int x, int y) {}
        private int secret;
        class Inner { int peek() { return secret; } }
        public void run(java.sql.Statement st, String id) throws Exception {
            st.executeUpdate("DELETE FROM t WHERE id = " + id);
        }
    }
""")


@pytest.fixture(scope="module")
def analyzer(tmp_path_factory):
    return SpotBugsAnalyzer(cache_dir=str(tmp_path_factory.mktemp("cache")))


@needs_engine
def test_findbugs_flags_each_cwe_in_the_vulnerable_file_and_nothing_in_its_safe_twin(analyzer):
    # One run for all files: a JVM start is the expensive part.
    files = [
        FileChange("src/main/java/demo/Vulnerable.java", VULNERABLE),
        FileChange("src/main/java/demo/Safe.java", SAFE),
        FileChange("src/main/java/demo/Broken.java", "package demo;\nclass Broken { int x = ; }\n"),
        FileChange("src/main/java/demo/Modern.java", MODERN),
    ]
    analysis = analyzer.analyze(files)

    found = {(f.path.rsplit("/", 1)[1], f.start_line, f.cwe) for f in analysis.findings}
    assert found == {
        ("Vulnerable.java", 13, 89),
        ("Vulnerable.java", 17, 259),
        ("Vulnerable.java", 21, 23),
        ("Vulnerable.java", 25, 79),
        ("Vulnerable.java", 29, 113),
        ("Modern.java", 7, 89),
    }
    assert [n.path for n in analysis.notices] == ["src/main/java/demo/Broken.java"]
    assert "did not compile" in analysis.notices[0].message
    assert analyzer.version.startswith(find_engine().kind)


@needs_engine
def test_the_builds_own_class_folder_is_analyzed_without_touching_it(tmp_path, analyzer):
    # --java-classes: a Java 17 build (a record, a nested class) compiled with inline string
    # concatenation, as FindBugs needs (docs/java.md); two packages, one of them changed.
    other = "package other;\npublic class Other { public void run(java.sql.Statement s, String x) " \
            "throws Exception { s.execute(\"DELETE FROM t WHERE x = '\" + x + \"'\"); } }\n"
    sources = {"demo/Modern.java": MODERN, "other/Other.java": other}
    for rel, text in sources.items():
        (tmp_path / "src" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "src" / rel).write_text(text)
    build = tmp_path / "build"
    subprocess.run(["javac", "-XDstringConcat=inline", "-d", str(build),
                    *(str(tmp_path / "src" / rel) for rel in sources)], check=True)
    before = {p: p.read_bytes() for p in build.rglob("*.class")}
    scanner = SpotBugsAnalyzer(cache_dir=analyzer.cache_dir, classes_dir=str(build))

    analysis = scanner.analyze([FileChange("src/main/java/demo/Modern.java", MODERN)])

    # Only the changed file's package is analyzed and reported; the build is left as it was.
    assert [(f.path, f.start_line) for f in analysis.findings] == [("src/main/java/demo/Modern.java", 7)]
    assert {p: p.read_bytes() for p in build.rglob("*.class")} == before


def test_without_spotbugs_or_findbugs_semgrep_stands_in_with_a_notice(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    semgrep = shutil.which("semgrep")
    if semgrep:
        os.symlink(semgrep, bin_dir / "semgrep")
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.delenv("SPOTBUGS_HOME", raising=False)

    chosen = analyzers_for({".java"}, Options(java_analyzer="spotbugs"))

    assert [a.name for a in chosen] == ["semgrep"]
    assert "neither SpotBugs nor FindBugs" in chosen[0].note
    assert [a.name for a in analyzers_for({".java"}, Options(java_analyzer="semgrep"))] == ["semgrep"]


@needs_engine
def test_both_backends_are_chosen_for_java_only():
    options = Options(java_analyzer="both")
    assert sorted(a.name for a in analyzers_for({".java"}, options)) == ["semgrep", "spotbugs"]
    assert [a.name for a in analyzers_for({".py"}, options)] == ["bandit"]
