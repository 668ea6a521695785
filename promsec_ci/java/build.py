"""Compile changed Java sources into class files that FindBugs/SpotBugs can read.

Three facts about Debian's FindBugs 3.1 on a JDK 17 machine shape this module:

- it cannot read the JDK's own runtime classes (``jrt:/``), so it gets a Java 8 API jar on its
  auxclasspath, built once from ``$JAVA_HOME/lib/ct.sym`` and cached;
- it misses concatenation-based injections in code compiled for Java 9+ (string concatenation
  becomes ``invokedynamic``), so sources are compiled with ``--release 8`` first, and only the ones
  that need newer syntax with ``-XDstringConcat=inline``;
- it refuses class files newer than Java 8 and Java 11+ class attributes (``NestMembers``,
  ``Record``...), so such files are patched down to version 52 with those attributes stripped.

Sources that do not compile on their own (missing dependencies, syntax errors) are reported back,
never raised.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

# Class-level attributes that only exist in Java 9+ class files.
STRIPPED_ATTRIBUTES = frozenset(
    {"NestHost", "NestMembers", "Record", "PermittedSubclasses", "Module", "ModulePackages", "ModuleMainClass"}
)
JAVA8_MAJOR = 52
# Libraries most changed servlet code needs to compile alone (Debian: libservlet-api-java).
LIBRARY_JARS = ("/usr/share/java/servlet-api.jar", "/usr/share/java/jakarta-servlet-api.jar")
_ERROR_LINE = re.compile(r"^(.+?\.java):(\d+): error: (.*)$", re.MULTILINE)
_MAX_ROUNDS = 4
# javac --release 8 reads Java 10+ keywords as type names: "symbol:   class var".
_NEW_KEYWORD = re.compile(r"symbol:\s+class (var|record|yield|sealed|permits)\b")
# Short JVM runs finish sooner on the C1 compiler alone (measured: javac 0.9 s -> 0.65 s).
FAST_START = ("-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC")


@dataclass(frozen=True)
class Compilation:
    """What compiling a set of sources produced.

    Args:
        classes_dir: folder holding the class files (Java 8 readable).
        compiled: repository paths whose classes are in ``classes_dir``.
        failed: repository path -> first compiler error, for sources that did not compile alone.
        seconds: wall time spent in javac.
    """

    classes_dir: Path
    compiled: tuple[str, ...]
    failed: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


def java_home() -> Path | None:
    """The JDK in use: ``$JAVA_HOME``, else the folder above ``javac`` on PATH."""
    env = os.environ.get("JAVA_HOME")
    if env and (Path(env) / "bin" / "javac").exists():
        return Path(env)
    javac = shutil.which("javac")
    return Path(javac).resolve().parent.parent if javac else None


def javac_command() -> str | None:
    home = java_home()
    return str(home / "bin" / "javac") if home else None


def library_classpath() -> list[str]:
    """Jars of libraries changed code commonly needs (the servlet API), when installed."""
    return [jar for jar in LIBRARY_JARS if Path(jar).is_file()]


def api_jar(cache_dir: str | os.PathLike[str]) -> Path | None:
    """A jar of the Java 8 API (class files, version 52) built from the JDK's ``ct.sym``.

    Built once per JDK and cached under ``cache_dir/java``; ``None`` when no JDK is found.

    Args:
        cache_dir: the run's cache folder.
    """
    home = java_home()
    ct_sym = home / "lib" / "ct.sym" if home else None
    if ct_sym is None or not ct_sym.is_file():
        return None
    stat = ct_sym.stat()
    key = hashlib.sha256(f"{ct_sym.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:16]
    target = Path(cache_dir) / "java" / f"java8-api-{key}.jar"
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_suffix(f".{os.getpid()}.tmp")
    seen: set[str] = set()
    with zipfile.ZipFile(ct_sym) as source, zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED) as out:
        for name in source.namelist():
            release, _, rest = name.partition("/")
            # ct.sym folders are named by the releases they serve ("879A" holds 8, 7, 9, 10).
            if "8" not in release or not name.endswith(".sig"):
                continue
            entry = rest.partition("/")[2][: -len(".sig")] + ".class"
            if entry in seen:
                continue
            seen.add(entry)
            out.writestr(entry, downgrade_class(source.read(name)))
    os.replace(temp, target)
    return target


def downgrade_class(data: bytes) -> bytes:
    """Class file bytes FindBugs can read: version 52, without Java 9+ class attributes.

    Bytecode is left as is; files already at version 52 or older are returned unchanged.

    Args:
        data: a class file.
    """
    if data[:4] != b"\xca\xfe\xba\xbe" or int.from_bytes(data[6:8], "big") <= JAVA8_MAJOR:
        return data
    utf8, pos = _constant_pool(data)
    pos += 6  # access flags, this class, super class
    pos += 2 + 2 * _u2(data, pos)  # interfaces
    for _ in range(2):  # fields, then methods
        count = _u2(data, pos)
        pos += 2
        for _ in range(count):
            pos = _skip_attributes(data, pos + 6)
    attributes_at = pos
    kept: list[bytes] = []
    count = _u2(data, pos)
    pos += 2
    for _ in range(count):
        length = int.from_bytes(data[pos + 2 : pos + 6], "big")
        chunk = data[pos : pos + 6 + length]
        if utf8.get(_u2(data, pos)) not in STRIPPED_ATTRIBUTES:
            kept.append(chunk)
        pos += 6 + length
    return b"".join(
        [data[:6], JAVA8_MAJOR.to_bytes(2, "big"), data[8:attributes_at], len(kept).to_bytes(2, "big"), *kept]
    )


def _u2(data: bytes, pos: int) -> int:
    return int.from_bytes(data[pos : pos + 2], "big")


_CONSTANT_SIZES = {3: 5, 4: 5, 5: 9, 6: 9, 7: 3, 8: 3, 9: 5, 10: 5, 11: 5, 12: 5, 15: 4, 16: 3, 17: 5, 18: 5,
                   19: 3, 20: 3}


def _constant_pool(data: bytes) -> tuple[dict[int, str], int]:
    """Index -> text of the UTF-8 constants, and the offset just past the pool."""
    count = _u2(data, 8)
    pos, index = 10, 1
    utf8: dict[int, str] = {}
    while index < count:
        tag = data[pos]
        if tag == 1:
            length = _u2(data, pos + 1)
            utf8[index] = data[pos + 3 : pos + 3 + length].decode("utf-8", "replace")
            pos += 3 + length
        elif tag in _CONSTANT_SIZES:
            pos += _CONSTANT_SIZES[tag]
            index += 1 if tag in (5, 6) else 0  # long and double take two slots
        else:
            raise ValueError(f"bad constant pool tag {tag}")
        index += 1
    return utf8, pos


def _skip_attributes(data: bytes, pos: int) -> int:
    count = _u2(data, pos)
    pos += 2
    for _ in range(count):
        pos += 6 + int.from_bytes(data[pos + 2 : pos + 6], "big")
    return pos


def compile_sources(
    sources: Mapping[str, str],
    work_dir: Path,
    classpath: Sequence[str] = (),
    timeout: float = 120.0,
) -> Compilation:
    """Compile ``sources`` (repository path -> text) into ``work_dir/classes``.

    Sources are compiled together (so files of one change can use each other) with
    ``--release 8``; files javac rejects are set aside round by round, and those are retried
    with the JDK's own release and inline string concatenation. Files that still fail are
    returned in ``failed``.

    Args:
        sources: repository path -> Java source text.
        work_dir: an empty scratch folder (a ``src`` and a ``classes`` folder go inside).
        classpath: extra jars or folders (libraries the sources import).
        timeout: seconds allowed per javac run.
    """
    import time

    clock = time.perf_counter()
    work_dir = work_dir.resolve()
    classes = work_dir / "classes"
    classes.mkdir(parents=True, exist_ok=True)
    javac = javac_command()
    if javac is None:
        return Compilation(classes, (), {path: "no JDK found (javac)" for path in sources})
    written: dict[str, str] = {}
    for number, (path, text) in enumerate(sorted(sources.items())):
        # One folder per file: two changed files may share a name in different packages.
        target = work_dir / "src" / str(number) / Path(path).name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written[str(target)] = path
    compiled: list[str] = []
    failed: dict[str, str] = {}
    pending = list(written)
    for flags in (["--release", "8"], ["-XDstringConcat=inline"]):
        ok, errors = _compile_rounds(javac, pending, classes, classpath, flags, timeout)
        compiled.extend(written[f] for f in ok)
        failed.update({written[f]: message.split("\n")[0] for f, message in errors.items()})
        # Only files rejected for newer syntax (records, var, switch expressions) get the second pass.
        pending = [f for f, message in errors.items() if "-source" in message or "--release" in message
                   or _NEW_KEYWORD.search(message)]
        if not pending:
            break
        for f in pending:
            del failed[written[f]]
    for class_file in classes.rglob("*.class"):
        data = class_file.read_bytes()
        patched = downgrade_class(data)
        if patched is not data:
            class_file.write_bytes(patched)
    return Compilation(classes, tuple(sorted(compiled)), failed, time.perf_counter() - clock)


def _compile_rounds(
    javac: str,
    files: list[str],
    classes: Path,
    classpath: Sequence[str],
    flags: list[str],
    timeout: float,
) -> tuple[list[str], dict[str, str]]:
    """Compile ``files``, dropping those javac names in errors until the rest compile."""
    failed: dict[str, str] = {}
    remaining = list(files)
    for _ in range(_MAX_ROUNDS):
        if not remaining:
            break
        command = [javac, *FAST_START, *flags, "-nowarn", "-Xmaxerrs", "100000", "-g", "-proc:none",
                   "-implicit:none", "-encoding", "UTF-8", "-d", str(classes)]
        command += ["-cp", os.pathsep.join([str(classes), *classpath])]
        try:
            result = subprocess.run(
                [*command, *remaining], capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            failed.update({f: f"javac timed out after {timeout:.0f} s" for f in remaining})
            return [], failed
        if result.returncode == 0:
            return remaining, failed
        errors = _errors_by_file(result.stderr + result.stdout)
        culprits = [f for f in remaining if f in errors]
        if not culprits:  # javac failed without naming a file (bad flag, crash): give up on all
            message = (result.stderr or result.stdout).strip().splitlines()
            failed.update({f: message[0] if message else "javac failed" for f in remaining})
            return [], failed
        for f in culprits:
            failed[f] = errors[f]
        remaining = [f for f in remaining if f not in errors]
    failed.update({f: "did not compile" for f in remaining})
    return [], failed


def _errors_by_file(output: str) -> dict[str, str]:
    """File -> its compiler errors, one per line, the first one first; javac's hint lines kept."""
    errors: dict[str, list[str]] = {}
    lines = output.splitlines()
    for i, line in enumerate(lines):
        match = _ERROR_LINE.match(line)
        if match:
            path = os.path.abspath(match.group(1))
            hint = next((h.strip() for h in lines[i + 1 : i + 5] if "(use -source" in h or "--release" in h
                         or _NEW_KEYWORD.search(h)), "")
            errors.setdefault(path, []).append(f"line {match.group(2)}: {match.group(3)} {hint}".strip())
    return {path: "\n".join(messages) for path, messages in errors.items()}
