"""Adapters: bottleneck modules inserted into the frozen image blocks (``methods.md`` §1.6, §4.1-2).

Variants
- ``aim`` (AIM, ``taoyang1122/adapt-image-models``): per block a temporal, a spatial and an MLP
  adapter (:mod:`zoo.paradigms.layers.aim`), plus a learnable ``temporal_embedding [T, C]`` (zeros) added
  to every token of frame t **before** ``ln_pre``. Trains the adapters, the temporal embedding and
  ``ln_post``. ViT-B/16, 8 frames, with a 400-class linear head: 10,966,672 trainable parameters
  (16 frames: 10,972,816). Arguments: ``adapter_width`` (default C/4), ``adapter_scale`` (0.5),
  ``drop_path`` (0.2, linearly increasing over the blocks from 0 as in the official code),
  ``temporal_adapters`` (1; 2 is the SSv2 setting).
- ``st`` (ST-Adapter 12x384, ``linziyi96/st-adapter``): one adapter per block
  (:mod:`zoo.paradigms.layers.st_adapter`). Trains the adapters only. ViT-B/16 with a 400-class head:
  7,417,744 trainable (adapters 7,110,144). Arguments: ``adapter_width`` (384), ``kernel_size``
  ((3, 1, 1)), ``placement`` (``pre_mlp``, the official 12x384; ``pre_attn``; ``both`` = 24x384).
  As in the official head, ``VideoFeatures.pooled`` is ``ln_post`` of the frame-averaged class
  token (AIM: the frame average of the ``ln_post`` class token).

Passing an argument of the other variant raises. At initialisation both variants compute exactly
the frozen model's features.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

import torch
from torch import nn

from zoo.backbones.clip import Backbone
from zoo.paradigms.layers.aim import AIMBlockAdapters
from zoo.paradigms.layers.framewise import FrameWiseModel
from zoo.paradigms.layers.st_adapter import STBlockAdapters
from zoo.registry import PARADIGMS
from zoo.specs import paradigm_spec

VARIANT_DEFAULTS: dict[str, dict[str, Any]] = {
    "aim": {"adapter_width": None, "adapter_scale": 0.5, "drop_path": 0.2, "temporal_adapters": 1},
    "st": {"adapter_width": 384, "kernel_size": (3, 1, 1), "placement": "pre_mlp"},
}


@PARADIGMS.register
class AdapterModel(FrameWiseModel):
    """A frozen backbone with AIM or ST-Adapter modules in every vision block."""

    paradigm = "adapter"
    family = "adapted features"
    summary = "bottleneck modules inserted into the frozen blocks"
    variants = ("aim", "st")

    def __init__(self, backbone: Backbone, variant: Optional[str] = None, num_frames: int = 8,
                 adapter_width: Optional[int] = None, adapter_scale: Optional[float] = None,
                 drop_path: Optional[float] = None, temporal_adapters: Optional[int] = None,
                 kernel_size: Optional[Sequence[int]] = None, placement: Optional[str] = None):
        super().__init__(backbone, variant, num_frames)
        given = {name: value for name, value in (
            ("adapter_width", adapter_width), ("adapter_scale", adapter_scale),
            ("drop_path", drop_path), ("temporal_adapters", temporal_adapters),
            ("kernel_size", kernel_size), ("placement", placement)) if value is not None}
        defaults = VARIANT_DEFAULTS[self.variant]
        foreign = sorted(set(given) - set(defaults))
        if foreign:
            raise TypeError(f"adapter variant {self.variant!r} does not take {foreign}; "
                            f"it takes {sorted(defaults)}")
        self.settings = {**defaults, **given}
        width, layers = backbone.width, backbone.num_layers
        if self.settings["adapter_width"] is None:  # AIM's default: a quarter of the width
            self.settings["adapter_width"] = width // 4
        if self.settings["adapter_width"] < 1:
            raise ValueError(f"adapter_width must be positive, got {self.settings['adapter_width']}")
        if self.variant == "aim":
            rates = torch.linspace(0, self.settings["drop_path"], layers).tolist()
            self.block_adapters = nn.ModuleList(
                AIMBlockAdapters(width, self.settings["adapter_width"], self.settings["adapter_scale"],
                                 rate, self.settings["temporal_adapters"]) for rate in rates)
            self.temporal_embedding = nn.Parameter(torch.zeros(num_frames, width))
            backbone.visual.ln_post.requires_grad_(True)
        else:
            self.settings["kernel_size"] = [int(k) for k in self.settings["kernel_size"]]
            self.block_adapters = nn.ModuleList(
                STBlockAdapters(width, self.settings["adapter_width"], self.settings["kernel_size"],
                                self.settings["placement"]) for _ in range(layers))
            self.temporal_embedding = None

    def extra_config(self) -> dict:
        return dict(self.settings)

    def embed_frames(self, frames: torch.Tensor, b: int, t: int) -> torch.Tensor:
        if self.temporal_embedding is None:
            return self.backbone.embed(frames)
        if t != self.num_frames:
            raise ValueError(f"AIM's temporal embedding has {self.num_frames} frames; "
                             f"the video has {t} (set num_frames={t})")
        x = self.backbone.embed(frames, pre_norm=False).unflatten(0, (b, t))
        x = x + self.temporal_embedding.to(x.dtype)[None, :, None, :]
        return self.backbone.visual.ln_pre(x.flatten(0, 1))

    def run_blocks(self, x: torch.Tensor, b: int, t: int) -> torch.Tensor:
        for block, adapters in zip(self.backbone.blocks, self.block_adapters):
            x = adapters(block, x, t) if self.variant == "aim" else adapters(block, x, t, self.grid)
        return x

    def pool_frames(self, tokens: torch.Tensor, cls: torch.Tensor) -> torch.Tensor:
        if self.variant == "aim":
            return cls.mean(dim=1)
        return self.backbone.visual.ln_post(tokens[:, 0].unflatten(0, cls.shape[:2]).mean(dim=1))


AdapterSpec = paradigm_spec(AdapterModel)
