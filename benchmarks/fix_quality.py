"""Fix quality of the LLM-free path (operators + candidate search + static verification).

Runs the same search, verification and per-file combination as ``promsec-ci fix`` on three
datasets from ``../shared/data`` and prints the issue's targets next to the measured numbers:

- ``promsec_train.jsonl`` (``code``), ``sven_python_pairs.jsonl`` (``vulnerable_code``, CRLF
  normalised and dedented), ``cyberseceval_instruct_python.jsonl`` (``insecure_code``, dedented,
  only snippets that parse);
- CWEs are unique (rule, line) Bandit findings of severity medium or high per file.

Usage::

    python benchmarks/fix_quality.py [--limit N] [--no-ggan] [--json OUT] [--data DIR]
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import statistics
import sys
import textwrap
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from promsec_ci.config import Options
from promsec_ci.fingerprints import assign_fingerprints
from promsec_ci.fixes import combine_fixes
from promsec_ci.records import Finding, Level
from promsec_ci.search import FixSearch, configured_registry
from promsec_ci.units import UnitIndex
from promsec_ci.verify.similarity import token_similarity
from promsec_ci.verify.static import RESIDUAL_RULES

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
TARGETS = {"removed": 0.85, "clean": 0.75, "parse": 1.0, "names": 1.0, "no_new": 1.0, "similarity": 0.85,
           "seconds_per_finding": 0.5}


@dataclass
class Sample:
    dataset: str
    id: str
    text: str
    reference: str | None = None  # the developers' fixed code (SVEN)


@dataclass
class Result:
    dataset: str
    id: str
    cwes_before: int
    cwes_after: int
    rewritten: bool
    findings_removed: int = 0  # any severity, unique (rule, line)
    parses: bool = True
    keeps_names: bool = True
    new_rules_strict: tuple[str, ...] = ()
    new_rules: tuple[str, ...] = ()
    similarity: float | None = None
    seconds: float = 0.0
    verifications: int = 0
    fixed_verifications: int = 0
    operators: tuple[str, ...] = ()
    rules_before: dict[str, int] = field(default_factory=dict)
    rules_after: dict[str, int] = field(default_factory=dict)
    rejections: tuple[str, ...] = ()
    kinds_ours: tuple[str, ...] = ()
    kinds_theirs: tuple[str, ...] = ()


def load_samples(data: Path, limit: int | None) -> list[Sample]:
    samples: list[Sample] = []

    def read(name: str) -> list[dict]:
        with open(data / name, encoding="utf-8") as handle:
            rows = [json.loads(line) for line in handle if line.strip()]
        return rows[:limit] if limit else rows

    for row in read("promsec_train.jsonl"):
        samples.append(Sample("promsec", row["id"], row["code"]))
    for row in read("sven_python_pairs.jsonl"):
        samples.append(Sample("sven", str(row["id"]), _clean(row["vulnerable_code"]), _clean(row["fixed_code"])))
    for row in read("cyberseceval_instruct_python.jsonl"):
        text = _clean(row["insecure_code"])
        try:
            ast.parse(text)
        except (SyntaxError, ValueError):
            continue
        samples.append(Sample("cyberseceval", str(row["id"]), text))
    return samples


def _clean(code: str) -> str:
    return textwrap.dedent(code.replace("\r\n", "\n").replace("\r", "\n"))


def cwe_keys(findings: list[Finding] | None) -> set[tuple[str, int]]:
    return {(f.rule_id, f.start_line) for f in findings or () if f.severity >= Level.MEDIUM and not f.suppressed}


def run_sample(sample: Sample, search: FixSearch) -> Result | None:
    path = f"{sample.dataset}_{sample.id}.py".replace("/", "_")
    verifier = search.verifier
    found = verifier.analyze(sample.text, path)
    before = cwe_keys(found)
    if not before:
        return None
    index = UnitIndex(sample.text, path)
    findings = assign_fingerprints(found, lambda f: index.locate(f.start_line, f.end_line))
    clock = time.perf_counter()
    by_unit: dict[int, list[Finding]] = defaultdict(list)
    units = {}
    for finding in findings:
        if finding.suppressed:
            continue
        unit = index.locate(finding.start_line, finding.end_line)
        by_unit[unit.start_line].append(finding)
        units[unit.start_line] = unit
    fixes, verifications, fixed_verifications = [], 0, 0
    rejections: list[str] = []
    for start, unit_findings in by_unit.items():
        outcome = search.search(units[start], unit_findings, sample.text)
        verifications += outcome.verifications
        rejections.extend(re.sub(r"\d+(\.\d+)?", "N", reason).split(": ")[0] for reason in outcome.rejections)
        if outcome.fix is not None:
            fixes.append(outcome.fix)
            fixed_verifications += outcome.fix.verifications
    fixed_text, kept = combine_fixes(sample.text, fixes, lambda text: verifier.verify_file(sample.text, text, path),
                                     lambda text: verifier.rule_counts(text, path))
    seconds = time.perf_counter() - clock
    after_findings = verifier.analyze(fixed_text, path)
    result = Result(sample.dataset, sample.id, len(before), len(cwe_keys(after_findings)),
                    rewritten=fixed_text != sample.text, seconds=seconds, verifications=verifications,
                    fixed_verifications=fixed_verifications, rejections=tuple(rejections),
                    operators=tuple(op for fix in kept for op in fix.operators),
                    rules_before=dict(Counter(rule for rule, _ in before)),
                    rules_after=dict(Counter(rule for rule, _ in cwe_keys(after_findings))))
    result.findings_removed = max(len(_all_keys(found)) - len(_all_keys(after_findings)), 0)
    if result.rewritten:
        result.parses = _parses(fixed_text)
        result.keeps_names = _names(sample.text) <= _names(fixed_text) if result.parses else False
        counts_before = Counter(f.rule_id for f in found or ())
        counts_after = Counter(f.rule_id for f in after_findings or ())
        grown = sorted(rule for rule, n in counts_after.items() if n > counts_before[rule])
        result.new_rules_strict = tuple(grown)
        result.new_rules = tuple(rule for rule in grown if rule not in RESIDUAL_RULES)
        result.similarity = token_similarity(sample.text, fixed_text)
        if sample.reference is not None:
            result.kinds_ours = tuple(sorted(change_kinds(sample.text, fixed_text)))
            result.kinds_theirs = tuple(sorted(change_kinds(sample.text, sample.reference)))
    return result


def _all_keys(findings: list[Finding] | None) -> set[tuple[str, int]]:
    return {(f.rule_id, f.start_line) for f in findings or () if not f.suppressed}


def _parses(text: str) -> bool:
    try:
        ast.parse(text)
        return True
    except (SyntaxError, ValueError):
        return False


def _names(text: str) -> Counter:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return Counter()
    return Counter(node.name for node in ast.walk(tree)
                   if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)))


# --- kinds of change, for comparing our fix with the developers' (SVEN) -----------------------

_SQL_CALLS = {"execute", "executemany", "raw", "mogrify", "query", "sql", "read_sql"}
_ESCAPES = {"escape", "quote", "escape_string", "quote_plus", "sanitize", "secure_filename", "bleach", "clean",
            "escape_like", "literal", "quote_identifier"}
_PATH_CHECKS = {"realpath", "abspath", "normpath", "commonpath", "commonprefix", "safe_join", "basename"}


def _call_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _features(code: str) -> Counter:
    """Counts of security-relevant constructs in ``code``."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return Counter()
    counts: Counter = Counter()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _call_name(node)
        shell = any(k.arg == "shell" and isinstance(k.value, ast.Constant) and k.value.value is True
                    for k in node.keywords)
        if name in _SQL_CALLS:
            # values passed beside the SQL: positionally, as params=..., or as keyword binds (text())
            if len(node.args) >= 2 or (node.args and node.keywords and name != "read_sql") \
                    or any(k.arg in ("params", "args", "parameters", "values") for k in node.keywords):
                counts["parameterised-query"] += 1
            else:
                counts["string-query"] += 1
        elif name in ("system", "popen", "getoutput", "getstatusoutput") or shell:
            counts["shell-command"] += 1
        elif name in ("run", "call", "check_call", "check_output", "Popen") and node.args:
            if isinstance(node.args[0], (ast.List, ast.Tuple)):
                counts["argv-list"] += 1
        if name == "safe_load" or name == "safe_load_all":
            counts["safe-load"] += 1
        if name in _ESCAPES:
            counts["escape"] += 1
        if name in _PATH_CHECKS:
            counts["path-check"] += 1
    return counts


