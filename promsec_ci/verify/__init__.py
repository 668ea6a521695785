"""Verification of candidate fixes: the static checks every fix passes before it is shown."""

from promsec_ci.verify.similarity import token_similarity, tokens
from promsec_ci.verify.static import StaticVerifier, Verdict

__all__ = ["StaticVerifier", "Verdict", "token_similarity", "tokens"]
