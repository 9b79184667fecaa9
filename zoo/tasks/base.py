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
- ``predict_batch(batch)`` (readable results, one JSON-able dict per item) and a ``forward``
  that takes tensors (and, where the task needs them, texts);
- ``prediction_inputs(texts, **options)``: the batch fields a user's texts become for one video
  (e.g. class names, texts to score, a question, a query); the base refuses texts. A
  ``ValueError`` says what the task needs when the texts do not fit;
- optionally ``render(frames, frame_times, result, path, truth=None) -> Path``: a picture of one
  prediction (see *Prediction* below);
- its facts as class attributes: ``task``, ``summary``, ``headline`` (the metric that sums it
  up), ``percent`` (whether metrics are logged as fractions and printed as %), ``decimals`` (how
  tables print them), ``columns`` (the metrics a results table shows, as ``(label, metric)``);
- ``uses_text(args)`` when it can do without the text tower for some head arguments (the
  default, True, keeps it).

Optimisation: AdamW with parameter groups by kind — parameters the paradigm added (``lr``),
parameters that came with the foundation model (``backbone_lr``), the task's own head
(``head_lr`` when set, else ``lr``) — each split into decayed (matrices) and not decayed (biases,
norms, embedding vectors), and a per-step linear-warm-up + cosine schedule; fused where it can
(``fused_optimizer``).

Prediction on one video, outside Lightning (``task.predict("clip.mp4", texts)``):
``prediction_batch`` decodes only the sampled frames of a file (``zoo.data.video.VideoReader``) or
takes decoded uint8 frames ``[N, H, W, 3]`` with their ``fps``, samples and transforms them with
the model's own preprocessing at test time -- the checkpoint's stored ``preprocessing`` block when
it was loaded from one, else the model's -- exactly as ``zoo.create_transforms(task, clips=...,
crops=...)`` does, and returns a one-item standard batch (``video``, ``video_id``, ``frame_times``,
``duration`` of the whole video, ``path`` -- the file, or None; ``valid`` for variable-length
sampling) through ``zoo.data.datasets.VideoDataset``.
``predict`` adds ``prediction_inputs(texts, **options)``, runs ``predict_batch`` in eval mode
without gradients, and returns its dict plus ``video`` (the path, or None for frames) and
``frame_times`` (seconds of every frame the model saw, in time order). ``display_frames(batch)``
gives the frames of view 0 as the model saw them (its input, de-normalised to uint8
``[T, h, w, 3]``): pictures drawn on them line up with boxes in pixels of the model input, zoo's
box convention. ``render`` receives those frames and their ``frame_times``.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Optional, Sequence, Union

import lightning as L
import numpy as np
import torch
from torch import nn
from torchmetrics import Metric

from zoo.data.cache.frames import CachedFrames
from zoo.data.datasets import VideoDataset, collate_batch
from zoo.data.records import VideoRecord
from zoo.data.sampling import preprocessing_sampler
from zoo.data.transforms import VideoTransform
from zoo.data.video import VideoFileSource
from zoo.interfaces import VideoFeatures, VideoTextModel
from zoo.ops.memory import memory_policy_for
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


class _FramesSource:
    """A ``FrameSource`` over decoded frames in memory: uint8 ``[N, H, W, 3]`` at ``fps``."""

    def __init__(self, frames: Union[np.ndarray, torch.Tensor], fps: Optional[float]):
        array = frames.detach().cpu().numpy() if isinstance(frames, torch.Tensor) else np.asarray(frames)
        if array.dtype != np.uint8 or array.ndim != 4 or array.shape[-1] != 3 or not len(array):
            raise ValueError(f"predict takes a video file or decoded uint8 RGB frames [N, H, W, 3], got "
                             f"{array.dtype} {tuple(array.shape)}; for a preprocessed float clip "
                             "call the model itself: model(video[None])")
        if fps is None or not fps > 0:
            raise ValueError(f"decoded frames need their frame rate: pass fps= (> 0), got {fps}")
        self.frames, self._fps = array, float(fps)

    @property
    def num_frames(self) -> int:
        return len(self.frames)

    @property
    def fps(self) -> float:
        return self._fps

    def get_frames(self, indices: Sequence[int]) -> np.ndarray:
        return self.frames[np.clip(np.asarray(list(indices), dtype=np.int64), 0, len(self.frames) - 1)]

    def __enter__(self) -> "_FramesSource":
        return self

    def __exit__(self, *exc) -> None:
        pass


