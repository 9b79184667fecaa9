"""Spatio-temporal video grounding (HC-STVG, VidSTG): given a video and a sentence about one
object, the moment it describes and the object's box in every frame of it.

Head: :class:`~zoo.tasks.layers.tube_detr.TubeDETRHead` (TubeDETR's per-frame video-text encoder
and time-aware decoder, with a sentence pointer anchoring the boxes) over any paradigm's ``VideoFeatures`` — patch tokens ``[B, T, N, C]`` of
every frame, the frame embeddings ``[B, T, D]`` and the clip embedding ``[B, D]`` — and the
sentence's ``TextTokens`` (``model.encode_text_tokens``, without a graph while the paradigm's text
tower is frozen). It predicts per frame a box (normalised cxcywh of the model input) and start /
end logits.

Batch (the standard batch, ``zoo.data.records``): ``query`` (the sentence), ``segments [B, 2]``
(the moment, seconds ``[start, end)`` relative to the item's span), ``frame_times [B, T]``
(seconds), ``boxes [B, T, 4]`` — **xyxy pixels of the model input**, zoo's one box convention —
with ``frame_mask [B, T]`` (the ground-truth tube has a box there), ``duration [B]``, optionally
``valid [B, T]`` (variable-length videos) and ``query_type`` (VidSTG's sentence kind). Boxes are
converted to normalised cxcywh for the head's losses and back to pixels for the metric and the
predictions (``zoo/tasks/layers/tube_criterion.py``).

Training (TubeDETR's ``SetCriterion``, its default weights): ``5 · L1 + 2 · (1 - GIoU)`` on the
frames of the tube and ``10 ·`` the start / end loss (KL to quantised Gaussians, σ = 1 frame), on
every decoder layer (auxiliary losses), plus ``1 ·`` the loss of the head's sentence pointer
(zoo's addition: cross-entropy to the patches inside the box) — see ``tube_criterion.py``.

Evaluation (validation and test): TubeDETR's metrics (:class:`~zoo.metrics.tubes.
SpatioTemporalGrounding`): ``m_tIoU``, ``m_vIoU``, ``vIoU@0.3``, ``vIoU@0.5`` and ``m_gt_vIoU``
(fractions), per ``query_types`` group too when set (VidSTG: ``declarative/m_vIoU`` ...). The
predicted moment is the best ``s <= e`` pair of sampled frames and its segment the time those
frames own (``tube_criterion.decode_moment`` / ``frame_cells``: two documented differences from
``PostProcessSTVG``). Multi-clip evaluation (``test_clips > 1``) merges the clips of a video into
one timeline, sorted by time (a frame sampled twice counts once), and decodes the moment over it
— TubeDETR's ensembling of the clips of a long video; several spatial crops cannot be merged (their
boxes live in different pixels) and raise. A ground-truth frame inside the moment without a box
(e.g. a blinking actor of the synthetic world, or a box cropped away) is left out of the scores
and counted in a warning.

Predictions (``predict_batch``): one dict per item — ``segment`` (seconds), ``score``, and the
box (xyxy pixels of the ``image_size`` model input) at every sampled frame of the moment;
``render`` draws them (and the truth) into a PNG, GIF or MP4.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence, Union

import numpy as np
import torch
from lightning.pytorch.utilities import rank_zero_warn
from torch import Tensor, nn
from torchmetrics import SumMetric

from zoo.data.cache.frames import CachedFrames
from zoo.data.transforms import size_pair
from zoo.interfaces import TextTokens, VideoFeatures
from zoo.metrics.tubes import SpatioTemporalGrounding
from zoo.registry import TASKS
from zoo.specs import ModelSpec, OptimSpec
from zoo.tasks.base import TaskLoss, VideoTask
from zoo.tasks.layers.tube_criterion import (box_losses, decode_moment, frame_cells,
                                             normalised_cxcywh, pixel_xyxy, pointer_loss,
                                             sted_loss, sted_targets)
from zoo.tasks.layers.tube_detr import TubeDETRHead, TubeOutputs
from zoo.tasks.layers.tube_drawing import render_tube


@dataclass
class Tube:
    """One video's prediction on its timeline of M sampled frames (all views merged).

    order [M]      flat indices into the item's ``V · T`` sampled frames, in time order
    times [M]      seconds;  boxes [M, 4] xyxy pixels of the model input;  sted [M, 2] logits
    start / end    the predicted moment's first / last frame (indices into the timeline)
    segment        ``(lo, hi)`` seconds;  score: ``p_start(start) · p_end(end)``
    """

    order: Tensor
    times: Tensor
    boxes: Tensor
    sted: Tensor
    start: int
    end: int
    segment: tuple[float, float]
    score: float


def timeline(times: Tensor, valid: Optional[Tensor] = None) -> Tensor:
    """Flat indices ``[M]`` into ``times [V, T]`` of the valid frames in time order, each time once
    (the first of equal times: a frame sampled twice)."""
    flat = times.flatten()
    index = torch.arange(flat.numel(), device=flat.device)
    if valid is not None:
        index = index[valid.flatten().bool()]
    index = index[torch.argsort(flat[index], stable=True)]
    sorted_times = flat[index]
    keep = torch.ones_like(index, dtype=torch.bool)
    keep[1:] = sorted_times[1:] != sorted_times[:-1]
    return index[keep]


def score_tubes(metrics: nn.ModuleDict, batch: dict, tubes: Sequence[Tube],
                query_types: Sequence[str] = ()) -> None:
    """Update ``metrics`` (``{"tubes": SpatioTemporalGrounding, "unboxed": SumMetric}``) with one
    :class:`Tube` per item of ``batch`` against its ground truth (``segments``, ``boxes``,
    ``frame_mask``, and ``query_type`` when ``query_types`` are reported). Sampled frames inside the
    ground-truth moment without a ground-truth box are left out of the scores and counted."""
    for key in ("boxes", "frame_mask", "segments"):
        if key not in batch:
            raise ValueError(f"stgrounding evaluation needs batch[{key!r}]")
    b, longest = len(tubes), max(len(tube.order) for tube in tubes)
    gt_all = batch["boxes"].reshape(b, -1, 4).float()
    mask_all = batch["frame_mask"].reshape(b, -1).bool()
    segments = batch["segments"].float()
    pred_boxes = gt_all.new_zeros(b, longest, 4)
    gt_boxes, times = torch.zeros_like(pred_boxes), gt_all.new_zeros(b, longest)
    gt_mask = torch.zeros(b, longest, dtype=torch.bool, device=gt_all.device)
    keep = torch.zeros_like(gt_mask)
    unboxed = 0
    for i, tube in enumerate(tubes):
        m = len(tube.order)
        pred_boxes[i, :m], gt_boxes[i, :m] = tube.boxes, gt_all[i, tube.order]
        times[i, :m], gt_mask[i, :m] = tube.times, mask_all[i, tube.order]
        inside = (tube.times >= segments[i, 0]) & (tube.times < segments[i, 1])
        missing = inside & ~gt_mask[i, :m]
        unboxed += int(missing.sum())
        keep[i, :m] = ~missing
        times[i, m:] = tube.times[-1] + torch.arange(1, longest - m + 1, device=times.device)
    pred_segments = torch.tensor([tube.segment for tube in tubes], dtype=torch.float64)
    groups = list(batch["query_type"]) if query_types else None
    metrics["tubes"].update(pred_segments, pred_boxes, segments.double().cpu(), gt_boxes,
                            frame_times=times, gt_mask=gt_mask, frame_valid=keep, groups=groups)
    metrics["unboxed"].update(torch.tensor(float(unboxed)))


def whole_video_tubes(batch: dict, box: Tensor) -> list[Tube]:
    """The reference baseline: for every item, the whole video ``[0, duration)`` as the moment and
    the same ``box`` (normalised cxcywh of the model input, e.g. the training split's mean box) at
    every sampled frame — what a model knowing nothing about the sentence or the video predicts."""
    size = tuple(batch["video"].shape[-2:])
    b = len(batch["video"])
    times = batch["frame_times"].reshape(b, -1)
    valid = batch.get("valid")
    pixels = pixel_xyxy(torch.as_tensor(box, dtype=torch.float32).reshape(4), size)
    tubes = []
    for i in range(b):
        order = timeline(times[i], None if valid is None else valid.reshape(b, -1)[i])
        m = len(order)
        tubes.append(Tube(order=order, times=times[i, order].float(), boxes=pixels.expand(m, 4),
                          sted=torch.zeros(m, 2), start=0, end=m - 1,
                          segment=(0.0, float(batch["duration"][i])), score=1.0))
    return tubes


@TASKS.register
class STGroundingTask(VideoTask):
    """Spatio-temporal video grounding over any paradigm (see the module docstring).

    Args (besides :class:`~zoo.tasks.base.VideoTask`'s):
        width / heads / ffn / encoder_layers / decoder_layers / dropout / sted_dropout: the head
            (``TubeDETRHead``; TubeDETR: 256 / 8 / 2048 / 6 / 6 / 0.1 / 0.5; the world recipe
            uses 128 / 4 / 512 / 1 / 2 / 0 / 0.5 — dropout's random draws cost a quarter of
            the head's CPU time, and the world's clips are procedural).
        l1_weight / giou_weight / sted_weight: loss weights (TubeDETR: 5, 2, 10).
        pointer_weight: weight of the sentence pointer's loss (zoo's; ``tube_criterion``).
        sigma: width of the start / end targets, in sampled frames (TubeDETR: 1).
        token_motion: the head also reads each patch token's change since the previous frame
            (``TubeDETRHead``; False: TubeDETR's patch projection alone).
        aux_loss: also supervise every decoder layer but the last (TubeDETR: on).
        query_types: report the metrics per ``query_type`` too (VidSTG: ``["declarative",
            "interrogative"]``; the CLI fills it from the datamodule's ``dataset_info``).
    """

    task = "stgrounding"
    batch_keys = ("segments", "windows", "window_mask", "query", "query_id", "query_type", "duration",
                  "boxes", "frame_mask")  # no tracks
    summary = "spatio-temporal video grounding: a moment and a box per frame for a sentence"
    headline = "m_vIoU"
    columns = (("m_tIoU", "m_tIoU"), ("m_vIoU", "m_vIoU"), ("vIoU@0.3", "vIoU@0.3"),
               ("vIoU@0.5", "vIoU@0.5"))

    def __init__(self, model: ModelSpec, optim: Optional[OptimSpec] = None, width: int = 128,
                 heads: int = 4, ffn: Optional[int] = None, encoder_layers: int = 1,
                 decoder_layers: int = 2,
                 dropout: float = 0.1, sted_dropout: float = 0.5, l1_weight: float = 5.0,
                 giou_weight: float = 2.0, sted_weight: float = 10.0, pointer_weight: float = 1.0,
                 sigma: float = 1.0, token_motion: bool = True,
                 aux_loss: bool = True, query_types: Optional[list[str]] = None):
        if sigma <= 0:
            raise ValueError(f"sigma must be positive, got {sigma}")
        if min(l1_weight, giou_weight, sted_weight, pointer_weight) < 0:
            raise ValueError("loss weights must be >= 0")
        types = list(query_types or [])
        if len(set(types)) != len(types):
            raise ValueError(f"query_types repeats a type: {types}")
        super().__init__(model, optim)
        self.head = TubeDETRHead(self.model.token_dim, self.model.embed_dim, self.model.text_width,
                                 width=width, heads=heads, ffn=ffn, encoder_layers=encoder_layers,
                                 decoder_layers=decoder_layers, dropout=dropout,
                                 sted_dropout=sted_dropout, token_motion=token_motion)
        self.weights = {"l1": l1_weight, "giou": giou_weight, "sted": sted_weight}
        self.pointer_weight = pointer_weight
        self.sigma, self.aux_loss, self.query_types = sigma, aux_loss, types

    # ------------------------------------------------------------------ the head
    def encode_queries(self, queries: Sequence[str]) -> TextTokens:
        """``TextTokens`` of the sentences, cut to the longest one (no graph while the text side
        is frozen)."""
        with torch.set_grad_enabled(torch.is_grad_enabled() and self.model.text_is_trainable):
            text = self.model.encode_text_tokens(list(queries))
        length = int(text.mask.sum(dim=1).max())
        return TextTokens(tokens=text.tokens[:, :length], mask=text.mask[:, :length],
                          pooled=text.pooled)

    def head_outputs(self, features: VideoFeatures, text: TextTokens,
                     frame_valid: Optional[Tensor] = None) -> TubeOutputs:
        """The head over ``B · V`` clips (``text`` per video, repeated for its views)."""
        if features.tokens is None:
            raise ValueError(f"stgrounding reads VideoFeatures.tokens, but paradigm "
                             f"{self.model.paradigm!r} returned none")
        words, mask, sentence = (features.per_view(x) for x in (text.tokens, text.mask, text.pooled))
        return self.head(features.tokens, features.frames, features.video, features.grid,
                         words, mask, sentence, frame_valid)

    @staticmethod
    def _queries(batch: dict) -> list[str]:
        queries = batch.get("query")
        if queries is None:
            raise ValueError("stgrounding needs batch['query'] (the sentence to ground); this "
                             "datamodule's batches have none")
        empty = [vid for vid, q in zip(batch.get("video_id", range(len(queries))), queries)
                 if not q or not q.strip()]
        if empty:
            raise ValueError(f"items {empty[:5]} have an empty query")
        return list(queries)

    def forward(self, video: Tensor, queries: Sequence[str]) -> dict[str, Tensor]:
        """``video [B, T, 3, H, W]`` and one sentence per video -> ``boxes [B, T, 4]`` (xyxy
        pixels of the input) and ``sted [B, T, 2]`` start / end logits."""
        outputs = self.head_outputs(self.encode_video(video), self.encode_queries(queries))
        return {"boxes": pixel_xyxy(outputs.boxes[-1], tuple(video.shape[-2:])),
                "sted": outputs.sted[-1]}

    # ------------------------------------------------------------------ training
    def task_loss(self, batch: dict, features: VideoFeatures) -> TaskLoss:
        queries = self._queries(batch)
        for key in ("boxes", "frame_mask", "segments", "frame_times"):
            if key not in batch:
                raise ValueError(f"stgrounding needs batch[{key!r}]; the datamodule gives "
                                 f"{sorted(batch)} (the world: WorldDataModule(grounding=True))")
        valid = batch.get("valid")
        frame_valid = torch.ones_like(batch["frame_mask"]) if valid is None else valid.bool()
        text = self.encode_queries(queries)
        outputs = self.head_outputs(features, text, valid)
        target = normalised_cxcywh(batch["boxes"].float(), self.input_size(batch["video"]))
        box_mask = batch["frame_mask"].bool() & frame_valid
        start, end = sted_targets(batch["frame_times"].float(), batch["segments"].float(), frame_valid)
        layers = range(len(outputs.boxes)) if self.aux_loss else [len(outputs.boxes) - 1]
        total = 0.0
        for layer in layers:
            l1, giou = box_losses(outputs.boxes[layer].float(), target, box_mask)
            sted = sted_loss(outputs.sted[layer], start, end, frame_valid, self.sigma)
            parts = {"l1": l1, "giou": giou, "sted": sted}
            total = total + sum(self.weights[k] * v for k, v in parts.items())
        parts["pointer"] = pointer_loss(outputs.pointer, target, box_mask, features.grid)
        total = total + self.pointer_weight * parts["pointer"]
        for name, value in parts.items():  # the last layer's
            self.log(f"train/loss_{name}", value.detach(), batch_size=len(queries))
        return TaskLoss(total, queries, text.pooled)

    # ------------------------------------------------------------------ inference
    def tubes(self, batch: dict) -> list[Tube]:
        """One :class:`Tube` per item of a batch (multi-view video merged, module docstring)."""
        video, queries = batch["video"], self._queries(batch)
        features = self.encode_video(video)
        b, v = features.num_videos, features.views
        t = features.frames.shape[1]
        valid = batch.get("valid")
        flat_valid = None if valid is None else valid.reshape(b * v, t).bool()
        outputs = self.head_outputs(features, self.encode_queries(queries), flat_valid)
        size = self.input_size(video)
        views = self.view_contents(video, b, v) if v > 1 else None
        boxes = pixel_xyxy(outputs.boxes[-1].float(), size).reshape(b, v * t, 4)
        sted = outputs.sted[-1].float().reshape(b, v * t, 2)
        times = batch["frame_times"].reshape(b, v, t)
        durations = batch.get("duration")
        result = []
        for i in range(b):
            if v > 1:
                self._check_views(views[i], times[i], batch["video_id"][i])
            order = timeline(times[i], None if valid is None else valid.reshape(b, v, t)[i])
            start, end, score = decode_moment(sted[i, order])
            duration = None if durations is None else float(durations[i])
            low, high = frame_cells(times[i].flatten()[order], duration)
            result.append(Tube(order=order, times=times[i].flatten()[order].float(),
                               boxes=boxes[i, order], sted=sted[i, order], start=start, end=end,
                               segment=(float(low[start]), float(high[end])), score=score))
        return result

    def input_size(self, video: Union[Tensor, CachedFrames]) -> tuple[int, int]:
        """``(h, w)`` of the model input the boxes are in pixels of: the pixel batch's, or for a
        batch of cached features the preprocessing's crop (the cache was built with it)."""
        if isinstance(video, CachedFrames):
            return size_pair(self.preprocess["size"])
        return tuple(video.shape[-2:])

    @staticmethod
    def view_contents(video: Union[Tensor, CachedFrames], b: int, v: int) -> Tensor:
        """``[B, V, ...]``: what each view of each video holds (pixels, or its cached features)."""
        if isinstance(video, CachedFrames):
            return torch.cat([field.reshape(b, v, -1) for field in video.fields.values()], dim=-1)
        return video.reshape(b, v, -1)

    @staticmethod
    def _check_views(views: Tensor, times: Tensor, video_id: str) -> None:
        """Views with equal frame times but different contents are spatial crops: refuse them."""
        for a in range(len(times)):
            for c in range(a + 1, len(times)):
                if torch.equal(times[a], times[c]) and not torch.equal(views[a], views[c]):
                    raise ValueError(f"{video_id}: views {a} and {c} sample the same frames with "
                                     "different pixels (spatial crops); stgrounding merges "
                                     "temporal clips only: evaluate with test_crops=1")

    # ------------------------------------------------------------------ evaluation
    def make_metrics(self) -> nn.ModuleDict:
        return nn.ModuleDict({"tubes": SpatioTemporalGrounding(groups=self.query_types),
                              "unboxed": SumMetric()})

    def update_metrics(self, metrics: nn.ModuleDict, batch: dict, stage: str) -> list[Tube]:
        tubes = self.tubes(batch)
        score_tubes(metrics, batch, tubes, self.query_types)
        return tubes

    def compute_metrics(self, metrics: nn.ModuleDict) -> dict[str, Tensor]:
        if not metrics["tubes"].update_count:
            return {}
        unboxed = int(metrics["unboxed"].compute())
        if unboxed:
            rank_zero_warn(f"stgrounding: {unboxed} sampled frame(s) inside a ground-truth moment "
                           "had no ground-truth box (an invisible actor, or a box outside the "
                           "crop) and were left out of vIoU")
        # a query type without items in this split scores NaN: left out of the log
        return {name: value.float() for name, value in metrics["tubes"].compute().items()
                if "/" not in name or not torch.isnan(value)}

    # ------------------------------------------------------------------ predictions
    def predict_batch(self, batch: dict) -> list[dict]:
        """One JSON-able dict per item: ``video_id``, ``query`` (and ``query_id`` when the batch
        has one), ``segment`` ``[start, end]`` seconds, ``score``, ``image_size`` ``[h, w]`` of the
        model input and ``frames``: ``{"time", "box"}`` (xyxy pixels of that input) at every sampled
        frame of the predicted moment."""
        size = [int(s) for s in self.input_size(batch["video"])]
        results = []
        for i, tube in enumerate(self.tubes(batch)):
            item = {"video_id": batch["video_id"][i], "query": batch["query"][i]}
            if batch.get("query_id"):
                item["query_id"] = batch["query_id"][i]
            item.update(segment=[round(x, 4) for x in tube.segment], score=round(tube.score, 4),
                        image_size=size, frames=[
                            {"time": round(float(tube.times[k]), 4),
                             "box": [round(float(x), 2) for x in tube.boxes[k]]}
                            for k in range(tube.start, tube.end + 1)])
            results.append(item)
        return results

    def prediction_inputs(self, texts: Sequence[str], **options) -> dict:
        """``{"query": [sentence]}``: exactly one non-empty sentence about one object."""
        texts = [texts] if isinstance(texts, str) else list(texts)
        if len(texts) != 1 or not isinstance(texts[0], str) or not texts[0].strip():
            raise ValueError(f"stgrounding grounds one sentence about one object; got {len(texts)} "
                             f"texts {texts[:3]!r}")
        if options:
            raise ValueError(f"stgrounding takes no prediction options, got {sorted(options)}")
        return {"query": [texts[0].strip()]}

    def render(self, frames: Union[np.ndarray, Tensor], frame_times: Union[np.ndarray, Tensor],
               result: dict, path: Union[str, Path], truth: Optional[dict] = None) -> Path:
        """Draw the predicted tube (and ``truth``, the same form) on ``frames`` uint8
        ``[T, H, W, 3]`` at ``frame_times [T]`` seconds into ``path`` (.png, .gif or .mp4)."""
        return render_tube(frames, frame_times, result, path, truth)
