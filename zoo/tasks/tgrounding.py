"""Temporal grounding (moment retrieval) and highlight detection over any paradigm.

Given a video and a sentence (``batch["query"]``), the ``[start, end]`` seconds it describes and a
saliency score per frame. Head: Moment-DETR (:class:`~zoo.tasks.layers.moment_detr.MomentDETR`)
over the paradigm's per-frame embeddings ``VideoFeatures.frames [B, T, D]`` (plus its clip
embedding ``video [B, D]`` as one extra token) and the text tower's token states
(``model.encode_text_tokens``: ``TextTokens.tokens [B, L, W]``, trimmed to the longest sentence;
computed without a graph while the text tower is frozen). ``motion_features=True`` appends to
each frame embedding its difference from the previous frame of its view (zeros for the first;
the clip token gets zeros): an explicit motion cue for frozen image features, in the role of the
SlowFast features Moment-DETR concatenates to CLIP's (off by default: Moment-DETR's input).
``patch_pooling=True`` appends, before that, a per-frame vector of the frame's patch tokens
and their per-token motion (change since the previous frame) attended by the sentence
(``QueryPatchPooling``, ``zoo/tasks/layers/patch_pooling.py``): how the object the sentence names
looks and moves in every frame; it needs ``VideoFeatures.tokens`` (from pixels, or a feature
cache built with ``tokens=True``). Off by default (Moment-DETR reads frame embeddings).

Batch (the standard batch of grounding data, ``zoo/data/datasets.py``): ``video``, ``query``,
``frame_times [B, T]`` seconds (``[B, V, T]`` for V views), ``duration [B]`` seconds, ``windows
[B, S, 2]`` + ``window_mask [B, S]`` seconds (training and evaluation), optionally ``valid
[B, T]`` (variable-length videos: padding frames False), ``frame_saliency [B, T]``, ``saliency
[B, C, A]`` + ``clip_length [B]`` (QVHighlights-style highlight annotation), ``query_id``.

- **Times.** Each frame's position is ``frame_time / duration`` (``MomentDETR``'s sine positions),
  and windows are regressed normalised by the duration, as Moment-DETR. Several views of a video
  (``[B, V, T, ...]``, the multi-clip test protocol) are one sequence of ``V * T`` frames
  interleaved in time. A clip shorter than the model's ``num_frames`` (variable-length sampling)
  is zero-padded to it before the paradigm encodes it (paradigms with a fixed temporal size,
  AIM and EVL, need it) and the padding is masked in the head; the paradigm itself sees the
  padding frames (the video interface has no frame mask).
- **Training**: Moment-DETR's set criterion (``zoo/tasks/layers/moment_loss.py``) on every window
  of the query (clamped to the video, normalised (centre, width)); a window of zero length after
  clamping is dropped, a query left with none raises. Saliency targets: ``frame_saliency`` where
  the data annotate it (QVHighlights, the world), else 1 inside a window and 0 outside
  (Charades-STA / ActivityNet Captions, as Moment-DETR's ``get_saliency_labels_sub_as_query``).
- **Prediction**: the Q moment queries' windows in seconds, **clamped to the video**, ranked by
  foreground probability (optionally NMS'd, ``nms_threshold``); ``moment_decode.py``.
- **Metrics** (``zoo/metrics/moments.py``, the reference evaluators' definitions; logged as
  fractions, shown in %): ``r1_iou0.3/0.5/0.7`` and ``miou`` (the top-1 window against the
  best-overlapping true window, hit when IoU >= θ: Charades-STA / ActivityNet Captions protocol,
  QVHighlights' MR-R1), ``map_iou0.5``, ``map_iou0.75``, ``map_avg`` (QVHighlights' MR-mAP over
  the 10 best windows), and where the data carry ``saliency``: ``hl_map`` / ``hl_hit1`` (HL-mAP
  and HIT@1 at "VeryGood", score >= 4) on per-clip scores (``clip_saliency``: the mean of the
  frame scores in each ``clip_length`` clip) over ``int(duration / clip_length)`` clips.
  Validation also logs ``val/loss``.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path
from typing import Any, Optional, Sequence, Union

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from zoo.interfaces import TextTokens, VideoFeatures
from zoo.metrics.moments import CHARADES_THRESHOLDS, HighlightMetrics, MomentMAP, MomentRecall
from zoo.ops.spans import clamp_spans, span_lengths, xx_to_cxw
from zoo.registry import TASKS
from zoo.specs import ModelSpec, OptimSpec
from zoo.tasks.base import TaskLoss, VideoTask
from zoo.tasks.layers.moment_decode import clip_saliency, highlight_clip_count, ranked_moments
from zoo.tasks.layers.moment_detr import MomentDETR, MomentOutput
from zoo.tasks.layers.moment_loss import MomentLossWeights, moment_losses
from zoo.tasks.layers.patch_pooling import QueryPatchPooling, frame_steps
from zoo.tasks.layers.timeline import draw_timeline


def query_number(query_id: str) -> int:
    """A stable 63-bit integer for a string query id (the metrics' de-duplication key)."""
    return int.from_bytes(hashlib.blake2b(query_id.encode(), digest_size=8).digest(), "big") >> 1


@TASKS.register
class TemporalGroundingTask(VideoTask):
    """Temporal grounding over any paradigm (module docstring).

    Args (besides :class:`~zoo.tasks.base.VideoTask`'s): the head's ``hidden_dim``,
    ``num_heads``, ``encoder_layers``, ``decoder_layers``, ``ffn_dim``, ``num_queries``,
    ``dropout``, ``input_dropout``, ``input_layers``, ``clip_token`` (``MomentDETR``); the loss
    weights ``span_weight``, ``giou_weight``, ``label_weight``, ``saliency_weight``, ``eos_coef``,
    ``saliency_margin``, ``aux_loss`` (``MomentLossWeights``; the matching costs follow the span,
    GIoU and label weights, as Moment-DETR's defaults); ``nms_threshold`` (None: no NMS);
    ``motion_features``, ``patch_pooling`` (module docstring).
    """

    task = "tgrounding"
    batch_keys = ("segments", "windows", "window_mask", "query", "query_id", "query_type", "duration",
                  "saliency", "saliency_mask", "frame_saliency", "clip_length")  # no boxes, no tracks
    summary = "temporal grounding: the [start, end] seconds a sentence describes, and per-clip saliency"
    headline = "r1_iou0.5"
    headline_is_proportion = True
    evaluation_settings = ("model.init_args.nms_threshold",)
    percent = True
    decimals = 1
    columns = (("R1@0.3", "r1_iou0.3"), ("R1@0.5", "r1_iou0.5"), ("R1@0.7", "r1_iou0.7"),
               ("mIoU", "miou"), ("mAP", "map_avg"), ("HL mAP", "hl_map"), ("HIT@1", "hl_hit1"))

    def __init__(self, model: ModelSpec, optim: Optional[OptimSpec] = None, hidden_dim: int = 256,
                 num_heads: int = 8, encoder_layers: int = 2, decoder_layers: int = 2,
                 ffn_dim: int = 1024, num_queries: int = 10, dropout: float = 0.1,
                 input_dropout: float = 0.5, input_layers: int = 2, clip_token: bool = True,
                 span_weight: float = 10.0, giou_weight: float = 1.0, label_weight: float = 4.0,
                 saliency_weight: float = 1.0, eos_coef: float = 0.1, saliency_margin: float = 0.2,
                 aux_loss: bool = True, nms_threshold: Optional[float] = None,
                 motion_features: bool = False, patch_pooling: bool = False):
        super().__init__(model, optim)
        if nms_threshold is not None and not 0 < nms_threshold < 1:
            raise ValueError(f"nms_threshold must be in (0, 1) or None, got {nms_threshold}")
        self.motion_features = motion_features
        self.patch_pooling = QueryPatchPooling(self.model.token_dim, self.model.embed_dim, self.model.embed_dim,
                                               hidden_dim) if patch_pooling else None
        video_dim = self.model.embed_dim * (2 if patch_pooling else 1) * (2 if motion_features else 1)
        self.head = MomentDETR(video_dim, self.model.text_width, hidden_dim=hidden_dim,
                               num_heads=num_heads, encoder_layers=encoder_layers,
                               decoder_layers=decoder_layers, ffn_dim=ffn_dim,
                               num_queries=num_queries, dropout=dropout,
                               input_dropout=input_dropout, input_layers=input_layers,
                               clip_token=clip_token)
        self.weights = MomentLossWeights(span=span_weight, giou=giou_weight, label=label_weight,
                                         saliency=saliency_weight, cost_span=span_weight,
                                         cost_giou=giou_weight, cost_class=label_weight,
                                         eos_coef=eos_coef, saliency_margin=saliency_margin,
                                         aux=aux_loss)
        self.nms_threshold = nms_threshold

    # ------------------------------------------------------------------ inputs
    def encode_video(self, video: torch.Tensor) -> VideoFeatures:
        """As :meth:`VideoTask.encode_video`, after zero-padding clips shorter than the model's
        ``num_frames`` (variable-length batches) to it; cached frozen features pass as they are."""
        missing = self.model.num_frames - video.shape[-4] if isinstance(video, torch.Tensor) else 0
        if missing > 0:
            video = F.pad(video, (0, 0, 0, 0, 0, 0, 0, missing))
        return super().encode_video(video)

    def query_tokens(self, queries: Sequence[str]) -> TextTokens:
        """The sentences' token states, trimmed to the longest one (no graph while the text
        tower is frozen)."""
        if not queries or any(not isinstance(q, str) or not q.strip() for q in queries):
            raise ValueError(f"tgrounding needs a non-empty sentence per item in batch['query'], got {list(queries)!r}")
        with torch.set_grad_enabled(torch.is_grad_enabled() and self.model.text_is_trainable):
            text = self.model.encode_text_tokens(list(queries))
        length = int(text.mask.sum(dim=1).max())
        return TextTokens(tokens=text.tokens[:, :length], mask=text.mask[:, :length], pooled=text.pooled)

    @staticmethod
    def durations(batch: dict) -> torch.Tensor:
        """``[B]`` seconds: ``batch["duration"]``, else the last frame time plus one frame interval."""
        if "duration" in batch:
            duration = torch.as_tensor(batch["duration"], dtype=torch.float32).reshape(-1)
        else:
            times = batch["frame_times"].float().flatten(1)
            last = times.nan_to_num(-math.inf).amax(dim=1)
            count = torch.isfinite(times).sum(dim=1).clamp(min=2)
            first = times.nan_to_num(math.inf).amin(dim=1)
            duration = last + (last - first) / (count - 1)
        if not (torch.isfinite(duration).all() and (duration > 0).all()):
            raise ValueError(f"every video needs a positive finite duration, got {duration.tolist()}")
        return duration

    def frame_sequence(self, batch: dict, features: VideoFeatures,
                       sentence: Optional[torch.Tensor] = None) -> dict[str, torch.Tensor]:
        """The head's video input: ``frames [B, V*T, D']``, ``mask [B, V*T]``, ``seconds [B, V*T]``
        (NaN on padding), ``times`` (seconds / duration), ``clip [B, D']``, ``duration [B]``;
        ``sentence [B, D]`` (the pooled query embedding) is what ``patch_pooling`` attends with."""
        if "frame_times" not in batch:
            raise ValueError("tgrounding needs batch['frame_times'] (seconds of every sampled frame)")
        b, views = features.num_videos, features.views
        frames = features.by_video(features.frames)  # [B, V, T', D]
        clip = features.view_mean(features.video)
        if self.patch_pooling is not None:
            if features.tokens is None or sentence is None:
                raise ValueError("patch_pooling needs the paradigm's patch tokens (VideoFeatures.tokens; "
                                 "a feature cache must be built with tokens=True) and the sentence")
            pooled = self.patch_pooling(features.by_video(features.tokens), sentence)  # [B, V, T', D]
            frames = torch.cat([frames, pooled.to(frames.dtype)], dim=-1)
            clip = torch.cat([clip, torch.zeros_like(clip)], dim=-1)
        if self.motion_features:
            frames = torch.cat([frames, frame_steps(frames)], dim=-1)  # [B, V, T', 2D]
        t_model = frames.shape[2]
        seconds = batch["frame_times"].float().reshape(b, views, -1)
        valid = batch["valid"].bool().reshape(b, views, -1) if "valid" in batch \
            else torch.ones_like(seconds, dtype=torch.bool)
        t_data = seconds.shape[2]
        if t_data > t_model:
            raise ValueError(f"batch['frame_times'] has {t_data} frames per view but the model "
                             f"returned {t_model}")
        seconds = F.pad(seconds, (0, t_model - t_data), value=math.nan)
        valid = F.pad(valid, (0, t_model - t_data), value=False) & torch.isfinite(seconds)
        duration = self.durations(batch).to(frames.device)
        seconds = seconds.to(frames.device).flatten(1)
        times = (seconds / duration[:, None]).clamp(0, 1).nan_to_num(0.0)
        if self.motion_features:
            clip = torch.cat([clip, torch.zeros_like(clip)], dim=-1)
        return {"frames": frames.flatten(1, 2), "mask": valid.to(frames.device).flatten(1),
                "seconds": seconds, "times": times, "clip": clip, "duration": duration}

    def localise(self, batch: dict, features: Optional[VideoFeatures] = None
                 ) -> tuple[MomentOutput, dict[str, torch.Tensor]]:
        """Run the head on a batch: ``(MomentOutput, frame_sequence)``."""
        features = self.encode_video(batch["video"]) if features is None else features
        text = self.query_tokens(batch.get("query") or [])
        if text.tokens.shape[0] != features.num_videos:
            raise ValueError(f"{text.tokens.shape[0]} queries for {features.num_videos} videos")
        sequence = self.frame_sequence(batch, features, text.pooled)
        output = self.head(sequence["frames"], sequence["mask"], sequence["times"], text.tokens,
                           text.mask, sequence["clip"] if self.head.clip_position is not None else None)
        sequence["text_pooled"] = text.pooled
        return output, sequence

    # ------------------------------------------------------------------ targets
    def true_windows(self, batch: dict, duration: torch.Tensor, drop_empty: bool) -> list[torch.Tensor]:
        """Per item the true windows ``[G_i, 2]`` in seconds, clamped to the video; with
        ``drop_empty`` zero-length ones are left out. An item without a window raises."""
        if "windows" not in batch:
            raise ValueError("tgrounding needs batch['windows'] (the true moments in seconds) to train "
                             "or evaluate; this datamodule's batches have none")
        windows, mask = batch["windows"].float(), batch["window_mask"].bool()
        out = []
        for b in range(windows.shape[0]):
            kept = clamp_spans(windows[b][mask[b]].cpu(), float(duration[b]))
            if drop_empty:
                kept = kept[span_lengths(kept) > 0]
            if kept.shape[0] == 0:
                name = batch.get("query_id", [""] * (b + 1))[b] or batch["video_id"][b]
                raise ValueError(f"query {name!r} (video {batch['video_id'][b]!r}) has no true window "
                                 f"inside the video [0, {float(duration[b]):g}] s")
            out.append(kept)
        return out

    def saliency_targets(self, batch: dict, sequence: dict[str, torch.Tensor],
                         windows: list[torch.Tensor]) -> torch.Tensor:
        """``[B, V*T]``: ``frame_saliency`` when annotated, else inside-a-window indicators."""
        if "frame_saliency" in batch:
            target = batch["frame_saliency"].float().reshape(sequence["mask"].shape[0], -1)
            return F.pad(target, (0, sequence["mask"].shape[1] - target.shape[1])).to(sequence["mask"].device)
        seconds = sequence["seconds"]
        inside = torch.zeros_like(seconds, dtype=torch.bool)
        for b, item in enumerate(windows):
            item = item.to(seconds.device)
            inside[b] = ((seconds[b, :, None] >= item[:, 0]) & (seconds[b, :, None] <= item[:, 1])).any(dim=1)
        return inside.float()

    def losses(self, batch: dict, output: MomentOutput, sequence: dict) -> dict[str, torch.Tensor]:
        duration = sequence["duration"]
        windows = self.true_windows(batch, duration, drop_empty=True)
        normalised = [xx_to_cxw(w, float(d)).to(output.spans.device) for w, d in zip(windows, duration)]
        target = self.saliency_targets(batch, sequence, windows)
        return moment_losses(output, normalised, target, sequence["mask"], self.weights)

    def task_loss(self, batch: dict, features: VideoFeatures) -> TaskLoss:
        output, sequence = self.localise(batch, features)
        losses = self.losses(batch, output, sequence)
        for name in ("span", "giou", "label", "saliency"):
            self.log(f"train/{name}_loss", losses[name], batch_size=len(batch["query"]))
        return TaskLoss(losses["loss"], list(batch["query"]), sequence["text_pooled"])

    # ------------------------------------------------------------------ answers
    def moments(self, output: MomentOutput, duration: torch.Tensor) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """Per item ``(windows [P, 2] seconds clamped to the video, scores [P])``, best first."""
        scores, spans = output.foreground(), output.spans[-1]
        return [ranked_moments(spans[b], scores[b], float(duration[b]), self.nms_threshold)
                for b in range(spans.shape[0])]

    def clip_scores(self, output: MomentOutput, sequence: dict, b: int, clip_length: float) -> torch.Tensor:
        """Item ``b``'s predicted saliency per ``clip_length`` clip (``clip_saliency``)."""
        real = sequence["mask"][b]
        count = highlight_clip_count(float(sequence["duration"][b]), clip_length)
        return clip_saliency(output.saliency[b][real], sequence["seconds"][b][real], clip_length, count)

    # ------------------------------------------------------------------ metrics
    def make_metrics(self) -> nn.ModuleDict:
        return nn.ModuleDict({"recall": MomentRecall(thresholds=CHARADES_THRESHOLDS),
                              "map": MomentMAP(), "highlight": HighlightMetrics(min_score=4)})

    def update_metrics(self, metrics: nn.ModuleDict, batch: dict, stage: str) -> None:
        output, sequence = self.localise(batch)
        duration = sequence["duration"]
        if stage == "val":
            self.log("val/loss", self.losses(batch, output, sequence)["loss"], batch_size=len(duration))
        truth = self.true_windows(batch, duration, drop_empty=False)
        ranked = self.moments(output, duration)
        query_ids = batch.get("query_id")
        ids = [query_number(q) for q in query_ids] if query_ids and all(query_ids) else None
        predicted = [windows for windows, _ in ranked]
        metrics["recall"].update(predicted, truth, query_ids=ids)
        metrics["map"].update(predicted, truth, query_ids=ids)
        if "saliency" in batch:
            gts, preds = [], []
            for b in range(len(duration)):
                clip_length = float(batch["clip_length"][b])
                if not math.isfinite(clip_length):
                    raise ValueError(f"video {batch['video_id'][b]!r}: saliency without a clip_length")
                scores = self.clip_scores(output, sequence, b, clip_length)
                gt = batch["saliency"][b].double().nan_to_num(0.0).cpu()[:scores.shape[0]]
                gts.append(F.pad(gt, (0, 0, 0, scores.shape[0] - gt.shape[0])))
                preds.append(scores)
            metrics["highlight"].update(preds, gts, query_ids=ids)

    def compute_metrics(self, metrics: nn.ModuleDict) -> dict[str, torch.Tensor]:
        if not metrics["recall"].update_called:
            return {}
        values = {**metrics["recall"].compute(), **metrics["map"].compute()}
        if metrics["highlight"].update_called:
            values.update(metrics["highlight"].compute())
        return {name: (value / 100.0).float() for name, value in values.items()}

    # ------------------------------------------------------------------ prediction
    def predict_batch(self, batch: dict) -> list[dict]:
        """One dict per item: ``video_id``, ``query`` (``query_id`` when given), ``duration``,
        ``moments`` (``start``, ``end``, ``score``; seconds, best first) and ``saliency``
        (``times`` / ``scores`` of the real frames in time order); numbers rounded to 4 decimals."""
        output, sequence = self.localise(batch)
        results = []
        for b, (windows, scores) in enumerate(self.moments(output, sequence["duration"])):
            real = sequence["mask"][b]
            times, order = sequence["seconds"][b][real].sort(stable=True)
            frame_scores = output.saliency[b][real][order]
            result: dict[str, Any] = {
                "video_id": batch["video_id"][b] if "video_id" in batch else str(b),
                "query": batch["query"][b], "duration": round(float(sequence["duration"][b]), 4),
                "moments": [{"start": round(s, 4), "end": round(e, 4), "score": round(p, 4)}
                            for (s, e), p in zip(windows.tolist(), scores.tolist())],
                "saliency": {"times": [round(t, 4) for t in times.tolist()],
                             "scores": [round(s, 4) for s in frame_scores.float().tolist()]},
            }
            if batch.get("query_id"):
                result["query_id"] = batch["query_id"][b]
            results.append(result)
        return results

    @torch.no_grad()
    def forward(self, video: torch.Tensor, query: Sequence[str], frame_times: torch.Tensor,
                duration: Optional[torch.Tensor] = None, valid: Optional[torch.Tensor] = None) -> list[dict]:
        """``predict_batch`` of ``video [B, (V,) T, 3, H, W]``, one sentence per video,
        ``frame_times`` seconds, optional ``duration [B]`` and ``valid``."""
        batch = {"video": video, "query": list(query), "frame_times": frame_times}
        batch.update({k: v for k, v in (("duration", duration), ("valid", valid)) if v is not None})
        return self.predict_batch(batch)

    def prediction_inputs(self, texts: Sequence[str], **options: Any) -> dict:
        """``{"query": [sentence]}``: tgrounding takes exactly one sentence and no options."""
        if options:
            raise ValueError(f"tgrounding takes no prediction options, got {sorted(options)}")
        texts = [t for t in texts]
        if len(texts) != 1 or not isinstance(texts[0], str) or not texts[0].strip():
            raise ValueError(f"tgrounding needs exactly one non-empty sentence describing the moment, got {texts!r}")
        return {"query": [" ".join(texts[0].split())]}

    def render(self, frames: np.ndarray, frame_times: Sequence[float], result: dict,
               path: Union[str, Path], truth: Optional[dict] = None) -> Path:
        """A timeline PNG of ``result`` (one ``predict_batch`` dict): thumbnails of ``frames``
        (uint8 ``[T, H, W, 3]`` at ``frame_times`` seconds), the saliency curve, the predicted
        moments with their scores and, from ``truth`` (``{"windows": [[s, e], ...]}`` or a result
        dict whose ``moments`` are the true ones), the true windows."""
        true_windows = None
        if truth is not None:
            if "windows" in truth:
                true_windows = [tuple(map(float, w)) for w in truth["windows"]]
            elif "moments" in truth:
                true_windows = [(float(m["start"]), float(m["end"])) for m in truth["moments"]]
            else:
                raise ValueError("truth must hold 'windows' ([[start, end], ...]) or 'moments'")
        moments = [(m["start"], m["end"], m["score"]) for m in result["moments"]]
        saliency = result.get("saliency")
        curve = (saliency["times"], saliency["scores"]) if saliency else None
        return draw_timeline(frames, frame_times, float(result["duration"]), moments, curve,
                             true_windows, title=f"\u201c{result['query']}\u201d", path=path)
