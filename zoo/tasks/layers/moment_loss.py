"""Moment-DETR's set criterion (``jayleicn/moment_detr``: ``matcher.py``, ``model.py``
``SetCriterion``) for :class:`~zoo.tasks.layers.moment_detr.MomentOutput`.

Per query (a video and a sentence) the ground truth is ``G >= 1`` windows in **normalised
(centre, width)** (seconds divided by the video's duration, :func:`zoo.ops.spans.xx_to_cxw`).

Matching (``HungarianMatcher``, on each decoder layer's predictions separately): cost
``cost_span * L1(cxw) - cost_giou * GIoU(start, end) - cost_class * p_foreground`` between every
prediction and every window, solved by :func:`~zoo.tasks.layers.matching.hungarian_match`.

Losses (Moment-DETR's weights by default):

- ``span``: L1 between matched predictions and windows in (centre, width), mean over the
  matched pairs and both coordinates (weight 10);
- ``giou``: ``1 - GIoU`` of the matched pairs in (start, end), mean (weight 1);
- ``label``: cross-entropy over {foreground, no moment} of every prediction, class weights
  ``(1, eos_coef = 0.1)``, a plain mean over all ``B * Q`` predictions (``reduction="none"``
  then ``.mean()``, as the reference) (weight 4);
- the three again for every earlier decoder layer (``aux``, named ``<loss>_<layer>``);
- ``saliency`` (last layer only): the hinge ``max(0, margin - (s_i - s_j))`` over **every** pair
  of real frames with target ``y_i > y_j``, averaged over all such pairs of the batch
  (margin 0.2, weight 1). Moment-DETR samples two (positive, negative) pairs per query each
  step and scales their mean by 2; all pairs give the same expectation without the sampling
  noise, and need no sampling rule per dataset. Queries without a pair (all targets equal)
  add nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch
import torch.nn.functional as F

from zoo.ops.spans import cxw_to_xx, generalized_iou
from zoo.tasks.layers.matching import hungarian_match
from zoo.tasks.layers.moment_detr import MomentOutput

Match = tuple[torch.Tensor, torch.Tensor]


@dataclass
class MomentLossWeights:
    """Loss weights, matching costs, ``eos_coef``, ``saliency_margin`` and ``aux`` (module doc);
    the defaults are Moment-DETR's."""

    span: float = 10.0
    giou: float = 1.0
    label: float = 4.0
    saliency: float = 1.0
    cost_span: float = 10.0
    cost_giou: float = 1.0
    cost_class: float = 4.0
    eos_coef: float = 0.1
    saliency_margin: float = 0.2
    aux: bool = True


def match_moments(logits: torch.Tensor, spans: torch.Tensor, windows: Sequence[torch.Tensor],
                  weights: MomentLossWeights) -> list[Match]:
    """Hungarian matching of one layer's predictions (``logits [B, Q, 2]``, ``spans [B, Q, 2]``
    normalised cxw) to each query's windows ``[G_i, 2]`` (normalised cxw)."""
    probability = logits.detach().float().softmax(-1)[..., 0]  # [B, Q]
    costs = []
    for b, target in enumerate(windows):
        predicted = spans[b].detach().float()
        target = target.float()
        cost = (weights.cost_span * torch.cdist(predicted, target, p=1)
                - weights.cost_giou * generalized_iou(cxw_to_xx(predicted), cxw_to_xx(target))
                - weights.cost_class * probability[b][:, None])
        costs.append(cost)
    return hungarian_match(costs)


def span_losses(spans: torch.Tensor, windows: Sequence[torch.Tensor],
                matches: Sequence[Match]) -> tuple[torch.Tensor, torch.Tensor]:
    """``(L1, 1 - GIoU)`` means over the matched pairs of one layer (module doc)."""
    predicted = torch.cat([spans[b, p] for b, (p, _) in enumerate(matches)]).float()
    target = torch.cat([windows[b][g] for b, (_, g) in enumerate(matches)]).float().to(predicted.device)
    if predicted.shape[0] == 0:
        raise ValueError("no ground-truth window in the batch: every query needs one to train")
    l1 = F.l1_loss(predicted, target)
    xx_pred, xx_target = cxw_to_xx(predicted), cxw_to_xx(target)
    giou = torch.diagonal(generalized_iou(xx_pred, xx_target))
    return l1, (1 - giou).mean()


def label_loss(logits: torch.Tensor, matches: Sequence[Match], eos_coef: float) -> torch.Tensor:
    """Cross-entropy of ``logits [B, Q, 2]``: matched predictions are foreground (class 0), the
    rest "no moment" (class 1, weight ``eos_coef``); a plain mean over ``B * Q``."""
    target = torch.ones(logits.shape[:2], dtype=torch.long, device=logits.device)
    for b, (p, _) in enumerate(matches):
        target[b, p.to(logits.device)] = 0
    class_weights = torch.tensor([1.0, eos_coef], device=logits.device)
    return F.cross_entropy(logits.float().transpose(1, 2), target, class_weights, reduction="none").mean()


def saliency_loss(saliency: torch.Tensor, target: torch.Tensor, mask: torch.Tensor,
                  margin: float) -> torch.Tensor:
    """All-pairs hinge (module doc): ``saliency [B, T]`` predicted, ``target [B, T]``,
    ``mask [B, T]`` frames taking part. 0 (with a graph) when no pair differs."""
    mask = mask.bool()
    scores = torch.where(mask, saliency.float(), torch.zeros_like(saliency, dtype=torch.float32))
    target = torch.where(mask, target.float(), torch.zeros_like(target, dtype=torch.float32))
    ordered = (target[:, :, None] > target[:, None, :]) & mask[:, :, None] & mask[:, None, :]
    if not ordered.any():
        return scores.sum() * 0.0
    hinge = (margin - (scores[:, :, None] - scores[:, None, :])).clamp(min=0)
    return hinge[ordered].mean()


def moment_losses(output: MomentOutput, windows: Sequence[torch.Tensor],
                  saliency_target: torch.Tensor, saliency_mask: torch.Tensor,
                  weights: MomentLossWeights) -> dict[str, torch.Tensor]:
    """Every named loss (unweighted) and ``loss``, their weighted sum (module doc).

    ``windows``: per query ``[G_i, 2]`` normalised (centre, width), ``G_i >= 1``;
    ``saliency_target`` / ``saliency_mask`` ``[B, T]`` as :func:`saliency_loss`."""
    if len(windows) != output.spans.shape[1]:
        raise ValueError(f"{len(windows)} window sets for {output.spans.shape[1]} queries")
    layers = output.spans.shape[0]
    losses: dict[str, torch.Tensor] = {}
    total = 0.0
    for layer in range(layers):
        if layer < layers - 1 and not weights.aux:
            continue
        logits, spans = output.logits[layer], output.spans[layer]
        matches = match_moments(logits, spans, windows, weights)
        l1, giou = span_losses(spans, windows, matches)
        label = label_loss(logits, matches, weights.eos_coef)
        suffix = "" if layer == layers - 1 else f"_{layer}"
        losses.update({f"span{suffix}": l1, f"giou{suffix}": giou, f"label{suffix}": label})
        total = total + weights.span * l1 + weights.giou * giou + weights.label * label
    losses["saliency"] = saliency_loss(output.saliency, saliency_target, saliency_mask,
                                       weights.saliency_margin)
    losses["loss"] = total + weights.saliency * losses["saliency"]
    return losses

