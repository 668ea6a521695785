"""Shared pieces for the call-rewriting operators: resolve a call's name through the module's
imports, edit keyword arguments without disturbing the call's layout, read the naming context
of a statement, and wrap a ``StatementTransformer`` class as an ``Operator``.

Sample (``set_kwarg`` keeps one-argument-per-line layouts)::

    requests.get(            ->   requests.get(
        url,                          url,
        headers=h,                    headers=h,
    )                                 timeout=30,
                                  )
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import RemoveImportsVisitor
from libcst.metadata import ParentNodeProvider, PositionProvider, QualifiedNameSource, ScopeProvider

from promsec_ci.rewrite.base import Operator, OperatorMeta, Rewrite
from promsec_ci.rewrite.cst_tools import (
    StatementTransformer,
    dotted_name,
    enclosing_scope,
    header_parts,
    parse,
    rewrite_at,
    statements_before,
    wrapper_of,
)
from promsec_ci.rewrite.resolve import imported_name


class CallTransformer(StatementTransformer):
    """A ``StatementTransformer`` that hands every call of the target statement to ``on_call``.

    Args:
        line: 1-based line of the target statement.
    """

    # Parents and scopes are resolved on first use, not for every module the operator is tried on:
    # most attempts never need them and they cost more than the parse.
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.module: cst.Module | None = None
        self._lazy: dict[type, Mapping] = {}

    def _resolved(self, provider: type) -> Mapping:
        if provider not in self._lazy:
            if self.module is None:
                return {}
            self._lazy[provider] = wrapper_of(self.module).resolve(provider)
        return self._lazy[provider]

    @property
    def parents(self) -> Mapping[cst.CSTNode, cst.CSTNode]:
        """Each node's parent in the original module."""
        return self._resolved(ParentNodeProvider)

    def parent_of(self, node: cst.CSTNode) -> cst.CSTNode | None:
        """The node's parent in the original module."""
        return self.parents.get(node)

    def scope_of(self, node: cst.CSTNode):
        """The libcst ``Scope`` of an original node, or ``None``."""
        return self._resolved(ScopeProvider).get(node)

    def visit_Module(self, node: cst.Module) -> bool:
        self.module = node
        return True

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not self.in_target:
            return updated_node
        return self.on_call(original_node, updated_node, self.qualified_name(original_node.func))

    def on_call(self, original: cst.Call, updated: cst.Call, name: str | None) -> cst.BaseExpression:
        """Rewrite one call of the target statement; ``name`` is its import-resolved dotted name."""
        return updated

    def qualified_name(self, node: cst.BaseExpression) -> str | None:
        """``yaml.load`` for ``y.load`` after ``import yaml as y``; the dotted text when the base
        name is bound nowhere (fragments without imports); ``None`` when it is a local value."""
        scope = self.scope_of(node)
        names = scope.get_qualified_names_for(node) if scope is not None else set()
        imported = sorted(q.name for q in names if q.source is QualifiedNameSource.IMPORT)
        if imported:
            return imported[0]
        if any(q.source is QualifiedNameSource.LOCAL for q in names):
            return None
        return dotted_name(node)

    def module_alias(self, module: str, add: bool = True) -> str:
        """The module's own name for ``import module [as alias]`` at the target statement
        (``imported_name``); asks for the import when it has none (``from module import x``
        does not count)."""
        name = None
        if self.module is not None:
            earlier = statements_before(self.target, self.parents,
                                        self.metadata[PositionProvider]) if self.target is not None else []
            name = imported_name(self.module, module, earlier)
        if name is not None:
            self.use_module(name, module)
            return name
        if add:
            self.add_import(module)
        return module

    def enclosing_function(self, node: cst.CSTNode) -> cst.FunctionDef | None:
        scope = enclosing_scope(node, self.parents)
        return scope if isinstance(scope, cst.FunctionDef) else None

    def conditions_over(self, node: cst.CSTNode) -> list[cst.BaseExpression]:
        """The tests of the ``if``/``elif``/``while``/conditional expressions whose branch holds
        ``node``, innermost first, within its function."""
        tests: list[cst.BaseExpression] = []
        current, parent = node, self.parent_of(node)
        while parent is not None and not isinstance(parent, (cst.FunctionDef, cst.Module)):
            if isinstance(parent, (cst.If, cst.While, cst.IfExp)) and current is not parent.test:
                tests.append(parent.test)
            current, parent = parent, self.parent_of(parent)
        return tests

    def chosen_by_option(self, node: cst.CSTNode, option_words: frozenset[str]) -> bool:
        """Whether a condition naming one of ``option_words`` picks the branch holding ``node``
        (``if self._ignore_certs: ctx = ssl._create_unverified_context()``): the user asked for
        it, and a rewrite would leave the option silently doing nothing."""
        return any(option_words.intersection(words_in([test])) for test in self.conditions_over(node))

    def statement_words(self, node: cst.CSTNode) -> list[str]:
        """Words of the statement being rewritten (of ``node`` itself outside one): its context.
        For a compound statement, of its header: ``if random.random() < 0.3:`` says nothing of
        the ``key`` its body handles."""
        if self.target is None:
            return words_in([node])
        if isinstance(self.target, cst.BaseCompoundStatement):
            return words_in(header_parts(self.target))
        return words_in([self.target])


