"""yaml-safe-load: unsafe yaml.load -> yaml.safe_load, real Bandit before and after."""

from collections import Counter
from textwrap import dedent

import pytest

from promsec_ci.analyzers.bandit import BanditAnalyzer
from promsec_ci.rewrite.yaml_safe_load import YamlSafeLoad

BANDIT = BanditAnalyzer()


def rules(text: str) -> Counter:
    found = BANDIT.analyze_text(text, "sample.py")
    assert found is not None, "sample does not parse"
    return Counter(f.rule_id for f in found)


def check(before: str, line: int, after: str, rule: str) -> None:
    before, after = dedent(before), dedent(after)
    assert rules(before)[rule] >= 1
    rewrite = YamlSafeLoad.apply(before, line)
    assert rewrite is not None
    assert rewrite.text == after
    assert rules(after)[rule] == 0
    assert not rules(after) - rules(before), "the rewrite introduced a finding"


def test_full_loader_becomes_safe_load_keeping_comments():
    check(
        """\
        import yaml


        def read(stream):
            # the config file
            data = yaml.load(stream, Loader=yaml.FullLoader)  # keep me
            return data
        """,
        6,
        """\
        import yaml


        def read(stream):
            # the config file
            data = yaml.safe_load(stream)  # keep me
            return data
        """,
        "B506",
    )


def test_aliased_module_and_default_loader():
    check(
        """\
        import yaml as y
        cfg = y.load(open("c.yml"))
        """,
        2,
        """\
        import yaml as y
        cfg = y.safe_load(open("c.yml"))
        """,
        "B506",
    )


def test_positional_unsafe_loader():
    check(
        """\
        import yaml
        doc = yaml.load(text, yaml.UnsafeLoader)
        """,
        2,
        """\
        import yaml
        doc = yaml.safe_load(text)
        """,
        "B506",
    )


def test_load_all_becomes_safe_load_all():
    rewrite = YamlSafeLoad.apply("import yaml\ndocs = yaml.load_all(s, Loader=yaml.Loader)\n", 2)
    assert rewrite is not None
    assert rewrite.text == "import yaml\ndocs = yaml.safe_load_all(s)\n"


@pytest.mark.parametrize(
    "source",
    [
        "import yaml\nx = yaml.load(s, Loader=yaml.SafeLoader)\n",
        "import yaml\nx = yaml.load(s, yaml.CSafeLoader)\n",
        "import yaml\nx = yaml.safe_load(s)\n",
        "import json\nx = json.load(s)\n",
        "import yaml\nx = yaml.load(s, **options)\n",
    ],
)
def test_refuses_where_nothing_unsafe_or_unknown(source):
    assert YamlSafeLoad.apply(source, 2) is None


def test_only_the_statement_at_the_line_changes():
    source = "import yaml\na = yaml.load(s1)\nb = yaml.load(s2)\n"
    rewrite = YamlSafeLoad.apply(source, 3)
    assert rewrite is not None
    assert rewrite.text == "import yaml\na = yaml.load(s1)\nb = yaml.safe_load(s2)\n"
    assert rewrite.line == 3 and rewrite.imports == ()


@pytest.mark.parametrize(
    "source",
    [
        # The project's loader adds constructors (CloudFormation's !Ref, ordered mappings).
        "import yaml\nclass OrderedLoader(yaml.SafeLoader):\n    pass\nx = yaml.load(s, OrderedLoader)\n",
        "import yaml\ndef parse(s, loader):\n    return yaml.load(s, Loader=loader)\n",
        # BaseLoader keeps every scalar a string: safe_load would change the types.
        "import yaml\nx = yaml.load(s, Loader=yaml.BaseLoader)\n",
        # The module teaches the stock loaders CloudFormation's tags; SafeLoader never learns them.
        "import yaml\nyaml.add_multi_constructor('', tag_constructor)\nx = yaml.load(s, Loader=yaml.Loader)\n",
    ],
)
def test_refuses_loaders_other_than_pyyamls_unsafe_ones(source):
    line = source.count("\n")
    assert rules(source)["B506"] == 1
    assert YamlSafeLoad.apply(source, line) is None


