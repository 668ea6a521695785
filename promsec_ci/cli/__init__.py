"""``promsec-ci``: a thin click layer over the library. Commands live one per module."""

from __future__ import annotations

import sys

import click

from promsec_ci import __version__
from promsec_ci.cli.app import Abort, App
from promsec_ci.errors import PromsecError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="promsec-ci")
@click.option("--color/--no-color", "color", default=None, help="Force or disable colour (default: auto).")
@click.option("-v", "--verbose", count=True, help="Show more detail; -vv shows tracebacks of internal errors.")
@click.pass_context
def cli(ctx: click.Context, color: bool | None, verbose: int) -> None:
    """CI security gate: find the CWEs a change introduces and propose verified fixes."""
    ctx.obj = App(color=color, verbose=verbose)


def _register() -> None:
    from promsec_ci.cli.eval import eval_command
    from promsec_ci.cli.fix import fix
    from promsec_ci.cli.generate import generate
    from promsec_ci.cli.scan import scan
    from promsec_ci.cli.train import train

    cli.add_command(scan)
    cli.add_command(fix)
    cli.add_command(generate)
    cli.add_command(train)
    cli.add_command(eval_command)


_register()


def main() -> None:
    """Entry point: turns every failure into one line on stderr and exit code 2."""
    try:
        # Outside standalone mode click returns the code of ctx.exit()/Exit instead of exiting.
        code = cli.main(standalone_mode=False)
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.ClickException as exc:
        click.echo(f"promsec-ci: error: {exc.format_message()}", err=True)
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("promsec-ci: aborted", err=True)
        sys.exit(2)
    except (Abort, PromsecError) as exc:
        click.echo(f"promsec-ci: error: {exc}", err=True)
        sys.exit(getattr(exc, "code", 2))
    except KeyboardInterrupt:
        click.echo("promsec-ci: interrupted", err=True)
        sys.exit(2)
    except Exception as exc:  # noqa: BLE001 - a CI gate must never end on a traceback
        if "-vv" in sys.argv:
            raise
        click.echo(f"promsec-ci: internal error: {type(exc).__name__}: {exc} (rerun with -vv for details)", err=True)
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)
