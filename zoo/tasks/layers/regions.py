"""Region tubes: a track seen alone, so that any paradigm's video encoder can name it.

Open-vocabulary trackers classify a region by its embedding in CLIP's joint space (OVTrack
distils CLIP's embeddings of region crops into its RoI head, ViLD-style). zoo asks the paradigm
itself: a track's **masked tube** is the clip with every pixel outside the track's box of each
frame set to 0 — the dataset mean after normalisation, i.e. mean grey — at its original position
and scale (crops resized to the input size put a small object at a scale the image model never
saw; masking keeps it). The paradigm's ``encode_video`` of the tube gives the region embedding
in the joint space, compared with the text embeddings of category prompts. The frozen ``tiny``
names the shapes of ground-truth boxes this way far above chance, held-out shapes included.

Keeping the alignment (``region_teacher_embeddings``): a paradigm that trains its naming path
with cross-entropy over the base categories alone drifts — nothing in that loss keeps its
embeddings away from the novel prompts it never sees (after 5 epochs the trained postnet
seqTransf named 34 % of base-shape tubes "star" or "ring"). ViLD (Gu et al., ICLR 2022) and OVTrack keep
the region embedding close to the frozen CLIP image embedding of the region (an L1
distillation); here the teacher is a frozen copy of the foundation model's image tower, its
region embedding the meanP of its frame embeddings of the masked tube.

Frames where the track has no box take the box of its nearest frame that has one (the earlier
on a tie), so the tube never shows an empty frame.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from zoo.interfaces import mean_of_normalised


def fill_boxes(boxes: Tensor, present: Tensor) -> Tensor:
    """``boxes [K, T, 4]`` with the rows where ``present [K, T]`` is False replaced by the
    track's nearest present box (ties: the earlier frame). Every track needs one present box."""
    if boxes.shape[:2] != present.shape:
        raise ValueError(f"boxes {tuple(boxes.shape)} and present {tuple(present.shape)} disagree")
    if len(present) and not present.any(dim=1).all():
        raise ValueError("every track needs a box in at least one frame")
    t = torch.arange(present.shape[1], device=boxes.device)
    distance = (t[:, None] - t[None, :]).abs().float()          # [T (to), T (from)]
    distance = distance[None].expand(len(present), -1, -1).masked_fill(~present[:, None, :], float("inf"))
    nearest = distance.argmin(dim=2)                            # first minimum = earlier frame
    return torch.gather(boxes, 1, nearest[..., None].expand(-1, -1, 4))


def box_masks(boxes: Tensor, size: tuple[int, int]) -> Tensor:
    """bool ``[..., H, W]``: the pixels each xyxy box ``[..., 4]`` (pixels) overlaps (pixel ``j``
    spans ``[j, j + 1)``)."""
    height, width = size
    ys = torch.arange(height, device=boxes.device, dtype=boxes.dtype)
    xs = torch.arange(width, device=boxes.device, dtype=boxes.dtype)
    x1, y1, x2, y2 = (boxes[..., i, None] for i in range(4))
    inside_x = (xs + 1 > x1) & (xs < x2)                        # [..., W]
    inside_y = (ys + 1 > y1) & (ys < y2)                        # [..., H]
    return inside_y[..., :, None] & inside_x[..., None, :]


def masked_tubes(video: Tensor, boxes: Tensor) -> Tensor:
    """``video [T, 3, H, W]`` (normalised) and per-track boxes ``[K, T, 4]`` (xyxy pixels) ->
    ``[K, T, 3, H, W]``: each track's masked tube (module docstring)."""
    if video.dim() != 4 or boxes.dim() != 3 or boxes.shape[1] != video.shape[0]:
        raise ValueError(f"masked_tubes needs video [T, 3, H, W] and boxes [K, T, 4]; got "
                         f"{tuple(video.shape)} and {tuple(boxes.shape)}")
    masks = box_masks(boxes.to(video.device, torch.float32), tuple(video.shape[-2:]))  # [K, T, H, W]
    return video[None] * masks[:, :, None].to(video.dtype)


def region_teacher_embeddings(image_tower, tubes: Tensor) -> Tensor:
    """``tubes [K, T, 3, H, W]`` -> ``[K, D]``: the frozen image tower's (a ``Backbone``) frame
    embeddings of each tube, L2-normalised, averaged over T (CLIP4Clip's meanP) and normalised
    again — the CLIP embedding each region should keep (module docstring)."""
    k, t = tubes.shape[:2]
    with torch.no_grad():
        frames = image_tower.encode_image(tubes.flatten(0, 1)).unflatten(0, (k, t))
    return F.normalize(mean_of_normalised(frames.float()), dim=-1)
