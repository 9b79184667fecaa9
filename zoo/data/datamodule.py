"""``ZooDataModule``: the LightningDataModule every dataset (synthetic or real) derives from.

A subclass says which records each split has (``records``) and how to read a record's frames
(``source``); this base class turns them into map-style datasets with the clip samplers and the
spatial transforms, and batches that follow the standard batch (``zoo/data/records.py``).

Preprocessing is never restated here: ``connect(preprocess)`` hands over the model's own
(mean, std, size, num_frames) — the CLI does it, and so must Python users
(``dm.connect(task.preprocess)``) — so transforms always match the weights.
``dataset_info()`` returns what a task needs to know about the data (class names, ...); the CLI
passes it to the task's constructor where the config leaves it unset.

``feature_cache`` (a :class:`~zoo.data.cache.FeatureCacheSpec`) serves frozen-feature paradigms
from a cache of the frozen backbone's per-frame features instead of pixels (``zoo.data.cache``):
``prepare_data`` builds what is missing (the frozen tower runs once over each split), ``setup``
opens it, and the batches' ``video`` becomes a ``CachedFrames``. The model comes from the
Trainer; outside one, call ``datamodule.bind_model(task)``.

Several processes (DDP, ``--trainer.devices N`` / ``--trainer.num_nodes M``): every process walks
the same seeded ``(epoch, index)`` order and takes every W-th item of it
(:class:`DistributedEpochSampler`), so the processes' batches together are exactly the batches
of one process with W times the batch size. Training gives each process the same number of
items (the last ``len % W`` of the epoch's order are dropped); evaluation gives each item to
exactly one process (no padding duplicates), and the metrics gather their states.
"""

from __future__ import annotations

from typing import Any, Callable, ClassVar, Optional, Sequence, Union

import lightning as L
from torch.utils.data import DataLoader, DistributedSampler

from zoo.data.cache.spec import FeatureCacheSpec
from zoo.data.datasets import EpochSampler, VideoDataset, collate_batch
from zoo.data.records import VideoRecord
from zoo.data.sampling import make_sampler
from zoo.data.transforms import VideoTransform

SPLITS = ("train", "val", "test")
EVAL_QA_MODES = ("first", "expand")


class DistributedEpochSampler(DistributedSampler):
    """:class:`EpochSampler`'s ``(epoch, index)`` order shared by ``num_replicas`` processes:
    process ``rank`` takes positions ``rank, rank + W, ...`` (module docstring). ``even``
    (training) drops the order's last ``len % W`` items so every process has as many; without it
    (evaluation) each item goes to exactly one process. A ``DistributedSampler``, so Lightning
    keeps it (instead of wrapping it) and calls ``set_epoch`` on it every epoch."""

    def __init__(self, num_items: int, num_replicas: int, rank: int, shuffle: bool, seed: int = 0,
                 even: bool = True):
        if not 0 <= rank < num_replicas:
            raise ValueError(f"rank {rank} is not in [0, {num_replicas})")
        self.order = EpochSampler(num_items, shuffle=shuffle, seed=seed)
        self.num_replicas, self.rank, self.shuffle, self.seed = num_replicas, rank, shuffle, seed
        self.drop_last, self.epoch = even, 0
        usable = num_items - num_items % num_replicas if even else num_items
        self.num_samples = len(range(rank, usable, num_replicas))
        self.total_size = usable

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)
        self.order.set_epoch(epoch)

    def __iter__(self):
        return iter(list(self.order)[self.rank:self.total_size:self.num_replicas])

    def __len__(self) -> int:
        return self.num_samples


