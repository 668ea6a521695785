"""Three small real operators the gGAN tests train and rank with (line-local text edits)."""

from __future__ import annotations

from promsec_ci.rewrite.base import Operator, OperatorMeta, Rewrite


class _LineEdit(Operator):
    def __init__(self, name: str, rule: str, cwe: int, old: str, new: str) -> None:
        self.meta = OperatorMeta(name=name, cwes=(cwe,), rule_ids=(rule,), directive=f"use {new}", summary=name)
        self.old, self.new = old, new

    def apply(self, source: str, line: int) -> Rewrite | None:
        lines = source.splitlines(keepends=True)
        if not 1 <= line <= len(lines) or self.old not in lines[line - 1]:
            return None
        lines[line - 1] = lines[line - 1].replace(self.old, self.new, 1)
        return Rewrite(text="".join(lines), line=line)


YAML_SAFE = _LineEdit("t-yaml-safe", "B506", 20, "yaml.load(", "yaml.safe_load(")
# answers the same rule but leaves the finding in place: the model must learn to rank it lower
YAML_COMMENT = _LineEdit("t-yaml-comment", "B506", 20, "yaml.load(", "yaml.load(  # reviewed\n    ")
SHELL_OFF = _LineEdit("t-shell-off", "B602", 78, "shell=True", "shell=False")
OPERATORS = [YAML_COMMENT, YAML_SAFE, SHELL_OFF]
