"""What a tracker's output becomes: per-frame metric inputs, readable JSON results, and the
category vocabulary a tracking task is built with.

Result dict (one per video, JSON-able; ``predict_batch``'s items and ``render``'s input)::

    {"video_id": str,
     "categories": [str],                       # the vocabulary the tracks were named from
     "frame_times": [float],                    # seconds of each sampled frame (or frame indices)
     "image_size": [H, W],                      # pixels the boxes are in (the model input)
     "tracks": [{"track_id": int, "category": str, "category_score": float,
                 "frames": [int], "times": [float],   # sampled-frame indices and their seconds
                 "boxes": [[x1, y1, x2, y2]],        # one per frame listed, pixels
                 "scores": [float]}]}                # detection (objectness) probabilities

The annotation in the same form (``truth_dict``) has ``category_score`` and ``scores`` 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Sequence

import torch
from torch import Tensor

from zoo.tasks.layers.tracker import FrameTracks


def parse_categories(categories: Optional[Sequence[str]], novel: Optional[Sequence[str]],
                     ids: Optional[Sequence[int]]) -> tuple[list[str], list[int], set[str]]:
    """``(names, dataset ids, novel names)`` checked: names unique and non-empty, novel names
    among them, one unique integer id per name (default ``0..C-1``). No categories (``None`` or
    empty) give an empty vocabulary: the model can still track with categories named at
    prediction time."""
    names = [str(c) for c in categories or []]
    if any(not n.strip() for n in names) or len(set(names)) != len(names):
        raise ValueError(f"categories must be distinct non-empty names, got {names[:20]}")
    novel_names = set(novel or [])
    unknown = sorted(novel_names - set(names))
    if unknown:
        raise ValueError(f"novel_categories {unknown} are not among the categories")
    id_list = list(range(len(names))) if ids is None else [int(i) for i in ids]
    if len(id_list) != len(names) or len(set(id_list)) != len(id_list):
        raise ValueError(f"category_ids must give one distinct id per category ({len(names)}), "
                         f"got {len(id_list)} ids ({len(set(id_list))} distinct)")
    return names, id_list, novel_names


@dataclass
class ClipTracks:
    """The tracks of one clip of T frames.

    Per frame ``t``: ``frame_boxes[t] [M_t, 4]`` xyxy pixels, ``frame_scores[t] [M_t]``
    objectness probabilities, ``frame_tracks[t] [M_t]`` track ids. Per track (K, in order of
    birth): ``track_ids [K]``, ``track_boxes [K, T, 4]`` (zeros where absent), ``present
    [K, T]``; after classification ``labels [K]`` (index in the vocabulary) and
    ``label_scores [K]`` (its probability). The detector's raw output, before any threshold:
    ``query_boxes [T, Q, 4]`` and ``query_scores [T, Q]``.
    """

    query_boxes: Tensor
    query_scores: Tensor
    frame_boxes: list[Tensor]
    frame_scores: list[Tensor]
    frame_tracks: list[Tensor]
    track_ids: Tensor
    track_boxes: Tensor
    present: Tensor
    labels: Tensor = field(default_factory=lambda: torch.zeros(0, dtype=torch.long))
    label_scores: Tensor = field(default_factory=lambda: torch.zeros(0))

    @property
    def num_tracks(self) -> int:
        return len(self.track_ids)

    def set_categories(self, probabilities: Tensor) -> None:
        """Each track's category from its probabilities ``[K, C]``."""
        if probabilities.shape[0] != self.num_tracks:
            raise ValueError(f"{probabilities.shape[0]} probability rows for {self.num_tracks} tracks")
        self.label_scores, self.labels = (x.cpu() for x in probabilities.max(dim=-1))

    def frame_labels(self, t: int) -> Tensor:
        """Vocabulary index of each detection of frame ``t`` (its track's)."""
        position = {int(k): i for i, k in enumerate(self.track_ids)}
        return torch.tensor([int(self.labels[position[int(k)]]) for k in self.frame_tracks[t]],
                            dtype=torch.long)


