"""What the module shows a value spliced into a shell command may hold, and whether the shell
parsed that text where it was spliced.

A rewrite that passes the value as its own argument (or as ``"$1"``) keeps its text as it is;
the original handed it to the shell, which split, expanded or dropped it: ``opts = "-l -a"``
was two words, ``pattern = "*.txt"`` the matching files, ``d = "~/src"`` the home folder, and
``opts = ""`` outside quotes no word at all. Such values mean no argument-list rewrite.
"""

from __future__ import annotations

import re

import libcst as cst

from promsec_ci.rewrite.cst_tools import ModuleMemo, dotted_name
from promsec_ci.rewrite.string_build import has_fstring

# What the shell parses in a value's text where the original spliced it: outside quotes (word
# splitting, globs, ``~``, quotes, operators), in double quotes, in single quotes.
_PARSED = {"plain": frozenset(" \t\n|&;<>()$`\\\"'*?[]{}~#"), "double": frozenset('$`"\\'), "single": frozenset("'")}
_FORMAT_FIELD = re.compile(r"\{[^{}]*\}")
# Text methods whose arguments name what to take out (``replace``'s second one is put in).
_REMOVING = frozenset({"replace", "strip", "lstrip", "rstrip", "removeprefix", "removesuffix"})


class ShellText:
    """The constant text the module shows a value may hold (its literals, the literals bound to
    a name anywhere in the module, a ``.get(key, default)`` default): the original spliced that
    text into the command, where the shell parsed it; as an argument or ``"$1"`` it is not.
    ``opts = "-l -a"`` was two words, ``pattern = "*.txt"`` the matching files, ``d = "~/src"``
    the home folder, and ``opts = ""`` outside quotes no word at all."""

    def __init__(self, module: cst.Module) -> None:
        self.bound: dict[str, list[cst.BaseExpression]] = {}

        functions: list[str] = []

        class _Bindings(cst.CSTVisitor):
            def visit_FunctionDef(inner, node: cst.FunctionDef) -> None:
                functions.append(node.name.value)

            def leave_FunctionDef(inner, original_node: cst.FunctionDef) -> None:
                functions.pop()

            def visit_Return(inner, node: cst.Return) -> None:
                # ``def opts(): return "-l -a"`` read as ``opts()`` / ``self.opts()``
                if functions and node.value is not None:
                    self.bound.setdefault(functions[-1] + "()", []).append(node.value)

            def visit_Assign(inner, node: cst.Assign) -> None:
                for target in node.targets:
                    self._bind(target.target, node.value)

            def visit_AnnAssign(inner, node: cst.AnnAssign) -> None:
                if node.value is not None:
                    self._bind(node.target, node.value)

            def visit_AugAssign(inner, node: cst.AugAssign) -> None:
                self._bind(node.target, node.value)

            def visit_NamedExpr(inner, node: cst.NamedExpr) -> None:
                self._bind(node.target, node.value)

            def visit_Param(inner, node: cst.Param) -> None:
                if node.default is not None:
                    self._bind(node.name, node.default)

            def visit_For(inner, node: cst.For) -> None:
                if isinstance(node.iter, (cst.List, cst.Tuple, cst.Set)):
                    for element in node.iter.elements:
                        self._bind(node.target, element.value)
                else:
                    self._bind(node.target, node.iter)

            def visit_CompFor(inner, node: cst.CompFor) -> None:
                self._bind(node.target, node.iter)

            def visit_WithItem(inner, node: cst.WithItem) -> None:
                if node.asname is not None:
                    self._bind(node.asname.name, node.item)

        module.visit(_Bindings())

    def _bind(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        """``target`` may hold ``value``: a name; each name of an unpacking (element by element
        when both sides are displays of one length, else any text of the whole value); an
        attribute under ``.name`` (``self.opts = "-l -a"`` read as ``self.opts``)."""
        if isinstance(target, cst.Name):
            self.bound.setdefault(target.value, []).append(value)
        elif isinstance(target, cst.Attribute):
            self.bound.setdefault("." + target.attr.value, []).append(value)
        elif isinstance(target, cst.StarredElement):
            self._bind(target.value, value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            targets = [element.value for element in target.elements]
            values = value.elements if isinstance(value, (cst.Tuple, cst.List)) else None
            if values is not None and len(values) == len(targets) \
                    and not any(isinstance(e, cst.StarredElement) for e in [*target.elements, *values]):
                for one, element in zip(targets, values, strict=True):
                    self._bind(one, element.value)
            else:
                for one in targets:
                    self._bind(one, value)

    def parsed(self, node: cst.BaseExpression, state: str) -> bool:
        """Whether text the value may hold has characters the shell parses in ``state``
        (``plain``, ``double`` or ``single`` quotes)."""
        special = _PARSED[state]
        return any(special.intersection(text) for text in self._texts(node, whole=False, seen=frozenset()))

    def may_be_empty(self, node: cst.BaseExpression) -> bool:
        """Whether the code shows the value may be ``""``: outside quotes that is no word at all."""
        return "" in self._texts(node, whole=True, seen=frozenset())

    def _texts(self, node: cst.BaseExpression, whole: bool, seen: frozenset[str]) -> list[str]:
        """The literal text the value may be (``whole``) or contain; a call of a function the
        module defines may also give what its ``return`` statements give."""
        texts = self._own_texts(node, whole, seen)
        if isinstance(node, cst.Call) and isinstance(node.func, (cst.Attribute, cst.Name)):
            key = (node.func.attr if isinstance(node.func, cst.Attribute) else node.func).value + "()"
            if key in self.bound and key not in seen:
                texts += [text for value in self.bound[key] for text in self._texts(value, whole, seen | {key})]
        return texts

    def _own_texts(self, node: cst.BaseExpression, whole: bool, seen: frozenset[str]) -> list[str]:
        if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
            value = node.evaluated_value if not has_fstring(node) else None
            return [value] if isinstance(value, str) else []
        if isinstance(node, cst.IfExp):
            return self._texts(node.body, whole, seen) + self._texts(node.orelse, whole, seen)
        if isinstance(node, cst.BooleanOperation):
            return self._texts(node.left, whole, seen) + self._texts(node.right, whole, seen)
        if isinstance(node, cst.Name):
            if node.value in seen:
                return []
            return [text for value in self.bound.get(node.value, [])
                    for text in self._texts(value, whole, seen | {node.value})]
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name):
            # ``self.opts`` / ``C.OPTS``: what any ``x.opts = ...`` or class-level ``OPTS = ...`` bound.
            key = "." + node.attr.value
            if key in seen:
                return []
            return [text for value in [*self.bound.get(key, []), *self.bound.get(node.attr.value, [])]
                    for text in self._texts(value, whole, seen | {key, node.attr.value})]
        if isinstance(node, cst.Call) and isinstance(node.func, (cst.Attribute, cst.Name)) and len(node.args) == 2 \
                and (node.func.attr if isinstance(node.func, cst.Attribute) else node.func).value in ("get", "getenv"):
            return self._texts(node.args[1].value, whole, seen)  # os.environ.get("OPTS", "")
        if whole:
            return []
        if isinstance(node, cst.FormattedString):
            return [part.value for part in node.parts if isinstance(part, cst.FormattedStringText)]
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, (cst.Add, cst.Modulo)):
            return self._texts(node.left, whole, seen) + self._texts(node.right, whole, seen)
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "format":
            return [_FORMAT_FIELD.sub("", text) for text in self._texts(node.func.value, whole, seen)]
        if isinstance(node, cst.Call) and dotted_name(node.func) in ("os.path.join", "str"):
            return [text for arg in node.args for text in self._texts(arg.value, whole, seen)]
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in _REMOVING:
            # ``url.replace(" ", "")``, ``x.strip(" ")``: the text removed is not in the result
            added = node.args[1:2] if node.func.attr.value == "replace" else []
            return self._texts(node.func.value, whole, seen) + [
                text for arg in added for text in self._texts(arg.value, whole, seen)]
        if isinstance(node, (cst.Subscript, cst.Tuple, cst.List, cst.Set, cst.Dict)) or (
                isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)):
            # An item of a display or of a bound name (``OPTS["k"]``, ``["-l -a"][0]``), a method
            # of a text (``" ".join(flags)``, ``"-l -a".strip()``): any text found inside.
            return self._inner_texts(node, seen)
        return []

    def _inner_texts(self, node: cst.CSTNode, seen: frozenset[str]) -> list[str]:
        """Every literal text inside ``node``, and inside what the names it reads may hold."""
        return [text for child in node.children for text in self._any_texts(child, seen)]

    def _any_texts(self, node: cst.CSTNode, seen: frozenset[str]) -> list[str]:
        if isinstance(node, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString, cst.Name)):
            return self._texts(node, False, seen)
        if isinstance(node, cst.Attribute):
            return self._texts(node, False, seen) + self._any_texts(node.value, seen)
        if isinstance(node, cst.Lambda):
            return []
        return self._inner_texts(node, seen)


shell_texts: ModuleMemo[ShellText] = ModuleMemo(ShellText)