def test_stock_loader_imported_by_name_is_replaced():
    rewrite = YamlSafeLoad.apply("import yaml\nfrom yaml import FullLoader\nx = yaml.load(s, FullLoader)\n", 3)
    assert rewrite is not None and "x = yaml.safe_load(s)" in rewrite.text


@pytest.mark.parametrize(
    "registration",
    [
        "yaml.add_constructor('!x', f, Loader=yaml.SafeLoader)",
        "yaml.add_constructor(\n    '!x', f, Loader=yaml.SafeLoader)",
        "yaml.SafeLoader.add_constructor('!x', f)",
        "class Monster(yaml.YAMLObject):\n    yaml_loader = yaml.SafeLoader\n    yaml_tag = '!Monster'",
    ],
)
def test_constructors_registered_on_the_safe_loader_are_kept_by_safe_load(registration):
    source = f"import yaml\n{registration}\nx = yaml.load(s, Loader=yaml.Loader)\n"
    rewrite = YamlSafeLoad.apply(source, source.count("\n"))
    assert rewrite is not None and "x = yaml.safe_load(s)" in rewrite.text


MONSTER = """\
import yaml


class Monster(yaml.YAMLObject):
    yaml_tag = "!Monster"

    def __init__(self, name):
        self.name = name


"""


@pytest.mark.parametrize(
    "load",
    ["yaml.load(s, Loader=yaml.Loader)", "yaml.load(s, Loader=yaml.FullLoader)", "yaml.load(s, yaml.UnsafeLoader)",
     "yaml.full_load(s)", "yaml.unsafe_load(s)", "list(yaml.load_all(s, Loader=yaml.FullLoader))"],
)
def test_refuses_where_a_yaml_object_registers_its_tag(load):
    # The tag is known to Loader, FullLoader and UnsafeLoader only: safe_load fails on "!Monster".
    source = f"{MONSTER}monsters = {load}\n"
    assert YamlSafeLoad.apply(source, source.count("\n")) is None


@pytest.mark.parametrize(
    "definitions",
    [
        "from yaml import YAMLObject\n\n\nclass Monster(YAMLObject):\n    yaml_tag = '!Monster'\n",
        "class Base(yaml.YAMLObject):\n    pass\n\n\nclass Monster(Base):\n    yaml_tag = '!Monster'\n",
        "yaml.add_constructor('!x', f)  # SafeLoader does not get it\n",
        # ${VAR} scalars would become '!env' for safe_load only: the original loader kept strings.
        "yaml.add_implicit_resolver('!env', pattern, None, yaml.SafeLoader)\n",
    ],
    ids=["imported-base", "indirect-subclass", "comment-names-safe-loader", "resolver-on-safe-loader"],
)
def test_refuses_tags_the_stock_loaders_learn(definitions):
    source = f"import yaml\n{definitions}\nx = yaml.load(s, Loader=yaml.FullLoader)\n"
    assert YamlSafeLoad.apply(source, source.count("\n")) is None


def test_module_alias_bound_in_a_try_block_is_used():
    source = "try:\n    import yaml as y\nexcept ImportError:\n    y = None\n\n\ndef load(text):\n" \
             "    return y.load(text)\n"
    fixed = YamlSafeLoad.apply(source, 8)
    assert fixed is not None and fixed.text == source.replace("y.load(text)", "y.safe_load(text)")


@pytest.mark.parametrize(
    ("call", "fixed"),
    [
        ("yaml.load(stream,  # the file\n    Loader=yaml.Loader)", "yaml.safe_load(stream  # the file\n)"),
        ("yaml.load(\n    stream,  # the file\n    Loader=yaml.Loader,  # fast\n)",
         "yaml.safe_load(\n    stream,  # the file\n    # fast\n)"),
        ("yaml.load(stream,  # the file\n    yaml.FullLoader)", "yaml.safe_load(stream  # the file\n)"),
    ],
)
def test_comments_in_the_call_are_kept(call, fixed):
    check(f"import yaml\n\ndata = {call}\n", 3, f"import yaml\n\ndata = {fixed}\n", "B506")
