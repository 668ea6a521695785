"""Behaviour checks: does a fix keep what the unit does, and does it really close the hole?

Two questions, answered by running code (only with ``--verify-behavior``, off by default):

1. Differential run: the original and the fixed module are loaded and the unit (and the
   module's ``main``, when there is one) is called on the same benign inputs (``inputs.py``);
   return values, exceptions, printed output, the commands that reach ``subprocess``/``os.system``
   (normalised argv), the database after the call and the file tree after the call must match.
2. Exploit probes (``probes.py``) for the findings' weakness class must succeed on the original
   and fail on the fix.

Everything runs in one confined child process (``sandbox.py``, ``harness.py``).

Sample verdict::

    BehaviorVerdict(ok=False, reason="probe shell still succeeds on the fix: 'x; touch pwned'",
                    exercised=True, calls=20, mismatches=0, ...)
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from promsec_ci.config import Options
from promsec_ci.records import Finding, Unit
from promsec_ci.units import MODULE
from promsec_ci.verify import inputs, probes
from promsec_ci.verify.harness import comparable
from promsec_ci.verify.sandbox import Limits, run_job

_COMPARED = ("exc", "phase", "ret", "stdout", "commands", "db", "tree")


@dataclass(frozen=True)
class ProbeResult:
    """One probe kind on both versions.

    Args:
        kind: ``sql``, ``shell``, ``path`` or ``yaml``.
        original: the probe exploited the original unit.
        fixed: the probe exploited the fixed unit.
        payload: the first payload that exploited the original (or the fix), for messages.
        parameter: the parameter it went into.
    """

    kind: str
    original: bool
    fixed: bool
    payload: str = ""
    parameter: str = ""


@dataclass(frozen=True)
class BehaviorVerdict:
    """Whether a fix may be shown as far as behaviour goes.

    Args:
        ok: no difference on benign inputs and no probe that still succeeds on the fix.
        reason: why not, or what was (not) exercised.
        exercised: at least one benign call of the original ran to completion.
        calls: benign calls compared.
        mismatches: benign calls whose observations differ.
        refined: benign calls where the original raised and the fix completed (allowed).
        probes: one result per probe kind the findings call for.
        seconds: wall time of the check.
        isolated_network: the child ran in its own network namespace.
    """

    ok: bool
    reason: str
    exercised: bool = False
    calls: int = 0
    mismatches: int = 0
    refined: int = 0
    probes: tuple[ProbeResult, ...] = field(default=())
    seconds: float = 0.0
    isolated_network: bool = False

    @property
    def probes_passed(self) -> bool | None:
        """True when every probe that exploits the original fails on the fix; None when no
        probe exploited the original (nothing to show)."""
        relevant = [p for p in self.probes if p.original]
        if not relevant:
            return None
        return not any(p.fixed for p in relevant)


class BehaviorChecker:
    """Runs the differential run and the probes for one candidate fix.

    Args:
        options: run options (``behavior_examples``, ``behavior_timeout``).
        root: repository root, searched for literal example calls in its tests.
    """

    def __init__(self, options: Options, root: str | None = None) -> None:
        import importlib.util

        from promsec_ci.errors import PromsecError

        if importlib.util.find_spec("hypothesis") is None:
            raise PromsecError("behaviour checks need hypothesis: pip install 'promsec-ci[behavior]'")
        self.options = options
        self.root = root
        self.examples = options.behavior_examples
        wall = options.behavior_timeout
        # a generous per-call alarm: busy CI runners make honest calls slow, and a false
        # "Timeout" would hide a good fix
        self.limits = Limits(wall_seconds=wall, call_seconds=min(5.0, wall / 4))

    def check(self, original_text: str, fixed_text: str, unit: Unit, findings: Sequence[Finding]) -> BehaviorVerdict:
        """Compare ``original_text`` and ``fixed_text`` (whole modules) around ``unit``.

        Args:
            original_text: the module as scanned.
            fixed_text: the module with the candidate fix applied.
            unit: the unit the fix rewrites (its name is looked up in both texts).
            findings: the unit's findings; they choose the probes.
        """
        clock = time.perf_counter()
        plan = self._plan(original_text, fixed_text, unit, findings)
        if isinstance(plan, BehaviorVerdict):
            return plan
        job, benign, probe_plan = plan
        run = run_job(job, self.limits)
        seconds = time.perf_counter() - clock
        if run.result is None:
            return BehaviorVerdict(False, f"behaviour check failed: {run.error}", seconds=seconds,
                                   isolated_network=run.isolated_network)
        results = run.result["results"]
        for observations in results.values():
            for observation in observations:
                observation["_seed"] = run.result.get("seed", {})
                observation["_work"] = run.result.get("work", "")
        return _judge(results["original"], results["fixed"], benign, probe_plan, seconds, run.isolated_network)

    def check_fix(self, text: str, unit: Unit, findings: Sequence[Finding], fix, notices: list):
        """``fix`` when it keeps behaviour and closes the probes, else ``None`` with a notice
        (for fixes made outside the operator search, such as the LLM loop's).

        Args:
            text: the scanned file the fix's edits apply to.
            unit: the unit it rewrites.
            findings: the unit's findings.
            fix: the ``Fix``.
            notices: appended to when the fix is rejected.
        """
        from promsec_ci.fixes import apply_edits
        from promsec_ci.records import Notice

        fixed = apply_edits(text, fix.edits)
        verdict = self.check(text, fixed, unit, findings) if fixed is not None else None
        if verdict is not None and verdict.ok:
            return fix
        reason = verdict.reason if verdict is not None else "its edits do not apply"
        notices.append(Notice(f"behaviour check rejected the {', '.join(fix.operators)} fix of {unit.name}: {reason}",
                              unit.path))
        return None

    def _plan(self, original_text: str, fixed_text: str, unit: Unit, findings: Sequence[Finding]):
        calls: list[dict] = []
        probe_plan: list[tuple[str, str, str, int, int]] = []  # kind, param, payload, probe call, control call
        if unit.language != "python":
            return BehaviorVerdict(True, f"not exercised: {unit.language} units are not run")
        if unit.name == MODULE:
            calls.append({"target": None})
            benign = 1
        else:
            signature = inputs.find_signature(original_text, unit.name)
            if signature is None:
                return BehaviorVerdict(True, f"not exercised: {unit.name} is not callable from the module's top level")
            if inputs.find_signature(fixed_text, unit.name) is None:
                return BehaviorVerdict(False, f"the fix no longer defines {unit.name}")
            explicit = inputs.examples_from_tests(self.root, unit.name, signature)
            examples = inputs.generate_examples(signature, self.examples, explicit)
            calls.extend(inputs.as_call(signature, e) for e in examples)
            main = inputs.find_signature(original_text, "main") if unit.name != "main" else None
            if main is not None and inputs.find_signature(fixed_text, "main") is not None:
                main_examples = inputs.generate_examples(main, max(self.examples // 2, 1))
                calls.extend(inputs.as_call(main, e) for e in main_examples)
            benign = len(calls)
            probe_plan = _probe_calls(signature, examples[0], probes.kinds_for(findings), calls)
        schema = inputs.infer_schema(original_text, fixed_text)
        job = {
            "versions": {"original": original_text, "fixed": fixed_text},
            "filename": os.path.basename(unit.path) or "unit.py",
            "calls": calls,
            "schema": schema,
            "rows": inputs.seed_rows(schema),
            "tree": inputs.file_tree(),
            "work": inputs.WORK,
            "sys_path": self._import_path(unit),
        }
        return job, benign, probe_plan

    def _import_path(self, unit: Unit) -> list[str]:
        """The unit's folder and the repository root, so its sibling imports resolve."""
        if not self.root:
            return []
        root = os.path.abspath(self.root)
        folder = os.path.normpath(os.path.join(root, os.path.dirname(unit.path)))
        return list(dict.fromkeys(p for p in (folder, root) if os.path.isdir(p)))


def _probe_calls(signature: inputs.Signature, base: dict, kinds: list[probes.ProbeKind],
                 calls: list[dict]) -> list[tuple[str, str, str, int, int]]:
    """Append the probe and control calls to ``calls``; return where each one is."""
    plan = []
    targets = [p.name for p in signature.params if isinstance(base.get(p.name), str)]
    for kind in kinds:
        for name in targets:
            if kind.control is None:
                control_index = 0  # the base example is the first benign call
            else:
                calls.append(inputs.as_call(signature, {**base, name: kind.control}))
                control_index = len(calls) - 1
            for payload in kind.payloads:
                calls.append(inputs.as_call(signature, {**base, name: payload}))
                plan.append((kind.name, name, payload, len(calls) - 1, control_index))
    return plan


def _judge(original: list[dict], fixed: list[dict], benign: int, probe_plan, seconds: float,
           isolated: bool) -> BehaviorVerdict:
    mismatches = []
    refined = 0
    for i in range(benign):
        if _refines(original[i], fixed[i]):
            refined += 1
            continue
        diff = _difference(original[i], fixed[i])
        if diff:
            mismatches.append((i, diff))
    done = [o for o in original[:benign] if o.get("phase") == "done"]
    exercised = bool(done)
    results = _probe_results(original, fixed, probe_plan)
    common = {"exercised": exercised, "calls": benign, "mismatches": len(mismatches), "refined": refined,
              "probes": results, "seconds": seconds, "isolated_network": isolated}
    if mismatches:
        i, diff = mismatches[0]
        return BehaviorVerdict(False, f"behaviour differs on a benign input (call {i + 1}): {diff}", **common)
    for probe in results:
        if probe.fixed:
            return BehaviorVerdict(False, f"probe {probe.kind} still succeeds on the fix: "
                                          f"{probe.payload!r} in {probe.parameter}", **common)
    if not exercised:
        failures = sorted({o.get("exc") or "?" for o in original[:benign]})
        return BehaviorVerdict(True, f"not exercised: every benign call of the original failed ({', '.join(failures)})",
                               **common)
    closed = [p.kind for p in results if p.original]
    inconclusive = [p.kind for p in results if not p.original]
    reason = f"same behaviour on {benign - refined} benign calls"
    if refined:
        reason += f" ({refined} more where only the original failed)"
    if closed:
        reason += f"; probes closed: {', '.join(closed)}"
    if inconclusive:
        reason += f"; probes that did not exploit the original: {', '.join(inconclusive)}"
    return BehaviorVerdict(True, reason, **common)


def _refines(original: dict, fixed: dict) -> bool:
    """The original failed where the fix completes: a fix may be defined on more inputs than
    the code it replaces (an unquoted value that broke the SQL, a bytes/str mix-up), so this
    is not a behaviour change. A runaway original is not refined by anything."""
    return (original.get("exc") not in (None, "Timeout") and fixed.get("exc") is None
            and fixed.get("phase") == "done")


def _difference(a: dict, b: dict) -> str:
    for key in _COMPARED:
        left, right = a.get(key), b.get(key)
        if key == "commands":
            left = [comparable(c["norm"]) for c in left or []]
            right = [comparable(c["norm"]) for c in right or []]
        if left != right:
            return f"{key}: {_short(left)} != {_short(right)}"
    return ""


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def _probe_results(original: list[dict], fixed: list[dict], plan) -> tuple[ProbeResult, ...]:
    by_kind: dict[str, ProbeResult] = {}
    for kind, param, payload, index, control in plan:
        hit_original = probes.succeeded(kind, original[index], original[control])
        hit_fixed = probes.succeeded(kind, fixed[index], fixed[control])
        current = by_kind.get(kind)
        if current is None:
            current = ProbeResult(kind, False, False)
        if (hit_original and not current.original) or (hit_fixed and not current.fixed):
            current = ProbeResult(kind, current.original or hit_original, current.fixed or hit_fixed,
                                  payload, param)
        by_kind[kind] = current
    return tuple(by_kind.values())


def behavior_gate(checker: BehaviorChecker, original_text: str, candidate_text: str, unit: Unit,
                  findings: Sequence[Finding], inspection, notices: list):
    """The candidate search's hook: ``inspection`` unchanged when the candidate keeps its
    behaviour, else the same inspection with a failed verdict (and a notice saying why).

    Args:
        checker: the run's behaviour checker.
        original_text: the scanned file.
        candidate_text: the candidate file.
        unit: the unit the candidate rewrites.
        findings: the unit's findings (choose the probes).
        inspection: the static verifier's ``Inspection`` of the candidate (``verdict.ok`` true).
        notices: the search's notices, appended to on rejection.
    """
    import dataclasses

    from promsec_ci.records import Notice

    verdict = checker.check(original_text, candidate_text, unit, findings)
    if verdict.ok:
        return inspection
    notices.append(Notice(f"behaviour check rejected a candidate fix of {unit.name}: {verdict.reason}", unit.path))
    failed = dataclasses.replace(inspection.verdict, ok=False, reason=f"behaviour: {verdict.reason}")
    return dataclasses.replace(inspection, verdict=failed)
