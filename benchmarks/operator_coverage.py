"""How often the injection-class operators fix a real finding, measured on public datasets.

For every Bandit finding of the rules below in ``sven_python_pairs.jsonl`` (``vulnerable_code``,
CRLF normalised and dedented) and ``promsec_train.jsonl`` (``code``), each registered operator
answering the rule is applied at the finding's line. A finding counts as

- ``applied``: some operator returned a rewrite;
- ``parses``: ... and that rewrite parses;
- ``removed``: ... and Bandit reports fewer findings of that rule on the rewritten file;
- ``clean``: ... and no rule has more findings than before, except the subprocess markers the
  verifier tolerates (``promsec_ci.verify.static.RESIDUAL_RULES``: B404, B603, B607).

Usage::

    python benchmarks/operator_coverage.py [--data DIR] [--rules B608,B605,...] [--verbose] [--extra]
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
from promsec_ci.verify.static import RESIDUAL_RULES

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
DEFAULT_RULES = ("B608", "B605", "B602", "B604", "B307")
DATASETS = (("sven_python_pairs.jsonl", "vulnerable_code"), ("promsec_train.jsonl", "code"))
# --extra: CyberSecEval's insecure snippets (only those that parse), for the eval/pickle operators.
EXTRA = (("cyberseceval_instruct_python.jsonl", "insecure_code"),)
EXTRA_RULES = ("B307", "B301", "B302", "B403", "B605", "B602")
STAGES = ("findings", "applied", "parses", "removed", "clean")


def _normalise(code: str) -> str:
    return textwrap.dedent(code.replace("\r\n", "\n"))


def _outcome(analyzer: BanditAnalyzer, text: str, rule: str, line: int, before: Counter) -> tuple[list[str], str]:
    """The stages one finding reached, and the name of the operator that got furthest."""
    best: list[str] = ["findings"]
    best_name = ""
    for operator in REGISTRY.by_rule_id(rule):
        rewrite = operator.apply(text, line)
        if rewrite is None:
            continue
        reached = ["findings", "applied"]
        try:
            ast.parse(rewrite.text)
        except SyntaxError:
            reached_best = reached
        else:
            reached.append("parses")
            after_findings = analyzer.analyze_text(rewrite.text, "bench.py") or []
            after = Counter(f.rule_id for f in after_findings)
            if after[rule] < before[rule]:
                reached.append("removed")
                grown = {r for r in after if after[r] > before[r]}
                if not grown - RESIDUAL_RULES:
                    reached.append("clean")
            reached_best = reached
        if len(reached_best) > len(best):
            best, best_name = reached_best, operator.meta.name
    return best, best_name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--rules", default=",".join(DEFAULT_RULES))
    parser.add_argument("--verbose", action="store_true", help="print each finding no operator fixed")
    parser.add_argument("--extra", action="store_true",
                        help=f"measure {', '.join(EXTRA_RULES)} on {EXTRA[0][0]} instead")
    args = parser.parse_args(argv)
    rules = tuple(r.strip() for r in args.rules.split(",") if r.strip())
    datasets = DATASETS
    if args.extra:
        rules, datasets = EXTRA_RULES, EXTRA
    analyzer = BanditAnalyzer()
    counts: dict[tuple[str, str], Counter] = defaultdict(Counter)
    by_operator: Counter = Counter()
    started = time.perf_counter()
    for filename, field in datasets:
        path = args.data / filename
        if not path.is_file():
            print(f"error: missing dataset {path}", file=sys.stderr)
            return 2
        for raw in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(raw)
            text = _normalise(record.get(field) or "")
            findings = analyzer.analyze_text(text, "bench.py") or []
            before = Counter(f.rule_id for f in findings)
            for finding in findings:
                if finding.rule_id not in rules:
                    continue
                stages, name = _outcome(analyzer, text, finding.rule_id, finding.start_line, before)
                for stage in stages:
                    counts[(filename, finding.rule_id)][stage] += 1
                if "clean" in stages:
                    by_operator[name] += 1
                elif args.verbose:
                    print(f"# {record['id']} {finding.rule_id} line {finding.start_line}: {stages[-1]} "
                          f"| {finding.code.strip()[:110]}")
    elapsed = time.perf_counter() - started

    mine = sorted({op.meta.name for rule in rules for op in REGISTRY.by_rule_id(rule)})
    print(f"operators answering {', '.join(rules)}: {len(mine)} ({', '.join(mine)})")
    header = f"{'dataset':<36}{'rule':<6}" + "".join(f"{s:>12}" for s in STAGES) + f"{'clean %':>9}"
    print(header)
    total: Counter = Counter()
    for (filename, rule), counter in sorted(counts.items()):
        total.update(counter)
        share = 100 * counter["clean"] / counter["findings"] if counter["findings"] else 0.0
        print(f"{filename.split('.')[0]:<36}{rule:<6}" + "".join(f"{counter[s]:>12}" for s in STAGES)
              + f"{share:>8.1f}%")
    share = 100 * total["clean"] / total["findings"] if total["findings"] else 0.0
    print(f"{'all':<42}" + "".join(f"{total[s]:>12}" for s in STAGES) + f"{share:>8.1f}%")
    print("clean fixes by operator: " + ", ".join(f"{n} {c}" for n, c in by_operator.most_common()))
    print(f"seconds: {elapsed:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
