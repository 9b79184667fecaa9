"""``ZooDataModule``: the LightningDataModule every dataset (synthetic or real) derives from.

A subclass says which records each split has (``records``) and how to read a record's frames
(``source``); this base class turns them into map-style datasets with the clip samplers and the
spatial transforms, and batches that follow the standard batch (``zoo/data/records.py``).

Preprocessing is never restated here: ``connect(preprocess)`` hands over the model's own
(mean, std, size, num_frames) — the CLI does it, and so must Python users
(``dm.connect(task.preprocess)``) — so transforms always match the weights.
``dataset_info()`` returns what a task needs to know about the data (class names, ...); the CLI
passes it to the task's constructor where the config leaves it unset.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

import lightning as L
from torch.utils.data import DataLoader

from zoo.data.datasets import EpochSampler, VideoDataset, collate_batch
from zoo.data.records import VideoRecord
from zoo.data.sampling import make_sampler
from zoo.data.transforms import VideoTransform

SPLITS = ("train", "val", "test")
EVAL_QA_MODES = ("first", "expand")


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
    """

    def __init__(self, batch_size: int = 16, num_workers: int = 0, sampling: str = "uniform",
                 frame_stride: int = 1, test_clips: int = 1, test_crops: int = 1,
                 num_frames: Optional[int] = None, on_error: str = "raise", seed: int = 0,
                 eval_qa: str = "first", clip_length: Optional[float] = None,
                 train_flip: bool = False):
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
        self.datasets: dict[str, VideoDataset] = {}

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
    def connect(self, preprocess: dict) -> "ZooDataModule":
        """Adopt the model's preprocessing (mean, std, size, interpolation, num_frames)."""
        model_frames = preprocess.get("num_frames")
        if self.num_frames is not None and model_frames is not None and self.num_frames != model_frames:
            raise ValueError(f"the datamodule samples num_frames={self.num_frames} but the model was "
                             f"built for {model_frames}; set one of them to match")
        self.preprocess = dict(preprocess)
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
        transform = VideoTransform(preprocess, train=train, crops=crops,
                                   flip=train and self.train_flip)
        return VideoDataset(self.records(split), self.source(split), sampler, transform,
                            train=train, seed=self.seed, on_error=self.on_error,
                            qa=None if train else self.eval_qa)

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
        # EpochSampler carries the epoch into every worker (persistent ones too), so training
        # clips and crops differ between epochs yet stay reproducible; Lightning sets the epoch.
        return DataLoader(dataset, batch_size=self.batch_size,
                          sampler=EpochSampler(len(dataset), shuffle=train, seed=self.seed),
                          num_workers=self.num_workers, collate_fn=collate_batch,
                          drop_last=train and len(dataset) > self.batch_size,
                          persistent_workers=self.num_workers > 0)

    def train_dataloader(self) -> DataLoader:
        return self._loader("train")

    def val_dataloader(self) -> DataLoader:
        return self._loader("val")

    def test_dataloader(self) -> DataLoader:
        return self._loader("test")

    def predict_dataloader(self) -> DataLoader:
        return self._loader("test")
