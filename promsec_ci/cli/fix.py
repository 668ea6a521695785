"""``promsec-ci fix``: scan, find verified fixes, print them as diffs or apply them.

Exit codes: with ``--diff`` (nothing is changed) the same as ``scan``: 1 when blocking findings
exist. With ``--apply``: 1 only when blocking findings remain that no applied fix removed.
2 on usage, configuration or tool errors. ``--exit-zero`` always exits 0.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from promsec_ci.cli.options import build_request, llm_options, option_overrides, shared_options

if TYPE_CHECKING:
    from promsec_ci.cli.app import App
    from promsec_ci.records import Fix, Report


@click.command(short_help="Propose verified fixes as unified diffs, or apply them.")
@shared_options
@llm_options
@click.option("--diff", "mode", flag_value="diff", default=True,
              help="Print one unified diff per file on stdout (default); nothing is written.")
@click.option("--apply", "mode", flag_value="apply",
              help="Rewrite the files that have a verified fix, atomically, keeping their mode.")
@click.option("--ggan/--no-ggan", "ggan", default=None,
              help="Rank candidate edits with the gGAN model (default on; off = plain enumeration).")
@click.pass_obj
def fix(app: App, *, paths, base, head, staged, filter_mode, baseline, fail_on, severity, confidence,
        exclude, skip, config_path, exit_zero, mode, ggan, llm_overrides) -> None:
    """Scan PATHS (default .), or the change since --base, or the staged files, and fix what can
    be fixed: every fix is verified (parses, same signature, fewer CWEs, no new finding, similar
    code) before it is shown or written."""
    from promsec_ci.gate import PASS, is_blocking
    from promsec_ci.pipeline import collect, scan
    from promsec_ci.verify.static import StaticVerifier

    overrides = option_overrides(filter_mode=filter_mode, fail_on=fail_on, severity=severity,
                                 confidence=confidence, exclude=exclude, skip=skip, ggan=ggan)
    overrides["fix"] = True
    overrides.update(llm_overrides)
    overrides["explain_unfixed"] = app.verbose > 0
    request = build_request(paths=paths, base=base, head=head, staged=staged, baseline=baseline,
                            config_path=config_path, overrides=overrides)
    changes = collect(request)
    report = scan(request, changes)
    texts = {change.path: change.text for change in changes.files}
    verifier = StaticVerifier(request.options)

    applied: set[Fix] = set()
    written = 0
    for path, fixes in _fixes_by_path(report).items():
        fixed_text, kept = _combine(texts[path], path, fixes, verifier)
        if not kept:
            app.display_warning(f"{path}: the fixes of this file do not verify together; none kept")
            continue
        if mode == "diff":
            if _show_diff(app, changes.root, path, texts[path], fixed_text):
                applied.update(kept)
        elif _write(app, changes.root, path, texts[path], fixed_text):
            applied.update(kept)
            written += 1

    for notice in report.notices:
        app.display_notice(notice)
    options = request.options
    blocking = [f for f in report.findings if is_blocking(f, options)]
    left = [f for f in blocking if mode == "diff" or f.fix is None or f.fix not in applied]
    verb = "applied to" if mode == "apply" else "proposed for"
    fixed_findings = sum(1 for f in report.findings if f.fix is not None and f.fix in applied)
    files = written if mode == "apply" else len({f.path for f in applied})
    app.display_info(f"{len(applied)} fix{'es' if len(applied) != 1 else ''} {verb} {fixed_findings} of "
                     f"{len(report.findings)} findings in {files} file{'s' if files != 1 else ''}; "
                     f"{len(left)} blocking finding{'s' if len(left) != 1 else ''} "
                     f"{'left' if mode == 'apply' else 'in the scanned code'}")
    code = PASS if exit_zero or not left else 1
    raise click.exceptions.Exit(code)


def _fixes_by_path(report: Report) -> dict[str, list[Fix]]:
    grouped: dict[str, dict[Fix, None]] = {}
    for finding in report.findings:
        if finding.fix is not None:
            grouped.setdefault(finding.fix.path, {})[finding.fix] = None
    return {path: list(fixes) for path, fixes in grouped.items()}


def _combine(text: str, path: str, fixes: list[Fix], verifier) -> tuple[str, tuple[Fix, ...]]:
    from promsec_ci.fixes import combine_fixes

    # Java files too: verify_file dispatches them to javac + SpotBugs/Semgrep (java/fixer.py), which
    # catches fixes that break each other (two path fixes each adding the same helper method).
    return combine_fixes(text, fixes, lambda candidate: verifier.verify_file(text, candidate, path),
                         (lambda candidate: verifier.rule_counts(candidate, path)) if path.endswith(".py") else None)


def _show_diff(app: App, root: str, path: str, scanned: str, fixed: str) -> bool:
    """Print the unified diff in the file's own encoding (BOM included), as git does, so that
    ``git apply`` matches a latin-1 or BOM file's bytes."""
    from pathlib import Path

    from promsec_ci.fileio import source_encoding
    from promsec_ci.fixes import unified_diff

    try:
        encoding = source_encoding((Path(root) / path).read_bytes(), path)
    except (OSError, SyntaxError, LookupError):
        encoding = "utf-8"
    bom = "\ufeff" if encoding == "utf-8-sig" else ""
    try:
        data = unified_diff(bom + scanned, bom + fixed, path).encode("utf-8" if bom else encoding)
    except UnicodeEncodeError:
        app.display_warning(f"{path}: not shown, the fix has characters {encoding} cannot hold")
        return False
    click.echo(data, nl=False)
    return True


def _write(app: App, root: str, path: str, scanned: str, fixed: str) -> bool:
    """Write ``fixed`` over ``path`` if the file still holds what was scanned."""
    from pathlib import Path

    from promsec_ci.errors import PromsecError
    from promsec_ci.fileio import atomic_write, source_encoding

    target = Path(root) / path
    try:
        data = target.read_bytes()
        encoding = source_encoding(data, path)
        current = data.decode(encoding)
    except (OSError, SyntaxError, LookupError, UnicodeDecodeError) as exc:
        app.display_warning(f"{path}: not written, cannot read it: {exc}")
        return False
    if current != scanned:
        app.display_warning(f"{path}: not written, the file changed since it was scanned")
        return False
    try:
        atomic_write(target, fixed, encoding)
    except UnicodeEncodeError:
        app.display_warning(f"{path}: not written, the fix has characters {encoding} cannot hold")
        return False
    except OSError as exc:
        raise PromsecError(f"cannot write {path}: {exc.strerror or exc}") from None
    return True
