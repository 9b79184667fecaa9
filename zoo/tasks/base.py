"""``VideoTask``: what every task LightningModule shares.

A task owns a ``VideoTextModel`` built by id (``paradigm``, ``backbone``, ``variant``, ...), so
its constructor arguments are plain JSON values: they are what LightningCLI configs set, what
``save_hyperparameters`` stores, and what an exported ``config.json`` records to rebuild the model
without Lightning. Tasks never import a specific paradigm.

Optimisation: AdamW with four parameter groups — parameters the paradigm added vs parameters that
came with the foundation model (``backbone_lr``), each split into decayed (matrices) and not
decayed (biases, norms, embeddings vectors) — and a per-step linear-warmup + cosine schedule.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar, Optional, Union

import lightning as L
import torch
from torch import nn

from zoo.interfaces import VideoFeatures, VideoTextModel


class VideoTask(L.LightningModule):
    """Base LightningModule of the seven tasks."""

    task: ClassVar[str] = ""

    def __init__(self, paradigm: str = "postnet", backbone: str = "tiny",
                 variant: Optional[str] = None, num_frames: int = 8,
                 backbone_pretrained: Union[bool, str] = True,
                 paradigm_args: Optional[dict[str, Any]] = None,
                 lr: float = 1e-3, backbone_lr: float = 1e-5, weight_decay: float = 0.05,
                 warmup_fraction: float = 0.1):
        super().__init__()
        from zoo.paradigms import create_video_text_model

        self.model: VideoTextModel = create_video_text_model(
            paradigm, backbone, variant=variant, num_frames=num_frames,
            backbone_pretrained=backbone_pretrained, **(paradigm_args or {}))
        self.lr = lr
        self.backbone_lr = backbone_lr
        self.weight_decay = weight_decay
        self.warmup_fraction = warmup_fraction

    # ------------------------------------------------------------------ shared helpers
    @property
    def preprocess(self) -> dict:
        """Preprocessing the data must follow (mean, std, size, num_frames)."""
        return self.model.preprocess

    def encode_video(self, video: torch.Tensor) -> tuple[VideoFeatures, int]:
        """Encode ``[B, T, 3, H, W]`` or multi-view ``[B, V, T, 3, H, W]`` video; returns the
        features of all ``B * V`` views (views of a video adjacent) and V."""
        if video.dim() == 6:
            views = video.shape[1]
            return self.model.encode_video(video.flatten(0, 1)), views
        if video.dim() != 5:
            raise ValueError(f"video must be [B, T, 3, H, W] or [B, V, T, 3, H, W], got {tuple(video.shape)}")
        return self.model.encode_video(video), 1

    def add_auxiliary_losses(self, loss: torch.Tensor, video: torch.Tensor, features: VideoFeatures,
                             texts=None, text_features=None, batch_size: int = 1) -> torch.Tensor:
        """The task's ``loss`` plus the paradigm's auxiliary training losses, each logged."""
        for name, value in self.model.auxiliary_losses(video, features, texts, text_features).items():
            self.log(f"train/{name}", value, batch_size=batch_size)
            loss = loss + value
        return loss

    def parameter_counts(self) -> dict[str, int]:
        params = list(self.parameters())
        return {"trainable": sum(p.numel() for p in params if p.requires_grad),
                "total": sum(p.numel() for p in params)}

    def _is_pretrained(self, name: str) -> bool:
        return name.startswith("model.") and self.model.is_pretrained_parameter(name[len("model."):])

    # ------------------------------------------------------------------ evaluation loop
    # A task creates ``self.val_metrics`` and ``self.test_metrics`` (one metric state per stage)
    # and implements ``evaluate_batch`` (update the metrics with a batch) and ``log_metrics``
    # (compute, log with the stage prefix, reset); the Lightning hooks are the same for all.
    def evaluate_batch(self, batch: dict, metrics: nn.Module, prefix: str) -> None:
        raise NotImplementedError

    def log_metrics(self, metrics: nn.Module, prefix: str) -> None:
        raise NotImplementedError

    def validation_step(self, batch: dict, batch_idx: int) -> None:
        self.evaluate_batch(batch, self.val_metrics, "val/")

    def on_validation_epoch_end(self) -> None:
        self.log_metrics(self.val_metrics, "val/")

    def test_step(self, batch: dict, batch_idx: int) -> None:
        self.evaluate_batch(batch, self.test_metrics, "test/")

    def on_test_epoch_end(self) -> None:
        self.log_metrics(self.test_metrics, "test/")

    # ------------------------------------------------------------------ optimisation
    def parameter_kind(self, name: str) -> str:
        """Which learning rate a trainable parameter gets: ``"pretrained"`` (came with the
        foundation model: ``backbone_lr``) or ``"added"`` (new: ``lr``). Tasks may add kinds."""
        return "pretrained" if self._is_pretrained(name) else "added"

    def learning_rates(self) -> dict[str, float]:
        """Learning rate of each parameter kind."""
        return {"pretrained": self.backbone_lr, "added": self.lr}

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
                           "weight_decay": self.weight_decay if decay else 0.0,
                           "name": f"{kind}_{'decay' if decay else 'no_decay'}"})
        if not result:
            raise RuntimeError(f"{type(self).__name__}: nothing to train — no parameter requires grad")
        return result

    def configure_optimizers(self):
        optimizer = torch.optim.AdamW(self.parameter_groups())
        total = max(int(self.trainer.estimated_stepping_batches), 1)
        warmup = int(total * self.warmup_fraction)

        def schedule(step: int) -> float:
            if step < warmup:
                return (step + 1) / (warmup + 1)
            progress = (step - warmup) / max(total - warmup, 1)
            return 0.5 * (1.0 + math.cos(math.pi * min(progress, 1.0)))

        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}

    # ------------------------------------------------------------------ config for export
    def task_config(self) -> dict:
        """The constructor arguments (JSON-able) that rebuild this task: ``type(task)(**config)``.
        LightningCLI's private entries (``_class_path``, ``_instantiator``) are left out."""
        return {k: v for k, v in self.hparams.items() if not k.startswith("_")}
