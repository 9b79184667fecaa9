"""The association embedding's training loss: contrastive across the frames of a clip.

QDTrack's quasi-dense similarity learning (Pang et al. 2021, ``SysCV/qdtrack``
``qdtrack/models/losses/multipos_cross_entropy_loss.py``), which OVTrack trains its appearance
head with: every detection matched to a ground-truth track is an anchor; detections of the
**same track in other frames** of the same clip are its positives, detections of **other tracks
in other frames** its negatives (detections of one frame are never compared: a tracker never
associates two boxes of one frame). Per anchor with at least one positive,

    loss = log(1 + Σ_pos Σ_neg exp(s_neg − s_pos)) = softplus(logsumexp_neg s + logsumexp_pos (−s))

(QDTrack's multi-positive cross-entropy; 0 when there is no negative), averaged over those
anchors. Deviation: ``s`` is the cosine similarity divided by ``temperature`` (QDTrack uses raw
dot products plus an auxiliary L2 loss on cosines; the tracker here compares cosines, so they
are what is trained).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def association_loss(embeddings: Tensor, track_ids: Tensor, frames: Tensor, clips: Tensor,
                     temperature: float = 0.1) -> Tensor:
    """Multi-positive contrastive loss of detections (module docstring).

    Args:
        embeddings: ``[M, E]`` association embeddings of matched detections (any scale).
        track_ids: ``[M]`` the ground-truth track each detection was matched to.
        frames: ``[M]`` the frame of each detection within its clip.
        clips: ``[M]`` the clip each detection belongs to (pairs never cross clips).
        temperature: similarities are ``cos / temperature``.

    Returns:
        A scalar: the mean over anchors that have a positive; 0 (still attached to the graph)
        when no detection has one.
    """
    if not (len(embeddings) == len(track_ids) == len(frames) == len(clips)):
        raise ValueError(f"embeddings {tuple(embeddings.shape)}, track_ids {len(track_ids)}, frames "
                         f"{len(frames)} and clips {len(clips)} must describe the same detections")
    if temperature <= 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    if len(embeddings) < 2:
        return embeddings.sum() * 0.0
    z = F.normalize(embeddings.float(), dim=-1)
    similarity = z @ z.t() / temperature
    comparable = (clips[:, None] == clips[None, :]) & (frames[:, None] != frames[None, :])
    same = track_ids[:, None] == track_ids[None, :]
    positive, negative = comparable & same, comparable & ~same
    anchors = positive.any(dim=1)
    if not anchors.any():
        return embeddings.sum() * 0.0
    neg_inf = torch.finfo(similarity.dtype).min
    negatives = torch.logsumexp(similarity.masked_fill(~negative, neg_inf), dim=1)
    positives = torch.logsumexp((-similarity).masked_fill(~positive, neg_inf), dim=1)
    has_negative = negative.any(dim=1)
    loss = torch.where(has_negative, F.softplus(negatives + positives), torch.zeros_like(negatives))
    return loss[anchors].mean()
