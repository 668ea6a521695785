r"""B105 / B106 / B107, CWE-259 / CWE-798: read hard-coded secrets from the environment.

The variable name comes from what the literal was assigned to (UPPER_SNAKE; a generic
``passwd=`` keyword is prefixed by the variable the call is assigned to)::

    password = "megadeth"                     ->  password = os.environ["PASSWORD"]
    db = connect(user="u", passwd="root")     ->  db = connect(user="u", passwd=os.environ["DB_PASSWORD"])
    def login(user, password="admin"):        ->  def login(user, password=None):
        ...                                           if password is None:
                                                          password = os.environ["PASSWORD"]

An empty literal keeps its value as the default (``os.environ.get("DB_PASSWORD", "")``).
Bandit flags any string near a password-like name; most such strings in real code are not
secrets, so the rewrite is refused unless the name is a credential and the literal could be one:

- the name must end in the credential word (``db_password``, ``auth_token``, ``SECRET_KEY``),
  not merely contain it (``TOKEN_USERNAME``, ``password_prompt``, ``TOKEN_SEPARATOR``), and a
  token must grant something (not ``NEXT_TOKEN``, ``update_token``: paging and concurrency);
- the literal must hold an ASCII letter or digit (not ``")"``, ``":****"``, ``"..."``), and must
  not be a path, URL, sentence, format template (``password = "%s"``), command-line option
  (``{"password": "-p"}``, mysql's flag for it), a credential word or
  identifier naming a field or variable (``translate_connect_args(password="passwd")``,
  ``"input_token": "next_token"``, ``SECRET_KEY = "AWS_SECRET_ACCESS_KEY"``), a sentinel
  (``_DEFAULT_TOKEN = "_sa_default"``) or a value saying it is none (``"notasecret"``);
- a *token* is at least 8 characters of what API tokens are made of, digits among them, or a
  placeholder (``token == "@"``, ``cur_token == "languagesystem"`` and ``jsonnet_token =
  r"[^\W\d]\w*"`` are a parser's), a literal compared against at least 4 (``user_pass == "git"``
  checks a URL's user part);
- enum members are labels (``CI_MUST_PASS = "ci_must_pass"``), and an empty parameter default
  means "no password", not a secret;
- test code is left alone (``production_only``): its passwords are fixtures;
- two different literals of the statement that would read the same variable (``password ==
  "a..." or password == "b..."``) are refused: one value would be lost.
"""

from __future__ import annotations

import re

import libcst as cst

from promsec_ci.rewrite.base import OperatorMeta, ReviewGuidance
from promsec_ci.rewrite.call_edit import CallTransformer, TransformerOperator, env_lookup, split_words
from promsec_ci.rewrite.cst_tools import dotted_name

# Bandit's own test for a password-like name (general_hardcoded_password.py).
_WORDS = "(pas+wo?r?d|pass(phrase)?|pwd|token|secrete?)"
_CANDIDATE = re.compile(f"(^{_WORDS}$|_{_WORDS}_|^{_WORDS}_|_{_WORDS}$)", re.IGNORECASE)
_CREDENTIAL_WORD = re.compile(f"^{_WORDS}$", re.IGNORECASE)
# Words of sentinel values: "_sa_default" marks a default, it guards nothing.
_SENTINEL_WORDS = frozenset({"default", "sentinel", "none", "null", "undefined", "unset", "missing", "empty"})
# A value that says it is no secret or that it does not matter: the fixed, published password of
# Google's P12 service account keys is "notasecret"; apitools clients of public APIs send the
# client secret "nomatter".
_DECLARED_NOT_SECRET = re.compile(r"^(not[\W_]?(a[\W_]?)?(secret|password)|no[\W_]?matter|unused|not[\W_]?used)$",
                                  re.IGNORECASE)
# Words that may follow the credential word in its name: SECRET_KEY, password_hash.
_CREDENTIAL_SUFFIXES = frozenset({"key", "hash", "value"})
# An identifier ending in a credential word names a field: "next_token", "accessToken".
_FIELD_NAME = re.compile(
    f"^[A-Za-z][A-Za-z0-9_]*(_(?i:{_WORDS})|[a-z0-9](Token|Passw(or)?d|Pwd|Secret|Pass(phrase)?))$")
