import torch

from promsec_ci.ggan.loss import adversarial_loss, contrastive_loss, generator_loss, score
from promsec_ci.ggan.model import (
    DESC_DIM,
    Discriminator,
    Generator,
    edited_features,
    operator_descriptor,
    pair_features,
    policy,
)
from promsec_ci.graphs.features import FEATURE_DIM, RULE_BUCKETS, offset, stable_bucket


def _graph():
    torch.manual_seed(0)
    x = torch.rand(4, FEATURE_DIM)
    edge_index = torch.tensor([[0, 1, 2, 1, 2, 3], [1, 2, 3, 0, 1, 2]])
    pair_index = torch.tensor([1, 1, 3])
    pair_op = torch.tensor([0, 2, 1])  # 2 = unknown to a 2-operator model
    pair_desc = torch.tensor([operator_descriptor(["B602"], [78]), operator_descriptor(["B506"], [20]),
                              operator_descriptor(["B608"], [89])])
    return x, edge_index, pair_index, pair_op, pair_desc


def test_generator_repr_and_shapes():
    gen = Generator(FEATURE_DIM, 16, num_operators=2)
    assert str(gen) == f"Generator({FEATURE_DIM}, 16, num_operators=2)"
    x, edge_index, pair_index, pair_op, pair_desc = _graph()
    noop, logits = gen(x, edge_index, pair_index, pair_op, pair_desc)
    assert noop.shape == (4,) and logits.shape == (3,)


def test_policy_is_a_distribution_per_node():
    gen = Generator(FEATURE_DIM, 16, num_operators=2)
    x, edge_index, pair_index, pair_op, pair_desc = _graph()
    pi_noop, pi_pairs = policy(*gen(x, edge_index, pair_index, pair_op, pair_desc), pair_index)
    totals = pi_noop.clone().index_add(0, pair_index, pi_pairs)
    assert torch.allclose(totals, torch.ones(4), atol=1e-6)
    assert pi_noop[0] == 1.0 and pi_noop[2] == 1.0  # nodes without applicable operators


def test_unknown_operator_gets_no_own_logit():
    gen = Generator(FEATURE_DIM, 8, num_operators=2)
    assert torch.count_nonzero(gen.op_embedding.weight[2]) == 0
    gen.reset_parameters()
    assert torch.count_nonzero(gen.op_embedding.weight[2]) == 0


def test_pair_features_match_finding_and_operator_rules():
    x = torch.zeros(2, FEATURE_DIM)
    x[1, offset("finding") + stable_bucket("B602", RULE_BUCKETS)] = 1.0
    desc = torch.tensor([operator_descriptor(["B602"], []), operator_descriptor(["B602"], [])])
    feats = pair_features(x, torch.tensor([0, 1]), desc)
    assert feats[0, 2 * DESC_DIM] == 0.0 and feats[1, 2 * DESC_DIM] == 1.0


def test_discriminator_outputs_probabilities_per_graph():
    disc = Discriminator(FEATURE_DIM, 16)
    assert str(disc) == f"Discriminator({FEATURE_DIM}, 16)"
    x, edge_index, *_ = _graph()
    out = disc(x, edge_index, torch.tensor([0, 0, 1, 1]))
    assert out.shape == (2,) and bool(((out > 0) & (out < 1)).all())


def test_generator_loss_gradients_reach_every_generator_layer():
    gen = Generator(FEATURE_DIM, 16, num_operators=2)
    disc = Discriminator(FEATURE_DIM, 16)
    x, edge_index, pair_index, pair_op, pair_desc = _graph()
    pi_noop, pi_pairs = policy(*gen(x, edge_index, pair_index, pair_op, pair_desc), pair_index)
    phi = torch.rand(3, FEATURE_DIM)
    x_hat = edited_features(x, pi_noop, pi_pairs, pair_index, phi)
    dk = (pi_pairs * torch.tensor([1.0, 0.0, 1.0])).sum().unsqueeze(0).repeat(2)
    sim = torch.nn.functional.cosine_similarity(x.sum(0), x_hat.sum(0), dim=0).repeat(2)
    loss = generator_loss(contrastive_loss(score(dk, sim), torch.zeros(2, 2)),
                          adversarial_loss(disc(x_hat, edge_index)))
    loss.backward()
    for name in ("conv1.lin_rel.weight", "conv2.lin_root.weight", "pair_mlp.0.weight", "noop.weight"):
        grad = dict(gen.named_parameters())[name].grad
        assert grad is not None and float(grad.abs().sum()) > 0, name


def test_edited_features_mix_by_policy():
    x = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    phi = torch.tensor([[0.0, 0.0], [4.0, 4.0]])
    out = edited_features(x, torch.tensor([1.0, 0.5]), torch.tensor([0.25, 0.25]), torch.tensor([1, 1]), phi)
    assert torch.allclose(out, torch.tensor([[1.0, 0.0], [1.0, 1.5]]))
