"""Every strategy on the functional-test set, with a scripted model on 127.0.0.1 standing in for
the LLM. The model is "perfect" by construction: a regeneration request gets the hand-written
reference fix of the function it names (``benchmarks/functional/fixed/``), an inversion request
gets a one-line prompt. Everything else is real: the openai client over HTTP, extraction,
splicing, static verification, the behaviour checks, the cost accounting. The numbers show how
the strategies use the LLM (queries, tokens, iterations) and that LLM-made fixes pass the same
behaviour checks, not how good any real model is.

    python benchmarks/functional_llm.py [--strategies promsec a1 bl1 bl2] [--out DIR]
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import json
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from promsec_ci.config import Options  # noqa: E402
from promsec_ci.eval import EvalRun, run_eval  # noqa: E402
from tests.servers.openai_server import Reply, ScriptedModel, is_inversion, last_user  # noqa: E402

DATA = ROOT / "benchmarks" / "functional"


def reference_functions() -> dict[str, str]:
    """Function name -> source of its reference fix (with the imports the fix file has)."""
    functions = {}
    for path in sorted((DATA / "fixed").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        imports = "".join(ast.get_source_segment(text, n) + "\n" for n in tree.body
                          if isinstance(n, (ast.Import, ast.ImportFrom)))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name != "main":
                functions[node.name] = imports + "\n\n" + ast.get_source_segment(text, node) + "\n"
    return functions


def make_model(functions: dict[str, str]):
    def model(request):
        text = last_user(request)
        names = [n for n in re.findall(r"def (\w+)\(", text) if n in functions]
        if is_inversion(request):
            name = names[0] if names else "the function"
            return Reply(f"Write a Python function {name} that keeps its behaviour and treats its inputs as data.")
        if not names:
            return Reply("I'm sorry, I cannot help with that.")
        return Reply(f"```python\n{functions[names[0]]}```")
    return model


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strategies", nargs="+", default=["promsec", "a1", "bl1", "bl2"])
    parser.add_argument("--out", default=None, help="keep the eval outputs here (default: a temporary folder)")
    args = parser.parse_args()
    functions = reference_functions()
    out = Path(args.out or tempfile.mkdtemp(prefix="functional-llm-"))
    print(f"{'strategy':9} {'CWEs':>8} {'clean':>6} {'fixes':>6} {'LLM fixes':>9} {'behaviour':>10} "
          f"{'queries':>8} {'tokens in/out':>14} {'iter=1':>7} {'seconds':>8}")
    for strategy in args.strategies:
        with ScriptedModel(make_model(functions)) as server, tempfile.TemporaryDirectory() as root:
            options = dataclasses.replace(Options(), strategy=strategy, llm=True, llm_base_url=server.url,
                                          llm_model="scripted", llm_timeout=10.0, behavior_examples=12)
            summary = run_eval(EvalRun(str(DATA), str(out / strategy), options, root=root, behavior_check=True),
                               progress=False)
        records = [json.loads(line) for line in (out / strategy / f"records-{strategy}-cfg.jsonl").open()]
        llm_fixes = sum(1 for r in records for f in r.get("fixes", []) if f["llm"])
        b, c = summary["behavior"], summary["cost"]
        print(f"{strategy:9} {summary['cwes_before']:>3} -> {summary['cwes_after']:<2} "
              f"{summary['files_clean_after']:>6} {summary['fixes']:>6} {llm_fixes:>9} "
              f"{b['passed']:>4}/{b['checked']:<5} {c['llm_queries']['sum']:>8} "
              f"{c['input_tokens']['sum']:>7}/{c['output_tokens']['sum']:<6} "
              f"{summary['iterations'].get('1', 0):>7} {c['total_seconds']['sum']:>8.1f}")
        for reason in b["failures"]:
            print(f"    behaviour failure: {reason}")
    print(f"\noutputs in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
