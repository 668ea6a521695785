import pytest

from promsec_ci.config import load_options
from promsec_ci.errors import ConfigError
from promsec_ci.records import Level


def write(tmp_path, text):
    (tmp_path / "pyproject.toml").write_text(text)
    return str(tmp_path)


def test_ours_overrides_bandit_and_flags_override_both(tmp_path):
    root = write(tmp_path, """
[tool.bandit]
skips = ["B101"]
exclude_dirs = ["vendor"]

[tool.promsec-ci]
fail-on = "high"
confidence = "low"
skip = ["B404"]
exclude = ["gen/*.py"]
filter_mode = "file"
""")
    options = load_options(None, root, {"confidence": "high"})
    assert options.fail_on is Level.HIGH
    assert options.confidence is Level.HIGH
    assert options.skip == ("B101", "B404")
    assert options.exclude == ("vendor", "gen/*.py")
    assert options.filter_mode == "file"
    assert options.is_excluded("vendor/lib/x.py") and options.is_excluded("gen/a.py")
    assert not options.is_excluded("src/a.py")


def test_no_config_file_gives_defaults(tmp_path):
    options = load_options(None, str(tmp_path), {})
    assert (options.fail_on, options.severity, options.confidence) == (Level.MEDIUM, Level.LOW, Level.MEDIUM)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[tool.promsec-ci]\nfail_on = 'severe'\n", "unknown level"),
        ("[tool.promsec-ci]\nfilter_mode = 'all'\n", "filter_mode"),
        ("[tool.promsec-ci]\nbogus = 1\n", "unknown option"),
        ("[tool.promsec-ci\n", "cannot read config"),
    ],
)
def test_bad_config_is_a_config_error(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        load_options(None, write(tmp_path, text), {})


def test_explicit_missing_config_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_options(str(tmp_path / "nope.toml"), str(tmp_path), {})
