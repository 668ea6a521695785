"""Static verification of a candidate fix: what must hold before a fix is ever shown.

A candidate (the whole rewritten file) is ``ok`` only if, in this order:

1. it parses;
2. the unit is still there under its qualified name, with the same parameters (names, kinds,
   presence of defaults), async-ness and decorators;
3. every function and class of the original file is still there, and the unit still reads
   every parameter and local variable it read before;
4. Bandit on the whole rewritten file reports no new finding anywhere (matched by rule id and
   normalised code outside the unit, by rule id counts inside it, since added imports shift
   lines) and fewer CWEs in the unit: unique ``(rule_id, line)`` findings of severity MEDIUM or
   more (or the lowest severity among the findings being fixed, when that is lower);
5. token similarity of the unit (of the file, for module-level code and units under
   ``TINY_UNIT_TOKENS`` tokens) >= ``options.min_similarity``;
6. graph similarity of the unit >= ``options.min_graph_similarity`` (when ``promsec_ci.graphs``
   is available; ``graph_similarity`` is NaN when it is not); reported but not gating for tiny
   units, whose graph is little more than the fixed statement.

The first failing check names itself in ``Verdict.reason``::

    Verdict(ok=False, reason="1 new finding: B602 (line 14)", cwes_before=1, cwes_left=0, ...)
"""

from __future__ import annotations

import ast
import hashlib
import math
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from promsec_ci.analyzers.bandit import BanditAnalyzer
from promsec_ci.config import Options
from promsec_ci.records import Finding, Level, Unit
from promsec_ci.units import MODULE
from promsec_ci.verify.similarity import token_similarity, tokens

# Bandit's low-severity "review this" markers on every subprocess use. The CWE-78 operators'
# secure form (subprocess.run with an argument list, no shell) triggers them by construction
# (B607: the same program name the shell resolved through PATH before), so they are neither
# counted as new findings nor as CWEs of a unit (no operator fixes them).
RESIDUAL_RULES = frozenset({"B404", "B603", "B607"})
_CACHE_SIZE = 512
TINY_UNIT_TOKENS = 40  # below this, similarity is measured on the whole file


@dataclass(frozen=True)
class Verdict:
    """The outcome of verifying one candidate.

    Args:
        ok: every check passed.
        reason: which check failed, or a one-line summary when ok.
        cwes_before: unique (rule, line) CWE findings in the unit before.
        cwes_left: the same count in the rewritten unit (``cwes_before`` when it was not analysed).
        new_findings: findings of the rewritten file with no counterpart in the original.
        similarity: token-sequence similarity of the unit before and after.
        graph_similarity: graph-embedding similarity of the unit, NaN when not computed.
    """

    ok: bool
    reason: str
    cwes_before: int
    cwes_left: int
    new_findings: int
    similarity: float
    graph_similarity: float


@dataclass(frozen=True)
class Inspection:
    """A verdict plus what the search needs to build a Fix from the candidate.

    Args:
        verdict: the verdict.
        region: first and last line of the unit in the candidate, ``None`` if it was not found.
        removed: original findings of the unit (counted ones) that the candidate no longer has.
        remaining: counted findings still in the candidate's unit.
    """

    verdict: Verdict
    region: tuple[int, int] | None
    removed: tuple[Finding, ...] = ()
    remaining: tuple[Finding, ...] = ()


