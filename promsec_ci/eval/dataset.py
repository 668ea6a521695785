"""Evaluation records: JSONL files (the shared datasets) or a folder of Python files.

A record holds code (``code``, or the shared datasets' ``vulnerable_code`` / ``insecure_code``)
or only a prompt (``prompt``: the LLM writes the first code, as in the paper's Java experiment).
Code is normalised (``\\r\\n`` -> ``\\n``) and dedented, since several datasets store indented
function bodies.
"""

from __future__ import annotations

import json
import textwrap
import zlib
from dataclasses import dataclass
from pathlib import Path

from promsec_ci.errors import PromsecError

CODE_FIELDS = ("code", "vulnerable_code", "insecure_code")


@dataclass(frozen=True)
class EvalRecord:
    """One code base (or prompt) to evaluate.

    Args:
        id: the record's id (``id`` field, file stem, or ``line-N``).
        code: Python source, ``None`` for prompt-only records.
        prompt: the natural-language prompt, when the record has one.
        language: ``python`` or ``java``.
        cwe: the CWE the dataset says the record is about, when it says.
    """

    id: str
    code: str | None
    prompt: str | None = None
    language: str = "python"
    cwe: str | None = None

    @property
    def path(self) -> str:
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in self.id)
        return f"{safe}.java" if self.language == "java" else f"{safe}.py"


def load_records(path: str) -> list[EvalRecord]:
    """Every record of ``path`` (a ``.jsonl`` file or a folder of ``.py`` files).

    Raises ``PromsecError`` with the line number on unreadable input.
    """
    source = Path(path)
    if source.is_dir():
        files = sorted(source.glob("*.py"))
        if not files:
            raise PromsecError(f"no .py files in {path}")
        return [EvalRecord(f.stem, _normalise(f.read_text(encoding="utf-8")), cwe=_cwe_from_docstring(f))
                for f in files]
    if not source.is_file():
        raise PromsecError(f"dataset not found: {path}")
    records = []
    seen: set[str] = set()
    with source.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                raise PromsecError(f"{path}:{number}: not JSON ({exc.msg})") from None
            if not isinstance(data, dict):
                raise PromsecError(f"{path}:{number}: a record must be a JSON object")
            record = _record(data, number)
            if record is None:
                raise PromsecError(f"{path}:{number}: no code ({', '.join(CODE_FIELDS)}) and no prompt")
            if record.id in seen:
                record = EvalRecord(f"{record.id}-{number}", record.code, record.prompt, record.language, record.cwe)
            seen.add(record.id)
            records.append(record)
    if not records:
        raise PromsecError(f"{path}: no records")
    return records


def _record(data: dict, number: int) -> EvalRecord | None:
    code = next((data[f] for f in CODE_FIELDS if isinstance(data.get(f), str) and data[f].strip()), None)
    prompt = data.get("prompt") if isinstance(data.get("prompt"), str) else None
    if code is None and not prompt:
        return None
    language = str(data.get("language") or data.get("lang") or "").lower()
    if not language:
        language = "java" if _looks_java(code, data) else "python"
    cwe = data.get("cwe")
    return EvalRecord(
        id=str(data.get("id", f"line-{number}")),
        code=_normalise(code) if code is not None else None,
        prompt=prompt,
        language=language,
        cwe=str(cwe) if cwe is not None else None,
    )


def _looks_java(code: str | None, data: dict) -> bool:
    if str(data.get("path", "")).endswith(".java") or "signature" in data and "java" in str(data.get("id", "")):
        return True
    return bool(code) and ("public class " in code or "import java." in code)


def _normalise(code: str) -> str:
    code = code.replace("\r\n", "\n").replace("\r", "\n")
    code = textwrap.dedent(code)
    return code if code.endswith("\n") else code + "\n"


def _cwe_from_docstring(path: Path) -> str | None:
    head = path.read_text(encoding="utf-8")[:200]
    marker = head.find("CWE-")
    if marker < 0:
        return None
    digits = "".join(c for c in head[marker + 4 : marker + 8] if c.isdigit())
    return digits or None


def held_out(record_id: str, percent: int) -> bool:
    """The split ``promsec-ci train --holdout`` never trains on: ``crc32(id) % 100 < percent``."""
    return zlib.crc32(record_id.encode("utf-8")) % 100 < percent