# Words of an option that turns TLS or host-key verification off (--insecure, ignore_certs,
# validate_certificate, verify_ssl, strict_host_key_checking). Not "ssl" alone: ``if use_ssl:``
# turns transport security on, and an unverified context under it is the weakness itself.
VERIFICATION_OPTION_WORDS = frozenset({
    "insecure", "unverified", "noverify", "verify", "verification", "validate", "validation", "ignore", "skip",
    "strict",
})


class ComparisonAwareTransformer(CallTransformer):
    """A ``CallTransformer`` that knows when it is inside a comparison, where a literal is a value
    being tested (``host == "0.0.0.0"``), not one to rewrite."""

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self._comparison_depth = 0

    @property
    def in_comparison(self) -> bool:
        return self._comparison_depth > 0

    def visit_Comparison(self, node: cst.Comparison) -> bool:
        self._comparison_depth += 1
        return True

    def leave_Comparison(self, original_node: cst.Comparison, updated_node: cst.Comparison) -> cst.Comparison:
        self._comparison_depth -= 1
        return updated_node


class TransformerOperator(Operator):
    """An operator whose rewrite is one ``StatementTransformer`` class run at the line.

    Args:
        meta: what it fixes.
        transformer: class taking the target line.
    """

    def __init__(self, meta: OperatorMeta, transformer: Callable[[int], StatementTransformer]) -> None:
        self.meta = meta
        self.transformer = transformer

    def apply(self, source: str, line: int) -> Rewrite | None:
        result = rewrite_at(source, self.transformer(line))
        if result is None:
            return None
        text, imports = result
        return Rewrite(text=drop_orphaned_imports(source, text), line=line, imports=imports)


def _import_uses(module: cst.Module) -> dict[tuple[str, str | None, str | None], int]:
    """(module, name, asname) of each top-level import -> how many times its binding is read."""
    wrapper = wrapper_of(module)
    scopes = wrapper.resolve(ScopeProvider)
    uses: dict[tuple[str, str | None, str | None], int] = {}
    for statement in wrapper.module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if not isinstance(small, (cst.Import, cst.ImportFrom)) or isinstance(small.names, cst.ImportStar):
                continue
            base = dotted_name(small.module) if isinstance(small, cst.ImportFrom) and small.module else None
            if isinstance(small, cst.ImportFrom) and (base is None or small.relative):
                continue
            scope = scopes.get(small)
            for alias in small.names:
                asname = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) else None
                name = dotted_name(alias.name) or ""
                bound = asname or (name if base else name.split(".")[0])
                key = (base, name, asname) if base else (name, None, asname)
                assignments = scope[bound] if scope is not None and bound in scope else ()
                uses[key] = sum(len(getattr(a, "references", ())) for a in assignments)
    return uses


_IMPORTED = re.compile(r"^(?:from\s+\S+\s+)?import\s+([^#\n]+)", re.MULTILINE)


