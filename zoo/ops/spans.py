"""1-D span (temporal window) operations on ``[..., 2]`` tensors, as ``torchvision.ops`` has for boxes.

Conventions:

- a span is ``(start, end)`` ("xx", seconds or any unit) with ``end >= start``; a zero-length
  span (``start == end``) is valid. ``(centre, width)`` ("cxw") is the other layout,
  Moment-DETR's regression target, *normalised* when divided by the video's duration;
- IoU is measured continuously: ``inter = max(0, min(ends) - max(starts))``,
  ``union = len_1 + len_2 - inter``, ``IoU = inter / union``, and **0 when the union is 0** (two
  zero-length spans at the same point; Moment-DETR's ``temporal_iou`` returns NaN there);
- generalised IoU (Moment-DETR's ``generalized_temporal_iou``, after DETR's boxes):
  ``GIoU = IoU - (hull - union) / hull`` with ``hull = max(ends) - min(starts)``, in ``[-1, 1]``;
  its second term is taken as 0 when the hull is 0 (the same degenerate pair), so GIoU = IoU = 0.

The functions check their input (a ``ValueError`` for a last dimension other than 2, NaN or
infinite values, or ``end < start`` where spans must be ordered). torchvision has no 1-D span ops;
on spans lifted to boxes ``(start, 0, end, 1)`` its ``box_iou`` / ``generalized_box_iou`` agree
with these (the tests check it), except for the degenerate pair above.
"""

from __future__ import annotations

from typing import Union

import torch
from torch import Tensor

Duration = Union[float, Tensor]


def check_spans(spans: Tensor, name: str = "spans", ordered: bool = True) -> Tensor:
    """Return ``spans`` after checking it is a floating ``[..., 2]`` tensor of finite values
    with, when ``ordered``, ``end >= start`` everywhere."""
    if not isinstance(spans, Tensor):
        raise TypeError(f"{name} must be a tensor, got {type(spans).__name__}")
    if spans.dim() == 0 or spans.shape[-1] != 2:
        raise ValueError(f"{name} must be [..., 2], got shape {tuple(spans.shape)}")
    if not spans.is_floating_point():
        raise ValueError(f"{name} must be floating point, got {spans.dtype}")
    if not torch.isfinite(spans).all():
        raise ValueError(f"{name} holds NaN or infinite values")
    if ordered and (spans[..., 1] < spans[..., 0]).any():
        bad = (spans[..., 1] < spans[..., 0]).nonzero()[0].tolist()
        raise ValueError(f"{name} has a span with end < start (first at index {bad}: "
                         f"{spans[tuple(bad)].tolist()})")
    return spans


def span_lengths(spans: Tensor) -> Tensor:
    """``[..., 2]`` -> ``[...]``: ``end - start``."""
    return spans[..., 1] - spans[..., 0]


def xx_to_cxw(spans: Tensor, duration: Duration = 1.0) -> Tensor:
    """``(start, end) [..., 2]`` -> ``(centre, width) [..., 2]``, divided by ``duration`` (a number
    or a tensor broadcasting against ``[...]``, e.g. ``[B, 1]`` for ``[B, N, 2]``), so with the
    video's duration the result is normalised to it."""
    check_spans(spans)
    duration = _as_duration(duration, spans)
    centre = (spans[..., 0] + spans[..., 1]) / 2 / duration
    return torch.stack([centre, span_lengths(spans) / duration], dim=-1)


def cxw_to_xx(spans: Tensor, duration: Duration = 1.0) -> Tensor:
    """``(centre, width) [..., 2]`` -> ``(start, end) [..., 2]``, multiplied by ``duration`` (the
    inverse of :func:`xx_to_cxw`). A negative width raises."""
    check_spans(spans, ordered=False)
    if (spans[..., 1] < 0).any():
        raise ValueError("a (centre, width) span has a negative width")
    duration = _as_duration(duration, spans)
    half = spans[..., 1] / 2
    return torch.stack([spans[..., 0] - half, spans[..., 0] + half], dim=-1) * duration[..., None]


def clamp_spans(spans: Tensor, duration: Duration) -> Tensor:
    """Clip both ends of ``(start, end) [..., 2]`` to ``[0, duration]`` (``duration`` a number or a
    tensor broadcasting against ``[...]``). A span entirely outside becomes zero-length at the
    nearest border (``(160, 170)`` in a 150 s video -> ``(150, 150)``)."""
    check_spans(spans)
    duration = _as_duration(duration, spans)
    if (duration < 0).any():
        raise ValueError("duration must be non-negative")
    upper = duration[..., None].expand_as(spans)
    return torch.minimum(spans.clamp(min=0), upper)


def _as_duration(duration: Duration, spans: Tensor) -> Tensor:
    duration = torch.as_tensor(duration, dtype=spans.dtype, device=spans.device)
    if not torch.isfinite(duration).all():
        raise ValueError("duration holds NaN or infinite values")
    return duration


def _intersection_union(spans1: Tensor, spans2: Tensor) -> tuple[Tensor, Tensor]:
    """Broadcast ``[..., 2]`` pairs -> ``(intersection [...], union [...])``."""
    inter = (torch.minimum(spans1[..., 1], spans2[..., 1])
             - torch.maximum(spans1[..., 0], spans2[..., 0])).clamp(min=0)
    return inter, span_lengths(spans1) + span_lengths(spans2) - inter


def _divide(numerator: Tensor, denominator: Tensor) -> Tensor:
    """``numerator / denominator``, 0 where the denominator is 0."""
    safe = torch.where(denominator > 0, denominator, torch.ones_like(denominator))
    return torch.where(denominator > 0, numerator / safe, torch.zeros_like(numerator))


def paired_iou(spans1: Tensor, spans2: Tensor) -> Tensor:
    """IoU of corresponding spans: ``[..., 2] x [..., 2]`` (broadcastable) -> ``[...]``."""
    inter, union = _intersection_union(check_spans(spans1, "spans1"), check_spans(spans2, "spans2"))
    return _divide(inter, union)


def pairwise_iou(spans1: Tensor, spans2: Tensor) -> Tensor:
    """IoU of every pair: ``[N, 2] x [M, 2]`` -> ``[N, M]``."""
    _check_pairwise(spans1, spans2)
    return paired_iou(spans1[:, None, :], spans2[None, :, :])


def generalized_iou(spans1: Tensor, spans2: Tensor) -> Tensor:
    """Generalised IoU of every pair: ``[N, 2] x [M, 2]`` -> ``[N, M]`` in ``[-1, 1]`` (Moment-DETR's
    ``generalized_temporal_iou``; differentiable, for the span loss)."""
    _check_pairwise(spans1, spans2)
    a, b = check_spans(spans1, "spans1")[:, None, :], check_spans(spans2, "spans2")[None, :, :]
    inter, union = _intersection_union(a, b)
    hull = torch.maximum(a[..., 1], b[..., 1]) - torch.minimum(a[..., 0], b[..., 0])
    return _divide(inter, union) - _divide(hull - union, hull)


def _check_pairwise(spans1: Tensor, spans2: Tensor) -> None:
    for name, spans in (("spans1", spans1), ("spans2", spans2)):
        if not isinstance(spans, Tensor) or spans.dim() != 2:
            raise ValueError(f"{name} must be a [N, 2] tensor, got "
                             f"{tuple(spans.shape) if isinstance(spans, Tensor) else type(spans).__name__}")