class StaticVerifier:
    """Checks candidates against the original file; caches Bandit results by text.

    Args:
        options: thresholds (``min_similarity``, ``min_graph_similarity``), graph kind, skips.
        analyzer: the Bandit analyzer to reuse (a new one honouring ``options`` otherwise).
    """

    def __init__(self, options: Options, analyzer: BanditAnalyzer | None = None) -> None:
        self.options = options
        self.analyzer = analyzer or BanditAnalyzer(options.tests, options.skip)
        self.analyzer_runs = 0
        self.analyzer_seconds = 0.0
        self._cache: dict[tuple[str, str], list[Finding] | None] = {}

    def verify(self, original_text: str, candidate_text: str, unit: Unit, findings: Sequence[Finding]) -> Verdict:
        """Verify ``candidate_text`` as a rewrite of ``unit`` in ``original_text``.

        Args:
            original_text: the scanned file.
            candidate_text: the whole rewritten file.
            unit: the unit being fixed (lines of ``original_text``).
            findings: the findings being fixed (they set the severity floor of the CWE count).
        """
        return self.inspect(original_text, candidate_text, unit, findings).verdict

    def analyze(self, text: str, path: str) -> list[Finding] | None:
        """Bandit findings of ``text`` (cached), ``None`` when Bandit cannot parse it."""
        key = (path, hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest())
        if key in self._cache:
            return self._cache[key]
        clock = time.perf_counter()
        found = self.analyzer.analyze_text(text, path)
        self.analyzer_seconds += time.perf_counter() - clock
        self.analyzer_runs += 1
        if len(self._cache) >= _CACHE_SIZE:
            self._cache.pop(next(iter(self._cache)))
        self._cache[key] = found
        return found

    def cwe_findings(self, text: str, unit: Unit, region: tuple[int, int],
                     findings: Sequence[Finding]) -> list[Finding]:
        """The counted CWE findings of ``text`` inside ``region``, one per (rule, line)."""
        found = self.analyze(text, unit.path) or []
        return _counted(found, region, _floor(findings))

    def inspect(self, original_text: str, candidate_text: str, unit: Unit, findings: Sequence[Finding]) -> Inspection:
        """Like ``verify``, also returning the unit's region in the candidate and the findings removed."""
        floor = _floor(findings)
        before_all = self.analyze(original_text, unit.path) or []
        original_region = (unit.start_line, unit.end_line)
        counted_before = _counted(before_all, original_region, floor)
        k_before = len(counted_before)

        def fail(reason: str, **numbers) -> Verdict:
            values = {"cwes_before": k_before, "cwes_left": k_before, "new_findings": 0,
                      "similarity": 0.0, "graph_similarity": math.nan, **numbers}
            return Verdict(ok=False, reason=reason, **values)

        try:
            new_tree = ast.parse(candidate_text)
            old_tree = ast.parse(original_text)
        except (SyntaxError, ValueError) as exc:
            line = getattr(exc, "lineno", None)
            return Inspection(fail(f"does not parse: {getattr(exc, 'msg', exc)}" + (f" (line {line})" if line else "")),
                              None)

        region = _candidate_region(original_text, candidate_text, unit, old_tree, new_tree)
        if region is None:
            return Inspection(fail(f"unit {unit.name} not found in the rewritten file"), None)
        after_all = self.analyze(candidate_text, unit.path)
        if after_all is None:
            return Inspection(fail("Bandit cannot analyze the rewritten file"), region)
        counted_after = _counted(after_all, region, floor)
        k_after = len(counted_after)
        new = _new_findings(before_all, after_all, original_region, region)
        candidate_source = "".join(candidate_text.splitlines(keepends=True)[region[0] - 1 : region[1]])
        # A module-level unit or a one-line function is little more than the statement being
        # fixed, so its own ratio measures the size of the fix; how much of the file is kept is
        # what tells a fix from a rewrite there (dropped variables are caught below).
        tiny = unit.name == MODULE or len(tokens(unit.source)) < TINY_UNIT_TOKENS
        if tiny:
            similarity = token_similarity(original_text, candidate_text)
        else:
            similarity = token_similarity(unit.source, candidate_source)
        numbers = {"cwes_left": k_after, "new_findings": len(new), "similarity": similarity}
        removed = _removed(counted_before, counted_after)
        inspection = _Partial(region, removed, tuple(counted_after))

        reason = (_structure_problem(unit, old_tree, new_tree) or _dropped_variables(unit, old_tree, new_tree)
                  or _stub_problem(unit, old_tree, new_tree))
        if reason:
            return inspection.done(fail(reason, **numbers))
        if new:
            shown = ", ".join(f"{f.rule_id} (line {f.start_line})" for f in new[:3])
            return inspection.done(fail(f"{len(new)} new finding{'s' if len(new) > 1 else ''}: {shown}", **numbers))
        if k_after >= k_before:
            reason = f"no CWE removed in the unit (k={k_before} before, {k_after} after)"
            return inspection.done(fail(reason, **numbers))
        if similarity < self.options.min_similarity:
            return inspection.done(
                fail(f"token similarity {similarity:.2f} < {self.options.min_similarity:.2f}", **numbers))
        graph = self._graph_similarity(unit, candidate_source, region)
        numbers["graph_similarity"] = graph
        if isinstance(graph, str):
            return inspection.done(fail(graph, **{**numbers, "graph_similarity": math.nan}))
        # A tiny unit's graph is little more than the fixed statement, so, like its token ratio,
        # its graph ratio measures the size of the fix: reported, not gating.
        if not tiny and not math.isnan(graph) and graph < self.options.min_graph_similarity:
            return inspection.done(
                fail(f"graph similarity {graph:.2f} < {self.options.min_graph_similarity:.2f}", **numbers))
        graph_text = "" if math.isnan(graph) else f", graph {graph:.2f}"
        summary = f"verified: k {k_before} -> {k_after}, similarity {similarity:.2f}{graph_text}"
        verdict = Verdict(ok=True, reason=summary, cwes_before=k_before, **numbers)
        return inspection.done(verdict)

    def rule_counts(self, text: str, path: str) -> Counter:
        """How often Bandit reports each rule in ``text`` (empty when it cannot analyze it)."""
        return Counter(f.rule_id for f in self.analyze(text, path) or [])

    def verify_file(self, original_text: str, candidate_text: str, path: str) -> str:
        """Whole-file check of several fixes combined: ``""`` when it holds, else the reason.

        The combined file must parse, and Bandit must report no rule more often than before
        (rule counts, since combined rewrites shift lines and rewrite statements) and fewer
        CWE findings (MEDIUM or more) in total.
        """
        if path.endswith(".java"):  # javac + SpotBugs/semgrep instead of ast + Bandit
            from promsec_ci.java.fixer import JavaFixer

            return JavaFixer(self.options).verify_file(original_text, candidate_text, path)
        try:
            ast.parse(candidate_text)
        except (SyntaxError, ValueError) as exc:
            return f"combined fixes do not parse: {getattr(exc, 'msg', exc)}"
        before = self.analyze(original_text, path) or []
        after = self.analyze(candidate_text, path)
        if after is None:
            return "Bandit cannot analyze the combined fixes"
        counts_before = Counter(f.rule_id for f in before)
        grown = sorted(rule for rule, n in Counter(f.rule_id for f in after).items()
                       if n > counts_before[rule] and rule not in RESIDUAL_RULES)
        if grown:
            return "combined fixes add findings: " + ", ".join(grown)
        whole = (1, max(len(original_text.splitlines()), len(candidate_text.splitlines())) + 1)
        k_before = len(_counted(before, whole, Level.MEDIUM))
        k_after = len(_counted(after, whole, Level.MEDIUM))
        if k_after > k_before or (k_after == k_before and Counter(f.rule_id for f in after) == counts_before):
            return "combined fixes remove no finding"
        return ""

    def _graph_similarity(self, unit: Unit, candidate_source: str, region: tuple[int, int]) -> float | str:
        """The graph similarity, NaN when graphs are unavailable, or a failure reason."""
        try:
            from promsec_ci.graphs import graph_similarity
        except ImportError:
            return math.nan
        _single_threaded_torch()
        rewritten = Unit(unit.path, unit.name, unit.kind, region[0], region[1], candidate_source, unit.language)
        try:
            return float(graph_similarity(unit, rewritten, kind=self.options.graph))
        except Exception as exc:  # noqa: BLE001 - a graph we cannot build never lets a fix through
            return f"graph similarity failed: {type(exc).__name__}: {exc}"


