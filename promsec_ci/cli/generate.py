"""``promsec-ci generate``: code from a prompt, made secure by the PromSec loop.

Prints the secure code (or writes it to ``--out``) and the optimized prompt p*. Exit codes:
0 the code is clean, 1 findings remain, 2 usage, configuration or LLM errors.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from promsec_ci.cli.options import llm_options

if TYPE_CHECKING:
    from promsec_ci.cli.app import App


@click.command(short_help="Generate code from a prompt with an LLM and make it secure.")
@click.option("--prompt", "prompt_text", help="The prompt.")
@click.option("--prompt-file", type=click.Path(dir_okay=False), help="A file holding the prompt.")
@click.option("--lang", "language", type=click.Choice(["python", "java"]), default="python", show_default=True,
              help="Language to generate (Java is not verified: SpotBugs needs compiled classes).")
@click.option("--out", type=click.Path(dir_okay=False), help="Write the code here instead of stdout.")
@click.option("--config", "config_path", type=click.Path(), help="TOML file with [tool.promsec-ci].")
@llm_options
@click.pass_obj
def generate(app: App, *, prompt_text, prompt_file, language, out, config_path, llm_overrides) -> None:
    """Generate code for --prompt or --prompt-file, analyze it, and run the PromSec loop until the
    analyzer reports nothing; print the secure code and the optimized prompt p*."""
    from promsec_ci.changes import find_root
    from promsec_ci.config import load_options
    from promsec_ci.fileio import atomic_write
    from promsec_ci.llm import build_client
    from promsec_ci.llm.generate import generate as run_generate

    prompt = _read_prompt(app, prompt_text, prompt_file)
    root = find_root(".")
    options = load_options(config_path, root, llm_overrides)
    client = build_client(options, root)
    if client is None:
        app.abort("generate needs an LLM: set OPENAI_API_KEY or PROMSEC_LLM_API_KEY, or --llm-base-url")
    path = Path(out).name if out else ("generated.py" if language == "python" else "Generated.java")
    result = run_generate(prompt, options, root, client, language=language, path=path)

    if out:
        try:
            atomic_write(out, result.code)
        except OSError as exc:
            app.abort(f"cannot write {out}: {exc.strerror or exc}")
        app.display_info(f"wrote {out}")
    else:
        click.echo(result.code, nl=False)
        click.echo()
    click.echo("# optimized prompt p*:" if not out else "optimized prompt p*:")
    click.echo(result.prompt if out else "\n".join(f"# {line}".rstrip() for line in result.prompt.splitlines()))
    for notice in result.notices:
        app.display_warning(notice.message)
    for finding in result.findings:
        app.display_warning(f"{finding.path}:{finding.start_line} {finding.rule_id} {finding.rule_name} "
                            f"CWE-{finding.cwe}: {finding.message}")
    cost = result.cost
    state = "not verified" if not result.verified else (
        "clean" if not result.findings else f"{len(result.findings)} finding(s) left")
    app.display_info(f"{state} after {result.rounds} fix round(s); LLM {cost.llm_queries} queries, "
                     f"{cost.input_tokens}+{cost.output_tokens} tokens, {cost.llm_seconds:.1f}s; "
                     f"analyzer {cost.analyzer_runs} runs; {cost.total_seconds:.1f}s")
    raise click.exceptions.Exit(1 if result.findings else 0)


def _read_prompt(app: App, text: str | None, path: str | None) -> str:
    if (text is None) == (path is None):
        app.abort("give exactly one of --prompt and --prompt-file")
    if path is not None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            app.abort(f"cannot read prompt file {path}: {getattr(exc, 'strerror', None) or exc}")
    assert text is not None
    if not text.strip():
        app.abort("the prompt is empty")
    return text
