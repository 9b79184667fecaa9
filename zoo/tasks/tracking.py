"""Open-vocabulary multi-object tracking: detect every object in every frame, keep its identity,
name its category through the text tower — categories never seen in training included.

An OVTrack-style tracker (Li et al., CVPR 2023, ``SysCV/ovtrack``) over any paradigm, through
``VideoTextModel`` only (``encode_video``: patch tokens and the joint-space clip embedding;
``encode_text``; ``logit_scale``). Notation: B clips, T frames, Q queries, K tracks, C categories.

Heads and losses
- **Detector** (``zoo/tasks/layers/detr.py``): class-agnostic DETR over each frame's patch tokens
  ``VideoFeatures.tokens [B, T, N, C]`` — Q object queries with anchor boxes refined block by
  block, Hungarian matching, focal objectness + L1 + generalised IoU, deep supervision. Boxes are
  xyxy pixels of the model input.
- **Association** (``layers/association.py``): an embedding per query, trained with QDTrack's
  multi-positive contrastive loss across the frames of a clip (same track = positive).
- **Region embeddings** (``layers/regions.py``): a track's masked tube (the clip with everything
  outside its boxes set to the mean) through the paradigm's own ``encode_video`` gives its
  embedding in the joint image-text space; its category is the nearest text embedding of the
  category prompts (``prompt_templates``, ensembled as CLIP's prompt ensembles), scaled by
  ``logit_scale.exp()``. Training: cross-entropy over the **base** categories on the masked tubes
  of up to ``region_batch`` ground-truth tracks per step (novel names are never seen in
  training; skipped when the paradigm trains nothing, e.g. postnet ``meanp``: it could change
  nothing); evaluation ranks all categories, so novel ones are named zero-shot. Deviation from
  OVTrack: OVTrack distils CLIP's embeddings of region crops into a Faster R-CNN RoI head (ViLD);
  here the paradigm's tower embeds the region itself (the teacher as the head), at one extra
  video forward per track, so novel-category accuracy measures how much of the image-text
  alignment the paradigm kept. **Keeping the alignment** (``region_distill_weight`` > 0, as in
  ViLD and OVTrack): the region loss adds the L1 distance between each tube's normalised
  embedding and a frozen teacher's (``layers/regions.py``: a copy of the image tower taken when
  the task is built, before any training; the meanP of its frame embeddings). Without it the
  base-only cross-entropy lets embeddings drift toward novel prompts nothing pushes them from.
  The teacher is kept outside the module tree (never saved, never optimised) and costs one
  image-tower copy in memory and one frozen image pass per trained tube.
- Loss = DETR loss + ``association_weight`` · association + ``class_weight`` · (region CE +
  ``region_distill_weight`` · region L1 to the teacher), plus
  the paradigm's auxiliary losses (given the prompts of the base categories). A training batch
  holding a track of a novel category raises (the protocol trains on base categories only).

Inference (``track``): detections above ``tracker.score_threshold`` → the online tracker
(``layers/tracker.py``: appearance + IoU, Hungarian, birth / death rules) → each track's
category from its masked tube (one label per track, its score the probability); a detection's
score is its objectness probability. ``region_naming`` says whose embedding names it: the
paradigm's (``trained``), the frozen teacher's with its own text tower (``teacher``: CLIP
zero-shot on the tube), or ViLD's ensemble of the two (``ensemble``: a geometric mean weighted
2/3 toward the paradigm on the categories it trained on and 2/3 toward the teacher on the others).

Evaluation: :class:`~zoo.metrics.teta.TrackEveryThingAccuracy` (TETA, LocA, AssocA, ClsA and
``*_base`` / ``*_novel`` over the classes of each split, the OVTrack protocol; fractions) and
:class:`~zoo.metrics.detection.FrameDetectionAP` (``det_ap50``: class-agnostic per-frame
AP@0.5 of the detector's raw queries ranked by objectness, before any threshold or tracking —
the detector's sanity figure; tracks are classified, single detections are not, so there is
no per-class AP). Each sampled clip is one sequence; with several test views ``[B, V, T, ...]``
every view is its own sequence (``<video_id>#<view>``). A split (base / novel) without any
category in the evaluated videos is not logged (its value would be NaN).

Prediction (the contract every task shares): ``prediction_inputs(texts)`` makes the category
list the batch's ``categories`` (any names: the vocabulary is an input, so a task built without
``categories`` still predicts); ``predict_batch`` gives one JSON-able dict per video
(``zoo.tasks.layers.track_results``); ``truth_batch`` the annotation in the same form;
``render`` draws boxes, track ids (stable colours) and category names into a PNG, GIF or MP4.
"""

