"""LLM loop cost with the operators and the gGAN in front, against a scripted model on 127.0.0.1.

Data: the SVEN vulnerable -> fixed Python pairs (../shared/data/sven_python_pairs.jsonl). Each
vulnerable function is analyzed with Bandit; flagged units go through the pipeline's own fixing
order (operator search ranked by the gGAN, then the PromSec loop when CWEs remain). The scripted
model is deterministic and built from the reference fixes: an inversion gets a one-line prompt
naming the function, a regeneration gets SVEN's fixed function. Every answer is still extracted,
spliced, guarded and verified like a real model's.

Prints, measured in this run:
  * LLM queries per fixed finding (median and mean; target: median <= 1);
  * a second identical run's LLM calls (target: 0, served by the cache);
  * our own overhead per LLM call: loop time minus time spent inside the model server, and the
    client's share of it (openai client + HTTP + our client code; target <= 50 ms).

Usage: python benchmarks/llm_overhead.py [--limit N] [--data PATH] [--strategy promsec]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import statistics
import sys
import tempfile
import textwrap
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from promsec_ci.analyzers.bandit import BanditAnalyzer  # noqa: E402
from promsec_ci.config import Options  # noqa: E402
from promsec_ci.fingerprints import assign_fingerprints  # noqa: E402
from promsec_ci.llm import build_loop  # noqa: E402
from promsec_ci.search import FixSearch  # noqa: E402
from promsec_ci.units import UnitIndex  # noqa: E402
from tests.servers.openai_server import Reply, ScriptedModel, is_inversion, last_user  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "sven_python_pairs.jsonl"
_DEF = re.compile(r"^\s*(?:async\s+)?def\s+(\w+)\s*\(", re.M)


@dataclasses.dataclass
class Pair:
    id: str
    name: str
    vulnerable: str
    fixed: str


def load_pairs(path: Path, limit: int | None) -> list[Pair]:
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        vulnerable = textwrap.dedent(record["vulnerable_code"].replace("\r\n", "\n")).strip("\n") + "\n"
        fixed = textwrap.dedent(record["fixed_code"].replace("\r\n", "\n")).strip("\n") + "\n"
        match = _DEF.search(vulnerable)
        if match is None:
            continue
        pairs.append(Pair(record["id"], match.group(1), vulnerable, fixed))
    return pairs[:limit] if limit else pairs


class ReferenceModel:
    """Inversion: a prompt naming the function; regeneration or repair: the SVEN fix of the unit
    last shown (regeneration prompts hold no code, so the unit of the preceding inversion)."""

    def __init__(self, pairs: list[Pair]) -> None:
        self.by_name: dict[str, list[Pair]] = defaultdict(list)
        for pair in pairs:
            self.by_name[pair.name].append(pair)
        self.current: Pair | None = None

    def __call__(self, request) -> Reply:
        content = last_user(request)
        match = _DEF.search(content)
        if match is not None:  # the request shows code (inversion, or a BL1 repair prompt)
            name = match.group(1)
            candidates = self.by_name.get(name, [])
            shown = next((p for p in candidates if _first_body_line(p.vulnerable) in content), None)
            if shown is not None:
                self.current = shown
            elif is_inversion(request):
                self.current = candidates[0] if candidates else None
        if is_inversion(request):
            name = match.group(1) if match else ""
            return Reply(f"Write a Python function {name} that keeps the behaviour of the original code "
                         "and handles untrusted input safely.")
        if self.current is None:
            return Reply("I'm sorry, I have no code for that.")
        return Reply(f"Here is the function:\n\n```python\n{self.current.fixed}```\n")


def _first_body_line(code: str) -> str:
    lines = [line.strip() for line in code.splitlines() if line.strip()]
    return lines[1] if len(lines) > 1 else lines[0]


def run(pairs: list[Pair], options: Options, root: str, server: ScriptedModel, measure: dict) -> dict:
    """Fix every flagged unit the way pipeline.fix_findings does; per-unit LLM calls and timings."""
    analyzer = BanditAnalyzer(options.tests, options.skip)
    search = FixSearch(options, root)
    loop = build_loop(options, root)
    assert loop is not None
    stats = {"findings": 0, "units": 0, "fixed": 0, "fixed_by_operators": 0, "fixed_by_llm": 0,
             "queries_per_fixed": [], "queries_per_llm_fixed": [], "llm_units": 0, "calls": 0, "improve_seconds": 0.0,
             "server_seconds": 0.0, "llm_seconds": 0.0, "verify_seconds": 0.0, "search_seconds": 0.0,
             "ranker": getattr(search, "ranker", None) is not None, "notices": defaultdict(int)}
    for pair in pairs:
        path = f"sven/{pair.id}.py"
        found = analyzer.analyze_text(pair.vulnerable, path) or []
        index = UnitIndex(pair.vulnerable, path)
        found = assign_fingerprints(found, lambda f, index=index: index.locate(f.start_line, f.end_line))
        findings = [f for f in found if not f.suppressed and f.severity >= options.severity]
        if not findings:
            continue
        by_unit = defaultdict(list)
        units = {}
        for finding in findings:
            unit = index.locate(finding.start_line, finding.end_line)
            by_unit[unit.start_line].append(finding)
            units[unit.start_line] = unit
        stats["findings"] += len(findings)
        for key, unit_findings in by_unit.items():
            unit = units[key]
            stats["units"] += 1
            outcome = search.search(unit, unit_findings, pair.vulnerable)
            fix, calls = outcome.fix, 0
            if fix is None or outcome.cwes_left > 0:
                stats["llm_units"] += 1
                before, server_before = len(server.requests), server.server_seconds
                clock = time.perf_counter()
                improved = loop.improve(unit, unit_findings, pair.vulnerable, outcome)
                stats["improve_seconds"] += time.perf_counter() - clock
                stats["server_seconds"] += server.server_seconds - server_before
                stats["llm_seconds"] += improved.cost.llm_seconds
                calls = len(server.requests) - before
                stats["calls"] += calls
                for notice in improved.notices:
                    stats["notices"][_kind(notice.message)] += 1
                if improved.fix is not None:
                    fix = improved.fix
            if fix is None:
                continue
            resolved = search.resolved(fix, unit, unit_findings, pair.vulnerable)
            fixed = [f for f in unit_findings if f.fingerprint in resolved]
            by_llm = any(op.startswith("llm:") for op in fix.operators)
            stats["fixed"] += len(fixed)
            stats["fixed_by_llm" if by_llm else "fixed_by_operators"] += len(fixed)
            stats["queries_per_fixed"].extend([calls] * len(fixed))
            if by_llm:
                stats["queries_per_llm_fixed"].extend([calls] * len(fixed))
    stats["verify_seconds"] = loop.verify_seconds
    stats["search_seconds"] = loop.search_seconds
    return stats


WARM_UP = """\
def parse_port(text):
    try:
        return int(text)
    except Exception:
        pass
    return 0
