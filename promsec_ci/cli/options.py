"""Options shared by ``scan`` and ``fix``: what to scan, filters, gate thresholds, config."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click

from promsec_ci.config import FILTER_MODES

LEVELS = click.Choice(["low", "medium", "high"], case_sensitive=False)

_SHARED = [
    click.argument("paths", nargs=-1, type=click.Path()),
    click.option("--base", help="Scan only what changed since merge-base(BASE, HEAD)."),
    click.option("--head", help="The head of the change (default HEAD)."),
    click.option("--staged", is_flag=True, help="Scan the files staged for commit (pre-commit)."),
    click.option("--filter-mode", type=click.Choice(FILTER_MODES),
                 help="Which findings of a diff scan to keep: added (default), diff_context, file, "
                 "nofilter."),
    click.option("--baseline", type=click.Path(),
                 help="Earlier JSON or SARIF report of ours; its findings are hidden."),
    click.option("--fail-on", type=LEVELS, help="Minimum severity of a blocking finding (default medium)."),
    click.option("--severity", type=LEVELS, help="Minimum severity reported (default low)."),
    click.option("--confidence", type=LEVELS, help="Minimum confidence of a blocking finding (default medium)."),
    click.option("--exclude", multiple=True, help="Glob of paths to skip (repeatable)."),
    click.option("--skip", multiple=True, help="Rule id to skip, e.g. B101 (repeatable)."),
    click.option("--config", "config_path", type=click.Path(),
                 help="TOML file with [tool.promsec-ci] (default: pyproject.toml)."),
    click.option("--exit-zero", is_flag=True, help="Always exit 0 unless promsec-ci itself failed."),
]


JAVA_FLAGS = ("java_analyzer", "java_classes")

_JAVA = [
    click.option("--java-analyzer", type=click.Choice(["spotbugs", "semgrep", "both"]),
                 help="Java backend: spotbugs (default; SpotBugs+FindSecBugs or Debian's findbugs, falling back "
                 "to semgrep when neither is installed), semgrep (project rules, on source), or both."),
    click.option("--java-classes", type=click.Path(file_okay=False),
                 help="The build's class folder for SpotBugs (default: compile the changed .java files)."),
]


def shared_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add the shared flags; the Java flags reach ``build_request`` through the click context."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        java = option_overrides(**{name: kwargs.pop(name) for name in JAVA_FLAGS})
        click.get_current_context().meta["promsec_ci.java_overrides"] = java
        return func(*args, **kwargs)

    for decorator in reversed([*_SHARED, *_JAVA]):
        wrapper = decorator(wrapper)
    return wrapper


LLM_FLAGS = ("llm", "llm_model", "llm_base_url", "llm_max_calls", "llm_max_tokens", "max_iterations", "strategy",
             "verify_behavior")

_LLM = [
    click.option("--llm/--no-llm", "llm", default=None,
                 help="Use the LLM loop (default: on when OPENAI_API_KEY / PROMSEC_LLM_API_KEY or a base URL "
                 "is set)."),
    click.option("--llm-model", help="Model name (default gpt-4o-mini)."),
    click.option("--llm-base-url", help="OpenAI-compatible API base URL (vLLM, Ollama, llama.cpp, Azure)."),
    click.option("--llm-max-calls", type=click.IntRange(min=0), help="LLM calls per run (default 200)."),
    click.option("--llm-max-tokens", type=click.IntRange(min=0), help="LLM tokens per run (default 400000)."),
    click.option("--max-iterations", type=click.IntRange(min=1), help="LLM loop iterations per unit (default 5)."),
    click.option("--strategy", type=click.Choice(["promsec", "bl1", "bl2", "a1", "a2"]),
                 help="promsec (default), bl1/bl2 (Pearce et al. templates), a1 (no gGAN), a2 (no LLM)."),
    click.option("--verify-behavior/--no-verify-behavior", "verify_behavior", default=None,
                 help="Show only fixes that keep behaviour and stop exploit probes in a sandboxed run of the "
                 "code (runs PR code; default off)."),
]


def llm_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add the LLM flags; the command receives them as one ``llm_overrides`` dict keyword."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        kwargs["llm_overrides"] = option_overrides(**{name: kwargs.pop(name) for name in LLM_FLAGS})
        return func(*args, **kwargs)

    for decorator in reversed(_LLM):
        wrapper = decorator(wrapper)
    return wrapper


def option_overrides(**flags: Any) -> dict[str, Any]:
    """CLI values that override the config file (``None`` and empty means "not given")."""
    return {key: value for key, value in flags.items() if value not in (None, ())}


def build_request(
    *,
    paths: tuple[str, ...],
    base: str | None,
    head: str | None,
    staged: bool,
    baseline: str | None,
    config_path: str | None,
    overrides: dict[str, Any],
):
    """The ScanRequest for a command line; raises ``PromsecError`` on a bad combination."""
    from promsec_ci.changes import find_root
    from promsec_ci.config import load_options
    from promsec_ci.errors import PromsecError
    from promsec_ci.pipeline import ScanRequest

    if staged and (base or head):
        raise PromsecError("--staged cannot be combined with --base/--head")
    if head and not base:
        raise PromsecError("--head needs --base")
    root = find_root(paths[0] if paths and not (base or staged) else ".")
    context = click.get_current_context(silent=True)
    if context is not None:  # --java-* flags, set aside by shared_options
        overrides = {**context.meta.get("promsec_ci.java_overrides", {}), **overrides}
    options = load_options(config_path, root, overrides)
    return ScanRequest(
        root=root,
        options=options,
        paths=paths or (".",),
        base=base,
        head=head,
        staged=staged,
        baseline=baseline,
    )