class ZooDataModule(L.LightningDataModule):
    """Base datamodule: records per split + a frame source -> standard batches.

    Args:
        batch_size: clips per training batch (evaluation uses the same).
        num_workers: DataLoader worker processes.
        sampling: clip sampler name (``uniform`` TSN segments, ``dense``, or ``clip_length``: one
            frame per ``clip_length`` seconds, up to ``num_frames`` -- videos then differ in
            length and batches carry ``valid``).
        frame_stride: stride of the ``dense`` sampler.
        clip_length: seconds per frame of the ``clip_length`` sampler (e.g. 2 for QVHighlights'
            saliency clips); ``None`` leaves it to the subclass (``default_clip_length``).
        train_flip: random horizontal flips in training (boxes follow). Off by default: a flip
            turns "moves left" into "moves right", which only tasks without directional labels
            or text (e.g. tracking) can afford.
        test_clips / test_crops: the multi-view test protocol (temporal clips × spatial crops);
            validation uses one centre view.
        num_frames: frames per clip; ``None`` takes the model's (set by ``connect``).
        on_error: ``raise`` on an unreadable video, or ``skip`` it and count it.
        seed: seed of the training-time randomness (frame offsets, crops).
        eval_qa: how validation / test items pick their question (``VideoDataset``'s ``qa``):
            ``"first"`` (one item per record, its first question) or ``"expand"`` (one item per
            question, for QA evaluation of records that hold several questions). Training
            always draws one question per item at random.
        feature_cache: train and evaluate frozen-feature paradigms from a cache of the frozen
            backbone's features (a ``FeatureCacheSpec``, a dict of its fields, or its root folder;
            module docstring).
    """

    #: Attributes that never change the pixels of a video, left out of the feature cache's key
    #: (every other public attribute is in it; subclasses extend this).
    cache_ignores: ClassVar[tuple[str, ...]] = (
        "trainer", "batch_size", "num_workers", "sampling", "frame_stride", "test_clips", "test_crops",
        "num_frames", "on_error", "seed", "eval_qa", "clip_length", "train_flip", "preprocess",
        "datasets", "feature_cache", "prepare_data_per_node",
        "allow_zero_length_dataloader_with_multiple_devices")

    def __init__(self, batch_size: int = 16, num_workers: int = 0, sampling: str = "uniform",
                 frame_stride: int = 1, test_clips: int = 1, test_crops: int = 1,
                 num_frames: Optional[int] = None, on_error: str = "raise", seed: int = 0,
                 eval_qa: str = "first", clip_length: Optional[float] = None,
                 train_flip: bool = False,
                 feature_cache: Union[FeatureCacheSpec, dict, str, None] = None):
        super().__init__()
        if eval_qa not in EVAL_QA_MODES:
            raise ValueError(f"eval_qa must be one of {EVAL_QA_MODES}, got {eval_qa!r}")
        self.batch_size = batch_size
        self.num_workers = num_workers
        self.sampling = sampling
        self.frame_stride = frame_stride
        self.test_clips = test_clips
        self.test_crops = test_crops
        self.num_frames = num_frames
        self.on_error = on_error
        self.seed = seed
        self.eval_qa = eval_qa
        self.clip_length = clip_length
        self.train_flip = train_flip
        self.preprocess: Optional[dict] = None
        self.batch_keys: Optional[tuple[str, ...]] = None
        self.datasets: dict[str, VideoDataset] = {}
        self.feature_cache = FeatureCacheSpec.coerce(feature_cache)
        if self.feature_cache is not None and train_flip:
            raise ValueError("train_flip flips pixels at random, which a frozen-feature cache cannot "
                             "replay: use feature_cache or train_flip, not both")
        self._cache_model = None

    # ------------------------------------------------------------------ subclass interface
    def records(self, split: str) -> list[VideoRecord]:
        """The records of ``split`` (``train`` / ``val`` / ``test``)."""
        raise NotImplementedError

    def source(self, split: str) -> Callable[[VideoRecord], Any]:
        """A function giving a record's ``FrameSource`` (a video file reader, a rendered clip)."""
        raise NotImplementedError

    def dataset_info(self) -> dict[str, Any]:
        """Constructor arguments of tasks that depend on the data (e.g. ``class_names``)."""
        return {}

    def default_clip_length(self) -> Optional[float]:
        """The ``clip_length`` sampler's seconds per frame when ``clip_length`` is unset (the
        data's saliency clip length, for subclasses that know it)."""
        return None

    # ------------------------------------------------------------------ wiring
    def connect(self, preprocess: dict, batch_keys: Optional[Sequence[str]] = None) -> "ZooDataModule":
        """Adopt the model's preprocessing (mean, std, size, interpolation, num_frames) and, when
        given, the annotation keys its task reads (``VideoTask.batch_keys``): the datasets then
        produce only those (``VideoDataset(keys=...)``), skipping the others' per-item work."""
        model_frames = preprocess.get("num_frames")
        if self.num_frames is not None and model_frames is not None and self.num_frames != model_frames:
            raise ValueError(f"the datamodule samples num_frames={self.num_frames} but the model was "
                             f"built for {model_frames}; set one of them to match")
        self.preprocess = dict(preprocess)
        self.batch_keys = None if batch_keys is None else tuple(batch_keys)
        if self.num_frames is None:
            self.num_frames = model_frames
        return self

    def _require_connected(self) -> dict:
        if self.preprocess is None or self.num_frames is None:
            raise RuntimeError(f"{type(self).__name__} has no preprocessing: call "
                               "datamodule.connect(task.preprocess) before using it (the zoo CLI "
                               "does this for you)")
        return self.preprocess

    def make_dataset(self, split: str) -> VideoDataset:
        preprocess = self._require_connected()
        train = split == "train"
        clips = self.test_clips if split == "test" else 1
        crops = self.test_crops if split == "test" else 1
        kwargs = {"stride": self.frame_stride} if self.sampling == "dense" else {}
        if self.sampling == "clip_length":
            length = self.clip_length if self.clip_length is not None else self.default_clip_length()
            if length is None:
                raise ValueError("sampling='clip_length' needs clip_length (seconds per frame)")
            kwargs = {"clip_length": length}
        sampler = make_sampler(self.sampling, num_frames=self.num_frames, clips=clips, train=train, **kwargs)
        random_crop = train and (self.feature_cache is None or self.feature_cache.train_crop == "random")
        transform = VideoTransform(preprocess, train=random_crop, crops=crops,
                                   flip=train and self.train_flip)
        dataset = VideoDataset(self.records(split), self.source(split), sampler, transform,
                               train=train, seed=self.seed, on_error=self.on_error,
                               qa=None if train else self.eval_qa, keys=self.batch_keys)
        if self.feature_cache is None:
            return dataset
        from zoo.data.cache.attach import cached_dataset

        return cached_dataset(self, split, dataset, self._frozen_model(), self._precision())

    # ------------------------------------------------------------------ feature cache
    def bind_model(self, model) -> "ZooDataModule":
        """The model whose frozen features ``feature_cache`` stores (a task or a
        ``VideoTextModel``), for use outside a Trainer (which provides its own)."""
        self._cache_model = model
        return self

    def _frozen_model(self):
        model = self._cache_model
        if model is None and self.trainer is not None:
            model = self.trainer.lightning_module
        if model is None:
            raise RuntimeError(f"{type(self).__name__}(feature_cache=...) needs the model whose frozen "
                               "features it caches: run it through a Trainer, or call "
                               "datamodule.bind_model(task) first")
        return getattr(model, "model", model)  # a task's paradigm model

    def _precision(self) -> str:
        return str(self.trainer.precision) if self.trainer is not None else "32-true"

    def prepare_data(self) -> None:
        """With ``feature_cache``: build the caches the Trainer's stage reads, where missing
        (Lightning calls this on the first process of each node, the others wait)."""
        if self.feature_cache is None:
            return
        from zoo.data.cache.attach import STAGE_SPLITS, prepare_splits

        self._require_connected()
        stage = getattr(getattr(self.trainer, "state", None), "fn", None)
        splits = STAGE_SPLITS.get(getattr(stage, "value", stage), ("train", "val", "test"))
        prepare_splits(self, self._frozen_model(), splits, self._precision())

    def setup(self, stage: Optional[str] = None) -> None:
        wanted = {"fit": ("train", "val"), "validate": ("val",), "test": ("test",),
                  "predict": ("test",)}.get(stage, SPLITS)
        for split in wanted:
            if split not in self.datasets:
                self.datasets[split] = self.make_dataset(split)

    def _loader(self, split: str) -> DataLoader:
        if split not in self.datasets:
            self.setup({"train": "fit", "val": "validate", "test": "test"}[split])
        dataset = self.datasets[split]
        train = split == "train"
        if self.feature_cache is not None:
            from zoo.data.cache.attach import check_weights

            check_weights(dataset, self._frozen_model())
        # EpochSampler carries the epoch into every worker (persistent ones too), so training
        # clips and crops differ between epochs yet stay reproducible; Lightning sets the epoch.
        world = self.trainer.world_size if self.trainer is not None else 1
        if world > 1:
            sampler = DistributedEpochSampler(len(dataset), world, self.trainer.global_rank,
                                              shuffle=train, seed=self.seed, even=train)
        else:
            sampler = EpochSampler(len(dataset), shuffle=train, seed=self.seed)
        return DataLoader(dataset, batch_size=self.batch_size, sampler=sampler,
                          num_workers=self.num_workers,
                          collate_fn=getattr(dataset, "collate", collate_batch),
                          drop_last=train and len(sampler) > self.batch_size,
                          persistent_workers=self.num_workers > 0)

    def train_dataloader(self) -> DataLoader:
        return self._loader("train")

    def val_dataloader(self) -> DataLoader:
        return self._loader("val")

    def test_dataloader(self) -> DataLoader:
        return self._loader("test")

    def predict_dataloader(self) -> DataLoader:
        return self._loader("test")
