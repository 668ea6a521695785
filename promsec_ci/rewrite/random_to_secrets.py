"""B311, CWE-330 / CWE-338: draw security-sensitive random values from ``secrets``.

``random`` is a seeded Mersenne Twister: its outputs can be predicted from a few samples.
Each call is mapped to the ``secrets`` (OS CSPRNG) equivalent with exactly the same range::

    otp = random.randint(100000, 999999)   ->   otp = secrets.randbelow(900000) + 100000
    c = random.choice(alphabet)            ->   c = secrets.choice(alphabet)
    r = random.random()                    ->   r = secrets.SystemRandom().random()
    bits = random.getrandbits(128)         ->   bits = secrets.randbits(128)

Applies only where the names around the call say the value guards something (token, password,
key, OTP, nonce, session, ...): Bandit flags every ``random`` call, and most draw sample data,
suffixes or demo values where a CSPRNG changes nothing but reproducibility. Refused also where
the module seeds ``random`` (reproducibility is wanted), the names say simulation, game, test
data, jitter or back-off, or the code is a test (``production_only``).
"""

from __future__ import annotations

import re

import libcst as cst

from promsec_ci.rewrite.base import OperatorMeta, ReviewGuidance
from promsec_ci.rewrite.call_edit import (
    CallTransformer,
    TransformerOperator,
    classify,
    expr,
    has_star_args,
    literal_value,
    positional,
    split_words,
)

_SECURITY = frozenset({
    "token", "password", "passwd", "pwd", "secret", "key", "otp", "pin", "nonce", "salt", "session", "sid",
    "csrf", "auth", "reset", "activation", "captcha", "invite", "api", "code", "verification", "cookie",
    "iv", "crypt", "encrypt", "cipher", "credential",
})
# Security words with everyday meanings (a sort key, a colour code): a benign word beside them wins.
_AMBIGUOUS = frozenset({"key", "code", "pin", "api", "reset", "invite"})
_BENIGN = frozenset({
    "test", "tests", "game", "player", "sim", "simulate", "simulation", "jitter", "backoff", "delay",
    "sleep", "retry", "color", "colour", "weight", "weights", "noise", "mock", "fake", "demo", "dice",
    "dummy", "seed", "sprite", "sprites", "screen", "posx", "posy", "monte", "carlo", "example",
    "experiment", "population", "mutation", "chromosome", "genetic", "animation", "music", "nota",
    "id", "ids", "identifier", "suffix", "prefix", "arn", "filename", "hostname", "cache", "evict",
    "eviction", "balance", "balancer", "shard",
})
_SYSTEM_RANDOM = {"random", "uniform", "sample", "choices", "triangular", "shuffle", "randint", "randrange",
                  "gauss", "betavariate", "expovariate", "normalvariate"}
_ATOMS = (cst.Name, cst.Attribute, cst.Integer)
# Parents under which ``a + b`` needs no parentheses.
_LOOSE_PARENTS = (cst.Arg, cst.Assign, cst.AnnAssign, cst.AugAssign, cst.Return, cst.Index, cst.Element,
                  cst.Expr, cst.DictElement, cst.ComparisonTarget, cst.Comparison, cst.Param, cst.Yield)


def _classify(words: list[str]) -> str | None:
    if _BENIGN.intersection(words):
        words = [w for w in words if w not in _AMBIGUOUS]
    return classify(words, _SECURITY, _BENIGN)