from __future__ import annotations

from typing import Optional, Sequence, Union

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from zoo.backbones.frozen_copy import FrozenCopies
from zoo.interfaces import VideoFeatures, mean_of_normalised
from zoo.metrics.detection import FrameDetectionAP
from zoo.metrics.teta import TrackEveryThingAccuracy, frames_from_tracks
from zoo.registry import TASKS
from zoo.specs import ModelSpec, OptimSpec
from zoo.tasks.base import TaskLoss, VideoTask
from zoo.tasks.layers.association import association_loss
from zoo.tasks.layers.detr import FrameDetector, LossWeights, detection_loss, normalised_targets, pixel_boxes
from zoo.tasks.layers.regions import fill_boxes, masked_tubes, region_teacher_embeddings
from zoo.tasks.layers.track_results import (ClipTracks, clip_tracks, detection_frames, metric_frames,
                                            parse_categories, result_dict, truth_dict)
from zoo.tasks.layers.tracker import TrackerSettings, track_clip


REGION_NAMING = ("trained", "teacher", "ensemble")
ENSEMBLE_WEIGHT = 2 / 3  # ViLD's lambda


def prompt_ensembles(raw: Tensor, count: int) -> Tensor:
    """CLIP's prompt ensembles: ``raw [count * templates, D]`` prompt embeddings (each name's
    templates adjacent) -> ``[count, D]``, the normalised mean of the normalised embeddings."""
    return F.normalize(mean_of_normalised(raw.unflatten(0, (count, -1))), dim=-1)


def vild_ensemble(trained: Tensor, teacher: Tensor, base: Tensor, weight: float = ENSEMBLE_WEIGHT) -> Tensor:
    """ViLD's ensemble of two category distributions ``[K, C]``: the geometric mean
    ``trained^w * teacher^(1-w)`` on ``base`` categories (bool ``[C]``, the ones trained on) and
    ``trained^(1-w) * teacher^w`` on the others, renormalised over the C categories."""
    w = torch.where(base, weight, 1 - weight).to(trained.dtype)
    combined = trained.clamp_min(1e-12) ** w * teacher.clamp_min(1e-12) ** (1 - w)
    return combined / combined.sum(dim=-1, keepdim=True)