"""


def warm_up(options: Options, server: ScriptedModel) -> None:
    """One loop run outside the measurement: imports (openai, torch for graph similarity) happen
    once per process and are not per-call overhead."""
    model = server.model
    server.model = lambda _request: Reply("```python\ndef parse_port(text):\n    return 0\n```")
    try:
        with tempfile.TemporaryDirectory() as root:
            findings = BanditAnalyzer().analyze_text(WARM_UP, "warm.py") or []
            unit = UnitIndex(WARM_UP, "warm.py").locate(findings[0].start_line)
            search = FixSearch(options, root)
            outcome = search.search(unit, findings, WARM_UP)
            build_loop(options, root).improve(unit, findings, WARM_UP, outcome)
    finally:
        server.model = model
        server.requests.clear()
        server.server_seconds = 0.0


def _kind(message: str) -> str:
    message = re.sub(r"for \S+:", "for <unit>:", message)
    return message.split("(")[0][:90]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--strategy", default="promsec")
    parser.add_argument("--max-iterations", type=int, default=5)
    parser.add_argument("--sql-paramstyle", choices=("auto", "qmark", "format"), default="auto",
                        help="placeholder for snippets that show no driver, as a repository would set it")
    args = parser.parse_args()
    if not args.data.is_file():
        sys.exit(f"llm_overhead: no data at {args.data}")
    pairs = load_pairs(args.data, args.limit)
    model = ReferenceModel(pairs)
    with tempfile.TemporaryDirectory() as root, ScriptedModel(model) as server:
        options = Options(llm=True, llm_base_url=server.url, llm_model="reference", strategy=args.strategy,
                          max_iterations=args.max_iterations, llm_max_calls=100_000, llm_max_tokens=100_000_000,
                          sql_paramstyle=args.sql_paramstyle)
        warm_up(options, server)
        clock = time.perf_counter()
        first = run(pairs, options, root, server, {})
        first_seconds = time.perf_counter() - clock
        calls_before = len(server.requests)
        second = run(pairs, options, root, server, {})
        second_calls = len(server.requests) - calls_before

    per_fixed = first["queries_per_fixed"]
    calls = max(first["calls"], 1)
    print(f"data: {args.data.name}, {len(pairs)} pairs, strategy {args.strategy}, "
          f"max_iterations {args.max_iterations}, gGAN ranker loaded: {first['ranker']}")
    print(f"findings {first['findings']} in {first['units']} units; "
          f"units sent to the LLM loop {first['llm_units']}; LLM calls {first['calls']}")
    print(f"fixed findings {first['fixed']} (operators {first['fixed_by_operators']}, LLM {first['fixed_by_llm']})")
    if per_fixed:
        print(f"LLM queries per fixed finding: median {statistics.median(per_fixed):g}, "
              f"mean {sum(per_fixed) / len(per_fixed):.2f}, all-calls/fixed {first['calls'] / len(per_fixed):.2f}")
    if first["queries_per_llm_fixed"]:
        llm_fixed = first["queries_per_llm_fixed"]
        print(f"LLM queries per finding fixed by the LLM: median {statistics.median(llm_fixed):g}, "
              f"mean {sum(llm_fixed) / len(llm_fixed):.2f}")
    print(f"second identical run: {second_calls} LLM calls (fixed {second['fixed']})")
    overhead = (first["improve_seconds"] - first["server_seconds"]) / calls * 1000
    client = (first["llm_seconds"] - first["server_seconds"]) / calls * 1000
    verify = first["verify_seconds"] / calls * 1000
    search = first["search_seconds"] / calls * 1000
    print(f"own time per LLM call: {overhead:.1f} ms in the loop = {client:.1f} ms client (openai + HTTP + "
          f"ours) + {verify:.1f} ms verification (Bandit, graph similarity) + {search:.1f} ms in-loop operator "
          f"search + {overhead - client - verify - search:.1f} ms the rest (prompts, redaction, extraction, "
          "splice, guard, cache)")
    print(f"first run wall time {first_seconds:.1f}s; time inside the model server "
          f"{first['server_seconds'] * 1000:.1f} ms total")
    print("loop notices by kind:")
    for kind, count in sorted(first["notices"].items(), key=lambda item: -item[1])[:8]:
        print(f"  {count:4d}  {kind}")


if __name__ == "__main__":
    main()
