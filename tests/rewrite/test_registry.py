"""Every registered operator, whoever wrote it: metadata, registry lookups, docs, a test module."""

import importlib
import re
import sys
from pathlib import Path

import pytest

from promsec_ci.rewrite import ALL_OPERATORS, REGISTRY, Operator, OperatorRegistry

TESTS = Path(__file__).resolve().parent
OPERATORS = list(REGISTRY)


def _defining_module(operator: Operator) -> str:
    """The module holding the instance (generic operator classes live elsewhere)."""
    for name, module in list(sys.modules.items()):
        if name.startswith("promsec_ci.rewrite.") and any(v is operator for v in vars(module).values()):
            if not name.endswith(("__init__", ".base")) and name != "promsec_ci.rewrite":
                return name
    raise AssertionError(f"no module holds {operator!r}")


def _ids(operator: Operator) -> str:
    return operator.meta.name


def test_registry_is_not_empty_and_sorted_by_module():
    assert len(REGISTRY) == len(ALL_OPERATORS) > 0
    modules = [_defining_module(op).rsplit(".", 1)[-1] for op in ALL_OPERATORS]
    assert modules == sorted(modules)


def test_duplicate_names_are_rejected():
    with pytest.raises(ValueError):
        OperatorRegistry([OPERATORS[0], OPERATORS[0]])


@pytest.mark.parametrize("operator", OPERATORS, ids=_ids)
def test_metadata(operator):
    meta = operator.meta
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", meta.name)
    assert meta.id == f"promsec:python/{meta.name}"
    assert meta.cwes and all(isinstance(c, int) and c > 0 for c in meta.cwes)
    assert meta.rule_ids and all(re.fullmatch(r"[A-Z]+[0-9]+", r) for r in meta.rule_ids)
    assert meta.summary.strip()
    assert meta.references and all(r.startswith("https://") for r in meta.references)


@pytest.mark.parametrize("operator", OPERATORS, ids=_ids)
def test_directive_is_one_plain_sentence(operator):
    directive = operator.meta.directive
    assert "\n" not in directive and 20 <= len(directive) <= 250
    assert directive[0].isupper() and directive.endswith(".")
    assert not re.search(r"[.!?]\s+[A-Z]", directive[:-1]), "more than one sentence"


@pytest.mark.parametrize("operator", OPERATORS, ids=_ids)
def test_registry_lookup_by_rule(operator):
    for rule in operator.meta.rule_ids:
        assert operator in REGISTRY.by_rule_id(rule)
    assert REGISTRY.get(operator.meta.name) is operator


@pytest.mark.parametrize("operator", OPERATORS, ids=_ids)
def test_module_has_docs_one_instance_and_a_test(operator):
    name = _defining_module(operator)
    module = importlib.import_module(name)
    doc = module.__doc__ or ""
    assert len(doc.strip().splitlines()) >= 3, "module docstring with a before/after sample"
    instances = [v for v in vars(module).values() if isinstance(v, Operator)]
    assert instances == [operator]
    short = name.rsplit(".", 1)[-1]
    assert (TESTS / f"test_{short}.py").is_file(), f"missing tests/rewrite/test_{short}.py"


@pytest.mark.parametrize("operator", OPERATORS, ids=_ids)
@pytest.mark.parametrize("source", ["", "def broken(:\n", "x = 1\n", "import os\n\nprint(os.getcwd())\n"],
                         ids=["empty", "syntax-error", "plain", "unrelated"])
def test_refuses_without_raising(operator, source):
    assert operator.apply(source, 1) is None
