"""``VideoTask``: the LightningModule every task derives from; the training and evaluation steps
are written here, once.

A task is built from a :class:`~zoo.specs.ModelSpec` (which paradigm, backbone, variant, frames,
typed paradigm arguments) and an :class:`~zoo.specs.OptimSpec`, plus its own head arguments. In
its hyperparameters both specs are stored as plain dicts, so a checkpoint rebuilds with
``type(task)(**task.task_config())`` and unpickles with ``weights_only=True``.

A task supplies:

- its head, built in ``__init__`` after ``super().__init__(model, optim)``;
- ``task_loss(batch, features) -> TaskLoss`` (the loss, and the texts it encoded, if any, so the
  paradigm's auxiliary losses can use them);
- ``make_metrics()``, ``update_metrics(metrics, batch, stage)`` and ``compute_metrics(metrics)``
  (unprefixed names -> values); the base class creates one set per stage, logs them with the
  ``val/`` / ``test/`` prefix and resets them;
- ``predict_batch(batch)`` (readable results, one dict per item) and a ``forward`` that takes
  tensors (and, where the task needs them, texts);
- its facts as class attributes: ``task``, ``summary``, ``headline`` (the metric that sums it
  up), ``percent`` (whether metrics are logged as fractions and printed as %), ``decimals`` (how
  tables print them), ``columns`` (the metrics a results table shows, as ``(label, metric)``).

Optimisation: AdamW with parameter groups by kind — parameters the paradigm added (``lr``),
parameters that came with the foundation model (``backbone_lr``), the task's own head
(``head_lr`` when set, else ``lr``) — each split into decayed (matrices) and not decayed (biases,
norms, embedding vectors), and a per-step linear-warm-up + cosine schedule.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, ClassVar, Optional, Sequence, Union

import lightning as L
import torch
from torch import nn
from torchmetrics import Metric

from zoo.interfaces import VideoFeatures, VideoTextModel
from zoo.paradigms import model_spec
from zoo.specs import ModelSpec, OptimSpec

STAGES = ("val", "test")


@dataclass
class TaskLoss:
    """A task's training loss for one batch, and the texts it encoded with the model's text tower
    (``texts`` and their embeddings ``text_features [N, D]``) for the paradigm's auxiliary losses."""

    loss: torch.Tensor
    texts: Optional[Sequence[str]] = None
    text_features: Optional[torch.Tensor] = None


def reset_metrics(module: nn.Module) -> None:
    """Reset every torchmetrics ``Metric`` inside ``module``, without ``modules()`` /
    ``children()``: they hash each metric, which fails while one holds nested list states."""
    if isinstance(module, Metric):
        module.reset()
    for child in module._modules.values():  # children() hashes them too
        if child is not None:
            reset_metrics(child)


