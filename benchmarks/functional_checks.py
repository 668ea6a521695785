"""How well do the behaviour checks judge fixes? Measured on the functional-test set.

For each code base of ``benchmarks/functional/`` the checker judges two candidates of the
flagged unit: the hand-written reference fix in ``benchmarks/functional/fixed/`` (must pass:
a rejection is a false alarm) and the unchanged code (must fail: its exploit probe still
succeeds; a pass is a miss). ``path_download.py`` has no Bandit finding, so it is given a
CWE-22 finding on its ``open`` line, as another analyzer would report it.

    python benchmarks/functional_checks.py [--examples 20]

Prints one line per code base and the totals; numbers are measured in this run.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

from promsec_ci.analyzers.bandit import BanditAnalyzer
from promsec_ci.config import Options
from promsec_ci.records import Finding, Level
from promsec_ci.units import UnitIndex
from promsec_ci.verify.behavior import BehaviorChecker

HERE = Path(__file__).parent / "functional"


def findings_of(text: str, path: str) -> list[Finding]:
    found = [f for f in BanditAnalyzer().analyze_text(text, path) or [] if f.severity >= Level.MEDIUM and f.cwe]
    if found:
        return found
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "open(" in row)
    return [Finding("other", "path-traversal", "path-traversal", 22, Level.HIGH, Level.MEDIUM, path, line, line,
                    "path built from input")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=20, help="benign inputs per check (default 20)")
    args = parser.parse_args()
    checker = BehaviorChecker(dataclasses.replace(Options(), behavior_examples=args.examples))
    clock = time.perf_counter()
    rows = []
    for original_path in sorted(HERE.glob("*.py")):
        fixed_path = HERE / "fixed" / original_path.name
        original = original_path.read_text(encoding="utf-8")
        fixed = fixed_path.read_text(encoding="utf-8")
        findings = findings_of(original, original_path.name)
        unit = UnitIndex(original, original_path.name).locate(findings[0].start_line)
        reference = checker.check(original, fixed, unit, findings)
        unchanged = checker.check(original, original, unit, findings)
        rows.append((original_path.stem, reference, unchanged))
        print(f"{original_path.stem:24} reference {'pass' if reference.ok else 'FAIL'}"
              f" ({'exercised' if reference.exercised else 'not exercised'}, {reference.calls} calls)"
              f" | unchanged {'rejected' if not unchanged.ok else 'passed'}"
              f" | {reference.reason if not reference.ok else unchanged.reason}"[:200])
    seconds = time.perf_counter() - clock
    passed = sum(1 for _, r, _ in rows if r.ok)
    exercised = sum(1 for _, r, _ in rows if r.exercised)
    probed = [(name, u) for name, r, u in rows if any(p.original for p in r.probes)]
    caught = sum(1 for _, u in probed if not u.ok)
    print(f"\nreference fixes passing: {passed}/{len(rows)} ({exercised} exercised)")
    print(f"unchanged code rejected where a probe applies: {caught}/{len(probed)}")
    print(f"{2 * len(rows)} checks in {seconds:.1f} s ({seconds / (2 * len(rows)):.2f} s per check)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