def clip_tracks(frames: Sequence[FrameTracks], boxes: Tensor, scores: Tensor) -> ClipTracks:
    """Gather the tracker's per-frame output (``frames``) with the clip's query ``boxes [T, Q, 4]``
    and ``scores [T, Q]``."""
    boxes, scores = boxes.detach().float().cpu(), scores.detach().float().cpu()
    ids = sorted({int(k) for f in frames for k in f.track_ids})
    position = {k: i for i, k in enumerate(ids)}
    track_boxes = torch.zeros(len(ids), len(frames), 4)
    present = torch.zeros(len(ids), len(frames), dtype=torch.bool)
    for t, f in enumerate(frames):
        for q, k in zip(f.detections.tolist(), f.track_ids.tolist()):
            track_boxes[position[k], t] = boxes[t, q]
            present[position[k], t] = True
    return ClipTracks(query_boxes=boxes, query_scores=scores,
                      frame_boxes=[boxes[t, f.detections] for t, f in enumerate(frames)],
                      frame_scores=[scores[t, f.detections] for t, f in enumerate(frames)],
                      frame_tracks=[f.track_ids.clone() for f in frames],
                      track_ids=torch.tensor(ids, dtype=torch.long), track_boxes=track_boxes,
                      present=present)


def metric_frames(result: ClipTracks, category_ids: Sequence[int]) -> list[dict[str, Tensor]]:
    """Per-frame prediction dicts of TETA / AP (``boxes``, ``scores``, ``track_ids``, ``labels``
    as dataset category ids)."""
    table = torch.tensor(list(category_ids), dtype=torch.long)
    return [{"boxes": result.frame_boxes[t], "scores": result.frame_scores[t],
             "track_ids": result.frame_tracks[t], "labels": table[result.frame_labels(t)]}
            for t in range(len(result.frame_boxes))]


def detection_frames(result: ClipTracks) -> list[dict[str, Tensor]]:
    """Per-frame prediction dicts of detection AP: every query's box and objectness score
    (the detector's own output, whatever the tracker kept)."""
    return [{"boxes": result.query_boxes[t], "scores": result.query_scores[t]}
            for t in range(len(result.query_boxes))]


def _times(frame_times: Optional[Tensor], count: int) -> list[float]:
    if frame_times is None:
        return [float(t) for t in range(count)]
    return [round(float(t), 6) for t in frame_times.reshape(-1)[:count]]


def _box(b: Tensor) -> list[float]:
    return [round(float(v), 2) for v in b]


def result_dict(result: ClipTracks, vocabulary: Sequence[str], video_id: str,
                frame_times: Optional[Tensor], size: tuple[int, int]) -> dict:
    """The JSON-able result of one clip (module docstring)."""
    times = _times(frame_times, len(result.frame_boxes))
    tracks = []
    for i, k in enumerate(result.track_ids.tolist()):
        frames = result.present[i].nonzero().flatten().tolist()
        scores = [float(result.frame_scores[t][result.frame_tracks[t] == k][0]) for t in frames]
        tracks.append({"track_id": k, "category": vocabulary[int(result.labels[i])],
                       "category_score": round(float(result.label_scores[i]), 4),
                       "frames": frames, "times": [times[t] for t in frames],
                       "boxes": [_box(result.track_boxes[i, t]) for t in frames],
                       "scores": [round(s, 4) for s in scores]})
    return {"video_id": video_id, "categories": list(vocabulary), "frame_times": times,
            "image_size": [int(size[0]), int(size[1])], "tracks": tracks}


def truth_dict(tracks: dict, video_id: str, frame_times: Optional[Tensor],
               size: tuple[int, int]) -> dict:
    """A video's annotation (``batch["tracks"]`` item, single view) in :func:`result_dict`'s form."""
    boxes, visible = tracks["boxes"], tracks["visible"]
    if boxes.dim() != 3:
        raise ValueError(f"truth_dict takes single-view tracks (boxes [T, K, 4]), got {tuple(boxes.shape)}")
    times = _times(frame_times, boxes.shape[0])
    out = []
    for k, (tid, category) in enumerate(zip(tracks["track_ids"].tolist(), tracks["categories"])):
        frames = visible[:, k].nonzero().flatten().tolist()
        if frames:
            out.append({"track_id": int(tid), "category": category, "category_score": 1.0,
                        "frames": frames, "times": [times[t] for t in frames],
                        "boxes": [_box(boxes[t, k]) for t in frames], "scores": [1.0] * len(frames)})
    return {"video_id": video_id, "categories": sorted({t["category"] for t in out}),
            "frame_times": times, "image_size": [int(size[0]), int(size[1])], "tracks": out}
