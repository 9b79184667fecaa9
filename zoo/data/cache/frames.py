"""``CachedFrames``: a batch of frozen per-frame features standing in for the batch's ``video``.

A datamodule with a feature cache (``zoo.data.cache``) puts a ``CachedFrames`` where the standard
batch holds the ``video`` tensor; ``VideoTask.encode_video`` hands it to the paradigm's
``encode_frozen`` instead of running the frozen backbone on pixels. This module is a leaf (torch
only), so that tasks and the data package can both import it.

Notation: B videos, V views per video (clips x crops), T frames per clip.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Sequence

import torch
import torch.nn.functional as F

__all__ = ["CachedFrames", "ClipFields", "collate_clip_fields"]


@dataclass
class CachedFrames:
    """Frozen per-frame features of ``B * V`` clips, the views of a video adjacent.

    fields  {name: [B*V, T, ...]}  what the paradigm's ``frozen_frame_features`` computed for each
                                   frame (e.g. ``embeddings [B*V, T, D]``), read from the cache
    views   V                      clips x crops per video; > 1 only where the pixel batch would
                                   have been multi-view ``[B, V, T, 3, H, W]``

    ``len(frames)`` is B, like ``len(video)``. Lightning moves it between devices like any batch.
    """

    fields: dict[str, torch.Tensor]
    views: int = 1

    def __post_init__(self) -> None:
        if not self.fields:
            raise ValueError("CachedFrames needs at least one field")
        shapes = {name: tuple(t.shape[:2]) for name, t in self.fields.items()}
        if len(set(shapes.values())) != 1 or any(t.dim() < 2 for t in self.fields.values()):
            raise ValueError(f"every cached field must be [B*V, T, ...] with one B*V and T, got {shapes}")
        if self.views < 1 or self.num_clips % self.views:
            raise ValueError(f"views={self.views} does not divide the {self.num_clips} clips of the batch")

    @property
    def num_clips(self) -> int:
        """B * V."""
        return next(iter(self.fields.values())).shape[0]

    @property
    def num_frames(self) -> int:
        """T."""
        return next(iter(self.fields.values())).shape[1]

    def __len__(self) -> int:
        return self.num_clips // self.views

    def encode(self, model: Any):
        """The paradigm's ``VideoFeatures`` of these clips (``model.encode_frozen(fields)``, with
        ``views`` set; floating fields cast to the model's parameter dtype, so a ``float16`` cache
        feeds a float32 model), or a clear error for a paradigm that cannot read a feature cache."""
        encode_frozen = getattr(model, "encode_frozen", None)
        if encode_frozen is None:
            raise TypeError(f"paradigm {getattr(model, 'paradigm', type(model).__name__)!r} has no "
                            "encode_frozen: it trains its backbone, so it cannot read a frozen-feature "
                            "cache; train it without feature_cache")
        # a cache stored in half precision is read at the model's own precision
        dtype = next((p.dtype for p in model.parameters() if p.is_floating_point()), None) \
            if hasattr(model, "parameters") else None
        fields = {name: value.to(dtype) if dtype is not None and value.is_floating_point() else value
                  for name, value in self.fields.items()}
        features = encode_frozen(fields)
        return dataclasses.replace(features, views=self.views) if self.views > 1 else features


@dataclass
class ClipFields:
    """One sample's cached fields: ``{name: [T, ...]}``, or ``[V, T, ...]`` with ``multi_view``
    (the sample has several views, as a pixel sample's ``video [V, T, 3, H, W]``)."""

    fields: dict[str, torch.Tensor]
    multi_view: bool = False


def collate_clip_fields(items: Sequence[ClipFields], pad: bool = False) -> CachedFrames:
    """Samples' :class:`ClipFields` -> one :class:`CachedFrames` (``[B*V, T, ...]`` per field).

    ``pad=True`` (variable-length samplers, whose batches carry ``valid``) zero-pads each clip at
    the end of its frame dim to the longest T of the batch, as ``collate_batch`` pads pixels."""
    if not items:
        raise ValueError("collate_clip_fields needs at least one sample")
    names = list(items[0].fields)
    if any(list(item.fields) != names or item.multi_view != items[0].multi_view for item in items):
        raise ValueError("cached samples carry different fields or view layouts")
    out: dict[str, torch.Tensor] = {}
    views = 1
    for name in names:
        values = [item.fields[name] if item.multi_view else item.fields[name][None] for item in items]
        views = values[0].shape[0]
        if any(v.shape[0] != views for v in values):
            raise ValueError(f"cached field {name!r}: samples have different view counts")
        length = max(v.shape[1] for v in values)
        if any(v.shape[1] != length for v in values):
            if not pad:
                raise ValueError(f"cached field {name!r}: clips of different lengths "
                                 f"{sorted({v.shape[1] for v in values})} need a variable-length sampler")
            values = [F.pad(v, (0, 0) * (v.dim() - 2) + (0, length - v.shape[1])) for v in values]
        out[name] = torch.cat(values)
    return CachedFrames(out, views=views if items[0].multi_view else 1)