@TASKS.register
class TrackingTask(FrozenCopies, VideoTask):
    """Open-vocabulary multi-object tracking over any paradigm (see the module docstring).

    Args (besides :class:`~zoo.tasks.base.VideoTask`'s):
        categories: the category names (the CLI fills them from the datamodule). Training and
            evaluation need them; without them the model tracks the categories each prediction
            names (``prediction_inputs``).
        novel_categories: the held-out ones (never trained on; scored as ``*_novel``).
        category_ids: the dataset's id of each category (default 0..C-1), as the batch's
            ``tracks["category_ids"]`` and the metrics use them.
        prompt_templates: ``template.format(name)`` prompts, ensembled per category.
        num_queries / detector_width / detector_layers / detector_heads / detector_dropout /
            embedding_dim: the DETR detector and the association embedding width.
        objectness_weight / l1_weight / giou_weight: DETR's loss and matching weights.
        aux_loss: deep supervision of every decoder block.
        association_weight / association_temperature: the contrastive association loss.
        class_weight / region_batch: the region classification loss and how many ground-truth
            tracks' tubes it encodes per step (a random subset; 0 switches it off).
        region_distill_weight: the L1 distillation of the frozen image tower's region
            embeddings that keeps the paradigm's naming aligned (module docstring; 0: none).
        region_naming: how a track is named at inference: ``"trained"`` (the paradigm's region
            embedding), ``"teacher"`` (the frozen foundation model alone: CLIP zero-shot on the
            tube) or ``"ensemble"`` (ViLD's: the geometric mean of both, weighted 2/3 toward
            the paradigm on base categories and 2/3 toward the teacher on the others).
            The teacher (a frozen copy of the backbone) is built only when distillation or the
            naming needs it.
        region_chunk: tubes encoded at once at inference.
        tracker: :class:`~zoo.tasks.layers.tracker.TrackerSettings` (or a dict of its fields).
    """

    task = "tracking"
    frozen_copy_names = ("_region_teacher",)
    batch_keys = ("tracks", "categories")
    summary = "open-vocabulary tracking: boxes, track ids and categories from text"
    headline = "TETA"
    recipe_cue = "appearance"
    evaluation_settings = ("model.init_args.tracker",)
    columns = (("TETA", "TETA"), ("LocA", "LocA"), ("AssocA", "AssocA"), ("ClsA", "ClsA"),
               ("TETA base", "TETA_base"), ("ClsA base", "ClsA_base"),
               ("TETA novel", "TETA_novel"), ("ClsA novel", "ClsA_novel"), ("AP@0.5", "det_ap50"))

    def __init__(self, model: ModelSpec, optim: Optional[OptimSpec] = None,
                 categories: Optional[list[str]] = None, novel_categories: Optional[list[str]] = None,
                 category_ids: Optional[list[int]] = None,
                 prompt_templates: Sequence[str] = ("a {}.",), num_queries: int = 16,
                 detector_width: int = 256, detector_layers: int = 3, detector_heads: int = 8,
                 detector_dropout: float = 0.0, embedding_dim: int = 128,
                 objectness_weight: float = 2.0, l1_weight: float = 5.0, giou_weight: float = 2.0,
                 aux_loss: bool = True, association_weight: float = 1.0,
                 association_temperature: float = 0.1, class_weight: float = 1.0,
                 region_batch: int = 16, region_chunk: int = 32, region_distill_weight: float = 0.0,
                 region_naming: str = "trained", tracker: Union[TrackerSettings, dict, None] = None):
        super().__init__(model, optim)
        self.categories, self.category_ids, novel = parse_categories(categories, novel_categories,
                                                                      category_ids)
        self.novel_categories = [c for c in self.categories if c in novel]
        self.base_categories = [c for c in self.categories if c not in novel]
        if self.categories and not self.base_categories:
            raise ValueError("every category is novel: tracking needs base categories to train on")
        templates = list(prompt_templates)
        if not templates or any("{}" not in t for t in templates):
            raise ValueError(f"prompt_templates must be templates with '{{}}' for the name, got {templates}")
        if region_batch < 0 or region_chunk < 1:
            raise ValueError(f"region_batch must be >= 0 and region_chunk >= 1, got {region_batch}, {region_chunk}")
        if not region_distill_weight >= 0:
            raise ValueError(f"region_distill_weight must be non-negative, got {region_distill_weight}")
        if region_naming not in REGION_NAMING:
            raise ValueError(f"region_naming must be one of {REGION_NAMING}, got {region_naming!r}")
        self.prompt_templates = templates
        self.region_distill_weight, self.region_naming = float(region_distill_weight), region_naming
        self.release_frozen_copy("_region_teacher")
        if self.region_distill_weight > 0 or region_naming != "trained":
            # zoo.backbones.frozen_copy: never saved, never optimised; distillation alone compares
            # image embeddings only, so it keeps no text tower
            self.hold_frozen_copy("_region_teacher", self.model.backbone, text_tower=region_naming != "trained")
        self.tracker = TrackerSettings.coerce(tracker)
        self.hparams["tracker"] = self.tracker.to_dict()
        self.detector = FrameDetector(self.model.token_dim, self.model.grid, num_queries=num_queries,
                                      width=detector_width, num_layers=detector_layers,
                                      num_heads=detector_heads, dropout=detector_dropout,
                                      embedding_dim=embedding_dim)
        self.weights = LossWeights(objectness_weight, l1_weight, giou_weight)
        self.aux_loss = aux_loss
        self.association_weight, self.association_temperature = association_weight, association_temperature
        self.class_weight, self.region_batch, self.region_chunk = class_weight, region_batch, region_chunk
        self._text_cache: dict[tuple[str, ...], Tensor] = {}

    def task_config(self) -> dict:
        return {**super().task_config(), "categories": self.categories,
                "category_ids": self.category_ids, "prompt_templates": self.prompt_templates}

    # ------------------------------------------------------------------ text side
    def prompts(self, names: Sequence[str]) -> list[str]:
        return [t.format(n) for n in names for t in self.prompt_templates]

    def category_embeddings(self, names: Sequence[str]) -> tuple[Tensor, Tensor]:
        """``([C, D] normalised prompt-ensemble embeddings, [C * templates, D] raw prompt
        embeddings)`` of ``names``; cached while the text side is frozen."""
        key = tuple(names)
        cacheable = not self.model.text_is_trainable
        if cacheable and key in self._text_cache and self._text_cache[key].device == self.device:
            raw = self._text_cache[key]
        else:
            with torch.set_grad_enabled(torch.is_grad_enabled() and not cacheable):
                raw = self.model.encode_text(self.prompts(names))
            if cacheable:
                self._text_cache[key] = raw.detach()
        return prompt_ensembles(raw, len(names)), raw

    def teacher_category_embeddings(self, names: Sequence[str]) -> Tensor:
        """``[C, D]`` normalised prompt-ensemble embeddings of ``names`` by the frozen teacher's
        own text tower (cached: nothing of it trains)."""
        return prompt_ensembles(self.frozen_text("_region_teacher", self.prompts(names)), len(names))

    def region_embeddings(self, tubes: Tensor) -> Tensor:
        """``tubes [K, T, 3, H, W]`` -> the paradigm's normalised joint-space embeddings ``[K, D]``."""
        return F.normalize(self.model.encode_video(tubes).video, dim=-1)

    def region_logits(self, embeddings: Tensor, text: Tensor, logit_scale: Optional[Tensor] = None) -> Tensor:
        """Normalised region ``embeddings [K, D]`` -> logits ``[K, C]`` against normalised
        ``text [C, D]``, at CLIP's temperature (``logit_scale``, a log scale; default the
        model's)."""
        scale = self.model.logit_scale if logit_scale is None else logit_scale
        return scale.exp() * embeddings @ text.t().to(embeddings.dtype)

    # ------------------------------------------------------------------ training
    def _require_categories(self, purpose: str) -> None:
        if not self.categories:
            raise ValueError(f"tracking {purpose} needs categories (the category names and which are "
                             "novel; the CLI fills them from the datamodule's dataset_info)")

    def _tokens(self, features: VideoFeatures) -> Tensor:
        if features.tokens is None:
            raise ValueError(f"tracking reads VideoFeatures.tokens, but paradigm {self.model.paradigm!r} returned none")
        return features.tokens

    def category_index(self, tracks: dict, where: str) -> Tensor:
        """Index into ``categories`` of each ground-truth track ``[K]`` of one video."""
        if "category_ids" in tracks:
            table = {c: i for i, c in enumerate(self.category_ids)}
            ids = tracks["category_ids"].tolist()
            unknown = sorted({c for c in ids if c not in table})
            if unknown:
                raise ValueError(f"{where}: category ids {unknown} are not among the task's category_ids")
            return torch.tensor([table[c] for c in ids], dtype=torch.long)
        table = {c: i for i, c in enumerate(self.categories)}
        unknown = sorted({c for c in tracks["categories"] if c not in table})
        if unknown:
            raise ValueError(f"{where}: categories {unknown} are not among the task's categories")
        return torch.tensor([table[c] for c in tracks["categories"]], dtype=torch.long)

    def task_loss(self, batch: dict, features: VideoFeatures) -> TaskLoss:
        self._require_categories("training")
        video, tracks = batch["video"], batch.get("tracks")
        if tracks is None:
            raise ValueError("tracking needs batch['tracks'] (boxes, visible, track_ids, categories)")
        if video.dim() != 5:
            raise ValueError(f"tracking trains on single-view clips [B, T, 3, H, W], got {tuple(video.shape)}")
        b, t = video.shape[:2]
        size = tuple(video.shape[-2:])
        novel = {self.categories.index(c) for c in self.novel_categories}
        for i, item in enumerate(tracks):
            held_out = [self.categories[c] for c in self.category_index(item, f"video {i}").tolist() if c in novel]
            if held_out:
                raise ValueError(f"training video {batch['video_id'][i]!r} holds tracks of novel categories "
                                 f"{sorted(set(held_out))}; the open-vocabulary protocol trains on base "
                                 "categories only (use a training split without them)")
        detections = self.detector(self._tokens(features).flatten(0, 1))
        frame_boxes, frame_ids = [], []
        for item in tracks:
            for k in range(t):
                frame_boxes.append(item["boxes"][k][item["visible"][k]].to(video.device))
                frame_ids.append(item["track_ids"][item["visible"][k]].to(video.device))
        targets = normalised_targets(frame_boxes, frame_ids, size)
        loss, parts, matches = detection_loss(detections, targets, self.weights, self.aux_loss)
        frames = torch.cat([torch.full_like(q, f) for f, (q, _) in enumerate(matches)]).to(video.device)
        queries = torch.cat([q for q, _ in matches]).to(video.device)
        matched_ids = torch.cat([targets.ids[f][g.to(video.device)] for f, (_, g) in enumerate(matches)])
        association = association_loss(detections.embeddings[-1][frames, queries], matched_ids,
                                       frames % t, frames // t, self.association_temperature)
        text, raw = self.category_embeddings(self.base_categories)
        classification = self.region_loss(video, tracks, text)
        for name, value in {**parts, "association": association, "region_ce": classification}.items():
            self.log(f"train/{name}", value.detach(), batch_size=b)
        loss = loss + self.association_weight * association + self.class_weight * classification
        return TaskLoss(loss, self.prompts(self.base_categories), raw)

    def region_loss(self, video: Tensor, tracks: list[dict], text: Tensor) -> Tensor:
        """Cross-entropy over the base categories of up to ``region_batch`` random ground-truth
        tracks' masked tubes (0 when switched off, when no track is visible, or when the paradigm
        trains no parameter: then the loss could change nothing)."""
        candidates = [(b, k) for b, item in enumerate(tracks)
                      for k in range(len(item["track_ids"])) if item["visible"][:, k].any()]
        trains = any(p.requires_grad for p in self.model.parameters())
        if not candidates or self.region_batch == 0 or self.class_weight == 0 or not trains:
            return video.new_zeros((), dtype=torch.float32)
        chosen = [candidates[i] for i in torch.randperm(len(candidates))[:self.region_batch].tolist()]
        base = {c: i for i, c in enumerate(self.base_categories)}
        labels, tubes = [], []
        for b, k in chosen:
            item = tracks[b]
            labels.append(base[self.categories[int(self.category_index(item, f"video {b}")[k])]])
            boxes = fill_boxes(item["boxes"][:, k][None].nan_to_num(0), item["visible"][:, k][None])
            tubes.append(masked_tubes(video[b], boxes.to(video.device))[0])
        tubes = torch.stack(tubes)
        embeddings = self.region_embeddings(tubes)
        logits = self.region_logits(embeddings, text)
        loss = F.cross_entropy(logits.float(), torch.tensor(labels, device=logits.device))
        if self._region_teacher is not None:
            teacher = region_teacher_embeddings(self._region_teacher, tubes)
            distill = (embeddings.float() - teacher).abs().sum(dim=-1).mean()
            self.log("train/region_distill", distill.detach(), batch_size=len(tracks))
            loss = loss + self.region_distill_weight * distill
        return loss

    # ------------------------------------------------------------------ inference
    @torch.no_grad()
    def track(self, video: Tensor, vocabularies: Optional[Sequence[Sequence[str]]] = None) -> list[ClipTracks]:
        """Track every clip of ``video [B, T, 3, H, W]`` (or ``[B, V, T, ...]``: ``B * V`` clips,
        views adjacent) and name each track from its video's vocabulary (default: all
        ``categories``). Uses the module's current mode: call ``.eval()`` first."""
        features = self.encode_video(video)
        clips = video.flatten(0, 1) if video.dim() == 6 else video
        n, t = clips.shape[:2]
        size = tuple(clips.shape[-2:])
        if vocabularies is None:
            vocabularies = [self.categories] * features.num_videos
        if len(vocabularies) != features.num_videos:
            raise ValueError(f"{len(vocabularies)} vocabularies for {features.num_videos} videos")
        last = self.detector(self._tokens(features).flatten(0, 1)).last()
        boxes = pixel_boxes(last.boxes[0], size).unflatten(0, (n, t))
        scores = last.logits[0].float().sigmoid().unflatten(0, (n, t))
        embeddings = last.embeddings[0].unflatten(0, (n, t))
        results = [clip_tracks(track_clip(boxes[i], scores[i], embeddings[i], self.tracker),
                               boxes[i], scores[i]) for i in range(n)]
        self.classify_tracks(clips, results, [vocabularies[i // features.views] for i in range(n)])
        return results

    @torch.no_grad()
    def classify_tracks(self, clips: Tensor, results: list[ClipTracks],
                        vocabularies: Sequence[Sequence[str]]) -> None:
        """Name every track of ``results`` (one per clip of ``clips [n, T, 3, H, W]``) from its
        clip's vocabulary by its masked tube's embedding (``region_chunk`` tubes at a time)."""
        tubes, owners = [], []
        for i, result in enumerate(results):
            if result.num_tracks:
                tubes.append(masked_tubes(clips[i], fill_boxes(result.track_boxes, result.present).to(clips.device)))
                owners += [i] * result.num_tracks
        if not tubes:
            return
        tubes, owners = torch.cat(tubes), torch.tensor(owners)
        chunks = range(0, len(tubes), self.region_chunk)
        embedded = taught = None
        if self.region_naming != "teacher":
            embedded = torch.cat([self.region_embeddings(tubes[s:s + self.region_chunk]) for s in chunks])
        if self.region_naming != "trained":
            taught = torch.cat([region_teacher_embeddings(self._region_teacher, tubes[s:s + self.region_chunk])
                                for s in chunks])
        for i, result in enumerate(results):
            if result.num_tracks:
                names, mine = list(vocabularies[i]), owners == i
                probabilities = []
                if embedded is not None:
                    text = self.category_embeddings(names)[0]
                    probabilities.append(self.region_logits(embedded[mine], text).float().softmax(dim=-1))
                if taught is not None:
                    logits = self.region_logits(taught[mine], self.teacher_category_embeddings(names),
                                                self._region_teacher.logit_scale)
                    probabilities.append(logits.float().softmax(dim=-1))
                if len(probabilities) == 2:
                    base = torch.tensor([n in self.base_categories for n in names], device=taught.device)
                    probabilities = [vild_ensemble(*probabilities, base)]
                result.set_categories(probabilities[0])

    def forward(self, video: Tensor, categories: Optional[Sequence[str]] = None) -> list[ClipTracks]:
        """:meth:`track` with one vocabulary (default: ``categories``) for every video."""
        b = video.shape[0]
        return self.track(video, None if categories is None else [list(categories)] * b)

    # ------------------------------------------------------------------ evaluation
    def make_metrics(self) -> nn.ModuleDict:
        novel = [self.category_ids[self.categories.index(c)] for c in self.novel_categories]
        return nn.ModuleDict({"teta": TrackEveryThingAccuracy(novel_categories=novel),
                              "detection": FrameDetectionAP(iou_threshold=0.5)})

    def update_metrics(self, metrics: nn.ModuleDict, batch: dict, stage: str) -> None:
        self._require_categories("evaluation")
        video = batch["video"]
        views = video.shape[1] if video.dim() == 6 else 1
        results = self.track(video)
        preds, targets, ids, detections = [], [], [], []
        for i, result in enumerate(results):
            b, v = divmod(i, views)
            item = batch["tracks"][b]
            vid = batch["video_id"][b]
            boxes = item["boxes"][v] if views > 1 else item["boxes"]
            visible = item["visible"][v] if views > 1 else item["visible"]
            labels = torch.tensor(self.category_ids)[self.category_index(item, f"video {vid!r}")]
            targets.append(frames_from_tracks(boxes.nan_to_num(0), visible, item["track_ids"], labels))
            preds.append(metric_frames(result, self.category_ids))
            detections.extend(detection_frames(result))
            ids.append(vid if views == 1 else f"{vid}#{v}")
        metrics["teta"].update(preds, targets, video_ids=ids)
        metrics["detection"].update(detections, [f for g in targets for f in g])

    def compute_metrics(self, metrics: nn.ModuleDict) -> dict[str, Tensor]:
        """Every TETA part and the APs; a base or novel split without any category in the
        evaluated videos (NaN: nothing to score) is left out rather than logged as NaN."""
        if not metrics["teta"].records:
            return {}
        values = {**metrics["teta"].compute(), **metrics["detection"].compute()}
        return {k: v for k, v in values.items() if not (k.endswith(("_base", "_novel")) and v.isnan())}

    # ------------------------------------------------------------------ prediction contract
    def prediction_inputs(self, texts: Sequence[str], **options) -> dict:
        """The category list to detect: ``{"categories": [names]}`` for one video. Each text is
        a category name; a text holding commas is split at them (``"cat, dog"``)."""
        if options:
            raise ValueError(f"tracking takes no prediction options, got {sorted(options)}")
        if isinstance(texts, str):
            texts = [texts]
        names = [n.strip() for text in texts for n in str(text).split(",")]
        if not names or any(not n for n in names):
            raise ValueError(f"tracking needs a list of category names (e.g. 'star' 'ring' or "
                             f"'star, ring'), got {list(texts)!r}")
        if len(set(names)) != len(names):
            raise ValueError(f"category names repeat: {names}")
        return {"categories": [names]}

    def predict_batch(self, batch: dict) -> list[dict]:
        """One :func:`~zoo.tasks.layers.track_results.result_dict` per video (single-view clips;
        the batch's ``categories`` per video, else the task's)."""
        video = batch["video"]
        if video.dim() != 5:
            raise ValueError("tracking predicts on single-view clips [B, T, 3, H, W]; set the "
                             f"datamodule's test_clips / test_crops to 1 (got {tuple(video.shape)})")
        vocabularies = batch.get("categories") or [self.categories] * len(video)
        if not all(vocabularies):
            raise ValueError("tracking predicts the categories it is given: pass category names "
                             "(prediction_inputs(texts) -> batch['categories']) or build the task with categories")
        times = batch.get("frame_times")
        results = self.track(video, vocabularies)
        return [result_dict(result, list(vocabularies[i]), batch["video_id"][i],
                            None if times is None else times[i], tuple(video.shape[-2:]))
                for i, result in enumerate(results)]

    def truth_batch(self, batch: dict) -> list[dict]:
        """The annotation of each video in :meth:`predict_batch`'s form (for ``render``'s
        ``truth``)."""
        times = batch.get("frame_times")
        return [truth_dict(item, batch["video_id"][i], None if times is None else times[i],
                           tuple(batch["video"].shape[-2:])) for i, item in enumerate(batch["tracks"])]

    def render(self, frames, frame_times, result: dict, path, truth: Optional[dict] = None):
        """Draw ``result`` (and ``truth``) on ``frames`` uint8 ``[T, H, W, 3]``; writes ``path``
        (PNG: the frames tiled; GIF / MP4: animated) and returns it."""
        from zoo.tasks.layers.track_drawing import draw_tracks

        return draw_tracks(frames, frame_times, result, path, truth)