def change_kinds(before: str, after: str) -> set[str]:
    """What kind of change turns ``before`` into ``after`` (parameterised the query, ...)."""
    a, b = _features(before), _features(after)
    kinds = set()
    if b["parameterised-query"] > a["parameterised-query"]:
        kinds.add("parameterised-query")
    if b["argv-list"] > a["argv-list"] or b["shell-command"] < a["shell-command"]:
        kinds.add("argv-list")
    for kind in ("safe-load", "escape", "path-check"):
        if b[kind] > a[kind]:
            kinds.add(kind)
    return kinds or {"other"}


# --- report ---------------------------------------------------------------------------------------

def summarise(results: list[Result], scanned: int) -> dict:
    cwes = sum(r.cwes_before for r in results)
    left = sum(r.cwes_after for r in results)
    removed = sum(max(r.cwes_before - r.cwes_after, 0) for r in results)
    removed_any = sum(r.findings_removed for r in results)
    rewritten = [r for r in results if r.rewritten]
    similarities = [r.similarity for r in rewritten if r.similarity is not None]
    per_finding = [r.seconds / r.cwes_before for r in results]
    sven = [r for r in rewritten if r.kinds_theirs]
    matched = [r for r in sven if set(r.kinds_ours) & set(r.kinds_theirs) - {"other"}]

    def share(items, total):
        return round(len(items) / total, 4) if total else None

    rules_before, rules_after = Counter(), Counter()
    for r in results:
        rules_before.update(r.rules_before)
        rules_after.update(r.rules_after)
    return {
        "files": scanned,
        "files_with_cwes": len(results),
        "cwes": cwes,
        "cwes_left": left,
        "removed": round(removed / cwes, 4) if cwes else None,
        "clean": share([r for r in results if r.cwes_after == 0], len(results)),
        "rewritten": len(rewritten),
        "parse": share([r for r in rewritten if r.parses], len(rewritten)),
        "names": share([r for r in rewritten if r.keeps_names], len(rewritten)),
        "no_new": share([r for r in rewritten if not r.new_rules], len(rewritten)),
        "no_new_strict": share([r for r in rewritten if not r.new_rules_strict], len(rewritten)),
        "new_rules_strict": dict(Counter(rule for r in rewritten for rule in r.new_rules_strict)),
        "similarity": round(statistics.median(similarities), 4) if similarities else None,
        "seconds_per_finding": round(statistics.median(per_finding), 4) if per_finding else None,
        "mean_seconds_per_finding": round(sum(r.seconds for r in results) / cwes, 4) if cwes else None,
        "findings_removed_any_severity": removed_any,
        "verifications_per_fixed_finding": round(sum(r.verifications for r in results) / removed_any, 2)
        if removed_any else None,
        "accepted_fix_verifications_per_fixed_finding": round(
            sum(r.fixed_verifications for r in results) / removed_any, 2) if removed_any else None,
        "median_verifications_per_fixed_file": statistics.median(
            [r.verifications for r in results if r.findings_removed]) if removed_any else None,
        "sven_kind_match": share(matched, len(sven)) if sven else None,
        "sven_fixed": len(sven),
        "sven_kinds": {"ours": dict(Counter(k for r in sven for k in r.kinds_ours)),
                       "theirs": dict(Counter(k for r in sven for k in r.kinds_theirs))},
        "rules_before": dict(rules_before.most_common()),
        "rules_after": dict(rules_after.most_common()),
        "operators": dict(Counter(op for r in results for op in r.operators).most_common()),
        "rejections": dict(Counter(reason for r in results for reason in r.rejections).most_common()),
    }