class VideoTask(L.LightningModule):
    """Base LightningModule of the seven tasks (see the module docstring)."""

    task: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    headline: ClassVar[str] = ""
    percent: ClassVar[bool] = True
    decimals: ClassVar[int] = 1
    columns: ClassVar[tuple[tuple[str, str], ...]] = ()

    def __init__(self, model: Union[ModelSpec, dict, str], optim: Union[OptimSpec, dict, None] = None):
        super().__init__()
        self.save_hyperparameters()
        self.model_spec = model_spec(model)
        self.optim = OptimSpec.coerce(optim)
        # plain dicts, never spec objects: checkpoints must unpickle with weights_only=True
        self.hparams["model"] = self.model_spec.to_config()
        self.hparams["optim"] = self.optim.to_dict()
        self.model: VideoTextModel = self.model_spec.build()
        self.stage_metrics = nn.ModuleDict()

    # ------------------------------------------------------------------ shared helpers
    @property
    def preprocess(self) -> dict:
        """Preprocessing the data must follow (mean, std, size, num_frames)."""
        return self.model.preprocess

    def encode_video(self, video: torch.Tensor) -> VideoFeatures:
        """Encode ``[B, T, 3, H, W]`` or multi-view ``[B, V, T, 3, H, W]`` video; the features of
        all ``B * V`` views, views of a video adjacent, with ``features.views = V``."""
        if video.dim() == 6:
            features = self.model.encode_video(video.flatten(0, 1))
            return dataclasses.replace(features, views=video.shape[1])
        if video.dim() != 5:
            raise ValueError(f"video must be [B, T, 3, H, W] or [B, V, T, 3, H, W], got {tuple(video.shape)}")
        return self.model.encode_video(video)

    def parameter_counts(self) -> dict[str, int]:
        params = list(self.parameters())
        return {"trainable": sum(p.numel() for p in params if p.requires_grad),
                "total": sum(p.numel() for p in params)}

    def task_config(self) -> dict:
        """The constructor arguments (JSON-able) that rebuild this task: ``type(task)(**config)``.
        LightningCLI's private entries (``_class_path``, ``_instantiator``) are left out."""
        return {k: v for k, v in self.hparams.items() if not k.startswith("_")}

    def head_config(self) -> dict:
        """The task's own constructor arguments (``task_config`` without the two specs)."""
        return {k: v for k, v in self.task_config().items() if k not in ("model", "optim")}

    # ------------------------------------------------------------------ what a task supplies
    def task_loss(self, batch: dict, features: VideoFeatures) -> TaskLoss:
        raise NotImplementedError

    def make_metrics(self) -> nn.Module:
        raise NotImplementedError

    def update_metrics(self, metrics: nn.Module, batch: dict, stage: str) -> None:
        raise NotImplementedError

    def compute_metrics(self, metrics: nn.Module) -> dict[str, torch.Tensor]:
        raise NotImplementedError

    def predict_batch(self, batch: dict) -> list[dict]:
        raise NotImplementedError

    # ------------------------------------------------------------------ the steps, once
    def training_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        features = self.encode_video(batch["video"])
        result = self.task_loss(batch, features)
        batch_size = features.num_videos
        self.log("train/task_loss", result.loss, batch_size=batch_size)
        loss = result.loss
        for name, value in self.model.auxiliary_losses(features, result.texts, result.text_features).items():
            self.log(f"train/{name}", value, batch_size=batch_size)
            loss = loss + value
        self.log("train/loss", loss, prog_bar=True, batch_size=batch_size)
        return loss

    def metrics_of(self, stage: str) -> nn.Module:
        """The metrics of ``stage`` (``val`` / ``test``), created on first use on this device."""
        if stage not in STAGES:
            raise ValueError(f"stage must be one of {STAGES}, got {stage!r}")
        if stage not in self.stage_metrics:
            self.stage_metrics[stage] = self.make_metrics().to(self.device)
        return self.stage_metrics[stage]

    def log_metrics(self, stage: str) -> dict[str, torch.Tensor]:
        """Compute, log (``{stage}/<name>``) and reset the metrics of ``stage``; returns them."""
        metrics = self.metrics_of(stage)
        values = {f"{stage}/{name}": value for name, value in self.compute_metrics(metrics).items()}
        if values:
            self.log_dict(values, prog_bar=stage == "val")
        reset_metrics(metrics)
        return values

    def validation_step(self, batch: dict, batch_idx: int) -> None:
        self.update_metrics(self.metrics_of("val"), batch, "val")

    def on_validation_epoch_end(self) -> None:
        self.log_metrics("val")

    def test_step(self, batch: dict, batch_idx: int) -> None:
        self.update_metrics(self.metrics_of("test"), batch, "test")

    def on_test_epoch_end(self) -> None:
        self.log_metrics("test")

    def predict_step(self, batch: dict, batch_idx: int) -> list[dict]:
        return self.predict_batch(batch)

    # ------------------------------------------------------------------ optimisation
    def parameter_kind(self, name: str) -> str:
        """Which learning rate a trainable parameter gets: ``pretrained`` (came with the
        foundation model: ``backbone_lr``), ``added`` (the paradigm's new modules: ``lr``) or
        ``head`` (the task's own modules: ``head_lr``, or ``lr`` when unset)."""
        if not name.startswith("model."):
            return "head" if self.optim.head_lr is not None else "added"
        return "pretrained" if self.model.is_pretrained_parameter(name[len("model."):]) else "added"

    def learning_rates(self) -> dict[str, float]:
        return {"pretrained": self.optim.backbone_lr, "added": self.optim.lr, "head": self.optim.head_lr}

    def parameter_groups(self) -> list[dict]:
        """AdamW groups by parameter kind × (decayed vs not); empty groups dropped."""
        groups: dict[tuple[str, bool], list[nn.Parameter]] = {}
        for name, param in self.named_parameters():
            if not param.requires_grad:
                continue
            decay = param.ndim >= 2 and "position" not in name and "embedding" not in name
            groups.setdefault((self.parameter_kind(name), decay), []).append(param)
        rates = self.learning_rates()
        result = []
        for (kind, decay), params in sorted(groups.items()):
            result.append({"params": params, "lr": rates[kind],
                           "weight_decay": self.optim.weight_decay if decay else 0.0,
                           "name": f"{kind}_{'decay' if decay else 'no_decay'}"})
        if not result:
            raise RuntimeError(f"{type(self).__name__}: nothing to train — no parameter requires grad")
        return result

    def configure_optimizers(self) -> dict[str, Any]:
        optimizer = torch.optim.AdamW(self.parameter_groups())
        total = max(int(self.trainer.estimated_stepping_batches), 1)
        warmup = int(total * self.optim.warmup_fraction)

        def schedule(step: int) -> float:
            if step < warmup:
                return (step + 1) / (warmup + 1)
            progress = (step - warmup) / max(total - warmup, 1)
            return 0.5 * (1.0 + math.cos(math.pi * min(progress, 1.0)))

        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}
