"""Run options: defaults, ``[tool.promsec-ci]`` and ``[tool.bandit]`` in pyproject.toml, then flags.

Precedence: CLI flags > ``[tool.promsec-ci]`` > ``[tool.bandit]`` (skips and excludes) > defaults.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from promsec_ci.errors import ConfigError
from promsec_ci.records import Level

FILTER_MODES = ("added", "diff_context", "file", "nofilter")
GRAPH_KINDS = ("cfg", "ast", "dfg")
STRATEGIES = ("promsec", "bl1", "bl2", "a1", "a2")
JAVA_ANALYZERS = ("spotbugs", "semgrep", "both")


@dataclass(frozen=True)
class Options:
    """Everything a run needs to know, after config files and flags are merged.

    Args:
        fail_on: minimum severity of a blocking finding.
        severity: minimum severity reported at all.
        confidence: minimum confidence of a blocking finding (lower ones are reported only).
        exclude: glob patterns of paths never scanned (also for paths given explicitly).
        skip: analyzer rule ids never reported.
        tests: when non-empty, only these rule ids run.
        filter_mode: which findings of a diff scan are kept (see ``filter.py``).
        max_file_bytes: larger files become a notice instead of being scanned.
    """

    fail_on: Level = Level.MEDIUM
    severity: Level = Level.LOW
    confidence: Level = Level.MEDIUM
    exclude: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()
    tests: tuple[str, ...] = ()
    filter_mode: str = "added"
    max_file_bytes: int = 1_000_000
    # fixing
    fix: bool = True
    ggan: bool = True
    graph: str = "cfg"
    model_dir: str | None = None
    min_similarity: float = 0.6
    min_graph_similarity: float = 0.5
    alpha: float = 1.0
    beta: float = 0.5
    verify_behavior: bool = False
    sql_paramstyle: str = "auto"  # auto (driver in the file, else the repository's) | qmark | format
    behavior_examples: int = 20  # benign inputs per behaviour check
    behavior_timeout: float = 30.0  # wall seconds per behaviour check (sandboxed child)
    explain_unfixed: bool = False  # a note per unit left without a fix, saying why (``-v``)
    # LLM
    llm: bool | None = None  # None: on when a key or base URL is configured
    llm_model: str = "gpt-4o-mini"
    llm_base_url: str | None = None
    llm_timeout: float = 60.0
    llm_max_calls: int = 200
    llm_max_tokens: int = 400_000
    max_iterations: int = 5
    strategy: str = "promsec"
    cache_dir: str = ".promsec-cache"
    # Java
    java_analyzer: str = "spotbugs"  # spotbugs | semgrep | both; spotbugs falls back to semgrep
    java_classes: str | None = None  # the build's class folder; None: compile the changed files
    extra: dict[str, Any] = field(default_factory=dict)

    def is_excluded(self, path: str) -> bool:
        """True when ``path`` (repository-relative) matches an exclude glob or lies under one."""
        parts = Path(path).parts
        for pattern in self.exclude:
            pattern = pattern.rstrip("/")
            if fnmatch.fnmatch(path, pattern) or fnmatch.fnmatch(path, pattern + "/*"):
                return True
            if any(fnmatch.fnmatch(part, pattern) for part in parts):
                return True
        return False


_LEVEL_KEYS = ("fail_on", "severity", "confidence")
_TUPLE_KEYS = ("exclude", "skip", "tests")


def load_options(config_path: str | None, root: str, overrides: dict[str, Any]) -> Options:
    """Merge defaults, the config file and CLI overrides (``None`` values are ignored).

    Args:
        config_path: an explicit TOML file; when ``None``, ``<root>/pyproject.toml`` if present.
        root: the repository root.
        overrides: option name -> value from the command line.
    """
    path = Path(config_path) if config_path else Path(root) / "pyproject.toml"
    values: dict[str, Any] = {}
    if config_path or path.is_file():
        values.update(_read_toml_sections(path))
    values.update({k: v for k, v in overrides.items() if v is not None and v != ()})
    return _build(values, path)


def _read_toml_sections(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read config {path}: {exc}") from None
    tool = data.get("tool", {})
    values: dict[str, Any] = {}
    bandit = tool.get("bandit", {})
    if isinstance(bandit, dict):
        if "skips" in bandit:
            values["skip"] = bandit["skips"]
        if "exclude_dirs" in bandit:
            values["exclude"] = bandit["exclude_dirs"]
        if "tests" in bandit:
            values["tests"] = bandit["tests"]
    ours = tool.get("promsec-ci", {})
    if not isinstance(ours, dict):
        raise ConfigError(f"{path}: [tool.promsec-ci] must be a table")
    for key, value in ours.items():
        name = key.replace("-", "_")
        if name in ("skip", "exclude") and name in values:
            value = [*values[name], *value] if isinstance(value, list) else value
        values[name] = value
    return values


def _build(values: dict[str, Any], source: Path) -> Options:
    known = {f.name for f in dataclasses.fields(Options)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ConfigError(f"{source}: unknown option(s) {', '.join(unknown)}")
    try:
        for key in _LEVEL_KEYS:
            if key in values and not isinstance(values[key], Level):
                values[key] = Level.parse(str(values[key]))
        for key in _TUPLE_KEYS:
            if key in values:
                value = values[key]
                if isinstance(value, str):
                    value = [v for v in value.split(",") if v.strip()]
                values[key] = tuple(str(v).strip() for v in value)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{source}: {exc}") from None
    if values.get("filter_mode", "added") not in FILTER_MODES:
        raise ConfigError(
            f"filter_mode must be one of {', '.join(FILTER_MODES)}, not {values['filter_mode']!r}"
        )
    if values.get("graph", "cfg") not in GRAPH_KINDS:
        raise ConfigError(f"graph must be one of {', '.join(GRAPH_KINDS)}")
    if values.get("strategy", "promsec") not in STRATEGIES:
        raise ConfigError(f"strategy must be one of {', '.join(STRATEGIES)}")
    if values.get("sql_paramstyle", "auto") not in ("auto", "qmark", "format"):
        raise ConfigError("sql_paramstyle must be one of auto, qmark, format")
    if values.get("java_analyzer", "spotbugs") not in JAVA_ANALYZERS:
        raise ConfigError(f"java_analyzer must be one of {', '.join(JAVA_ANALYZERS)}")
    try:
        return Options(**values)
    except TypeError as exc:
        raise ConfigError(f"{source}: {exc}") from None
