"""The explicit operator registry. Adding an operator: one module under ``rewrite/`` holding one
module-level instance, and one entry in ``ALL_OPERATORS`` below."""

from __future__ import annotations

from collections.abc import Iterable

from promsec_ci.rewrite.base import Operator, OperatorMeta, ReviewGuidance, Rewrite

ALL_OPERATORS: list[Operator] = [
]


class OperatorRegistry:
    def __init__(self, operators: Iterable[Operator] = ()) -> None:
        self._by_name: dict[str, Operator] = {}
        self._by_rule: dict[str, list[Operator]] = {}
        for operator in operators:
            self.add(operator)

    def add(self, operator: Operator) -> None:
        name = operator.meta.name
        if name in self._by_name:
            raise ValueError(f"duplicate operator id {operator.meta.id}")
        self._by_name[name] = operator
        for rule_id in operator.meta.rule_ids:
            self._by_rule.setdefault(rule_id, []).append(operator)

    def get(self, name: str) -> Operator:
        return self._by_name[name]

    def by_rule_id(self, rule_id: str) -> list[Operator]:
        return list(self._by_rule.get(rule_id, []))

    def __iter__(self):
        return iter(self._by_name.values())

    def __len__(self) -> int:
        return len(self._by_name)


REGISTRY = OperatorRegistry(ALL_OPERATORS)

__all__ = ["ALL_OPERATORS", "REGISTRY", "Operator", "OperatorMeta", "OperatorRegistry", "ReviewGuidance", "Rewrite"]