class _RandomToSecrets(CallTransformer):
    def on_call(self, original: cst.Call, updated: cst.Call, name: str | None) -> cst.BaseExpression:
        result = self._rewrite(original, updated, name)
        if result is not updated:
            self.module_alias("secrets")
        return result

    def _rewrite(self, original: cst.Call, updated: cst.Call, name: str | None) -> cst.BaseExpression:
        if name is None or not name.startswith("random.") or name.count(".") != 1 or has_star_args(updated):
            return updated
        if self._seeded() or not self._security_context(original):
            return updated
        function = name.split(".")[1]
        args = positional(updated)
        plain = len(args) == len(updated.args)
        secrets = self.module_alias("secrets", add=False)
        if function == "choice" and plain and len(args) == 1:
            return self._secrets_call(updated, secrets, "choice")
        if function == "getrandbits" and plain and len(args) == 1:
            return self._secrets_call(updated, secrets, "randbits")
        if function == "randbytes" and plain and len(args) == 1:
            return self._secrets_call(updated, secrets, "token_bytes")
        if function == "randrange" and plain and len(args) == 1:
            return self._secrets_call(updated, secrets, "randbelow")
        if function in ("randint", "randrange") and plain and len(args) == 2:
            low, high = args[0].value, args[1].value
            span = self._span(low, high, inclusive=function == "randint")
            if span is not None:
                return self._offset(original, self._randbelow(secrets, span), low)
        if function == "Random" and not updated.args:
            return updated.with_changes(func=expr(f"{secrets}.SystemRandom"))
        if function in _SYSTEM_RANDOM:
            return updated.with_changes(func=expr(f"{secrets}.SystemRandom().{function}"))
        return updated

    def _seeded(self) -> bool:
        """The module seeds ``random`` (``random.seed(...)``, ``rnd.seed(...)`` after ``import random
        as rnd``, ``seed(...)`` after ``from random import seed``, ``random.setstate(...)``), builds
        ``random.Random(seed)``, or sets or reads the state of a ``random.Random()`` it builds."""
        if self.module is None:
            return False
        code = self.module.code
        alias = re.escape(self.module_alias("random", add=False))
        if re.search(rf"\b{alias}\.(seed|setstate)\s*\(|\b{alias}\.Random\s*\(\s*[^)\s]", code):
            return True
        # A Random() whose state is set or read: SystemRandom ignores seed()/setstate() and
        # raises NotImplementedError on getstate().
        spellings = [rf"\b{alias}\.Random"]
        if re.search(r"^\s*from\s+random\s+import\s+[^#\n]*\bRandom\b", code, re.MULTILINE):
            spellings.append(r"(?<![\w.])Random")
        for target in re.findall(rf"([\w.]+)\s*=\s*(?:{'|'.join(spellings)})\s*\(", code):
            if re.search(rf"(?<![\w.]){re.escape(target)}\.(seed|setstate|getstate)\s*\(", code):
                return True
        return bool(re.search(r"^\s*from\s+random\s+import\s+[^#\n]*\bseed\b", code, re.MULTILINE)
                    and re.search(r"(?<![\w.])seed\s*\(", code))

    def _security_context(self, call: cst.Call) -> bool:
        found = _classify(self.statement_words(call))
        function = self.enclosing_function(call)
        if found is None and function is not None:
            # The name only: a constructor's forty parameters say nothing about this one value.
            found = _classify(split_words(function.name.value))
        return found == "security"

    @staticmethod
    def _secrets_call(call: cst.Call, secrets: str, function: str) -> cst.Call:
        return call.with_changes(func=cst.Attribute(value=cst.Name(secrets), attr=cst.Name(function)))

    @staticmethod
    def _span(low: cst.BaseExpression, high: cst.BaseExpression, *, inclusive: bool) -> cst.BaseExpression | None:
        """``high - low (+ 1)`` folded when both are integer literals; ``None`` unless both are atoms."""
        extra = 1 if inclusive else 0
        lo, hi = literal_value(low), literal_value(high)
        if isinstance(lo, int) and isinstance(hi, int) and not isinstance(lo, bool) and not isinstance(hi, bool):
            return cst.Integer(str(hi - lo + extra)) if hi - lo + extra >= 0 else None
        if not (isinstance(low, _ATOMS) and isinstance(high, _ATOMS)):
            return None
        text = cst.Module([]).code_for_node
        if isinstance(lo, int) and lo == 0:
            return expr(f"{text(high)} + 1") if extra else high
        return expr(f"{text(high)} - {text(low)}" + (" + 1" if extra else ""))

    @staticmethod
    def _randbelow(secrets: str, span: cst.BaseExpression) -> cst.Call:
        return cst.Call(func=expr(f"{secrets}.randbelow"), args=[cst.Arg(span)])

    def _offset(self, original: cst.Call, call: cst.Call, low: cst.BaseExpression) -> cst.BaseExpression:
        if literal_value(low) == 0 and not isinstance(literal_value(low), bool):
            return call
        result: cst.BaseExpression = cst.BinaryOperation(
            left=call, operator=cst.Add(whitespace_before=cst.SimpleWhitespace(" "),
                                        whitespace_after=cst.SimpleWhitespace(" ")), right=low)
        parent = self.parent_of(original)
        if not isinstance(parent, _LOOSE_PARENTS):
            result = result.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        return result


RandomToSecrets = TransformerOperator(
    OperatorMeta(
        name="random-to-secrets",
        cwes=(330, 338),
        rule_ids=("B311",),
        directive="Generate tokens, passwords, keys and one-time codes with the secrets module "
        "(secrets.randbelow, secrets.choice, secrets.token_hex) instead of the predictable random module.",
        summary="random.* for a secret value -> secrets.* with the same range",
        references=(
            "https://cwe.mitre.org/data/definitions/338.html",
            "https://docs.python.org/3/library/secrets.html",
        ),
        review_guidance=ReviewGuidance.MERGE_AFTER_CURSORY_REVIEW,
        production_only=True,
    ),
    _RandomToSecrets,
)
