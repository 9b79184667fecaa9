"""Hungarian matching of set predictions to targets (DETR), shared by the set-prediction heads.

A head builds a cost matrix per item (its own mix of class, L1 and generalised-IoU costs) and
:func:`hungarian_match` finds the assignment of minimal total cost with scipy's
``linear_sum_assignment``: each target gets exactly one prediction when there are at least as many
predictions as targets (the DETR setting), and the unmatched predictions are "no object".
"""

from __future__ import annotations

from typing import Sequence

import torch
from scipy.optimize import linear_sum_assignment


def hungarian_match(costs: Sequence[torch.Tensor]) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """One ``(prediction indices [M], target indices [M])`` pair per cost matrix ``[P, G]``.

    Costs are detached and moved to the CPU (the assignment is not differentiable); an item with
    no target gives two empty index tensors. Non-finite costs raise, naming the item, because
    scipy would otherwise fail with an opaque "cost matrix is infeasible".
    """
    matches = []
    for item, cost in enumerate(costs):
        if cost.dim() != 2:
            raise ValueError(f"item {item}: a cost matrix must be [predictions, targets], got {tuple(cost.shape)}")
        cost = cost.detach().float().cpu()
        if cost.numel() and not torch.isfinite(cost).all():
            raise ValueError(f"item {item}: the matching cost has non-finite entries (NaN/inf boxes or scores?)")
        if cost.shape[1] == 0:
            empty = torch.zeros(0, dtype=torch.long)
            matches.append((empty, empty))
            continue
        predictions, targets = linear_sum_assignment(cost.numpy())
        matches.append((torch.as_tensor(predictions, dtype=torch.long), torch.as_tensor(targets, dtype=torch.long)))
    return matches
