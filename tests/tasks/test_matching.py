"""Hungarian matching: the minimal-cost assignment, checked against brute force."""

import itertools

import pytest
import torch

from zoo.tasks.layers.matching import hungarian_match


def brute_force(cost: torch.Tensor) -> float:
    p, g = cost.shape
    return min(sum(float(cost[i, j]) for i, j in zip(perm, range(g)))
               for perm in itertools.permutations(range(p), g))


def test_assignment_is_minimal_and_one_to_one():
    # by hand: target 0 is cheapest at prediction 2 (0.1), target 1 at prediction 0 (0.2)
    cost = torch.tensor([[0.9, 0.2], [0.8, 0.7], [0.1, 0.95]])
    ((preds, targets),) = hungarian_match([cost])
    assert dict(zip(targets.tolist(), preds.tolist())) == {0: 2, 1: 0}
    generator = torch.Generator().manual_seed(0)
    for _ in range(20):
        cost = torch.rand(5, 3, generator=generator)
        ((preds, targets),) = hungarian_match([cost])
        assert len(set(preds.tolist())) == 3 and sorted(targets.tolist()) == [0, 1, 2]
        assert float(cost[preds, targets].sum()) == pytest.approx(brute_force(cost))


def test_empty_targets_and_bad_costs():
    ((preds, targets),) = hungarian_match([torch.zeros(4, 0)])
    assert preds.numel() == targets.numel() == 0
    with pytest.raises(ValueError, match="item 1: the matching cost has non-finite"):
        hungarian_match([torch.zeros(2, 1), torch.tensor([[float("nan")], [0.0]])])
    with pytest.raises(ValueError, match="must be \\[predictions, targets\\]"):
        hungarian_match([torch.zeros(3)])
