"""Compiling changed Java for FindBugs: class-file downgrade, the Java 8 API jar, notices for bad sources."""

from __future__ import annotations

import shutil
import subprocess
import zipfile

import pytest

from promsec_ci.java.build import STRIPPED_ATTRIBUTES, _constant_pool, api_jar, compile_sources, downgrade_class

needs_jdk = pytest.mark.skipif(shutil.which("javac") is None, reason="no JDK (javac) on this machine")

NESTED = """\
package demo;
public class Outer {
    private int secret = 1;
    class Inner { int peek() { return secret; } }
    record Pair(int a, int b) {}
}
"""


def _class_attributes(data: bytes) -> set[str]:
    """Names of the class-level attributes of a class file (a reader independent of downgrade_class)."""
    utf8, pos = _constant_pool(data)
    u2 = lambda at: int.from_bytes(data[at : at + 2], "big")  # noqa: E731
    pos += 6
    pos += 2 + 2 * u2(pos)
    for _ in range(2):
        count = u2(pos)
        pos += 2
        for _ in range(count):
            pos += 6
            attributes = u2(pos)
            pos += 2
            for _ in range(attributes):
                pos += 6 + int.from_bytes(data[pos + 2 : pos + 6], "big")
    names = set()
    for _ in range(u2(pos)):
        pos += 2
        names.add(utf8[u2(pos)])
        pos += 6 + int.from_bytes(data[pos + 2 : pos + 6], "big") - 2
    return names


@needs_jdk
def test_modern_class_files_are_downgraded_to_java_8_without_nest_and_record_attributes(tmp_path):
    (tmp_path / "Outer.java").write_text(NESTED)
    subprocess.run(["javac", "-d", str(tmp_path / "out"), str(tmp_path / "Outer.java")], check=True)
    outer = (tmp_path / "out" / "demo" / "Outer.class").read_bytes()
    pair = (tmp_path / "out" / "demo" / "Outer$Pair.class").read_bytes()
    assert "NestMembers" in _class_attributes(outer) and "Record" in _class_attributes(pair)

    for original in (outer, pair):
        patched = downgrade_class(original)
        assert int.from_bytes(patched[6:8], "big") == 52
        assert not _class_attributes(patched) & STRIPPED_ATTRIBUTES
        assert "SourceFile" in _class_attributes(patched)  # what FindBugs needs for line numbers stays
    old = bytes(outer[:6]) + (52).to_bytes(2, "big") + outer[8:]
    assert downgrade_class(b"not a class") == b"not a class"
    assert downgrade_class(downgrade_class(old)) == downgrade_class(old)


@needs_jdk
def test_api_jar_holds_java_8_classes_and_is_cached(tmp_path):
    jar = api_jar(tmp_path)
    assert jar is not None and jar.parent == tmp_path / "java"
    with zipfile.ZipFile(jar) as archive:
        string = archive.read("java/lang/String.class")
        names = set(archive.namelist())
    assert int.from_bytes(string[6:8], "big") == 52
    assert "java/sql/Statement.class" in names
    assert "java/lang/Record.class" not in names  # Java 16: not part of the Java 8 API
    stamp = jar.stat().st_mtime_ns
    assert api_jar(tmp_path) == jar and jar.stat().st_mtime_ns == stamp


@needs_jdk
def test_sources_compile_together_and_failures_become_messages(tmp_path):
    sources = {
        "a/src/demo/A.java": "package demo;\npublic class A { public static int one() { return B.two() - 1; } }\n",
        "b/src/demo/B.java": "package demo;\npublic class B { public static int two() { return 2; } }\n",
        "c/Missing.java": "class Missing { org.nowhere.Thing thing; }\n",
        "d/Modern.java": "class Modern { Object f(Object o) { return o instanceof String s ? s : null; } }\n",
    }
    result = compile_sources(sources, tmp_path)

    assert result.compiled == ("a/src/demo/A.java", "b/src/demo/B.java", "d/Modern.java")
    assert list(result.failed) == ["c/Missing.java"]
    assert "org.nowhere" in result.failed["c/Missing.java"]
    classes = sorted(p.name for p in result.classes_dir.rglob("*.class"))
    assert classes == ["A.class", "B.class", "Modern.class"]
    modern = next(result.classes_dir.rglob("Modern.class")).read_bytes()
    assert int.from_bytes(modern[6:8], "big") == 52