@lru_cache(maxsize=1)
def _single_threaded_torch() -> None:
    """Graphs of a unit are tiny: torch's intra-op threads only add spin-waiting, and on a busy
    2-core CI runner that turned a 10 microsecond ``index_add_`` into 80 ms."""
    import torch

    torch.set_num_threads(1)


@dataclass(frozen=True)
class _Partial:
    region: tuple[int, int]
    removed: tuple[Finding, ...]
    remaining: tuple[Finding, ...]

    def done(self, verdict: Verdict) -> Inspection:
        return Inspection(verdict, self.region, self.removed, self.remaining)


def _floor(findings: Sequence[Finding]) -> Level:
    """MEDIUM, or lower when a finding being fixed is lower (B311 random is LOW)."""
    levels = [f.severity for f in findings if not f.suppressed and f.rule_id not in RESIDUAL_RULES]
    return min([Level.MEDIUM, *levels])


def _counted(found: Sequence[Finding], region: tuple[int, int], floor: Level) -> list[Finding]:
    """One finding per (rule, line) in ``region`` with severity >= ``floor``."""
    seen: dict[tuple[str, int], Finding] = {}
    for finding in found:
        if finding.suppressed or finding.severity < floor:
            continue
        if finding.rule_id in RESIDUAL_RULES:
            continue
        if region[0] <= finding.start_line <= region[1]:
            seen.setdefault((finding.rule_id, finding.start_line), finding)
    return list(seen.values())


