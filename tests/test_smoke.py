from click.testing import CliRunner

from promsec_ci import __version__
from promsec_ci.cli import cli


def test_version_prints_package_version():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output