ROWS = [
    ("files scanned", "files", None), ("files with CWEs", "files_with_cwes", None), ("CWEs", "cwes", None),
    ("CWEs removed", "removed", "removed"), ("files left clean", "clean", "clean"),
    ("files rewritten", "rewritten", None), ("rewritten: parse", "parse", "parse"),
    ("rewritten: keep names", "names", "names"), ("rewritten: no new finding", "no_new", "no_new"),
    ("  (counting B404/B603/B607)", "no_new_strict", None),
    ("median token similarity", "similarity", "similarity"),
    ("median s / finding", "seconds_per_finding", "seconds_per_finding"),
    ("verifications / fixed finding", "verifications_per_fixed_finding", None),
    ("median verifications / fixed file", "median_verifications_per_fixed_file", None),
    ("SVEN: same kind as devs", "sven_kind_match", None),
]


def print_table(summaries: dict[str, dict], ranker: str) -> None:
    names = list(summaries)
    print(f"fix quality (no LLM, ranking: {ranker})")
    print(f"{'metric':32}" + "".join(f"{n:>14}" for n in names) + f"{'target':>10}")
    for label, key, target in ROWS:
        cells = "".join(f"{_fmt(summaries[n].get(key)):>14}" for n in names)
        goal = TARGETS.get(target) if target else None
        bound = "<=" if target == "seconds_per_finding" else ">="
        print(f"{label:32}{cells}{(bound + ' ' + _fmt(goal)) if goal is not None else '':>10}")


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder with the JSONL datasets")
    parser.add_argument("--limit", type=int, help="records per dataset (quick runs)")
    parser.add_argument("--no-ggan", action="store_true", help="plain enumeration order (no ranker)")
    parser.add_argument("--json", type=Path, help="write the summaries and per-file results here")
    parser.add_argument("--sql-paramstyle", choices=("auto", "qmark", "format"), default="auto",
                        help="placeholder for snippets that show no driver, as a repository would set it "
                             "(auto: none here, so no SQL fix without a driver in the snippet)")
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        print(f"fix_quality: error: no dataset folder {args.data}", file=sys.stderr)
        return 2

    options = Options(ggan=not args.no_ggan, llm=False, sql_paramstyle=args.sql_paramstyle)
    search = FixSearch(options, ".", registry=configured_registry(options, None))  # records have no repository
    ranker = "gGAN" if search.ranker is not None else "enumeration"
    for notice in search.notices:
        print(f"note: {notice.message}", file=sys.stderr)
    samples = load_samples(args.data, args.limit)
    results: dict[str, list[Result]] = defaultdict(list)
    scanned: Counter = Counter()
    clock = time.perf_counter()
    for sample in samples:
        scanned[sample.dataset] += 1
        result = run_sample(sample, search)
        if result is not None:
            results[sample.dataset].append(result)
    summaries = {name: summarise(results[name], scanned[name]) for name in ("promsec", "sven", "cyberseceval")}
    summaries["all"] = summarise([r for rs in results.values() for r in rs], sum(scanned.values()))
    print_table(summaries, ranker)
    print(f"wall time {time.perf_counter() - clock:.1f}s for {len(samples)} samples")
    if args.json:
        payload = {"ranker": ranker, "summaries": summaries,
                   "results": [r.__dict__ for rs in results.values() for r in rs]}
        args.json.write_text(json.dumps(payload, indent=1, default=list), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