def _import_name_lost(before: str, after: str) -> bool:
    """Cheap pre-check: some imported name is read fewer times after the rewrite (``choice``
    in ``secrets.choice`` is an attribute, not a read of ``from random import choice``)."""
    names = set()
    for match in _IMPORTED.finditer(before):
        for part in match.group(1).replace("(", " ").replace(")", " ").split(","):
            words = part.split()
            if words:
                names.add(words[-1].split(".")[0])
    return any(len(re.findall(rf"(?<![\w.]){re.escape(n)}\b", after))
               < len(re.findall(rf"(?<![\w.]){re.escape(n)}\b", before)) for n in names)


def drop_orphaned_imports(before: str, after: str) -> str:
    """Remove the imports that ``before`` used and the rewrite left unused (``import random``
    once every ``random.*`` call became ``secrets.*``); other imports are left as they were."""
    if not _import_name_lost(before, after):
        return after
    try:
        new = cst.parse_module(after)
    except cst.ParserSyntaxError:
        return after
    old = parse(before)
    if old is None:
        return after
    used_before, used_after = _import_uses(old), _import_uses(new)
    orphaned = [key for key, count in used_after.items() if count == 0 and used_before.get(key, 0) > 0]
    if not orphaned:
        return after
    context = CodemodContext()
    for module, name, asname in orphaned:
        RemoveImportsVisitor.remove_unused_import(context, module, name, asname)
    return RemoveImportsVisitor(context).transform_module(new).code


# --- arguments ---------------------------------------------------------------------------------

def kwarg(name: str, value: cst.BaseExpression) -> cst.Arg:
    """``name=value`` with no spaces around ``=`` (PEP 8 for keyword arguments)."""
    return cst.Arg(
        keyword=cst.Name(name),
        value=value,
        equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")),
    )


def get_kwarg(call: cst.Call, name: str) -> cst.Arg | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def has_star_args(call: cst.Call) -> bool:
    """``*args`` or ``**kwargs`` present: the call's real keywords are unknown."""
    return any(arg.star for arg in call.args)


def positional(call: cst.Call) -> list[cst.Arg]:
    return [arg for arg in call.args if arg.keyword is None and not arg.star]


def _argument_indent(call: cst.Call, args: list[cst.Arg]) -> cst.SimpleWhitespace | None:
    """Indentation of the arguments of a call laid out one per line, else ``None``."""
    candidates = [args[-2].comma.whitespace_after] if len(args) >= 2 and isinstance(args[-2].comma, cst.Comma) else []
    candidates.append(call.whitespace_before_args)
    for whitespace in candidates:
        if isinstance(whitespace, cst.ParenthesizedWhitespace):
            return whitespace.last_line
    return None


def append_arg(call: cst.Call, arg: cst.Arg) -> cst.Call:
    """Add ``arg`` last, following the call's layout (same line, or one argument per line). A
    comment after the old last argument stays on its line."""
    args = list(call.args)
    if not args:
        return call.with_changes(args=[arg])
    last = args[-1]
    has_comma = isinstance(last.comma, cst.Comma)
    trailing = last.comma.whitespace_after if has_comma else last.whitespace_after_arg
    indent = _argument_indent(call, args)
    if isinstance(trailing, cst.ParenthesizedWhitespace) and indent is not None:
        # ")" on its own line: the new argument gets a line of its own just before it.
        to_new = trailing.with_changes(last_line=indent)
        closing = cst.ParenthesizedWhitespace(indent=trailing.indent, last_line=trailing.last_line)
        if has_comma:
            args[-1] = last.with_changes(comma=last.comma.with_changes(whitespace_after=to_new))
            args.append(arg.with_changes(comma=cst.Comma(whitespace_after=closing)))
        else:
            args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=to_new),
                                         whitespace_after_arg=cst.SimpleWhitespace(""))
            args.append(arg.with_changes(whitespace_after_arg=closing))
        return call.with_changes(args=args)
    separator = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    if has_comma:
        args[-1] = last.with_changes(comma=separator)
        args.append(arg.with_changes(comma=last.comma, whitespace_after_arg=last.whitespace_after_arg))
    else:
        args[-1] = last.with_changes(comma=separator, whitespace_after_arg=cst.SimpleWhitespace(""))
        args.append(arg.with_changes(whitespace_after_arg=last.whitespace_after_arg))
    return call.with_changes(args=args)


