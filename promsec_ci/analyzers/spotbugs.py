"""SpotBugs (+ FindSecBugs) or Debian's FindBugs on the class files of changed Java code.

The engine is chosen in this order: ``$SPOTBUGS_HOME`` (with the FindSecBugs plugin when its jar
is in ``$SPOTBUGS_HOME/plugin`` or named by ``$FINDSECBUGS_PLUGIN``), ``spotbugs`` on PATH,
``findbugs`` on PATH. Both write the same BugCollection XML, read by one parser. Classes come
from the user's build (``--java-classes DIR``) or from compiling the changed files (see
``java/build.py``). Only bugs of the SECURITY category are reported.

Sample finding::

    Finding(tool="spotbugs", rule_id="SQL_NONCONSTANT_STRING_PASSED_TO_EXECUTE",
            rule_name="sql_nonconstant_string_passed_to_execute", cwe=89, severity=MEDIUM,
            confidence=HIGH, path="src/main/java/app/Users.java", start_line=14, ...)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from promsec_ci.analyzers.base import Analysis
from promsec_ci.records import FileChange, Finding, Level, Notice

SECURITY_CATEGORIES = frozenset({"SECURITY"})
FINDSECBUGS_URL = "https://find-sec-bugs.github.io/bugs.htm#"
SPOTBUGS_URL = "https://spotbugs.readthedocs.io/en/latest/bugDescriptions.html"
# A short analysis finishes sooner on the C1 compiler alone (measured: 2.3 s -> 1.1-1.8 s).
_JVM_FLAGS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")
_CONFIDENCE = {"1": Level.HIGH, "2": Level.MEDIUM, "3": Level.LOW}


@dataclass(frozen=True)
class Engine:
    """A runnable SpotBugs or FindBugs.

    Args:
        kind: ``spotbugs`` or ``findbugs``.
        command: the argv prefix that starts it in text mode.
        plugins: FindSecBugs (or other) plugin jars passed with ``-pluginList``.
    """

    kind: str
    command: tuple[str, ...]
    plugins: tuple[str, ...] = ()


def find_engine() -> Engine | None:
    """The best available engine, or ``None`` when neither SpotBugs nor FindBugs is installed."""
    home = os.environ.get("SPOTBUGS_HOME")
    if home:
        jar = Path(home) / "lib" / "spotbugs.jar"
        java = shutil.which("java")
        if jar.is_file() and java:
            return Engine("spotbugs", (java, *_JVM_FLAGS, "-jar", str(jar)), _plugins(Path(home)))
    spotbugs = shutil.which("spotbugs")
    if spotbugs:
        home_guess = Path(spotbugs).resolve().parent.parent
        return Engine("spotbugs", (spotbugs, "-jvmArgs", " ".join(_JVM_FLAGS)), _plugins(home_guess))
    findbugs = shutil.which("findbugs")
    if findbugs:
        return Engine("findbugs", (findbugs, "-jvmArgs", " ".join(_JVM_FLAGS)))
    return None


def _plugins(home: Path) -> tuple[str, ...]:
    named = os.environ.get("FINDSECBUGS_PLUGIN")
    if named and Path(named).is_file():
        return (named,)
    return tuple(str(p) for p in sorted((home / "plugin").glob("findsecbugs*.jar")))


class SpotBugsAnalyzer:
    """Runs SpotBugs/FindBugs over the changed ``.java`` files.

    Args:
        cache_dir: where the Java 8 API jar is cached.
        classes_dir: the user's compiled classes; when ``None`` the changed files are compiled.
        engine: the engine to run (default: ``find_engine()``).
        timeout: seconds allowed for one engine run.
    """

    name = "spotbugs"
    suffixes = (".java",)

    def __init__(
        self,
        cache_dir: str = ".promsec-cache",
        classes_dir: str | None = None,
        engine: Engine | None = None,
        timeout: float = 600.0,
    ) -> None:
        self.cache_dir = cache_dir
        self.classes_dir = classes_dir
        self.engine = engine or find_engine()
        self.timeout = timeout
        self._version = "unknown"
        self.seconds = 0.0

    @property
    def version(self) -> str:
        kind = self.engine.kind if self.engine else "spotbugs"
        return f"{kind} {self._version}"

    def analyze(self, files: Sequence[FileChange]) -> Analysis:
        """Findings in the changed Java files, and notices for those that could not be analyzed."""
        java = [f for f in files if f.path.endswith(self.suffixes)]
        if not java:
            return Analysis()
        if self.engine is None:
            return Analysis(notices=[Notice("Java not analyzed: neither SpotBugs nor FindBugs is installed")])
        clock = time.perf_counter()
        try:
            with tempfile.TemporaryDirectory(prefix="promsec-java-") as scratch:
                return self._analyze(java, Path(scratch))
        finally:
            self.seconds = time.perf_counter() - clock

    def analyze_text(self, text: str, path: str) -> list[Finding] | None:
        """Findings in one Java source compiled alone, or ``None`` when it does not compile."""
        analysis = self.analyze([FileChange(path=path, text=text)])
        if any(n.path == path and "did not compile" in n.message for n in analysis.notices):
            return None
        return analysis.findings

    def _analyze(self, files: list[FileChange], scratch: Path) -> Analysis:
        from promsec_ci.java.build import api_jar, compile_sources, library_classpath

        notices: list[Notice] = []
        libraries = library_classpath()
        if self.classes_dir:
            classes = _copy_classes(Path(self.classes_dir), scratch / "classes")
            analyzed = [f.path for f in files]
        else:
            compilation = compile_sources({f.path: f.text for f in files}, scratch, libraries)
            for path, error in sorted(compilation.failed.items()):
                notices.append(Notice(f"Java source did not compile alone, not analyzed by {self.name}: {error}",
                                      path))
            classes = compilation.classes_dir
            analyzed = list(compilation.compiled)
        if not analyzed or not any(classes.rglob("*.class")):
            return Analysis(notices=notices)
        aux = [str(jar) for jar in (api_jar(self.cache_dir),) if jar] + libraries
        # In a whole build's class folder only the changed files' packages matter.
        packages = {_package_of(f.text) for f in files} if self.classes_dir else {"-"}
        only = [] if "-" in packages else sorted(p + ".*" for p in packages)
        xml_text, error = self._run(classes, aux, scratch / "bugs.xml", only)
        if error:
            notices.append(Notice(f"{self.name} failed: {error}", level="error"))
            return Analysis(notices=notices)
        texts = {f.path: f.text for f in files if f.path in set(analyzed)}
        self._version = _xml_version(xml_text) or self._version
        return Analysis(findings=parse_bug_collection(xml_text, texts), notices=notices)

    def _run(self, classes: Path, aux: list[str], output: Path, only: list[str]) -> tuple[str, str | None]:
        assert self.engine is not None
        command = [*self.engine.command, "-textui", "-low", "-xml:withMessages", "-output", str(output)]
        if only:
            command += ["-onlyAnalyze", ",".join(only)]
        if self.engine.plugins:
            command += ["-pluginList", os.pathsep.join(self.engine.plugins)]
        if aux:
            command += ["-auxclasspath", os.pathsep.join(aux)]
        command.append(str(classes))
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=self.timeout, check=False)
        except subprocess.TimeoutExpired:
            return "", f"timed out after {self.timeout:.0f} s"
        except OSError as exc:
            return "", str(exc)
        if not output.is_file():
            lines = [line for line in result.stderr.splitlines() if "Exception" in line or "Error" in line]
            return "", (lines[0] if lines else f"exit code {result.returncode}, no report written")
        return output.read_text(encoding="utf-8", errors="replace"), None


def _package_of(text: str) -> str:
    """The package a Java source declares (``-`` for the default package: analyze everything)."""
    import re

    match = re.search(r"^\s*package\s+([\w.]+)\s*;", text, re.MULTILINE)
    return match.group(1) if match else "-"


def _copy_classes(source: Path, target: Path) -> Path:
    """Copy the user's class files, patched so FindBugs can read them (their build stays untouched)."""
    from promsec_ci.java.build import downgrade_class

    for class_file in source.rglob("*.class"):
        destination = target / class_file.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(downgrade_class(class_file.read_bytes()))
    target.mkdir(parents=True, exist_ok=True)
    return target


