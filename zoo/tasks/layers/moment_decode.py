"""From a moment localiser's normalised outputs to answers in seconds: ranked windows clamped to
the video (optionally NMS'd) and saliency per highlight clip.

- :func:`ranked_moments`: ``spans [Q, 2]`` normalised (centre, width) and scores ``[Q]`` ->
  windows ``[P, 2]`` in seconds, **clamped to** ``[0, duration]``, sorted by descending score
  (stable), optionally thinned by non-maximum suppression (torchvision's ``nms`` on the windows
  lifted to boxes ``(start, 0, end, 1)``, whose IoU is the windows' temporal IoU), at most
  ``top_k``. Moment-DETR's evaluation keeps all 10 sorted windows without NMS
  (``nms_thd=-1``); its optional rounding to multiples of the clip length is not applied.
- :func:`clip_saliency`: a score per sampled frame -> a score per ``clip_length``-second clip
  (what QVHighlights' highlight metrics read): the mean over the frames whose time falls in the
  clip, or, for a clip without a sampled frame, the frame scores linearly interpolated at the
  clip's centre.
- :func:`highlight_clip_count`: the clips the evaluator scores, ``int(duration / clip_length)``
  (Moment-DETR's ``mk_gt_scores``), at least 1.
"""

from __future__ import annotations

from typing import Optional

import numpy as np
import torch
from torchvision.ops import nms

from zoo.ops.spans import clamp_spans, cxw_to_xx


def ranked_moments(spans: torch.Tensor, scores: torch.Tensor, duration: float,
                   nms_threshold: Optional[float] = None,
                   top_k: Optional[int] = None) -> tuple[torch.Tensor, torch.Tensor]:
    """``(windows [P, 2] seconds, scores [P])``, best first (module docstring)."""
    windows = clamp_spans(cxw_to_xx(spans.detach().float().cpu(), float(duration)), float(duration))
    scores = scores.detach().float().cpu()
    order = torch.sort(scores, descending=True, stable=True).indices
    windows, scores = windows[order], scores[order]
    if nms_threshold is not None:
        boxes = torch.stack([windows[:, 0], torch.zeros_like(scores), windows[:, 1],
                             torch.ones_like(scores)], dim=1)
        kept = torch.sort(nms(boxes, scores, nms_threshold)).values  # keep the score order
        windows, scores = windows[kept], scores[kept]
    if top_k is not None:
        windows, scores = windows[:top_k], scores[:top_k]
    return windows, scores


def highlight_clip_count(duration: float, clip_length: float) -> int:
    """``max(1, int(duration / clip_length))`` (module docstring)."""
    return max(1, int(float(duration) / float(clip_length) + 1e-9))


def clip_saliency(frame_scores: torch.Tensor, frame_times: torch.Tensor, clip_length: float,
                  num_clips: int) -> torch.Tensor:
    """``[num_clips]`` float64: per-clip scores from ``frame_scores [T]`` at ``frame_times [T]``
    seconds (real frames only; module docstring)."""
    scores = frame_scores.detach().double().cpu().numpy()
    times = frame_times.detach().double().cpu().numpy()
    if scores.shape != times.shape or scores.ndim != 1 or scores.size == 0:
        raise ValueError(f"need matching non-empty [T] frame scores and times, got {scores.shape} "
                         f"and {times.shape}")
    if not (np.isfinite(scores).all() and np.isfinite(times).all()):
        raise ValueError("frame scores and times must be finite (pass the real frames only)")
    order = np.argsort(times, kind="stable")
    scores, times = scores[order], times[order]
    clips = np.floor(times / clip_length + 1e-9).astype(np.int64)
    centres = (np.arange(num_clips) + 0.5) * clip_length
    out = np.interp(centres, times, scores)
    for k in range(num_clips):
        inside = clips == k
        if inside.any():
            out[k] = scores[inside].mean()
    return torch.from_numpy(out)
