import math

import pytest
import torch

from promsec_ci.ggan.loss import (
    adversarial_loss,
    contrastive_loss,
    discriminator_loss,
    generator_loss,
    score,
)


def test_score_rewards_fewer_cwes_and_similarity():
    assert float(score(torch.tensor(2.0), torch.tensor(0.8), alpha=1.0, beta=0.5)) == pytest.approx(2.4)
    assert float(score(torch.tensor(0.0), torch.tensor(1.0))) < float(score(torch.tensor(1.0), torch.tensor(0.5)))


def test_contrastive_matches_hand_computed_infonce():
    pos = torch.tensor([1.0, 0.0])
    neg = torch.tensor([[9.0, 0.5], [0.2, 9.0]])  # diagonal must be ignored
    expected = (-math.log(math.e / (math.e + math.exp(0.5))) - math.log(1 / (1 + math.exp(0.2)))) / 2
    assert float(contrastive_loss(pos, neg)) == pytest.approx(expected, rel=1e-6)
    # temperature 0.5 doubles every logit
    expected_t = (-math.log(math.exp(2) / (math.exp(2) + math.exp(1))) - math.log(1 / (1 + math.exp(0.4)))) / 2
    assert float(contrastive_loss(pos, neg, temperature=0.5)) == pytest.approx(expected_t, rel=1e-6)


def test_contrastive_falls_as_positive_score_rises():
    neg = torch.zeros(3, 3)
    low = contrastive_loss(torch.zeros(3), neg)
    high = contrastive_loss(torch.full((3,), 2.0), neg)
    assert float(high) < float(low)


def test_adversarial_and_discriminator_losses():
    d_fake = torch.tensor([0.5, 0.25])
    d_real = torch.tensor([0.8])
    assert float(adversarial_loss(d_fake)) == pytest.approx(-(math.log(0.5) + math.log(0.25)) / 2)
    expected_d = -math.log(0.8) - (math.log(0.5) + math.log(0.75)) / 2
    assert float(discriminator_loss(d_real, d_fake)) == pytest.approx(expected_d, rel=1e-6)
    assert float(generator_loss(torch.tensor(1.0), torch.tensor(2.0), lam=0.25)) == pytest.approx(1.5)