def set_kwarg(call: cst.Call, name: str, value: cst.BaseExpression) -> cst.Call:
    """Set keyword ``name`` to ``value``: replace its value in place, or append it."""
    existing = get_kwarg(call, name)
    if existing is None:
        return append_arg(call, kwarg(name, value))
    args = [arg.with_changes(value=value) if arg is existing else arg for arg in call.args]
    return call.with_changes(args=args)


def _has_comment(whitespace: cst.BaseParenthesizableWhitespace | None) -> bool:
    return isinstance(whitespace, cst.ParenthesizedWhitespace) and (
        whitespace.first_line.comment is not None or any(line.comment for line in whitespace.empty_lines))


def _join_lines(before: cst.ParenthesizedWhitespace, after: cst.ParenthesizedWhitespace) -> cst.ParenthesizedWhitespace:
    """One line break standing for two (around a removed argument): ``after``'s indentation, the
    comments of both; ``after``'s end-of-line comment gets a line of its own when ``before`` has one."""
    first, lines = before.first_line, list(before.empty_lines)
    if after.first_line.comment is not None:
        if first.comment is None:
            first = after.first_line
        else:
            comment = after.first_line.comment
            lines.append(cst.EmptyLine(indent=before.indent, whitespace=before.last_line, comment=comment))
    return after.with_changes(first_line=first, empty_lines=[*lines, *after.empty_lines])


def _joined(before: cst.BaseParenthesizableWhitespace, after: cst.BaseParenthesizableWhitespace):
    """The whitespace left where ``before`` and ``after`` surrounded a removed argument."""
    if not _has_comment(after):
        return before
    if not isinstance(before, cst.ParenthesizedWhitespace):
        return after
    return _join_lines(before, after)


def _before_comma(arg: cst.Arg) -> cst.BaseParenthesizableWhitespace:
    """The whitespace between ``arg``'s value and its comma that holds a comment, if any."""
    if isinstance(arg.comma, cst.Comma) and _has_comment(arg.comma.whitespace_before):
        return arg.comma.whitespace_before
    return arg.whitespace_after_arg


def remove_arg(call: cst.Call, target: cst.Arg) -> cst.Call:
    """Drop ``target``, keeping the separators, line breaks and comments of the arguments around it
    (a comment on the removed argument's line moves to the line before)."""
    args = list(call.args)
    index = args.index(target)
    del args[index]
    has_comma = isinstance(target.comma, cst.Comma)
    closing = target.comma.whitespace_after if has_comma else target.whitespace_after_arg
    if has_comma:
        # A comment before the removed argument's comma (``b=1  # c`` / ``, d=2``) ends its line too.
        for inner in (target.comma.whitespace_before, target.whitespace_after_arg):
            if _has_comment(inner) and isinstance(inner, cst.ParenthesizedWhitespace):
                closing = _join_lines(inner, closing) if isinstance(closing, cst.ParenthesizedWhitespace) else inner
    if index == 0 and (not args or _has_comment(closing)):
        return call.with_changes(args=args, whitespace_before_args=_joined(call.whitespace_before_args, closing))
    if not args or index < len(args):
        if index > 0 and _has_comment(closing):
            previous = args[index - 1]
            args[index - 1] = previous.with_changes(
                comma=previous.comma.with_changes(whitespace_after=_joined(previous.comma.whitespace_after, closing)))
        return call.with_changes(args=args)
    # Removed the last argument: the new last one closes the call the way the removed one did.
    previous = args[-1]
    kept = previous.comma.whitespace_after if isinstance(previous.comma, cst.Comma) else None
    if _has_comment(kept) and not isinstance(closing, cst.ParenthesizedWhitespace):
        # The previous argument's comment ends its line: ")" goes on a line of its own.
        closing = cst.ParenthesizedWhitespace(indent=True, last_line=cst.SimpleWhitespace(""))
    if isinstance(kept, cst.ParenthesizedWhitespace) and isinstance(closing, cst.ParenthesizedWhitespace):
        # Keep the previous argument's line (and its comment); close at the old indentation.
        line = _join_lines(kept, closing)
        if has_comma:
            args[-1] = previous.with_changes(comma=previous.comma.with_changes(whitespace_after=line))
        else:
            own = _before_comma(previous)
            if _has_comment(own) and isinstance(own, cst.ParenthesizedWhitespace):
                line = _join_lines(own, line)
            args[-1] = previous.with_changes(comma=cst.MaybeSentinel.DEFAULT, whitespace_after_arg=line)
    elif has_comma:
        before = previous.comma.whitespace_before if isinstance(previous.comma, cst.Comma) else None
        comma = target.comma.with_changes(whitespace_before=before) if _has_comment(before) else target.comma
        args[-1] = previous.with_changes(comma=comma)
    else:
        # ``a  # c`` / ``, b=1``: the comment before the dropped comma stays, ")" on the next line.
        own = _before_comma(previous)
        if _has_comment(own) and isinstance(own, cst.ParenthesizedWhitespace):
            closing = _join_lines(own, closing) if isinstance(closing, cst.ParenthesizedWhitespace) else own
        args[-1] = previous.with_changes(comma=cst.MaybeSentinel.DEFAULT, whitespace_after_arg=closing)
    return call.with_changes(args=args)


