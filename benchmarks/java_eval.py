"""Java analysis quality and speed, measured in one run (numbers, not pass/fail).

1. OWASP Benchmark sample (``../shared/data/owasp_benchmark_java_sample.jsonl``, labelled
   vulnerable/safe test cases): precision and recall per CWE for each backend. A case counts as
   flagged when the backend reports a finding of the case's CWE family in its file (the Benchmark's
   own scoring). Semgrep reads every case's source; FindBugs/SpotBugs needs class files, and the
   cases import the Benchmark's helper classes, so it is scored on the cases that compile alone
   (their number is printed).
2. Speed: ``promsec-ci scan --no-fix`` of a 10-file Java change in a git repository (``--base``),
   wall time including interpreter and JVM start, per backend, best of N runs; then the same scan
   with verified fixes, once per backend.

    python benchmarks/java_eval.py [--data FILE] [--rules FILE] [--repeat 2] [--skip-speed] [--skip-quality]

``--rules`` scores another Semgrep rules file in place of ``promsec_ci/analyzers/java_rules.yaml``
(for trying a rule change before making it).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import defaultdict
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "owasp_benchmark_java_sample.jsonl"
# A reported CWE counts for a case of the family it belongs to.
FAMILIES = {22: {22, 23, 36}, 78: {78, 88}, 79: {79, 80}, 89: {89, 564}, 90: {90}, 327: {327}, 328: {328},
            330: {330, 338}, 501: {501}, 614: {614}, 643: {643}}


def load_cases(path: Path) -> list[dict]:
    cases = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for case in cases:
        case["cwe_id"] = int(str(case["cwe"]).removeprefix("CWE-"))
    return cases


def flagged_cases(findings, cases) -> set[str]:
    by_path = {case["path"]: case for case in cases}
    hits = set()
    for finding in findings:
        case = by_path.get(finding.path)
        if case and finding.cwe in FAMILIES.get(case["cwe_id"], {case["cwe_id"]}):
            hits.add(case["id"])
    return hits


def score(cases, flagged: set[str]) -> dict[int, dict[str, float]]:
    table: dict[int, dict[str, float]] = defaultdict(lambda: {"tp": 0, "fp": 0, "fn": 0, "tn": 0})
    for case in cases:
        hit = case["id"] in flagged
        key = ("tp" if hit else "fn") if case["vulnerable"] else ("fp" if hit else "tn")
        table[case["cwe_id"]][key] += 1
    return dict(sorted(table.items()))


def print_table(name: str, table: dict[int, dict[str, float]], note: str = "") -> None:
    print(f"\n{name}{' (' + note + ')' if note else ''}")
    print(f"  {'CWE':>5}  {'cases':>5}  {'TP':>3} {'FP':>3} {'FN':>3} {'TN':>3}  {'precision':>9}  {'recall':>6}")
    totals = {"tp": 0, "fp": 0, "fn": 0, "tn": 0}
    for cwe, row in table.items():
        for key in totals:
            totals[key] += row[key]
        print("  " + _row(f"{cwe}", row))
    print("  " + _row("all", totals))


def _row(label: str, row) -> str:
    tp, fp, fn, tn = row["tp"], row["fp"], row["fn"], row["tn"]
    precision = f"{tp / (tp + fp):.2f}" if tp + fp else "-"
    recall = f"{tp / (tp + fn):.2f}" if tp + fn else "-"
    return f"{label:>5}  {tp + fp + fn + tn:>5}  {tp:>3} {fp:>3} {fn:>3} {tn:>3}  {precision:>9}  {recall:>6}"


def quality(data: Path, rules: Path | None = None) -> None:
    from promsec_ci.analyzers.semgrep_java import SemgrepJavaAnalyzer, find_semgrep
    from promsec_ci.analyzers.spotbugs import SpotBugsAnalyzer, find_engine
    from promsec_ci.records import FileChange

    cases = load_cases(data)
    files = [FileChange(case["path"], case["code"]) for case in cases]
    print(f"OWASP Benchmark sample: {len(cases)} cases ({sum(c['vulnerable'] for c in cases)} vulnerable), "
          f"{len({c['cwe_id'] for c in cases})} CWEs")
    if find_semgrep():
        analyzer = SemgrepJavaAnalyzer(rules=rules) if rules else SemgrepJavaAnalyzer()
        start = time.perf_counter()
        analysis = analyzer.analyze(files)
        seconds = time.perf_counter() - start
        print_table(f"semgrep {analyzer.version} on source ({analyzer.rules.name})",
                    score(cases, flagged_cases(analysis.findings, cases)),
                    f"all {len(cases)} cases, {seconds:.1f} s, {len(analysis.notices)} notices")
        for notice in analysis.notices:
            if notice.level == "error":
                print(f"  error: {notice.message}")
    else:
        print("\nsemgrep: not installed")
    engine = find_engine()
    if engine is None:
        print("\nspotbugs/findbugs: not installed")
        return
    with tempfile.TemporaryDirectory() as cache:
        analyzer = SpotBugsAnalyzer(cache_dir=cache)
        start = time.perf_counter()
        analysis = analyzer.analyze(files)
        seconds = time.perf_counter() - start
    failed = {n.path for n in analysis.notices if "did not compile" in n.message}
    compiled = [c for c in cases if c["path"] not in failed]
    print_table(f"{analyzer.version} on class files", score(compiled, flagged_cases(analysis.findings, compiled)),
                f"{len(compiled)} of {len(cases)} cases compile alone, {seconds:.1f} s")


def java_change(index: int) -> str:
    """A realistic, self-contained servlet-ish class with a few CWEs (compiles alone)."""
    return textwrap.dedent(f"""\
        package app.module{index};

        import java.io.File;
        import java.security.MessageDigest;
        import java.sql.Connection;
        import java.sql.ResultSet;
        import java.sql.Statement;
        import java.util.ArrayList;
        import java.util.List;
        import java.util.Random;
        import javax.servlet.http.HttpServletRequest;

        public class Service{index} {{
            private final Connection conn;

            public Service{index}(Connection conn) {{
                this.conn = conn;
            }}

            public List<String> names(HttpServletRequest request) throws Exception {{
                String name = request.getParameter("name");
                Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery("SELECT name FROM users WHERE team = '" + name + "'");
                List<String> out = new ArrayList<>();
                while (rs.next()) {{
                    out.add(rs.getString(1));
                }}
                return out;
            }}

            public File report(HttpServletRequest request) {{
                return new File("/srv/reports/" + request.getParameter("file"));
            }}

            public String digest(String value) throws Exception {{
                byte[] bytes = MessageDigest.getInstance("MD5").digest(value.getBytes("UTF-8"));
                StringBuilder hex = new StringBuilder();
                for (byte b : bytes) {{
                    hex.append(String.format("%02x", b));
                }}
                return hex.toString();
            }}

            public int token() {{
                return new Random().nextInt(1000000);
            }}
        }}
    """)


def speed(repeat: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        repo.mkdir()

        def git(*args: str) -> None:
            subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)

        git("init", "-q", "-b", "main")
        git("config", "user.email", "bench@example.invalid")
        git("config", "user.name", "bench")
        (repo / "README.md").write_text("bench\n")
        git("add", "-A")
        git("commit", "-q", "-m", "base")
        git("checkout", "-q", "-b", "change")
        for i in range(10):
            target = repo / "src" / "main" / "java" / "app" / f"module{i}" / f"Service{i}.java"
            target.parent.mkdir(parents=True)
            target.write_text(java_change(i))
        git("add", "-A")
        git("commit", "-q", "-m", "ten java files")
        print("\n10-file Java change, promsec-ci scan --base main --no-fix (wall, best of "
              f"{repeat}, interpreter + JVM start included)")
        for backend in ("spotbugs", "semgrep", "both"):
            best, findings = float("inf"), None
            for _ in range(repeat):
                command = [sys.executable, "-m", "promsec_ci", "scan", "--base", "main", "--no-fix", "--exit-zero",
                           "--java-analyzer", backend]
                start = time.perf_counter()
                result = subprocess.run([*command, "-f", "json", "-o", "-"], cwd=repo, capture_output=True,
                                        text=True, check=False)
                best = min(best, time.perf_counter() - start)
                if result.returncode == 0:
                    findings = len(json.loads(result.stdout).get("findings", []))
            print(f"  {backend:>8}: {best:5.1f} s  ({findings} findings)")
        print("\nsame change with verified fixes (one run each; every candidate of every unit is analyzed "
              "and compiled in one batch)")
        for backend in ("spotbugs", "semgrep"):
            command = [sys.executable, "-m", "promsec_ci", "scan", "--base", "main", "--exit-zero", "--no-llm",
                       "--java-analyzer", backend, "-f", "json", "-o", "-"]
            start = time.perf_counter()
            result = subprocess.run(command, cwd=repo, capture_output=True, text=True, check=False)
            seconds = time.perf_counter() - start
            report = json.loads(result.stdout) if result.returncode == 0 else {}
            found = report.get("findings", [])
            fixed = sum(1 for f in found if f.get("fix"))
            print(f"  {backend:>8}: {seconds:5.1f} s  ({fixed} of {len(found)} findings with a verified fix)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--rules", type=Path, default=None, help="Semgrep rules file to score (default: the project's)")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-quality", action="store_true")
    args = parser.parse_args()
    if not args.skip_quality:
        quality(args.data, args.rules)
    if not args.skip_speed:
        speed(args.repeat)


if __name__ == "__main__":
    main()