def _removed(before: list[Finding], after: list[Finding]) -> tuple[Finding, ...]:
    """Counted original findings with no counterpart (same rule, same normalised code) after."""
    left = Counter((f.rule_id, _norm(f.code)) for f in after)
    by_rule = Counter(f.rule_id for f in after)
    removed = []
    for finding in before:
        key = (finding.rule_id, _norm(finding.code))
        if left[key] > 0:
            left[key] -= 1
            by_rule[finding.rule_id] -= 1
        else:
            removed.append(finding)
    # A rewritten statement still flagged by the same rule is not removed.
    unmatched_after = {rule: n for rule, n in by_rule.items() if n > 0}
    result = []
    for finding in removed:
        if unmatched_after.get(finding.rule_id, 0) > 0:
            unmatched_after[finding.rule_id] -= 1
        else:
            result.append(finding)
    return tuple(result)


def _norm(code: str) -> str:
    return "\n".join(line.strip() for line in code.splitlines() if line.strip())


def _new_findings(before: Sequence[Finding], after: Sequence[Finding], old_region: tuple[int, int],
                  new_region: tuple[int, int]) -> list[Finding]:
    """Findings of the candidate without a counterpart in the original.

    Outside the unit a counterpart has the same rule and normalised code; inside, the unit may
    not hold more findings of a rule than it did (its statements were rewritten).
    """
    def inside(f: Finding, region: tuple[int, int]) -> bool:
        return region[0] <= f.start_line <= region[1]

    outside_before = Counter((f.rule_id, _norm(f.code)) for f in before if not inside(f, old_region))
    inside_before = Counter(f.rule_id for f in before if inside(f, old_region))
    new: list[Finding] = []
    for finding in sorted(after, key=lambda f: f.start_line):
        if finding.rule_id in RESIDUAL_RULES:
            continue
        if inside(finding, new_region):
            if inside_before[finding.rule_id] > 0:
                inside_before[finding.rule_id] -= 1
                continue
        else:
            key = (finding.rule_id, _norm(finding.code))
            if outside_before[key] > 0:
                outside_before[key] -= 1
                continue
        new.append(finding)
    return new


def _structure_problem(unit: Unit, old_tree: ast.Module, new_tree: ast.Module) -> str:
    """Why the candidate's structure is not acceptable, or ``""``."""
    old_names, new_names = _definitions(old_tree), _definitions(new_tree)
    missing = sorted((old_names - new_names).elements())
    if unit.name != MODULE:
        old_def = _find_def(old_tree, unit.name, unit.start_line)
        new_defs = _defs_named(new_tree, unit.name)
        if old_def is not None and new_defs:
            candidates = [_signature(d) for d in new_defs]
            if _signature(old_def) not in candidates:
                if all(_signature(old_def)[0] != sig[0] for sig in candidates):
                    return f"{unit.name} changed between def and async def"
                if all(_signature(old_def)[2] != sig[2] for sig in candidates):
                    return f"decorators of {unit.name} changed"
                return f"signature of {unit.name} changed"
    if missing:
        return "functions or classes removed: " + ", ".join(dict.fromkeys(missing))
    return ""


def _dropped_variables(unit: Unit, old_tree: ast.Module, new_tree: ast.Module) -> str:
    """Parameters and local variables the unit read that the candidate no longer reads, as a
    reason; a stub that drops its inputs fails here whatever its size."""
    if unit.name == MODULE:
        return ""
    old_def = _find_def(old_tree, unit.name, unit.start_line)
    new_defs = _defs_named(new_tree, unit.name)
    if old_def is None or not new_defs:
        return ""
    before = _variables_read(old_def)
    after = set().union(*(_variables_read(d) for d in new_defs))
    dropped = sorted(before - after)
    return f"{unit.name} no longer reads {', '.join(dropped)}" if dropped else ""


def _stub_problem(unit: Unit, old_tree: ast.Module, new_tree: ast.Module) -> str:
    """A reason when the candidate turned the unit into a stub: a body of ``pass``/``...``/
    ``raise NotImplementedError``, or only constant returns where the original computed one (the
    paper's published "fixes" that return a string)."""
    if unit.name == MODULE:
        return ""
    old_def = _find_def(old_tree, unit.name, unit.start_line)
    new_defs = _defs_named(new_tree, unit.name)
    if old_def is None or not new_defs:
        return ""
    if not _is_stub_body(old_def.body) and any(_is_stub_body(d.body) for d in new_defs):
        return f"{unit.name} became a stub"
    old_returns = _own_returns(old_def)
    new_returns = [r for d in new_defs for r in _own_returns(d)]
    computed_before = any(r.value is not None and not isinstance(r.value, ast.Constant) for r in old_returns)
    constant_after = all(r.value is None or isinstance(r.value, ast.Constant) for r in new_returns)
    if computed_before and constant_after:
        return f"{unit.name} now returns only constants where it computed a value"
    return ""


