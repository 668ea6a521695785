"""The gGAN's losses (PromSec, Eq. 2-6), with the signs the paper intends.

- ``score(g, g') = alpha * Δk + beta * S``: CWEs removed going from ``g`` to ``g'`` plus the
  cosine similarity of their embeddings. Higher is better: fewer CWEs, code kept.
- Contrastive (Eq. 4-5): InfoNCE with the positive pair ``(g_i, ĝ_i)`` against the negatives
  ``(g_i, g_j)``, j != i in the batch. The printed Eq. 5 would reward *more* CWEs; we reward
  their reduction, which is what the text says the loss is for.
- Adversarial (Eq. 3): ``-E[log D(ĝ)]``.
- Discriminator (Eq. 6): ``-E[log D(g_real)] - E[log(1 - D(ĝ))]``.
- Generator (Eq. 2): ``L_G = L_contrastive + lambda * L_adv``.
"""

from __future__ import annotations

import torch
from torch import Tensor

EPS = 1e-7


def score(delta_k: Tensor, similarity: Tensor, alpha: float = 1.0, beta: float = 0.5) -> Tensor:
    """``alpha * Δk + beta * S`` elementwise."""
    return alpha * delta_k + beta * similarity


def contrastive_loss(positive: Tensor, negative: Tensor, temperature: float = 1.0) -> Tensor:
    """InfoNCE over a batch.

    Args:
        positive: ``[B]`` scores of ``(g_i, ĝ_i)``.
        negative: ``[B, B]`` scores of ``(g_i, g_j)``; the diagonal is ignored.
        temperature: softmax temperature.
    """
    b = positive.size(0)
    off_diagonal = ~torch.eye(b, dtype=torch.bool, device=positive.device)
    neg = negative.masked_fill(~off_diagonal, float("-inf"))
    logits = torch.cat([positive.unsqueeze(1), neg], dim=1) / temperature
    return -(torch.log_softmax(logits, dim=1)[:, 0]).mean()


def adversarial_loss(d_fake: Tensor) -> Tensor:
    """Eq. 3: ``-mean(log D(ĝ))``."""
    return -torch.log(d_fake.clamp(EPS, 1.0)).mean()


def discriminator_loss(d_real: Tensor, d_fake: Tensor) -> Tensor:
    """Eq. 6: binary cross-entropy, real graphs labelled 1, edited graphs 0."""
    return -torch.log(d_real.clamp(EPS, 1.0)).mean() - torch.log((1 - d_fake).clamp(EPS, 1.0)).mean()


def generator_loss(contrastive: Tensor, adversarial: Tensor, lam: float = 0.1) -> Tensor:
    """Eq. 2: ``L_contrastive + lambda * L_adv``."""
    return contrastive + lam * adversarial


def cosine_matrix(a: Tensor, b: Tensor) -> Tensor:
    """``[B, B]`` cosine similarities between the rows of ``a`` and of ``b``."""
    an = a / a.norm(dim=1, keepdim=True).clamp(min=EPS)
    bn = b / b.norm(dim=1, keepdim=True).clamp(min=EPS)
    return an @ bn.T
