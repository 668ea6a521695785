"""``promsec-ci eval``: reproduce the paper's experiments on a dataset, with numbers.

Every record's result is appended to ``<out>/records-<strategy>-<graph>.jsonl`` as soon as it is
measured, so an interrupted run resumes where it stopped (records already in that file are not
evaluated again; a torn last line is dropped). At the end the whole file is summarised into
``results.json``, ``report.md`` and PNG plots.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from promsec_ci.config import Options
from promsec_ci.errors import PromsecError
from promsec_ci.eval.dataset import EvalRecord, held_out, load_records


@dataclass(frozen=True)
class EvalRun:
    """One evaluation.

    Args:
        data: the dataset (``.jsonl`` or a folder of ``.py`` files).
        out: the output folder.
        options: strategy, graph, gGAN, LLM and verification options.
        root: where the gGAN model and the LLM cache are looked up.
        behavior_check: run a behaviour check on each applied fix (executes dataset code, sandboxed).
        limit: evaluate only the first ``limit`` records.
        holdout: evaluate only the records ``promsec-ci train --holdout`` kept out of training.
    """

    data: str
    out: str
    options: Options
    root: str = "."
    behavior_check: bool = False
    limit: int | None = None
    holdout: int | None = None

    @property
    def results_file(self) -> Path:
        return Path(self.out) / f"records-{self.options.strategy}-{self.options.graph}.jsonl"


def run_eval(run: EvalRun, progress: bool = True) -> dict:
    """Evaluate every record not yet in the results file; write the reports; return the summary.

    Raises ``PromsecError`` for unusable input and for a strategy or dataset that needs an LLM
    when none is configured.
    """
    from promsec_ci.eval.metrics import summarize
    from promsec_ci.eval.report import write_outputs
    from promsec_ci.eval.runner import Engines, evaluate_record

    records = load_records(run.data)
    if run.holdout is not None:
        records = [r for r in records if held_out(r.id, run.holdout)]
    if run.limit is not None:
        records = records[: run.limit]
    out = Path(run.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PromsecError(f"cannot create {out}: {exc}") from None
    _require_llm(run, records)
    engines = Engines(run.options, run.root, behavior=run.behavior_check)
    done = read_results(run.results_file)
    todo = [r for r in records if r.id not in done]
    with run.results_file.open("a", encoding="utf-8") as sink:
        for record in _progress(todo, progress, run.options.strategy, len(records) - len(todo)):
            result = evaluate_record(record, engines)
            sink.write(json.dumps(result) + "\n")
            sink.flush()
            done[record.id] = result
    wanted = {r.id for r in records}
    results = [done[r.id] for r in records if r.id in done and r.id in wanted]
    summary = summarize(results)
    settings = {
        "data": run.data, "strategy": run.options.strategy, "graph": run.options.graph, "ggan": run.options.ggan,
        "ggan_model_loaded": engines.search.ranker is not None,
        "notices": sorted({n.message for n in engines.search.notices}),
        "llm": run.options.llm_model if engines.client is not None else None,
        "behavior_check": run.behavior_check, "verify_behavior": run.options.verify_behavior,
        "max_iterations": run.options.max_iterations, "limit": run.limit, "holdout": run.holdout,
    }
    write_outputs(out, settings, summary, results)
    return summary


def _require_llm(run: EvalRun, records: list[EvalRecord]) -> None:
    """Fail fast, before any model loads, when the run needs an LLM and none is configured."""
    from promsec_ci.llm.client import LLMSettings

    if LLMSettings.from_options(run.options) is not None:
        return
    if run.options.strategy != "a2":
        raise PromsecError(f"strategy {run.options.strategy} needs an LLM: set OPENAI_API_KEY or PROMSEC_LLM_API_KEY "
                           "or --llm-base-url (or use --strategy a2, operators + gGAN without an LLM)")
    if any(r.code is None for r in records):
        raise PromsecError("this dataset has prompt-only records: the LLM writes their first code, and no LLM "
                           "is configured (set OPENAI_API_KEY or --llm-base-url)")


def read_results(path: Path) -> dict[str, dict]:
    """Results already measured, by record id (a torn last line from an interruption is dropped)."""
    done: dict[str, dict] = {}
    if not path.is_file():
        return done
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            result = json.loads(line)
        except json.JSONDecodeError:
            if number == len(lines):
                _truncate_last_line(path, text, line)
                break
            raise PromsecError(f"{path}:{number}: corrupt results line; move the file away to start over") from None
        done[str(result["id"])] = result
    return done


def _truncate_last_line(path: Path, text: str, line: str) -> None:
    from promsec_ci.fileio import atomic_write

    atomic_write(path, text[: text.rfind(line)])


def _progress(items: list, enabled: bool, strategy: str, already: int):
    if not enabled or not items:
        return items
    from tqdm import tqdm

    return tqdm(items, desc=f"eval {strategy}", unit="record", initial=0, leave=False,
                postfix={"resumed": already} if already else None)
