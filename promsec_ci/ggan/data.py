"""Training data for the gGAN: flagged units with every applicable edit measured once by Bandit,
and graphs of clean code for the discriminator.

For each (node, operator) pair whose precondition holds, the operator is applied to the whole
file, Bandit re-runs on the result, and we keep Δk (medium/high findings removed from the unit),
the findings it introduced, and φ: the node's feature row rebuilt from the rewritten code. The
results are cached on disk by content hash (file text, unit, graph kind, operator sources).
"""

from __future__ import annotations

import hashlib
import inspect
import json
import textwrap
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache, lru_cache
from pathlib import Path

from promsec_ci.analyzers.bandit import BanditAnalyzer
from promsec_ci.graphs import build_raw
from promsec_ci.graphs.base import RawGraph
from promsec_ci.records import Finding, Level, Unit
from promsec_ci.units import UnitIndex

CACHE_VERSION = "1"
_REWRITES: dict[tuple[str, int, str], tuple[str, int, list[Finding] | None] | None] = {}


@dataclass(frozen=True)
class Record:
    """One source text from a dataset: ``role`` is ``vulnerable`` (may hold findings) or ``clean``
    (reference secure code, used for the discriminator when Bandit agrees)."""

    id: str
    text: str
    role: str
    cwe: str = ""


@dataclass
class Candidate:
    """One applicable edit and what Bandit says about its result."""

    node: int
    line: int
    operator: str
    delta_k: int
    new_findings: int
    phi: list[float]

    @property
    def verified(self) -> bool:
        return self.delta_k > 0 and self.new_findings == 0


@dataclass
class Sample:
    """A flagged unit: its graph, CWE count and measured candidate edits (enumeration order)."""

    id: str
    unit: Unit
    text: str
    findings: list[Finding]
    raw: RawGraph
    k: int
    cwes: tuple[int, ...]
    candidates: list[Candidate] = field(default_factory=list)


def held_out(record_id: str, percent: int = 20) -> bool:
    """The deterministic evaluation split: ``crc32(id) % 100 < percent``."""
    return zlib.crc32(record_id.encode("utf-8")) % 100 < percent


def normalise(code: str) -> str:
    return textwrap.dedent(code.replace("\r\n", "\n").replace("\r", "\n"))


def read_records(paths: Iterable[str]) -> Iterator[Record]:
    """Records of the shared datasets (promsec_train, SVEN pairs, CyberSecEval, LLMSecEval),
    recognised by their fields."""
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                row = json.loads(line)
                rid = str(row.get("id", f"{Path(path).stem}-{number}"))
                cwe = str(row.get("cwe", ""))
                if row.get("vulnerable_code"):
                    yield Record(rid, normalise(row["vulnerable_code"]), "vulnerable", cwe)
                    if row.get("fixed_code"):
                        yield Record(rid + "#fixed", normalise(row["fixed_code"]), "clean", cwe)
                elif row.get("insecure_code"):
                    yield Record(rid, normalise(row["insecure_code"]), "vulnerable", cwe)
                elif row.get("secure_code"):
                    yield Record(rid, normalise(row["secure_code"]), "clean", cwe)
                elif isinstance(row.get("code"), str):
                    yield Record(rid, row["code"], "vulnerable", cwe)


def counted(findings: Iterable[Finding]) -> list[Finding]:
    """Findings that count as CWEs: medium or high severity."""
    return [f for f in findings if f.severity >= Level.MEDIUM]


def in_unit(findings: Iterable[Finding], unit: Unit) -> list[Finding]:
    return [f for f in findings if unit.start_line <= f.start_line <= unit.end_line]


@cache
def _source_digest(cls: type) -> str:
    try:
        return hashlib.sha256(Path(inspect.getsourcefile(cls) or "").read_bytes()).hexdigest()
    except (OSError, TypeError):
        return ""


@lru_cache(maxsize=1)
def _rewrite_digest() -> str:
    folder = Path(__file__).resolve().parent.parent / "rewrite"
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def operator_digest(ops: Sequence) -> str:
    """Changes when an operator's name, its class's source or any ``rewrite/`` source changes."""
    digest = hashlib.sha256((CACHE_VERSION + _rewrite_digest()).encode())
    for op in ops:
        digest.update(op.meta.name.encode())
        digest.update(_source_digest(type(op)).encode())
    return digest.hexdigest()


