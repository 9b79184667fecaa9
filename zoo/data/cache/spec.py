"""``FeatureCacheSpec``: how a datamodule caches the frozen backbone's features (a typed option)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Optional, Union

TRAIN_CROPS = ("random", "center")


@dataclass
class FeatureCacheSpec:
    """``ZooDataModule(feature_cache=FeatureCacheSpec(...))`` — on the command line
    ``--data.init_args.feature_cache.root DIR`` (and ``.tokens true`` ...).

    Args:
        root: the folder holding caches, one sub-folder per cache key; a URL (``s3://...``) reads
            caches built elsewhere (``build=False``).
        frame_stride: cache every k-th frame of each video (1: all of them). The clip sampler then
            sees the video at ``fps / k``, as with precomputed features at a lower frame rate.
        tokens: also cache each frame's patch tokens, for tasks that read ``VideoFeatures.tokens``
            (captioning); off by default because they are ``L`` times larger than an embedding.
        dtype: storage dtype, ``float32`` (features equal the pixel path's), ``float16`` or
            ``bfloat16`` (half the size).
        train_crop: ``random`` (the pixel pipeline's; fine where frames already have the model's
            input size, as in the synthetic world — otherwise the random crop changes pixels and
            the dataset refuses) or ``center`` (train on the evaluation crop, as precomputed-feature
            pipelines do).
        build: build a missing cache (on the first process of each node, before training); False
            makes a missing cache an error.
        batch_frames: frames per forward pass of the frozen tower while building.
        num_workers: DataLoader workers decoding videos while building.
        progress: show a progress bar while building.
    """

    root: str
    frame_stride: int = 1
    tokens: bool = False
    dtype: str = "float32"
    train_crop: str = "random"
    build: bool = True
    batch_frames: int = 256
    num_workers: int = 0
    progress: bool = True

    def __post_init__(self) -> None:
        if self.train_crop not in TRAIN_CROPS:
            raise ValueError(f"feature_cache train_crop must be one of {TRAIN_CROPS}, got {self.train_crop!r}")
        if self.frame_stride < 1 or self.batch_frames < 1 or self.num_workers < 0:
            raise ValueError(f"feature_cache needs frame_stride >= 1, batch_frames >= 1, num_workers >= 0; got {self}")
        self.root = str(self.root)

    @classmethod
    def coerce(cls, value: Union["FeatureCacheSpec", dict, str, None]) -> Optional["FeatureCacheSpec"]:
        """A spec from a spec, a dict of its fields, or a root folder (None stays None)."""
        if value is None or isinstance(value, cls):
            return value
        if isinstance(value, dict):
            return cls(**value)
        if isinstance(value, str):
            return cls(root=value)
        raise TypeError(f"feature_cache must be a FeatureCacheSpec, a dict or a folder, got {type(value).__name__}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
