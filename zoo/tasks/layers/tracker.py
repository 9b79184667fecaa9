"""The online tracker: per-frame detections -> tracks, by appearance similarity and box overlap.

QDTrack / OVTrack's tracking-by-detection loop (``SysCV/qdtrack``
``qdtrack/models/trackers/quasi_dense_embed_tracker.py``), simplified to one similarity and one
assignment (documented choices, :class:`TrackerSettings`):

1. **Detections** of frame t: the queries whose objectness probability is at least
   ``score_threshold``, after class-agnostic NMS at ``nms_iou`` (torchvision's ``nms``; a set
   predictor rarely duplicates, but nothing forbids it).
2. **Similarity** of detection d and live track k:
   ``S = appearance_weight · cos(e_d, e_k) + (1 − appearance_weight) · IoU(box_d, box_k)``, with
   ``e_k`` the track's appearance memory and ``box_k`` its last box.
3. **Assignment**: the Hungarian algorithm maximises the total ``S`` (scipy); a pair is a match
   when ``S >= match_threshold``. The matched track takes the detection's box, and its memory
   becomes ``normalise((1 − momentum) · e_k + momentum · e_d)`` (QDTrack's ``memo_momentum``
   update, 0.8).
4. **Birth**: an unmatched detection with probability ``>= birth_threshold`` starts a new track
   (ids 1, 2, ... in order of birth); other unmatched detections are dropped (QDTrack's
   ``init_score_thr`` vs ``obj_score_thr``).
5. **Death**: a track unmatched for more than ``max_age`` consecutive frames is removed
   (QDTrack's ``memo_tracklet_frames``); until then it can be matched again (an occlusion).

The output keeps, per frame, the detections that belong to a track, with the track's id.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Union

import torch
import torch.nn.functional as F
from scipy.optimize import linear_sum_assignment
from torch import Tensor
from torchvision.ops import box_iou, nms

from zoo.specs import coerce_settings


@dataclass
class TrackerSettings:
    """The tracker's rules (module docstring). Probabilities and similarities are in [0, 1]
    except the cosine part of ``S`` (in [-1, 1])."""

    score_threshold: float = 0.4
    birth_threshold: float = 0.5
    match_threshold: float = 0.3
    appearance_weight: float = 0.5
    nms_iou: float = 0.7
    max_age: int = 3
    momentum: float = 0.8

    def __post_init__(self):
        for name in ("score_threshold", "birth_threshold", "appearance_weight", "nms_iou", "momentum"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"tracker.{name} must lie in [0, 1], got {value}")
        if self.birth_threshold < self.score_threshold:
            raise ValueError(f"tracker.birth_threshold ({self.birth_threshold}) must be at least "
                             f"score_threshold ({self.score_threshold}): only kept detections start tracks")
        if self.max_age < 0:
            raise ValueError(f"tracker.max_age must be >= 0, got {self.max_age}")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def coerce(cls, value: Union["TrackerSettings", dict, None]) -> "TrackerSettings":
        return coerce_settings(cls, value, "tracker")


@dataclass
class FrameTracks:
    """The tracked detections of one frame: ``detections [K]`` indices into the frame's queries
    and ``track_ids [K]`` (long), in the order the tracker output them."""

    detections: Tensor
    track_ids: Tensor


def track_clip(boxes: Tensor, scores: Tensor, embeddings: Tensor,
               settings: TrackerSettings = TrackerSettings()) -> list[FrameTracks]:
    """Run the tracker over one clip.

    Args:
        boxes: ``[T, Q, 4]`` xyxy boxes of every query in every frame (any consistent unit).
        scores: ``[T, Q]`` objectness probabilities.
        embeddings: ``[T, Q, E]`` association embeddings.
        settings: the rules.

    Returns:
        One :class:`FrameTracks` per frame.
    """
    if boxes.dim() != 3 or boxes.shape[-1] != 4 or scores.shape != boxes.shape[:2] \
            or embeddings.shape[:2] != boxes.shape[:2]:
        raise ValueError(f"track_clip needs boxes [T, Q, 4], scores [T, Q], embeddings [T, Q, E]; got "
                         f"{tuple(boxes.shape)}, {tuple(scores.shape)}, {tuple(embeddings.shape)}")
    boxes, scores = boxes.detach().float().cpu(), scores.detach().float().cpu()
    embeddings = F.normalize(embeddings.detach().float().cpu(), dim=-1)
    live: list[dict] = []   # {"id", "box" [4], "embedding" [E], "missed"}
    next_id = 1
    out = []
    for t in range(boxes.shape[0]):
        keep = (scores[t] >= settings.score_threshold).nonzero().flatten()
        keep = keep[nms(boxes[t, keep], scores[t, keep], settings.nms_iou)] if len(keep) else keep
        matched: dict[int, int] = {}                    # detection (query index) -> track position
        if len(keep) and live:
            similarity = (settings.appearance_weight
                          * embeddings[t, keep] @ torch.stack([k["embedding"] for k in live]).t()
                          + (1 - settings.appearance_weight)
                          * box_iou(boxes[t, keep], torch.stack([k["box"] for k in live])))
            rows, cols = linear_sum_assignment(-similarity.numpy())
            for r, c in zip(rows.tolist(), cols.tolist()):
                if similarity[r, c] >= settings.match_threshold:
                    matched[int(keep[r])] = c
        detections, ids = [], []
        for track in live:
            track["missed"] += 1
        for q in keep.tolist():
            if q in matched:
                track = live[matched[q]]
                track["box"], track["missed"] = boxes[t, q], 0
                track["embedding"] = F.normalize((1 - settings.momentum) * track["embedding"]
                                                 + settings.momentum * embeddings[t, q], dim=-1)
            elif scores[t, q] >= settings.birth_threshold:
                track = {"id": next_id, "box": boxes[t, q], "embedding": embeddings[t, q], "missed": 0}
                next_id += 1
                live.append(track)
            else:
                continue
            detections.append(q)
            ids.append(track["id"])
        live = [k for k in live if k["missed"] <= settings.max_age]
        out.append(FrameTracks(torch.tensor(detections, dtype=torch.long),
                               torch.tensor(ids, dtype=torch.long)))
    return out