def _xml_version(xml_text: str) -> str | None:
    try:
        return ET.fromstring(xml_text).get("version")
    except ET.ParseError:
        return None


def parse_bug_collection(
    xml_text: str, texts: dict[str, str], categories: frozenset[str] = SECURITY_CATEGORIES
) -> list[Finding]:
    """Findings from a SpotBugs or FindBugs BugCollection XML report.

    Args:
        xml_text: the report (``-xml:withMessages``).
        texts: repository path -> source text of each analyzed file; a bug whose source file
            matches none of them is dropped (it lies in code the change did not touch).
        categories: bug categories kept (default: SECURITY only).
    """
    try:
        root = ET.fromstring(xml_text)
    except ET.ParseError:
        return []
    findings = []
    for bug in root.iter("BugInstance"):
        if categories and bug.get("category") not in categories:
            continue
        line = _primary_line(bug)
        if line is None:
            continue
        path = _repository_path(line.get("sourcepath", ""), line.get("sourcefile", ""), texts)
        if path is None:
            continue
        findings.append(_to_finding(bug, line, path, texts[path]))
    return findings


def _primary_line(bug: ET.Element) -> ET.Element | None:
    """The bug's own SourceLine, else its method's, else its class's."""
    direct = bug.findall("SourceLine")
    for line in direct:
        if line.get("primary") == "true":
            return line
    if direct:
        return direct[0]
    for tag in ("Method", "Field", "Class"):
        for element in bug.findall(tag):
            line = element.find("SourceLine")
            if line is not None and line.get("start"):
                return line
    return None


