"""The gGAN's two networks: a generator that puts a distribution over edits on every node of a
code graph, and a discriminator that tells graphs of clean code from edited ones.

The action space is sparse: only (node, operator) pairs whose precondition holds at the node
(``operator.apply(text, node_line) is not None``) are scored, plus one no-op per node. That is
the masked per-node distribution of the paper, without materialising ``-inf`` logits.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn
from torch_geometric.nn import GraphConv, global_mean_pool
from torch_geometric.utils import softmax

from promsec_ci.graphs.features import CWE_BUCKETS, RULE_BUCKETS, offset, stable_bucket

DESC_DIM = RULE_BUCKETS + CWE_BUCKETS
PAIR_DIM = 2 * DESC_DIM + 2


def operator_descriptor(rule_ids: Sequence[str], cwes: Sequence[int]) -> list[float]:
    """A static description of an operator in the same buckets as the node finding features, so
    the generator can match "this node has a B602 finding" with "this operator answers B602" even
    for an operator it never saw in training."""
    vec = [0.0] * DESC_DIM
    for rule in rule_ids:
        vec[stable_bucket(rule, RULE_BUCKETS)] = 1.0
    for cwe in cwes:
        vec[RULE_BUCKETS + stable_bucket(f"CWE-{cwe}", CWE_BUCKETS)] = 1.0
    return vec


def pair_features(x: Tensor, pair_index: Tensor, pair_desc: Tensor) -> Tensor:
    """Per (node, operator) pair: the operator's descriptor, its overlap with the node's finding
    buckets, and two match counts (rule, CWE). Shapes: ``x [N, F]``, ``pair_index [P]``,
    ``pair_desc [P, DESC_DIM]`` -> ``[P, PAIR_DIM]``."""
    base = offset("finding")
    node_desc = x[pair_index, base: base + DESC_DIM]
    overlap = node_desc * pair_desc
    rule_match = overlap[:, :RULE_BUCKETS].sum(1, keepdim=True)
    cwe_match = overlap[:, RULE_BUCKETS:].sum(1, keepdim=True)
    return torch.cat([pair_desc, overlap, rule_match, cwe_match], dim=1)


class Generator(nn.Module):
    r"""Per-node distribution over {no-op, applicable operators}.

    .. math::
        h = \mathrm{ReLU}(\mathrm{GraphConv}_2(\mathrm{ReLU}(\mathrm{GraphConv}_1(x))))

        \ell_{v,\mathrm{noop}} = w_0^\top h_v, \qquad
        \ell_{v,k} = u_k^\top h_v + \mathrm{MLP}([h_v \,\|\, p_{v,k}])

        \pi_v = \mathrm{softmax}(\{\ell_{v,\mathrm{noop}}\} \cup \{\ell_{v,k} : o_k \text{ applies at } v\})

    :math:`u_k` is a learned vector per operator of the vocabulary (an operator unknown to the
    model gets no such logit, only the shared term); :math:`p_{v,k}` are the pair features of
    :func:`pair_features`.

    Args:
        in_channels (int): node feature size.
        hidden_channels (int): hidden size of the graph convolutions.
        num_operators (int): operators in the vocabulary saved with the model.

    Shapes:
        - **input:** node features :math:`(|V|, F)`, edge indices :math:`(2, |E|)`, pair node
          indices :math:`(P)`, pair operator ids :math:`(P)` (``num_operators`` = unknown),
          pair descriptors :math:`(P, D)`
        - **output:** no-op logits :math:`(|V|)`, pair logits :math:`(P)`
    """

    def __init__(self, in_channels: int, hidden_channels: int, num_operators: int) -> None:
        super().__init__()
        self.in_channels = in_channels
        self.hidden_channels = hidden_channels
        self.num_operators = num_operators
        self.conv1 = GraphConv(in_channels, hidden_channels, aggr="mean")
        self.conv2 = GraphConv(hidden_channels, hidden_channels, aggr="mean")
        self.noop = nn.Linear(hidden_channels, 1)
        self.op_embedding = nn.Embedding(num_operators + 1, hidden_channels, padding_idx=num_operators)
        self.pair_mlp = nn.Sequential(nn.Linear(hidden_channels + PAIR_DIM, hidden_channels), nn.ReLU(),
                                      nn.Linear(hidden_channels, 1))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Resets all learnable parameters."""
        self.conv1.reset_parameters()
        self.conv2.reset_parameters()
        self.noop.reset_parameters()
        nn.init.normal_(self.op_embedding.weight, std=0.01)
        with torch.no_grad():
            self.op_embedding.weight[self.num_operators].zero_()
        for layer in self.pair_mlp:
            if isinstance(layer, nn.Linear):
                layer.reset_parameters()

    def encode(self, x: Tensor, edge_index: Tensor) -> Tensor:
        h = torch.relu(self.conv1(x, edge_index))
        return torch.relu(self.conv2(h, edge_index))

    def forward(self, x: Tensor, edge_index: Tensor, pair_index: Tensor, pair_op: Tensor,
                pair_desc: Tensor) -> tuple[Tensor, Tensor]:
        h = self.encode(x, edge_index)
        noop = self.noop(h).squeeze(-1)
        hp = h[pair_index]
        shared = self.pair_mlp(torch.cat([hp, pair_features(x, pair_index, pair_desc)], dim=1)).squeeze(-1)
        own = (self.op_embedding(pair_op) * hp).sum(-1)
        return noop, own + shared

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}({self.in_channels}, {self.hidden_channels}, "
                f"num_operators={self.num_operators})")