# Tokens that page, order or cancel requests (NextToken, update_token): they grant nothing.
_NOT_CREDENTIAL_TOKENS = frozenset({
    "next", "prev", "previous", "page", "pagination", "continuation", "cursor", "marker", "sync",
    "resume", "cancel", "cancellation", "idempotency", "update", "change",
})
_PLACEHOLDER_WORDS = frozenset({"your", "my", "change", "changeme", "replace", "insert", "enter", "here",
                                "example", "put"})
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$")
_PASCAL_NAME = re.compile(r"^([A-Z][a-z0-9]+|[A-Z]{2,}(?=[A-Z][a-z]))([A-Z][a-z0-9]+|[A-Z]{2,}(?=[A-Z][a-z]|$))+$")
_MIN_TOKEN = 8  # shorter "tokens" are lexer tokens and separators
# What API tokens are made of (base64, hex, URL-safe; <...> for placeholders): not regexes.
_TOKEN_SHAPE = re.compile(r"^[\w\-.=+/:~<>]+$")
_MIN_COMPARED = 4  # shorter literals compared to a name are protocol values
_ENUM_BASES = re.compile(r"(^|\.)(\w*Enum|Flag|IntFlag)$")
_NOT_SECRET = re.compile(r"^(\w+://|\.{0,2}/|~/)|\.(html?|txt|json|ya?ml|cfg|ini|py|j2|jinja2?|xml|csv|log|pem)$"
                         r"|%(\(\w+\))?[sdr]|\{\w*\}"
                         r"|^--?[A-Za-z][\w-]*=?$")  # a command-line option: mysql's -p, psql's -W, --password=
_LOOKUPS = frozenset({"get", "pop", "setdefault", "getenv", "has_option"})
_GENERIC = {"password", "passwd", "pwd", "pass", "secret", "token", "passphrase"}
_SPELLING = {"passwd": "password", "pwd": "password", "pass": "password"}


def env_name(*names: str) -> str:
    """``("db", "passwd")`` -> ``DB_PASSWORD``."""
    words = [_SPELLING.get(w, w) for name in names for w in split_words(name)]
    text = "_".join(words).upper() or "SECRET"
    return f"_{text}" if text[0].isdigit() else text


def credential_word(name: str) -> str | None:
    """The credential word a name ends in (``db_passwd`` -> ``passwd``, ``SECRET_KEY`` ->
    ``secret``), or ``None`` when the name only mentions one (``token_url``)."""
    words = split_words(name)
    if len(words) >= 2 and words[-1] in _CREDENTIAL_SUFFIXES:
        words = words[:-1]
    if len(words) >= 2 and words[-1] == "token" and words[-2] in _NOT_CREDENTIAL_TOKENS:
        return None
    if words and _CREDENTIAL_WORD.match(words[-1]) and _CANDIDATE.search(name):
        return words[-1]
    return None


def _secret_literal(node: cst.BaseExpression | None, name: str | None = None,
                    compared: bool = False) -> str | None:
    """The string of a literal that may be the secret ``name`` holds, else ``None``."""
    if not isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        return None
    value = node.evaluated_value
    if not isinstance(value, str):
        return None
    word = credential_word(name) if name is not None else None
    if name is not None and word is None:
        return None
    if value == "":
        return value
    if _NOT_SECRET.search(value) or not any(c.isascii() and c.isalnum() for c in value):
        return None
    if _CREDENTIAL_WORD.match(value) or _names_something(value) or _SENTINEL_WORDS & set(split_words(value)) \
            or _DECLARED_NOT_SECRET.match(value):
        return None  # a field name (password="passwd", "input_token": "next_token"), a sentinel, "notasecret"
    if len(value.split()) >= 2 and not (value.startswith("<") and value.endswith(">")):
        return None
    if word == "token" and not _token_like(value):
        return None
    if compared and len(value) < _MIN_COMPARED:
        return None
    return value