def _repository_path(sourcepath: str, sourcefile: str, texts: dict[str, str]) -> str | None:
    """Map ``org/app/Users.java`` back to the changed file it came from."""
    matches = [p for p in texts if sourcepath and (p == sourcepath or p.endswith("/" + sourcepath))]
    if not matches and sourcefile:
        matches = [p for p in texts if Path(p).name == sourcefile and _declares_package(texts[p], sourcepath)]
    return min(matches, key=len) if matches else None


def _declares_package(text: str, sourcepath: str) -> bool:
    package = sourcepath.rpartition("/")[0].replace("/", ".")
    if not package:
        return "package " not in text
    return f"package {package};" in text or f"package {package} ;" in text


def _severity(rank: str | None) -> Level:
    """SpotBugs ranks: 1-4 scariest, 5-9 scary, 10-14 troubling, 15-20 of concern."""
    try:
        value = int(rank or "20")
    except ValueError:
        return Level.LOW
    return Level.HIGH if value <= 9 else Level.MEDIUM if value <= 14 else Level.LOW


def _to_finding(bug: ET.Element, line: ET.Element, path: str, text: str) -> Finding:
    lines = text.splitlines()
    count = max(len(lines), 1)
    start = min(max(int(line.get("start") or 1), 1), count)
    end = min(max(int(line.get("end") or start), start), count)
    bug_type = bug.get("type", "UNKNOWN")
    cwe = bug.get("cweid")
    message = (bug.findtext("LongMessage") or bug.findtext("ShortMessage") or bug_type).strip()
    # FindSecBugs bug types carry no SpotBugs documentation anchor; theirs is the type itself.
    is_findsecbugs = bug.get("abbrev", "").startswith("SEC")
    return Finding(
        tool="spotbugs",
        rule_id=bug_type,
        rule_name=bug_type.lower(),
        cwe=int(cwe) if cwe and cwe.isdigit() and cwe != "0" else None,
        severity=_severity(bug.get("rank")),
        confidence=_CONFIDENCE.get(bug.get("priority", ""), Level.LOW),
        path=path,
        start_line=start,
        end_line=end,
        message=message,
        code="\n".join(lines[start - 1 : end]),
        help_url=FINDSECBUGS_URL + bug_type if is_findsecbugs else SPOTBUGS_URL,
    )