def policy(noop_logits: Tensor, pair_logits: Tensor, pair_index: Tensor) -> tuple[Tensor, Tensor]:
    """Softmax per node over its no-op and its pairs: ``(pi_noop [N], pi_pairs [P])``."""
    n = noop_logits.size(0)
    logits = torch.cat([noop_logits, pair_logits])
    index = torch.cat([torch.arange(n, device=noop_logits.device), pair_index])
    probs = softmax(logits, index, num_nodes=n)
    return probs[:n], probs[n:]


def edited_features(x: Tensor, pi_noop: Tensor, pi_pairs: Tensor, pair_index: Tensor, pair_phi: Tensor) -> Tensor:
    """x̂_v = π_v(no-op)·x_v + Σ_k π_v(k)·φ(o_k(v)); differentiable in π."""
    weighted = pi_pairs.unsqueeze(1) * pair_phi
    return pi_noop.unsqueeze(1) * x + torch.zeros_like(x).index_add(0, pair_index, weighted)


class Discriminator(nn.Module):
    r"""Probability that a graph comes from code the analyzer finds clean.

    .. math::
        D(g) = \sigma\big(w^\top \mathrm{mean}_v\, \mathrm{ReLU}(\mathrm{GraphConv}_2(
        \mathrm{ReLU}(\mathrm{GraphConv}_1(x))))_v + b\big)

    Args:
        in_channels (int): node feature size.
        hidden_channels (int): hidden size of the graph convolutions.

    Shapes:
        - **input:** node features :math:`(|V|, F)`, edge indices :math:`(2, |E|)`, batch vector
          :math:`(|V|)` (optional)
        - **output:** probabilities :math:`(B)`
    """

    def __init__(self, in_channels: int, hidden_channels: int) -> None:
        super().__init__()
        self.in_channels = in_channels
        self.hidden_channels = hidden_channels
        self.conv1 = GraphConv(in_channels, hidden_channels, aggr="mean")
        self.conv2 = GraphConv(hidden_channels, hidden_channels, aggr="mean")
        self.readout = nn.Linear(hidden_channels, 1)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Resets all learnable parameters."""
        self.conv1.reset_parameters()
        self.conv2.reset_parameters()
        self.readout.reset_parameters()

    def forward(self, x: Tensor, edge_index: Tensor, batch: Tensor | None = None) -> Tensor:
        h = torch.relu(self.conv1(x, edge_index))
        h = torch.relu(self.conv2(h, edge_index))
        if batch is None:
            batch = torch.zeros(x.size(0), dtype=torch.long, device=x.device)
        return torch.sigmoid(self.readout(global_mean_pool(h, batch))).squeeze(-1)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.in_channels}, {self.hidden_channels})"
