"""How often the non-injection operators (the misc set) fix a real finding on public datasets.

For every Bandit finding whose rule one of these operators claims, in the snippets of
``cyberseceval_instruct_python.jsonl`` (``insecure_code``), ``llmseceval_python.jsonl``
(``secure_code``), ``asleep_keyboard_python.jsonl`` (``prompt``), ``promsec_train.jsonl``
(``code``) and ``sven_python_pairs.jsonl`` (``vulnerable_code``, CRLF normalised) that parse
after ``textwrap.dedent``, each claiming operator is applied at the finding's line. A finding
counts as

- ``applied``: some operator returned a rewrite;
- ``parses``: ... and that rewrite parses;
- ``removed``: ... and Bandit reports fewer findings of that rule on the rewritten file;
- ``clean``: ... and no rule has more findings than before.

Per operator it also prints how often it applied and how often it gave a clean rewrite, which
shows the context split of ``hash-sha256`` / ``hash-not-for-security``.

Usage::

    python benchmarks/operator_coverage_misc.py [--data DIR] [--verbose]
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
import textwrap
import time
from collections import Counter, defaultdict
from pathlib import Path

from promsec_ci.analyzers.bandit import BanditAnalyzer
from promsec_ci.rewrite import REGISTRY

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
DATASETS = (
    ("cyberseceval_instruct_python.jsonl", "insecure_code"),
    ("llmseceval_python.jsonl", "secure_code"),
    ("asleep_keyboard_python.jsonl", "prompt"),
    ("promsec_train.jsonl", "code"),
    ("sven_python_pairs.jsonl", "vulnerable_code"),
)
OPERATORS = (
    "bind-localhost", "chmod-restrict", "flask-debug-off", "ftp-tls", "hash-not-for-security", "hash-sha256",
    "jinja2-autoescape", "mktemp-to-mkstemp", "paramiko-reject-policy", "random-to-secrets", "requests-timeout",
    "requests-verify-on", "secret-from-env", "ssl-default-context", "ssl-tls-version", "tarfile-data-filter",
    "tmp-path-to-tempfile", "torch-load-weights-only", "weak-key-size", "xml-defusedxml", "yaml-safe-load",
)
STAGES = ("findings", "applied", "parses", "removed", "clean")


def _snippets(data: Path):
    for name, field in DATASETS:
        path = data / name
        if not path.exists():
            print(f"missing dataset {path}", file=sys.stderr)
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
            record = json.loads(line)
            code = record.get(field)
            if code:
                yield f"{name}:{record.get('id', number)}", textwrap.dedent(code.replace("\r\n", "\n"))


def _try(analyzer: BanditAnalyzer, operator, text: str, rule: str, line: int, before: Counter) -> list[str]:
    """The stages one operator reached on one finding."""
    rewrite = operator.apply(text, line)
    if rewrite is None:
        return ["findings"]
    try:
        ast.parse(rewrite.text)
    except SyntaxError:
        return ["findings", "applied"]
    after = Counter(f.rule_id for f in analyzer.analyze_text(rewrite.text, "bench.py") or [])
    reached = ["findings", "applied", "parses"]
    if after[rule] < before[rule]:
        reached.append("removed")
        if not after - before:
            reached.append("clean")
    return reached


def _row(label: str, counts: Counter) -> str:
    ratio = counts["clean"] / counts["findings"]
    return f"{label:6} " + " ".join(f"{counts[s]:9d}" for s in STAGES) + f"   {ratio:.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--verbose", action="store_true", help="print every finding no operator fixed cleanly")
    args = parser.parse_args(argv)

    operators = [REGISTRY.get(name) for name in OPERATORS]
    claimed = {rule: [op for op in REGISTRY.by_rule_id(rule) if op.meta.name in OPERATORS]
               for op in operators for rule in op.meta.rule_ids}
    analyzer = BanditAnalyzer()
    by_rule: dict[str, Counter] = defaultdict(Counter)
    by_operator: dict[str, Counter] = defaultdict(Counter)
    by_dataset: dict[str, Counter] = defaultdict(Counter)
    snippets = parsed = 0
    started = time.perf_counter()
    for ident, text in _snippets(args.data):
        snippets += 1
        findings = analyzer.analyze_text(text, "bench.py")
        if findings is None:
            continue
        parsed += 1
        before = Counter(f.rule_id for f in findings)
        for finding in findings:
            if finding.rule_id not in claimed:
                continue
            best: list[str] = ["findings"]
            for operator in claimed[finding.rule_id]:
                reached = _try(analyzer, operator, text, finding.rule_id, finding.start_line, before)
                by_operator[operator.meta.name].update(stage for stage in reached if stage != "findings")
                by_operator[operator.meta.name]["tried"] += 1
                best = max(best, reached, key=len)
            by_rule[finding.rule_id].update(best)
            by_dataset[ident.split(":", 1)[0]].update(best)
            if args.verbose and "clean" not in best:
                snippet = finding.code.strip()[:90]
                print(f"  {ident} {finding.rule_id} line {finding.start_line}: {best[-1]} | {snippet}")
    seconds = time.perf_counter() - started

    print(f"operators: {len(operators)}; rules claimed: {len(claimed)} ({', '.join(sorted(claimed))})")
    cwes = sorted({cwe for op in operators for cwe in op.meta.cwes})
    print(f"CWEs covered: {', '.join(f'CWE-{c}' for c in cwes)}")
    print(f"snippets: {snippets}, parse with Bandit: {parsed}, seconds: {seconds:.1f}")
    print()
    print(f"{'rule':6} " + " ".join(f"{s:>9}" for s in STAGES) + "   clean/findings")
    total: Counter = Counter()
    for rule in sorted(by_rule):
        total.update(by_rule[rule])
        print(_row(rule, by_rule[rule]))
    if total["findings"]:
        print(_row("all", total))
    print()
    for dataset, counts in by_dataset.items():
        print(f"{dataset}: {counts['clean']}/{counts['findings']} findings fixed cleanly")
    print()
    print(f"{'operator':24} {'tried':>6} {'applied':>8} {'clean':>6}")
    for name in OPERATORS:
        counts = by_operator.get(name)
        if counts:
            print(f"{name:24} {counts['tried']:6d} {counts['applied']:8d} {counts['clean']:6d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
