"""What an ``eval`` call is for, read from the code around it: data or arithmetic.

``eval-literal-eval`` and ``eval-safe-arithmetic`` both answer B307, and each is right only for
one intent, so both ask ``eval_intent``. The evidence, weakest first: words in the names around
the call (``config``, ``row``, ``payload`` vs ``expression``, ``formula``, ``calc``); how the
result is used (subscripted, iterated, ``.get()``/``.items()``, ``len()`` vs ``float()``,
``round()``, arithmetic); and, decisive, a constant argument, which is evaluated at build time
(``ast.literal_eval`` accepts it: data; only the arithmetic evaluator does: arithmetic)::

    rows = eval(line)           ; rows[0]       -> "data"
    total = eval(form["expr"])  ; round(total)  -> "arithmetic"
    eval(code, ctx)                              -> None (globals given: real code)

Words name the text only where the argument names it (``expression``, ``form["expr"]``,
``expr.strip()``, a prompt string), not where it is computed from other values
(``eval(srepr(expr))`` evaluates code built from an expression object). Two things veto any
intent: the result is called or has an attribute read (``eval(name)(x)``: an object, neither
data nor a number), and the call sits in a ``try`` that catches ``TypeError`` (the code counts on
eval's error for a non-string argument, which ``literal_eval`` reports as ``ValueError``) or
``NameError`` but not ``ValueError`` (``except (SyntaxError, NameError): result = "Error"``: both
replacements raise ``ValueError`` for ``"abc"``, which would escape the handler).
Nor is any intent concluded for text the function assembles with code in its pieces (``"[%s
%s]" % (tup, "for i in range(%i)" % n)``): that is code the program writes. Arithmetic is not
concluded from names and uses in a module that brings math functions into its namespace (``from
mpmath import *``, ``from math import sqrt``, ``import math``): there eval's text may call them
(``"log(pi)/2"``, ``"math.sqrt(2)"``), and the arithmetic evaluator knows no names.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Mapping

import libcst as cst

from promsec_ci.rewrite.call_edit import literal_value
from promsec_ci.rewrite.cst_tools import dotted_name, reads_of, string_literals
from promsec_ci.rewrite.data_flow import names, stored

DATA = "data"
ARITHMETIC = "arithmetic"

_DATA_WORDS = frozenset({"config", "conf", "cfg", "settings", "data", "json", "dict", "list", "tuple", "literal",
                         "params", "options", "payload", "items", "record", "records", "row", "rows", "mapping",
                         "line", "lines", "seq", "state", "saved", "cache", "meta", "metadata",
                         "values", "entries", "coords", "point", "points", "vector"})
_ARITHMETIC_WORDS = frozenset({"expr", "expression", "expressions", "formula", "calc", "calculate", "calculator",
                               "calculation", "equation", "arithmetic", "math", "compute", "evaluate", "operation",
                               "sum", "total", "answer", "number", "num", "operand"})
_DATA_METHODS = frozenset({"get", "items", "keys", "values", "append", "update", "pop", "copy", "index", "count"})
_NUMBER_CALLS = frozenset({"float", "int", "round", "abs", "math.floor", "math.ceil", "Decimal", "complex"})
_CONTAINER_CALLS = frozenset({"dict", "list", "tuple", "set", "len", "sorted", "enumerate", "zip", "json.dumps"})
# Modules whose functions eval'd arithmetic would call (``sqrt(2)``) once imported by name.
_MATH_MODULES = frozenset({"math", "cmath", "mpmath", "numpy", "sympy", "scipy", "decimal", "fractions", "statistics"})
# Code in a template's literal text: a call, a keyword of a comprehension, lambda or import.
_CODE = re.compile(r"[A-Za-z_]\w*\s*\(|\b(?:for|in|if|else|lambda|import|from|and|or|not|def|return)\b")
_ARITHMETIC_OPS = (cst.Add, cst.Subtract, cst.Multiply, cst.Divide, cst.FloorDivide, cst.Modulo, cst.Power)


def constant_intent(text: str) -> str | None:
    """``data`` when ``ast.literal_eval`` accepts ``text``, ``arithmetic`` when only the safe
    arithmetic evaluator does, else ``None``."""
    try:
        ast.literal_eval(text.strip())
        return DATA
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        pass
    try:
        safe_arithmetic_eval(text)
        return ARITHMETIC
    except (ValueError, SyntaxError, TypeError, ZeroDivisionError, OverflowError, RecursionError):
        return None


def eval_intent(call: cst.Call, parents: Mapping[cst.CSTNode, cst.CSTNode],
                function: cst.CSTNode | None) -> str | None:
    """``data``, ``arithmetic`` or ``None`` (no evidence, or evidence both ways) for ``eval(x)``.

    Args:
        call: the ``eval`` call (one positional argument).
        parents: libcst parent map of the module.
        function: the enclosing function (or module) whose code is the context.
    """
    argument = call.args[0].value
    if _used_as_object(call, parents) or _catches_eval_errors(call, parents):
        return None
    if isinstance(argument, cst.SimpleString) and isinstance(argument.evaluated_value, str):
        return constant_intent(argument.evaluated_value)
    if isinstance(argument, cst.Name):
        allowed = guarded_constants(argument, parents)
        if allowed:
            intents = {constant_intent(value) for value in allowed}
            return intents.pop() if len(intents) == 1 else None
        if function is not None and _built_in(function, argument.value):
            return None
    data = arithmetic = 0
    words = _naming_words(argument)
    target = _assigned_name(call, parents)
    if target:
        words |= _split(target)
    data += len(words & _DATA_WORDS)
    arithmetic += len(words & _ARITHMETIC_WORDS)
    uses = [call] + (reads_of(target, function, parents) if target and function is not None else [])
    for use in uses:
        kind = _use_kind(use, parents)
        data += kind == DATA
        arithmetic += kind == ARITHMETIC
    if data and not arithmetic:
        return DATA
    if arithmetic and not data and not _math_names_in_scope(call, parents):
        return ARITHMETIC
    return None


def _math_names_in_scope(node: cst.CSTNode, parents: Mapping[cst.CSTNode, cst.CSTNode]) -> bool:
    """Whether the module star-imports anything, imports names from a math library or the library
    itself (``import math``)."""
    module = node
    while parents.get(module) is not None:
        module = parents[module]
    for statement in module.body if isinstance(module, cst.Module) else ():
        for small in statement.body if isinstance(statement, cst.SimpleStatementLine) else ():
            if isinstance(small, cst.Import) and any(
                    (dotted_name(alias.name) or "").split(".")[0] in _MATH_MODULES for alias in small.names):
                return True  # ``import math``: the text may read ``math.sqrt(2)``, ``math.pi``
            if not isinstance(small, cst.ImportFrom) or small.relative:
                continue
            if isinstance(small.names, cst.ImportStar):
                return True
            source = dotted_name(small.module) if small.module is not None else None
            if source and source.split(".")[0] in _MATH_MODULES:
                return True
    return False


def _built_in(function: cst.CSTNode, name: str, depth: int = 2) -> bool:
    """Whether ``function`` assembles the text of ``name`` with code in its literal pieces, here or
    in the values it splices in (``first_loop = "for i0 in range(%i)" % n``, then ``"[%s %s]" %
    (tup, first_loop)``): a program writing code for eval to run, which neither evaluator
    reproduces. Punctuation around data (``'{"' + key + '":' + str(value) + '}'``) is no code."""
    found = False

    class _Assignments(cst.CSTVisitor):
        def visit_Assign(self, node: cst.Assign) -> None:
            nonlocal found
            if found or not any(isinstance(t.target, cst.Name) and t.target.value == name for t in node.targets):
                return
            if not _assembles_text(node.value):
                return
            texts = string_literals(node.value, formatted=True)
            found = any(_CODE.search(text) for text in texts) or depth > 1 and any(
                _built_in(function, spliced, depth - 1) for spliced in names(node.value) if spliced != name)

    function.visit(_Assignments())
    return found


def _assembles_text(value: cst.BaseExpression) -> bool:
    if isinstance(value, cst.FormattedString):
        return True
    if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, (cst.Add, cst.Modulo)):
        return any(isinstance(side, (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString))
                   or _assembles_text(side) for side in (value.left, value.right))
    return isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and \
        value.func.attr.value in ("format", "join") and isinstance(value.func.value, cst.SimpleString)


def guarded_constants(name: cst.Name, parents: Mapping[cst.CSTNode, cst.CSTNode]) -> frozenset[str] | None:
    """The string constants ``name`` must equal where it is read, by an enclosing ``if`` whose
    test is ``name in ("a", "b")`` or ``name == "a" or name == "b"`` and whose body does not
    rebind it before; ``None`` when no such guard holds."""
    child: cst.CSTNode = name
    current = parents.get(name)
    while current is not None and not isinstance(current, (cst.FunctionDef, cst.ClassDef, cst.Module)):
        if isinstance(current, cst.If) and child is current.body:
            allowed = _equal_to_constants(current.test, name.value)
            if allowed is not None and name.value not in stored(current.body):
                return allowed
        child, current = current, parents.get(current)
    return None


def _equal_to_constants(test: cst.BaseExpression, name: str) -> frozenset[str] | None:
    if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.Or):
        left, right = _equal_to_constants(test.left, name), _equal_to_constants(test.right, name)
        return None if left is None or right is None else left | right
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return None
    target = test.comparisons[0]
    sides = (test.left, target.comparator)
    if isinstance(target.operator, cst.Equal):
        values = [side for side in sides if not (isinstance(side, cst.Name) and side.value == name)]
        if len(values) == 1 and _string_constant(values[0]) is not None:
            return frozenset({_string_constant(values[0])})
        return None
    if isinstance(target.operator, cst.In) and isinstance(test.left, cst.Name) and test.left.value == name \
            and isinstance(target.comparator, (cst.Tuple, cst.List, cst.Set)):
        strings = [_string_constant(e.value) for e in target.comparator.elements]
        if strings and all(isinstance(e, cst.Element) for e in target.comparator.elements) and None not in strings:
            return frozenset(strings)
    return None


def _string_constant(node: cst.BaseExpression) -> str | None:
    value = literal_value(node)
    return value if isinstance(value, str) else None


def _split(name: str) -> set[str]:
    return {w for w in re.split(r"[^a-z0-9]+", re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()) if w}


def _naming_words(node: cst.BaseExpression) -> set[str]:
    """Words of the names that name the text: a variable, an attribute chain, subscript keys, a
    called function and its string arguments; not values the text is computed from."""
    if isinstance(node, cst.Name):
        return _split(node.value)
    if isinstance(node, cst.Attribute):
        return _split(node.attr.value) | _naming_words(node.value)
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return _split(value) if isinstance(value, str) and len(value) < 40 else set()
    if isinstance(node, cst.Subscript):
        keys = [e.slice.value for e in node.slice if isinstance(e.slice, cst.Index)]
        return _naming_words(node.value).union(*(_naming_words(k) for k in keys if isinstance(k, cst.SimpleString)))
    if isinstance(node, cst.Call):
        strings = [a.value for a in node.args if isinstance(a.value, cst.SimpleString)]
        return _naming_words(node.func).union(*(_naming_words(s) for s in strings))
    return set()


def _used_as_object(call: cst.Call, parents: Mapping[cst.CSTNode, cst.CSTNode]) -> bool:
    parent = parents.get(call)
    if isinstance(parent, cst.Call) and parent.func is call:
        return True
    return isinstance(parent, cst.Attribute) and parent.value is call and parent.attr.value not in _DATA_METHODS


def _catches_eval_errors(call: cst.Call, parents: Mapping[cst.CSTNode, cst.CSTNode]) -> bool:
    """Whether a ``try`` around the call handles an error only ``eval`` raises: ``TypeError``
    (a non-string argument), or ``NameError`` (``"abc"``) where nothing catches the
    ``ValueError`` both replacements raise for it instead."""
    child, current = call, parents.get(call)
    while current is not None and not isinstance(current, (cst.FunctionDef, cst.Module)):
        if isinstance(current, cst.Try) and child is current.body:
            caught = set()
            for handler in current.handlers:
                kinds = handler.type
                if kinds is None:
                    caught.add("ValueError")
                    continue
                names = [e.value for e in kinds.elements] if isinstance(kinds, cst.Tuple) else [kinds]
                caught.update(dotted_name(n) for n in names)
            if "TypeError" in caught:
                return True
            if "NameError" in caught and not caught & {"ValueError", "Exception", "BaseException"}:
                return True
        child, current = current, parents.get(current)
    return False


def _assigned_name(call: cst.Call, parents: Mapping[cst.CSTNode, cst.CSTNode]) -> str | None:
    parent = parents.get(call)
    if isinstance(parent, cst.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0].target, cst.Name):
        return parent.targets[0].target.value
    return None


def _use_kind(node: cst.CSTNode, parents: Mapping[cst.CSTNode, cst.CSTNode]) -> str | None:
    parent = parents.get(node)
    if isinstance(parent, cst.Subscript) and parent.value is node:
        return DATA
    if isinstance(parent, cst.Attribute) and parent.value is node:
        return DATA if parent.attr.value in _DATA_METHODS else None
    if isinstance(parent, cst.For) and parent.iter is node:
        return DATA
    if isinstance(parent, cst.ComparisonTarget) and isinstance(parent.operator, (cst.In, cst.NotIn)):
        return DATA
    if isinstance(parent, cst.BinaryOperation) and isinstance(parent.operator, _ARITHMETIC_OPS):
        other = parent.right if parent.left is node else parent.left
        if isinstance(other, (cst.Integer, cst.Float)):
            return ARITHMETIC
        return None
    if isinstance(parent, cst.Arg):
        call = parents.get(parent)
        if isinstance(call, cst.Call):
            name = dotted_name(call.func)
            if name in _NUMBER_CALLS:
                return ARITHMETIC
            if name in _CONTAINER_CALLS:
                return DATA
    return None




# The helper emitted into rewritten modules. ``_safe_arithmetic_eval`` below is the same code
# (tests/rewrite/test_eval_safe_arithmetic.py checks the two stay identical); it decides whether a
# constant expression is arithmetic, so the decision and the emitted helper cannot disagree.
HELPER_NAME = "_safe_arithmetic_eval"


def _safe_arithmetic_eval(expression):
    """Evaluate a numeric expression: numbers, + - * / // % **, unary + -, parentheses only."""
    binary = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
              ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow}
    unary = {ast.UAdd: operator.pos, ast.USub: operator.neg}

    def evaluate(node):
        if isinstance(node, ast.Constant) and type(node.value) in (int, float, complex):
            return node.value
        if isinstance(node, ast.BinOp) and type(node.op) in binary:
            left, right = evaluate(node.left), evaluate(node.right)
            if isinstance(node.op, ast.Pow) and abs(right) > 1000:
                raise ValueError("exponent too large")
            return binary[type(node.op)](left, right)
        if isinstance(node, ast.UnaryOp) and type(node.op) in unary:
            return unary[type(node.op)](evaluate(node.operand))
        raise ValueError(f"not an arithmetic expression: {expression!r}")

    return evaluate(ast.parse(expression.strip(), mode="eval").body)


safe_arithmetic_eval = _safe_arithmetic_eval


def helper_source() -> str:
    """The source of ``_safe_arithmetic_eval``, as emitted into a rewritten module."""
    import inspect

    return inspect.getsource(_safe_arithmetic_eval)