class VideoTask(L.LightningModule):
    """Base LightningModule of the seven tasks (see the module docstring)."""

    task: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    headline: ClassVar[str] = ""
    percent: ClassVar[bool] = True
    decimals: ClassVar[int] = 1
    columns: ClassVar[tuple[tuple[str, str], ...]] = ()
    #: the headline is a proportion of scored test items (top-1 of clips, R@1 of captions ...):
    #: ``zoo bench``'s reading may judge one seed by its binomial error (:mod:`zoo.bench.readme`)
    headline_is_proportion: ClassVar[bool] = False
    #: the world recipe's data is the motion-defined action labelling itself (classes, captions or
    #: questions about the action), not grounding queries or tracks made from it
    action_labelled: ClassVar[bool] = False
    #: what decides the world recipe's data: ``"motion"`` (the actions), or ``"appearance"`` (a
    #: single frame does, e.g. tracks named by shape): the bench's motion claim is not judged there
    recipe_cue: ClassVar[str] = "motion"
    #: the recipe entries (dotted paths, e.g. ``model.init_args.tracker``) that only testing reads:
    #: decoding, post-processing, evaluation protocol. ``zoo bench`` records their values with
    #: every run (:mod:`zoo.bench.evaluation`), so a run tested under other values stands for no
    #: current result
    evaluation_settings: ClassVar[tuple[str, ...]] = ()
    #: the annotation keys of the standard batch this task reads beyond ``video``, ``video_id``,
    #: ``frame_times`` and ``valid`` (``None``: all); the CLI's datamodule produces only these
    batch_keys: ClassVar[Optional[tuple[str, ...]]] = None

    def __init__(self, model: Union[ModelSpec, dict, str], optim: Union[OptimSpec, dict, None] = None):
        super().__init__()
        self.save_hyperparameters()
        self.model_spec = model_spec(model)
        self.optim = OptimSpec.coerce(optim)
        # plain dicts, never spec objects: checkpoints must unpickle with weights_only=True
        self.hparams["model"] = self.model_spec.to_config()
        self.hparams["optim"] = self.optim.to_dict()
        head_args = {k: v for k, v in self.hparams.items() if k not in ("model", "optim") and not k.startswith("_")}
        self.model: VideoTextModel = self.model_spec.build(task_uses_text=self.uses_text(head_args))
        self.stage_metrics = nn.ModuleDict()

    def setup(self, stage: str) -> None:
        """Lightning's start of fit / validate / test / predict: large backbones get the
        allocator setting that lets freed activations leave the process (``zoo.ops.memory``)."""
        memory_policy_for(self.model.backbone.width)

    @classmethod
    def uses_text(cls, args: dict) -> bool:
        """Whether the task built with head arguments ``args`` (``head_config()``) encodes text
        at training or test time; when neither it nor the paradigm does, the model is built
        without the backbone's text tower (``ModelSpec.text_tower``). True unless a task says
        otherwise (closed-set recognition)."""
        return True

    # ------------------------------------------------------------------ shared helpers
    @property
    def preprocess(self) -> dict:
        """Preprocessing the data must follow (mean, std, size, num_frames)."""
        return self.model.preprocess

    def encode_video(self, video: torch.Tensor) -> VideoFeatures:
        """Encode ``[B, T, 3, H, W]`` or multi-view ``[B, V, T, 3, H, W]`` video; the features of
        all ``B * V`` views, views of a video adjacent, with ``features.views = V``. A batch of
        cached frozen features (``CachedFrames``, from a datamodule's ``feature_cache``) goes to
        the paradigm's ``encode_frozen`` instead."""
        if isinstance(video, CachedFrames):
            return video.encode(self.model)
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

    # ------------------------------------------------------------------ prediction (one video)
    def prediction_inputs(self, texts: Sequence[str], **options: Any) -> dict:
        """The batch fields (one item) the user's ``texts`` and ``options`` become; this task
        takes neither."""
        if texts:
            raise ValueError(f"{self.task} takes no texts, got {len(texts)}: {list(texts)[:3]!r}")
        if options:
            raise ValueError(f"{self.task} takes no prediction options, got {sorted(options)}")
        return {}

    def prediction_preprocessing(self) -> dict:
        """The preprocessing predictions follow: the checkpoint's stored block when the task was
        loaded from one (``pretrained_config``), else the model's own (``preprocess``)."""
        config = getattr(self, "pretrained_config", None)
        return dict(config["preprocessing"]) if config else dict(self.preprocess)

    def prediction_batch(self, video: Union[str, Path, np.ndarray, torch.Tensor], *, clips: int = 1,
                         crops: int = 1, fps: Optional[float] = None) -> dict:
        """A one-item standard batch of ``video``: a video file, or decoded uint8 RGB frames
        ``[N, H, W, 3]`` (numpy or torch) at ``fps`` frames per second. Sampled and transformed
        for testing with ``clips`` temporal × ``crops`` spatial views (see the module doc)."""
        preprocess = self.prediction_preprocessing()
        sampler = preprocessing_sampler(preprocess, clips=clips)
        transform = VideoTransform(preprocess, train=False, crops=crops)
        if isinstance(video, (str, Path)):
            path = Path(video)
            if not path.is_file():
                raise FileNotFoundError(f"{video}: no such video file" if not path.exists()
                                        else f"{video} is not a file")
            if fps is not None:
                raise ValueError("fps= is for decoded frames; a video file has its own frame rate")
            record, source = VideoRecord(video_id=path.stem, path=str(path)), VideoFileSource()
        else:
            frames = _FramesSource(video, fps)
            record, source = VideoRecord(video_id="frames"), (lambda _: frames)
        dataset = VideoDataset([record], source, sampler, transform, train=False)
        batch = collate_batch([dataset[0]])
        with source(record) as opened:
            batch["duration"] = torch.tensor([opened.num_frames / opened.fps], dtype=torch.float32)
        batch["path"] = [str(video) if record.path else None]
        return batch

    def display_frames(self, batch: dict) -> np.ndarray:
        """uint8 ``[T, h, w, 3]``: view 0 of the first video of ``batch`` as the model saw it (its
        input with the normalisation undone), without padding frames."""
        video = batch["video"][0]
        video = video[0] if video.dim() == 5 else video
        if "valid" in batch:
            valid = batch["valid"][0]
            video = video[valid[0] if valid.dim() == 2 else valid]
        preprocess = self.prediction_preprocessing()
        mean = torch.tensor(preprocess["mean"], dtype=torch.float32).view(1, 3, 1, 1)
        std = torch.tensor(preprocess["std"], dtype=torch.float32).view(1, 3, 1, 1)
        pixels = (video.detach().float().cpu() * std + mean) * 255.0
        return pixels.round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).numpy()

    @staticmethod
    def display_times(batch: dict) -> list[float]:
        """Seconds of the frames ``display_frames`` returns."""
        times = batch["frame_times"][0]
        valid = batch["valid"][0] if "valid" in batch else torch.ones_like(times, dtype=torch.bool)
        if times.dim() == 2:
            times, valid = times[0], valid[0]
        return [round(float(t), 4) for t in times[valid]]

    @torch.no_grad()
    def predict_from_batch(self, batch: dict, texts: Union[str, Sequence[str]] = (),
                           **options: Any) -> dict:
        """``predict`` of a batch from ``prediction_batch``."""
        texts = [texts] if isinstance(texts, str) else list(texts)
        bad = [t for t in texts if not isinstance(t, str)]
        if bad:
            raise TypeError(f"texts must be strings, got {bad[:3]!r}")
        batch = {**batch, **self.prediction_inputs(texts, **options)}
        was_training = self.training
        self.eval()
        try:
            result = self.predict_batch(batch)[0]
        finally:
            self.train(was_training)
        times = batch["frame_times"][0]
        valid = batch["valid"][0] if "valid" in batch else torch.ones_like(times, dtype=torch.bool)
        seen = sorted({round(float(t), 4) for t in times[valid].reshape(-1).tolist()})
        return {"video": batch["path"][0] if "path" in batch else None, **result, "frame_times": seen}

    def predict(self, video: Union[str, Path, np.ndarray, torch.Tensor],
                texts: Union[str, Sequence[str]] = (), *, clips: int = 1, crops: int = 1,
                fps: Optional[float] = None, **options: Any) -> dict:
        """The task's readable prediction for one video (a file, or uint8 frames ``[N, H, W, 3]``
        with ``fps``), given ``texts`` and task ``options`` (``prediction_inputs``): a JSON-able
        dict -- ``predict_batch``'s, plus ``video`` and ``frame_times`` (module doc)."""
        batch = self.prediction_batch(video, clips=clips, crops=crops, fps=fps)
        return self.predict_from_batch(batch, texts, **options)

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

    def fused_optimizer(self, groups: list[dict]) -> bool:
        """Whether AdamW runs fused (one kernel over all parameters; the same update up to
        rounding): 3-4x faster steps on CPU, which is most of an epoch for heads trained from the
        feature cache. Not with gradient clipping, which Lightning's mixed precision refuses for
        optimizers that unscale gradients themselves, nor for parameters it has no kernel for."""
        clipping = self._trainer is not None and bool(self.trainer.gradient_clip_val)
        return not clipping and all(p.is_floating_point() and p.device.type in ("cpu", "cuda")
                                    for group in groups for p in group["params"])

    def configure_optimizers(self) -> dict[str, Any]:
        groups = self.parameter_groups()
        optimizer = torch.optim.AdamW(groups, fused=self.fused_optimizer(groups))
        total = max(int(self.trainer.estimated_stepping_batches), 1)
        warmup = int(total * self.optim.warmup_fraction)

        def schedule(step: int) -> float:
            if step < warmup:
                return (step + 1) / (warmup + 1)
            progress = (step - warmup) / max(total - warmup, 1)
            return 0.5 * (1.0 + math.cos(math.pi * min(progress, 1.0)))

        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}