def _is_stub_body(body: list[ast.stmt]) -> bool:
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]  # the docstring
    for statement in body:
        if isinstance(statement, ast.Pass):
            continue
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
            continue
        if isinstance(statement, ast.Raise) and "NotImplementedError" in ast.unparse(statement):
            continue
        return False
    return True


def _own_returns(function: ast.AST) -> list[ast.Return]:
    """Return statements of ``function`` itself, not of functions or lambdas nested in it."""
    found: list[ast.Return] = []
    stack = list(function.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Return):
            found.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return found


def _variables_read(node: ast.AST) -> set[str]:
    """Names a function reads that are its parameters or assigned inside it."""
    args = node.args
    local = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}
    local |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
    read = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Name):
            if isinstance(child.ctx, ast.Store):
                local.add(child.id)
            else:
                read.add(child.id)
    return read & local - {"self", "cls"}


def _walk_defs(body: list[ast.stmt], prefix: str = ""):
    """(qualified name, node) of every function and class, nested ones included."""
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            name = prefix + node.name
            yield name, node
            yield from _walk_defs(node.body, name + ".")
        else:
            for field in ("body", "orelse", "finalbody"):
                child = getattr(node, field, None)
                if isinstance(child, list) and child and isinstance(child[0], ast.stmt):
                    yield from _walk_defs(child, prefix)
            for handler in getattr(node, "handlers", []) or []:
                yield from _walk_defs(handler.body, prefix)
            for case in getattr(node, "cases", []) or []:
                yield from _walk_defs(case.body, prefix)


def _definitions(tree: ast.Module) -> Counter:
    return Counter(name for name, _ in _walk_defs(tree.body))


def _defs_named(tree: ast.Module, name: str) -> list[ast.AST]:
    return [node for qual, node in _walk_defs(tree.body)
            if qual == name and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]


def _start(node: ast.AST) -> int:
    return min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])


def _find_def(tree: ast.Module, name: str, start_line: int) -> ast.AST | None:
    defs = _defs_named(tree, name)
    exact = [d for d in defs if _start(d) == start_line]
    return (exact or defs or [None])[0]


def _signature(node: ast.AST) -> tuple:
    """(async?, parameters, decorators): what a rewrite of the body must not change."""
    args = node.args
    params = (
        tuple(a.arg for a in args.posonlyargs),
        tuple(a.arg for a in args.args),
        args.vararg.arg if args.vararg else None,
        tuple(a.arg for a in args.kwonlyargs),
        args.kwarg.arg if args.kwarg else None,
        len(args.defaults),
        tuple(d is not None for d in args.kw_defaults),
    )
    decorators = tuple(ast.dump(d) for d in node.decorator_list)
    return (isinstance(node, ast.AsyncFunctionDef), params, decorators)


def _candidate_region(original_text: str, candidate_text: str, unit: Unit,
                      old_tree: ast.Module, new_tree: ast.Module) -> tuple[int, int] | None:
    """First and last line of the unit in the candidate."""
    if unit.name != MODULE:
        old_defs = _defs_named(old_tree, unit.name)
        new_defs = _defs_named(new_tree, unit.name)
        if not new_defs:
            return None
        ordinal = next((i for i, d in enumerate(old_defs) if _start(d) == unit.start_line), 0)
        node = new_defs[min(ordinal, len(new_defs) - 1)]
        return _start(node), node.end_lineno or node.lineno
    return map_region(original_text, candidate_text, unit.start_line, unit.end_line)


def map_region(original_text: str, candidate_text: str, start: int, end: int) -> tuple[int, int] | None:
    """Lines ``start..end`` of the original, followed into the candidate by a line diff.

    Args:
        original_text: the text the lines refer to.
        candidate_text: the rewritten text.
        start: first line (1-based).
        end: last line (inclusive).
    """
    old = original_text.splitlines()
    new = candidate_text.splitlines()
    opcodes = SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    first = last = None
    for tag, i1, i2, j1, j2 in opcodes:
        if i1 == i2:
            continue
        if first is None and i1 <= start - 1 < i2:
            first = j1 + (start - 1 - i1) if tag == "equal" else j1
        if i1 <= end - 1 < i2:
            last = j1 + (end - 1 - i1) if tag == "equal" else j2 - 1
    if first is None or last is None or last < first:
        return None
    return first + 1, last + 1