class SampleBuilder:
    """Turns records into samples (flagged units) and real graphs (clean units).

    Args:
        kind: graph kind.
        cache_dir: where measured candidates are cached (``None``: no cache).
        operators: operators to consider (default: the registry).
        open_actions: try every operator at every node, not only those answering the unit's
            rules (a harder action space, for evaluation).
    """

    def __init__(self, kind: str = "cfg", cache_dir: str | None = None, operators: Sequence | None = None,
                 open_actions: bool = False) -> None:
        from promsec_ci.rewrite import REGISTRY

        self.kind = kind
        self.cache = Path(cache_dir) / "ggan" if cache_dir else None
        self.operators = list(operators) if operators is not None else list(REGISTRY)
        self.by_name = {op.meta.name: op for op in self.operators}
        self.open_actions = open_actions
        self.analyzer = BanditAnalyzer()

    def operators_for(self, findings: Sequence[Finding]) -> list:
        if self.open_actions:
            return list(self.operators) if findings else []
        rules = {f.rule_id for f in findings}
        return [op for op in self.operators if rules & set(op.meta.rule_ids)]

    def from_record(self, record: Record) -> tuple[list[Sample], list[RawGraph]]:
        """(flagged-unit samples, clean-unit graphs) of one record, cached by content hash."""
        key = hashlib.sha256("\0".join(["record" + "-open" * self.open_actions, self.kind, record.id, record.text,
                                        operator_digest(self.operators)]).encode()).hexdigest()
        cached = self._load_record(key)
        if cached is not None:
            return cached
        result = self._from_record(record)
        self._store_record(key, *result)
        return result

    def _from_record(self, record: Record) -> tuple[list[Sample], list[RawGraph]]:
        findings = self.analyzer.analyze_text(record.text, "sample.py")
        if findings is None:
            return [], []
        index = UnitIndex(record.text, "sample.py")
        units = index.function_units() or [index.locate(1, max(1, len(index.lines)))]
        units = [u for u in units if not any(o is not u and o.start_line < u.start_line and u.end_line <= o.end_line
                                             for o in units)]
        samples, clean = [], []
        seen_units = set()
        for finding in counted(findings):
            unit = index.locate(finding.start_line, finding.end_line)
            if (unit.start_line, unit.end_line) in seen_units:
                continue
            seen_units.add((unit.start_line, unit.end_line))
            sample = self.sample(record.id, unit, record.text, findings)
            if sample is not None and sample.candidates:
                samples.append(sample)
        for unit in units:
            if not counted(in_unit(findings, unit)) and (unit.start_line, unit.end_line) not in seen_units:
                clean.append(build_raw(unit, self.kind, (), record.text))
        return samples, clean

    def sample(self, sample_id: str, unit: Unit, text: str, findings: Sequence[Finding]) -> Sample | None:
        mine = counted(in_unit(findings, unit))
        raw = build_raw(unit, self.kind, mine, text)
        ops = self.operators_for(mine)
        cwes = tuple(sorted({f.cwe for f in mine if f.cwe}))
        sample = Sample(sample_id, unit, text, list(findings), raw, len(mine), cwes)
        if not ops:
            return sample
        key = hashlib.sha256("\0".join([self.kind, text, unit.name, str(unit.start_line),
                                        operator_digest(ops)]).encode()).hexdigest()
        cached = self._load(key)
        if cached is not None:
            sample.candidates = cached
            return sample
        sample.candidates = self.measure(unit, text, findings, raw, ops)
        self._store(key, sample.candidates)
        return sample

    def measure(self, unit: Unit, text: str, findings: Sequence[Finding], raw: RawGraph,
                ops: Sequence) -> list[Candidate]:
        """Apply every operator at every statement node; Bandit on each result."""
        before_all = counted(findings)
        before_unit = counted(in_unit(findings, unit))
        old_rules = {f.rule_id for f in before_unit}
        lines = sorted({line for line, (start, _) in zip(raw.lines, raw.spans, strict=True)
                        if unit.start_line <= start <= unit.end_line})
        candidates: list[Candidate] = []
        tried: set[tuple[int, str]] = set()
        produced: set[tuple[str, str]] = set()
        for line in lines:
            node = raw.lines.index(line)
            for op in ops:
                if (line, op.meta.name) in tried:
                    continue
                tried.add((line, op.meta.name))
                measured = self._rewrite(op, text, line)
                if measured is None:
                    continue
                new_text, n_imports, after = measured
                if (op.meta.name, new_text) in produced:  # same statement reached from another line
                    continue
                produced.add((op.meta.name, new_text))
                if after is None:
                    candidates.append(Candidate(node, line, op.meta.name, 0, 1, list(raw.x[node])))
                    continue
                shift = len(new_text.splitlines()) - len(text.splitlines())
                shift = min(shift, n_imports) if n_imports else 0
                new_unit = UnitIndex(new_text, "sample.py").locate(line + shift)
                after_all = counted(after)
                after_unit = counted(in_unit(after, new_unit))
                delta_k = len(before_unit) - len(after_unit)
                outside = (len(after_all) - len(after_unit)) - (len(before_all) - len(before_unit))
                new_here = sum(1 for f in after_unit if f.rule_id not in old_rules)
                new_raw = build_raw(new_unit, self.kind, after_unit, new_text)
                phi_node = next((i for i, s in enumerate(new_raw.lines) if s == line + shift), None)
                phi = new_raw.x[phi_node] if phi_node is not None else raw.x[node]
                candidates.append(Candidate(node, line, op.meta.name, delta_k, max(0, outside) + new_here, list(phi)))
        return candidates

    def _rewrite(self, op, text: str, line: int) -> tuple[str, int, list[Finding] | None] | None:
        """(new text, imports added, Bandit findings) of ``op`` at ``line``, memoised in process
        so that building the same data for another graph kind costs no second rewrite."""
        key = (hashlib.sha256(text.encode()).hexdigest(), line, op.meta.name)
        if key in _REWRITES:
            return _REWRITES[key]
        try:
            rewrite = op.apply(text, line)
        except Exception:  # noqa: BLE001 - an operator bug must not stop training
            rewrite = None
        result = None
        if rewrite is not None:
            result = (rewrite.text, len(rewrite.imports), self.analyzer.analyze_text(rewrite.text, "sample.py"))
        if len(_REWRITES) > 20_000:
            _REWRITES.clear()
        _REWRITES[key] = result
        return result

    def _load_record(self, key: str) -> tuple[list[Sample], list[RawGraph]] | None:
        if self.cache is None:
            return None
        try:
            blob = json.loads((self.cache / f"r-{key}.json").read_text())
            samples = [_sample_from_json(s) for s in blob["samples"]]
            return samples, [RawGraph(**g) for g in blob["clean"]]
        except (OSError, ValueError, TypeError, KeyError):
            return None

    def _store_record(self, key: str, samples: list[Sample], clean: list[RawGraph]) -> None:
        if self.cache is None:
            return
        from promsec_ci.fileio import atomic_write

        self.cache.mkdir(parents=True, exist_ok=True)
        blob = {"samples": [_sample_to_json(s) for s in samples], "clean": [asdict(g) for g in clean]}
        atomic_write(self.cache / f"r-{key}.json", json.dumps(blob))

    def _load(self, key: str) -> list[Candidate] | None:
        if self.cache is None:
            return None
        path = self.cache / f"{key}.json"
        try:
            return [Candidate(**c) for c in json.loads(path.read_text())]
        except (OSError, ValueError, TypeError):
            return None

    def _store(self, key: str, candidates: list[Candidate]) -> None:
        if self.cache is None:
            return
        from promsec_ci.fileio import atomic_write

        self.cache.mkdir(parents=True, exist_ok=True)
        atomic_write(self.cache / f"{key}.json", json.dumps([asdict(c) for c in candidates]))


def _finding_to_json(finding: Finding) -> dict:
    data = asdict(finding)
    data["severity"], data["confidence"], data["fix"] = finding.severity.name, finding.confidence.name, None
    return data


def _sample_to_json(sample: Sample) -> dict:
    return {"id": sample.id, "unit": asdict(sample.unit), "text": sample.text,
            "findings": [_finding_to_json(f) for f in sample.findings], "raw": asdict(sample.raw),
            "k": sample.k, "cwes": list(sample.cwes), "candidates": [asdict(c) for c in sample.candidates]}


def _sample_from_json(data: dict) -> Sample:
    findings = [Finding(**{**f, "severity": Level[f["severity"]], "confidence": Level[f["confidence"]]})
                for f in data["findings"]]
    raw = RawGraph(**{**data["raw"], "spans": [tuple(s) for s in data["raw"]["spans"]],
                      "edges": [tuple(e) for e in data["raw"]["edges"]]})
    return Sample(data["id"], Unit(**data["unit"]), data["text"], findings, raw, data["k"], tuple(data["cwes"]),
                  [Candidate(**c) for c in data["candidates"]])
