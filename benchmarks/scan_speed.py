"""Scan speed of promsec-ci against plain Bandit, measured in one run (ratios, not pass/fail).

1. Full scan of a large real Python tree: ``promsec-ci scan`` wall time / ``bandit -r`` wall time.
2. A 5-file change in a 1000-file repository scanned with ``--base``: our time / full ``bandit -r``.
3. With ``--fixes-tree DIR``: a scan with verified fixes (no LLM) of that tree / ``bandit -r`` of it,
   and how many findings got a fix (what the fixer costs on real, large files).

Both tools run as subprocesses (interpreter start-up included on both sides), best of N runs.

    python benchmarks/scan_speed.py [--tree DIR] [--repeat 3] [--fixes-tree DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def default_tree() -> Path:
    import torch_geometric

    return Path(torch_geometric.__file__).parent


def best_time(command: list[str], cwd: Path, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        best = min(best, time.perf_counter() - start)
    return best


def ours(*args: str, fix: bool = False) -> list[str]:
    return [sys.executable, "-m", "promsec_ci", "scan", "--fix" if fix else "--no-fix", "--exit-zero",
            "-f", "json", "-o", "/dev/null", *args]


def bandit(*args: str) -> list[str]:
    return [sys.executable, "-m", "bandit", "-q", "-f", "json", "-o", "/dev/null", *args]


def make_repository(tree: Path, files: int, changed: int) -> Path:
    """A git repository holding ``files`` Python files from ``tree``, then a commit touching ``changed``."""
    root = Path(tempfile.mkdtemp(prefix="promsec-bench-"))
    sources = sorted(tree.rglob("*.py"))
    copies = [sources[i % len(sources)] for i in range(files)]
    for i, source in enumerate(copies):
        target = root / "pkg" / f"m{i // 100}" / f"f{i}_{source.name}"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("-c", "user.email=b@x.invalid", "-c", "user.name=b", "add", "-A")
    git("-c", "user.email=b@x.invalid", "-c", "user.name=b", "commit", "-q", "-m", "base")
    for target in sorted((root / "pkg").rglob("*.py"))[:changed]:
        with target.open("a", encoding="utf-8") as handle:
            handle.write("\n\ndef _added(cmd):\n    import subprocess\n    return subprocess.call(cmd, shell=True)\n")
    git("-c", "user.email=b@x.invalid", "-c", "user.name=b", "commit", "-qam", "change")
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=None, help="Python tree to scan (default: torch_geometric)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--fixes-tree", type=Path, default=None, help="also time a scan with fixes of this tree")
    args = parser.parse_args()
    tree = (args.tree or default_tree()).resolve()
    count = sum(1 for _ in tree.rglob("*.py"))

    full_ours = best_time(ours(str(tree)), tree.parent, args.repeat)
    full_bandit = best_time(bandit("-r", str(tree)), tree.parent, args.repeat)
    print(f"full scan of {tree} ({count} files): promsec-ci {full_ours:.2f}s, bandit -r {full_bandit:.2f}s, "
          f"ratio {full_ours / full_bandit:.2f} (target <= 1.3)")

    repo = make_repository(tree, files=1000, changed=5)
    try:
        diff_ours = best_time(ours("--base", "HEAD~1"), repo, args.repeat)
        repo_bandit = best_time(bandit("-r", "pkg"), repo, 1)
    finally:
        shutil.rmtree(repo, ignore_errors=True)
    print(f"5-file change in a 1000-file repository: promsec-ci --base {diff_ours:.2f}s, full bandit -r "
          f"{repo_bandit:.2f}s, ratio {diff_ours / repo_bandit:.3f} (target <= 0.1)")
    if args.fixes_tree:
        fixes_tree(args.fixes_tree.resolve())


def fixes_tree(tree: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="promsec-bench-") as scratch:
        report = Path(scratch) / "report.json"
        command = ours(str(tree), fix=True)
        command[command.index("/dev/null")] = str(report)
        fixing = best_time(command, tree.parent, 1)
        findings = json.loads(report.read_text(encoding="utf-8"))["findings"]
    plain = best_time(bandit("-r", str(tree)), tree.parent, 1)
    fixed = sum(1 for finding in findings if finding.get("fix"))
    print(f"scan with fixes of {tree}: promsec-ci {fixing:.2f}s ({len(findings)} findings, {fixed} with a verified "
          f"fix), bandit -r {plain:.2f}s, ratio {fixing / plain:.1f}")


if __name__ == "__main__":
    main()