def _token_like(value: str) -> bool:
    """API tokens are long and random (digits among letters: hex, base64) or a placeholder for
    one (``<token>``, ``YOUR_TOKEN_HERE``); a parser's tokens are words (``"languagesystem"``)."""
    if len(value) < _MIN_TOKEN or not _TOKEN_SHAPE.match(value):
        return False
    return any(c.isdigit() for c in value) or value.startswith("<") or bool(
        _PLACEHOLDER_WORDS.intersection(split_words(value)))


def _names_something(value: str) -> bool:
    """An identifier naming a field or variable: ``next_token``, ``AWS_SECRET_ACCESS_KEY`` (where
    the secret lives), ``SecretAccessKey`` (an API's field)."""
    words = split_words(value)
    if _PLACEHOLDER_WORDS.intersection(words):
        return False  # YOUR_SECRET_KEY stands for a secret: the code still holds one
    if _FIELD_NAME.match(value) or _ENV_NAME.match(value):
        return True
    return bool(_PASCAL_NAME.match(value)) and any(_CREDENTIAL_WORD.match(w) for w in words)


def _target_name(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    if isinstance(node, cst.Subscript) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
        key = node.slice[0].slice.value
        if isinstance(key, cst.SimpleString) and isinstance(key.evaluated_value, str):
            return key.evaluated_value
    return None


class _SecretFromEnv(CallTransformer):
    def __init__(self, line: int) -> None:
        super().__init__(line)
        self._values: dict[str, str] = {}  # environment variable -> the literal it replaces
        self._shared = False

    def _lookup(self, name: str, value: str) -> cst.BaseExpression:
        if self._values.setdefault(name, value) != value:
            self._shared = True  # two secrets, one variable: one of them would be lost
        return env_lookup(self.module_alias("os"), name, "" if value == "" else None)

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        return original_node if self._shared else updated_node

    def leave_Assign(self, original_node: cst.Assign, updated_node: cst.Assign) -> cst.Assign:
        if not self.in_target or len(updated_node.targets) != 1 or self._in_enum(original_node):
            return updated_node
        name = _target_name(updated_node.targets[0].target)
        value = _secret_literal(updated_node.value, name) if name is not None else None
        if value is None:
            return updated_node
        if value == "" and not (name.isupper() and self.enclosing_function(original_node) is None):
            return updated_node  # an empty initial value, not a secret
        if isinstance(updated_node.targets[0].target, (cst.Name, cst.Attribute)) and self._used_as_key(name):
            return updated_node  # SECRET_KEY = "aws_secret_access_key"; creds[self.SECRET_KEY]
        return updated_node.with_changes(value=self._lookup(env_name(name), value))

    def leave_DictElement(self, original_node: cst.DictElement, updated_node: cst.DictElement) -> cst.DictElement:
        if not self.in_target or not isinstance(updated_node.key, cst.SimpleString):
            return updated_node
        key = updated_node.key.evaluated_value
        value = _secret_literal(updated_node.value, key) if isinstance(key, str) else None
        if value in (None, ""):
            return updated_node
        return updated_node.with_changes(value=self._lookup(env_name(key), value))

    def leave_Comparison(self, original_node: cst.Comparison, updated_node: cst.Comparison) -> cst.Comparison:
        if not self.in_target or len(updated_node.comparisons) != 1:
            return updated_node
        name = _target_name(updated_node.left)
        target = updated_node.comparisons[0]
        value = _secret_literal(target.comparator, name, compared=True) if name is not None else None
        if value in (None, ""):
            return updated_node
        lookup = self._lookup(env_name(name), value)
        return updated_node.with_changes(comparisons=[target.with_changes(comparator=lookup)])

    def on_call(self, original: cst.Call, updated: cst.Call, name: str | None) -> cst.BaseExpression:
        args = []
        prefix = self._assigned_name()
        for arg in updated.args:
            value = _secret_literal(arg.value, arg.keyword.value) if arg.keyword is not None else None
            if value is not None:
                words = (prefix, arg.keyword.value) if prefix and arg.keyword.value.lower() in _GENERIC else (
                    arg.keyword.value,)
                arg = arg.with_changes(value=self._lookup(env_name(*words), value))
            args.append(arg)
        return updated.with_changes(args=args)

    def _used_as_key(self, name: str) -> bool:
        """Whether the module looks something up by the constant ``name`` (``creds[SECRET_KEY]``,
        ``self.SECRET_KEY in config``, ``config.get(SECRET_KEY)``): its value is the name of the
        field that holds the secret, not the secret."""
        found = False
        parent_of = self.parent_of

        class _Reads(cst.CSTVisitor):
            def visit_Name(self, node: cst.Name) -> None:
                nonlocal found
                if found or node.value != name:
                    return
                read: cst.CSTNode = node
                parent = parent_of(node)
                if isinstance(parent, cst.Attribute) and parent.attr is node:
                    read, parent = parent, parent_of(parent)
                elif isinstance(parent, cst.Attribute):
                    return
                if isinstance(parent, cst.Index):
                    found = True
                elif isinstance(parent, cst.ComparisonTarget) and isinstance(parent.operator, (cst.In, cst.NotIn)):
                    found = True
                elif isinstance(parent, cst.Comparison) and parent.left is read and any(
                        isinstance(t.operator, (cst.In, cst.NotIn)) for t in parent.comparisons):
                    found = True
                elif isinstance(parent, cst.Arg):
                    call = parent_of(parent)
                    method = call.func.attr.value if isinstance(call, cst.Call) and isinstance(
                        call.func, cst.Attribute) else ""
                    found = method in _LOOKUPS and call.args[0] is parent

        if self.module is not None:
            self.module.visit(_Reads())
        return found

    def _in_enum(self, node: cst.CSTNode) -> bool:
        """Whether ``node`` sits in the body of an ``Enum`` class, whose members are labels."""
        parent = self.parent_of(node)
        while parent is not None and not isinstance(parent, (cst.ClassDef, cst.FunctionDef)):
            parent = self.parent_of(parent)
        return isinstance(parent, cst.ClassDef) and any(
            _ENUM_BASES.search(dotted_name(base.value) or "") for base in parent.bases)

    def _assigned_name(self) -> str | None:
        """``db`` for ``db = connect(...)``: names the credential's owner."""
        if isinstance(self.target, cst.SimpleStatementLine) and isinstance(self.target.body[0], cst.Assign):
            targets = self.target.body[0].targets
            if len(targets) == 1:
                name = dotted_name(targets[0].target)
                return name.split(".")[-1] if name else None
        return None

    def leave_FunctionDef(self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef) -> cst.FunctionDef:
        if original_node is not self.target or not isinstance(updated_node.body, cst.IndentedBlock):
            return updated_node
        params = updated_node.params
        checks: list[cst.BaseStatement] = []

        def fix(param: cst.Param) -> cst.Param:
            value = _secret_literal(param.default, param.name.value)
            if value in (None, ""):
                return param  # an empty default means "no password"
            name = param.name.value
            lookup = cst.Module([]).code_for_node(self._lookup(env_name(name), value))
            checks.append(cst.parse_statement(f"if {name} is None:\n    {name} = {lookup}\n"))
            return param.with_changes(default=cst.Name("None"))

        params = params.with_changes(params=[fix(p) for p in params.params],
                                     kwonly_params=[fix(p) for p in params.kwonly_params])
        if not checks:
            return updated_node
        body = list(updated_node.body.body)
        at = 1 if body and _is_docstring(body[0]) else 0
        body[at:at] = checks
        return updated_node.with_changes(params=params, body=updated_node.body.with_changes(body=body))


def _is_docstring(statement: cst.BaseStatement) -> bool:
    return (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1
            and isinstance(statement.body[0], cst.Expr)
            and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString)))


SecretFromEnv = TransformerOperator(
    OperatorMeta(
        name="secret-from-env",
        cwes=(259, 798),
        rule_ids=("B105", "B106", "B107"),
        directive="Do not hard-code passwords, tokens or secret keys in the source; read each one "
        "from an environment variable with os.environ.",
        summary="hard-coded secret literal -> os.environ lookup",
        references=(
            "https://cwe.mitre.org/data/definitions/798.html",
            "https://docs.python.org/3/library/os.html#os.environ",
        ),
        review_guidance=ReviewGuidance.MERGE_AFTER_REVIEW,
        production_only=True,
    ),
    _SecretFromEnv,
)
