"""B614, CWE-502: load PyTorch checkpoints with ``weights_only=True``.

A full ``torch.load`` unpickles arbitrary objects, so a crafted checkpoint runs code.
``weights_only=True`` restricts it to tensors, primitive types and state dicts (the default
since PyTorch 2.6; saying it keeps older versions safe too)::

    state = torch.load(path, map_location="cpu")
        -> state = torch.load(path, map_location="cpu", weights_only=True)

Refused where the code asks for full unpickling (``weights_only=False``) or passes its own
``pickle_module``: those load whole objects, which the safe loader rejects.
"""

from __future__ import annotations

import libcst as cst

from promsec_ci.rewrite.base import OperatorMeta, ReviewGuidance
from promsec_ci.rewrite.call_edit import CallTransformer, TransformerOperator, expr, get_kwarg, has_star_args, set_kwarg


class _TorchLoadWeightsOnly(CallTransformer):
    def on_call(self, original: cst.Call, updated: cst.Call, name: str | None) -> cst.BaseExpression:
        if name not in ("torch.load", "torch.serialization.load") or has_star_args(updated):
            return updated
        if get_kwarg(updated, "weights_only") is not None or get_kwarg(updated, "pickle_module") is not None:
            return updated
        if len(updated.args) > 2 and all(a.keyword is None for a in updated.args[:3]):
            return updated  # a positional pickle_module
        return set_kwarg(updated, "weights_only", expr("True"))


TorchLoadWeightsOnly = TransformerOperator(
    OperatorMeta(
        name="torch-load-weights-only",
        cwes=(502,),
        rule_ids=("B614",),
        directive="Load PyTorch files with torch.load(..., weights_only=True) so a checkpoint can only "
        "contain tensors and plain data, never objects that run code when unpickled.",
        summary="torch.load -> torch.load(..., weights_only=True)",
        references=(
            "https://cwe.mitre.org/data/definitions/502.html",
            "https://pytorch.org/docs/stable/generated/torch.load.html",
        ),
        review_guidance=ReviewGuidance.MERGE_AFTER_CURSORY_REVIEW,
    ),
    _TorchLoadWeightsOnly,
)