# --- values ------------------------------------------------------------------------------------

def literal_value(node: cst.BaseExpression):
    """The Python value of a simple literal (str, bytes, int, True/False/None), else ``None``."""
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        return node.evaluated_value
    if isinstance(node, cst.Integer):
        return node.evaluated_value
    if isinstance(node, cst.Name) and node.value in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[node.value]
    return None


def is_name(node: cst.BaseExpression, value: str) -> bool:
    return isinstance(node, cst.Name) and node.value == value


def env_lookup(module_alias: str, var: str, default: str | None = None) -> cst.BaseExpression:
    """``os.environ["VAR"]`` or ``os.environ.get("VAR", "default")`` (``module_alias`` = ``os``)."""
    environ = cst.Attribute(value=cst.Name(module_alias), attr=cst.Name("environ"))
    key = cst.SimpleString(f'"{var}"')
    if default is None:
        return cst.Subscript(value=environ, slice=[cst.SubscriptElement(slice=cst.Index(value=key))])
    return cst.Call(
        func=cst.Attribute(value=environ, attr=cst.Name("get")),
        args=[cst.Arg(key, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
              cst.Arg(cst.SimpleString('"' + default.replace("\\", "\\\\").replace('"', '\\"') + '"'))],
    )


def expr(code: str) -> cst.BaseExpression:
    return cst.parse_expression(code)


# --- naming context ----------------------------------------------------------------------------

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")  # fooBar, HTTPServer


def split_words(text: str) -> list[str]:
    """``adminPassword_hash`` -> ``["admin", "password", "hash"]``; ``FTPFileSystem`` -> ``["ftp",
    "file", "system"]``."""
    return [w for w in re.split(r"[^a-z0-9]+", _CAMEL.sub("_", text).lower()) if w]


class _WordCollector(cst.CSTVisitor):
    def __init__(self) -> None:
        self.words: list[str] = []

    def visit_Name(self, node: cst.Name) -> None:
        self.words.extend(split_words(node.value))

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        value = node.evaluated_value
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        if len(value) <= 80:
            self.words.extend(split_words(value))


def words_in(nodes: Iterable[cst.CSTNode]) -> list[str]:
    """Identifier and short string-literal words in ``nodes`` (statement context)."""
    collector = _WordCollector()
    for node in nodes:
        node.visit(collector)
    return collector.words


def function_words(function: cst.FunctionDef | None) -> list[str]:
    """Words of a function's name and parameter names."""
    if function is None:
        return []
    names = [function.name.value]
    params = function.params
    for param in (*params.posonly_params, *params.params, *params.kwonly_params):
        names.append(param.name.value)
    return [w for name in names for w in split_words(name)]


_TOKENIZE = re.compile(r"(de)?tokeni[sz]")  # a lexer's tokens, not a credential


def classify(words: Iterable[str], security: frozenset[str], benign: frozenset[str]) -> str | None:
    """``"security"`` when any word is a security word, else ``"benign"`` when any is benign,
    else ``None`` (no signal). Security wins: a wrong "not for security" is the costly mistake."""
    found = set(words)
    joined = "_".join(w for w in found if not _TOKENIZE.match(w))
    if found & security or any(stem in joined for stem in ("password", "passwd", "secret", "token")):
        return "security"
    if found & benign:
        return "benign"
    return None
