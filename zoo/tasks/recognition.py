"""Action recognition: a closed-set linear head, or a text classifier built from class names.

Heads
- ``linear``: ``Linear(F, num_classes)`` on ``VideoFeatures.pooled`` (the official AIM / ST-Adapter
  / EVL heads read the pre-projection feature, so their parameter counts match).
- ``text``: cosine similarity between the video embedding and the text embeddings of
  ``prompt_template.format(class_name)``, times CLIP's ``logit_scale.exp()``. It classifies any
  class that can be named, so it also gives zero-shot recognition of classes never trained on.

Evaluation (validation and test): softmax probabilities averaged over the views the datamodule's
sampler produces (clips × crops; DESIGN §3's ``[B, V, T, 3, H, W]`` video), then torchmetrics
top-1, top-5 and mean-class accuracy. ``class_groups`` adds top-1 over the clips of each named
group of classes (e.g. the order-dependent actions). ``novel_classes`` switches on the
base-to-novel protocol (ViFi-CLIP): training sees base classes only; ``base_top1`` ranks base
clips among base classes, ``novel_top1`` novel clips among novel classes, ``hm`` is their
harmonic mean 2BN/(B+N).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Sequence, Union

import torch
import torch.nn.functional as F
from torch import nn
from torchmetrics import MetricCollection
from torchmetrics.classification import MulticlassAccuracy

from zoo.interfaces import VideoFeatures
from zoo.registry import TASKS
from zoo.specs import ModelSpec, OptimSpec
from zoo.tasks.base import TaskLoss, VideoTask

HEADS = ("linear", "text")


def read_class_names(class_names: Union[list[str], str, None]) -> Optional[list[str]]:
    """Class names as a list, or read from a label-map file (one name per line)."""
    if class_names is None or isinstance(class_names, list):
        return class_names
    path = Path(class_names)
    if not path.is_file():
        raise FileNotFoundError(f"class_names: {path} is not a file (give a list of names or a "
                                "label-map file with one class name per line)")
    names = [line.strip() for line in path.read_text().splitlines()]
    if any(not n for n in names):
        raise ValueError(f"class_names: {path} has an empty line {names.index('') + 1}")
    return names


def _accuracies(num_classes: int) -> MetricCollection:
    return MetricCollection({
        "top1": MulticlassAccuracy(num_classes, top_k=1, average="micro"),
        "top5": MulticlassAccuracy(num_classes, top_k=min(5, num_classes), average="micro"),
        "mean_class": MulticlassAccuracy(num_classes, top_k=1, average="macro"),
    })


@TASKS.register
class RecognitionTask(VideoTask):
    """Closed-set or zero-shot action recognition over any paradigm."""

    task = "recognition"
    batch_keys = ("label", "labels")
    summary = "action recognition: closed-set head or text classifier (zero-shot)"
    headline = "top1"
    headline_is_proportion = True
    action_labelled = True
    columns = (("top-1", "top1"), ("top-5", "top5"), ("mean-class", "mean_class"))

    def __init__(self, model: ModelSpec, optim: Optional[OptimSpec] = None,
                 class_names: Union[list[str], str, None] = None,
                 num_classes: Optional[int] = None, head: str = "linear",
                 prompt_template: str = "a video of {}.",
                 novel_classes: Optional[list[str]] = None,
                 class_groups: Optional[dict[str, list[str]]] = None,
                 head_dropout: float = 0.0, label_smoothing: float = 0.0):
        super().__init__(model, optim)
        names = read_class_names(class_names)
        if names is None and num_classes is None:
            raise ValueError("recognition needs class_names (or at least num_classes); the CLI "
                             "fills class_names from the datamodule")
        if names is not None and num_classes is not None and len(names) != num_classes:
            raise ValueError(f"num_classes={num_classes} but {len(names)} class_names were given")
        if head not in HEADS:
            raise ValueError(f"head must be one of {HEADS}, got {head!r}")
        if head == "text" and names is None:
            raise ValueError("the text head classifies by name: give class_names")
        self.class_names = names
        self.num_classes = len(names) if names is not None else int(num_classes)
        self.head_type = head
        self.prompt_template = prompt_template
        self.label_smoothing = label_smoothing
        if head == "linear":
            self.head = nn.Sequential(nn.Dropout(head_dropout),
                                      nn.Linear(self.model.feature_dim, self.num_classes))
        else:
            self.head = None
        self._text_cache: Optional[torch.Tensor] = None

        novel = list(novel_classes or [])
        unknown = [n for n in novel + [c for g in (class_groups or {}).values() for c in g]
                   if names is None or n not in names]
        if unknown:
            raise ValueError(f"novel_classes / class_groups name classes not in class_names: {unknown}")
        self.register_buffer("novel_mask", torch.tensor(
            [n in novel for n in names] if names else [False] * self.num_classes), persistent=False)
        self.class_groups = {g: [names.index(c) for c in cs] for g, cs in (class_groups or {}).items()}

    @classmethod
    def uses_text(cls, args: dict) -> bool:
        """Only the text head encodes text: a closed-set linear head needs no text tower (build
        with ``text_tower=True`` to classify zero-shot as well)."""
        return args.get("head", "linear") == "text"

    def task_config(self) -> dict:
        """Class names as a list: a label-map path would not travel with an exported checkpoint."""
        return {**super().task_config(), "class_names": self.class_names}

    # ------------------------------------------------------------------ metrics
    def make_metrics(self) -> nn.ModuleDict:
        metrics = {"all": _accuracies(self.num_classes)}
        for group in self.class_groups:
            metrics[f"group_{group}"] = MulticlassAccuracy(self.num_classes, average="micro")
        if self.novel_mask.any():
            metrics["base"] = MulticlassAccuracy(self.num_classes, average="micro")
            metrics["novel"] = MulticlassAccuracy(self.num_classes, average="micro")
        return nn.ModuleDict(metrics)

    # ------------------------------------------------------------------ forward
    def class_text_embeddings(self, names: Optional[list[str]] = None) -> torch.Tensor:
        """``[K, D]`` normalised text embeddings of the class prompts (cached while the text
        side is frozen and the default names are used)."""
        if names is not None:
            return F.normalize(self.model.encode_text([self.prompt_template.format(n) for n in names]), dim=-1)
        cacheable = not self.model.text_is_trainable
        if cacheable and self._text_cache is not None and self._text_cache.device == self.device:
            return self._text_cache
        with torch.set_grad_enabled(torch.is_grad_enabled() and not cacheable):
            embeddings = F.normalize(self.model.encode_text(
                [self.prompt_template.format(n) for n in self.class_names]), dim=-1)
        if cacheable:
            self._text_cache = embeddings.detach()
        return embeddings

    def features_to_logits(self, features, class_names: Optional[list[str]] = None):
        """``VideoFeatures`` -> (logits ``[B, K]``, the class text embeddings used or None)."""
        if self.head is not None and class_names is None:
            return self.head(features.pooled), None
        text = self.class_text_embeddings(class_names)
        video_embedding = F.normalize(features.video, dim=-1)
        return self.model.logit_scale.exp() * video_embedding @ text.t(), text

    def probabilities(self, features: VideoFeatures) -> torch.Tensor:
        """Class probabilities ``[B, K]``, averaged over each video's views."""
        return features.view_mean(self.features_to_logits(features)[0].softmax(dim=-1))

    def forward(self, video: torch.Tensor) -> torch.Tensor:
        """Class probabilities ``[B, K]`` of ``[B, T, 3, H, W]`` (or multi-view ``[B, V, ...]``)
        video, averaged over views."""
        return self.probabilities(self.encode_video(video))

    # ------------------------------------------------------------------ steps
    def task_loss(self, batch: dict, features: VideoFeatures) -> TaskLoss:
        labels = batch["label"]
        if (labels < 0).any():
            raise ValueError(f"training batch has unlabelled videos: {batch['video_id']}")
        logits, text = self.features_to_logits(features)
        if self.novel_mask.any():
            if self.novel_mask[labels].any():
                raise ValueError("a training batch contains novel classes; the base-to-novel "
                                 "protocol trains on base classes only (use a base-only split)")
            logits = logits.masked_fill(self.novel_mask, float("-inf"))
        loss = F.cross_entropy(logits, labels, label_smoothing=self.label_smoothing)
        texts = [self.prompt_template.format(n) for n in self.class_names] if self.class_names else None
        return TaskLoss(loss, texts, text)

    def update_metrics(self, metrics: nn.ModuleDict, batch: dict, stage: str) -> None:
        labels = batch["label"]
        probs = self(batch["video"])
        metrics["all"].update(probs, labels)
        for group, members in self.class_groups.items():
            keep = torch.isin(labels, torch.tensor(members, device=labels.device))
            if keep.any():
                metrics[f"group_{group}"].update(probs[keep], labels[keep])
        if "base" in metrics:
            novel = self.novel_mask[labels]
            for name, subset, column_mask in (("base", ~novel, self.novel_mask), ("novel", novel, ~self.novel_mask)):
                if subset.any():
                    restricted = probs[subset].masked_fill(column_mask, -1.0)
                    metrics[name].update(restricted, labels[subset])

    def compute_metrics(self, metrics: nn.ModuleDict) -> dict[str, torch.Tensor]:
        if metrics["all"]["top1"].update_count == 0:
            return {}
        values = dict(metrics["all"].compute())
        for name, metric in metrics.items():
            if name == "all" or metric.update_count == 0:
                continue
            values[f"{name.removeprefix('group_')}_top1"] = metric.compute()
        if "base_top1" in values and "novel_top1" in values:
            b, n = values["base_top1"], values["novel_top1"]
            values["hm"] = 2 * b * n / (b + n) if (b + n) > 0 else torch.zeros_like(b)
        return values

    # ------------------------------------------------------------------ prediction
    def prediction_inputs(self, texts: Sequence[str], **options) -> dict:
        """No texts: the model's own classes. Texts: class names to choose among instead (at
        least two, each once), classified through the text tower -- zero-shot."""
        if options:
            raise ValueError(f"recognition takes no prediction options, got {sorted(options)}")
        names = [" ".join(t.split()) for t in texts]
        if not names:
            return {}
        if not self.model.has_text_tower:
            raise ValueError("this recognition model was built without its text tower (a closed-set "
                             "head needs none), so it cannot classify among given names: build or "
                             "load it with text_tower=True for zero-shot classification")
        if len(names) < 2 or any(not n for n in names) or len(set(names)) != len(names):
            raise ValueError(f"recognition chooses among class names: give at least two different, "
                             f"non-empty names (or none, for the model's own {self.num_classes} "
                             f"classes), got {list(texts)!r}")
        return {"class_names": [names]}

    def predict_batch(self, batch: dict) -> list[dict]:
        """One dict per video: ``video_id`` and ``top``, its ``min(5, K)`` most probable classes
        best first (ties in the classes' order) as ``{"class", "probability"}`` (views averaged). With ``batch["class_names"]``
        (one list per video) each video is classified among its own names through the text
        tower (zero-shot; the result says ``"zero_shot": true``), else by the model's head."""
        features = self.encode_video(batch["video"])
        given = batch.get("class_names")
        if given is None:
            own = self.class_names or [str(i) for i in range(self.num_classes)]
            probs, names = list(self.probabilities(features)), [own] * features.num_videos
        else:
            if len(given) != features.num_videos:
                raise ValueError(f"batch['class_names'] has {len(given)} lists for "
                                 f"{features.num_videos} videos")
            video = F.normalize(features.video, dim=-1)
            probs, names = [], [list(n) for n in given]
            for b, item_names in enumerate(names):
                logits = self.model.logit_scale.exp() * video[b * features.views:(b + 1) * features.views] \
                    @ self.class_text_embeddings(item_names).t()
                probs.append(logits.softmax(dim=-1).mean(dim=0))
        out = []
        for vid, p, item_names in zip(batch["video_id"], probs, names):
            order = p.argsort(descending=True, stable=True)[:5].tolist()  # ties: listed order
            item = {"video_id": vid, "top": [{"class": item_names[i], "probability": round(float(p[i]), 4)}
                                             for i in order]}
            if given is not None:
                item["zero_shot"] = True
            out.append(item)
        return out
