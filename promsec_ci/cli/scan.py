"""``promsec-ci scan``: find, fix, report, gate."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from promsec_ci.cli.options import build_request, llm_options, option_overrides, shared_options
from promsec_ci.report.hosts import REPORTERS

if TYPE_CHECKING:
    from promsec_ci.cli.app import App

FORMAT_NAMES = ("text", "json", "sarif", "gitlab")


@click.command(short_help="Scan files or a change and report the security findings.")
@shared_options
@llm_options
@click.option("-f", "--format", "formats", multiple=True, type=click.Choice(FORMAT_NAMES),
              help="Report format (repeatable; pairs with --output in order). Default: text.")
@click.option("-o", "--output", "outputs", multiple=True, type=click.Path(),
              help="File for the matching --format (repeatable; '-' is stdout).")
@click.option("--fix/--no-fix", "fix", default=None, help="Propose verified fixes (default on).")
@click.option("--ggan/--no-ggan", "ggan", default=None,
              help="Rank candidate edits with the gGAN model (default on; off = plain enumeration).")
@click.option("--category", help="SARIF automationDetails category prefix.")
@click.option("--reporter", type=click.Choice(REPORTERS), default="none", show_default=True,
              help="Publish on the code host: github-pr-review (review comments with suggestions, job summary, "
                   "annotations), github-check (summary and annotations only), gitlab-mr (MR discussions).")
@click.option("--max-comments", type=click.IntRange(min=0), default=25, show_default=True,
              help="Most inline review comments per run; the rest are listed in the review body.")
@click.option("--github-output", type=click.Path(), help="Step outputs file (default: $GITHUB_OUTPUT).")
@click.option("--upload-sarif", is_flag=True, help="Upload the SARIF report to GitHub code scanning.")
@click.pass_obj
def scan(app: App, *, paths, base, head, staged, filter_mode, baseline, fail_on, severity,
         confidence, exclude, skip, config_path, exit_zero, formats, outputs, fix, ggan, category,
         llm_overrides, reporter="none", max_comments=25, github_output=None, upload_sarif=False) -> None:
    """Scan PATHS (default .), or the change since --base, or the staged files, with Bandit;
    print the findings and exit 1 when any is blocking."""
    from promsec_ci.gate import exit_code
    from promsec_ci.pipeline import scan as run_scan
    from promsec_ci.report.hosts import prepare_request, publish, sarif_destination
    from promsec_ci.report.write import write_reports

    overrides = option_overrides(filter_mode=filter_mode, fail_on=fail_on, severity=severity,
                                 confidence=confidence, exclude=exclude, skip=skip, fix=fix,
                                 ggan=ggan)
    overrides.update(llm_overrides)
    overrides["explain_unfixed"] = app.verbose > 0
    request = build_request(paths=paths, base=base, head=head, staged=staged, baseline=baseline,
                            config_path=config_path, overrides=overrides)
    if category:
        request.options.extra["category"] = category
    request = prepare_request(request, reporter)
    report = run_scan(request)
    write_reports(report, request.options, formats, outputs, app)
    publish(report, request.options, reporter=reporter, max_comments=max_comments, upload=upload_sarif,
            sarif_file=sarif_destination(formats, outputs), github_output=github_output, app=app)
    raise click.exceptions.Exit(exit_code(report, request.options, exit_zero=exit_zero))
