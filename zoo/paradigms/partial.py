"""Partial fine-tuning (``reference/methods.md`` §1.5): a declared subset of CLIP trains.

The frame-wise encoder is the one of the other adapted-feature paradigms (per-frame image tower,
meanP over frames); no module is added. Variants, by what trains:

- ``lastk``: the last ``last_blocks`` (k, default 2) vision blocks + ``ln_post`` + ``proj``, the
  vision half of CLIP4Clip's ``--freeze_layer_num`` (blocks with index ≥ L − k train).
  ``with_text=True`` adds what CLIP4Clip also trains on the text side — the last k text blocks,
  ``ln_final``, ``text_projection`` and ``logit_scale`` — which makes it exactly
  ``--freeze_layer_num L−k`` for towers of equal depth L. ViT-B/16, k = 2: 2 × 7,087,872 + 1,536
  + 393,216 = 14,570,496.
- ``bitfit`` (BitFit): every bias of the vision tower (attention q/k/v/out, MLP, LayerNorm).
  ViT-B/16: 12 × 11 × 768 + 2 × 768 = 102,912.
- ``ln``: every LayerNorm weight and bias of the vision tower (``ln_pre``, ``ln_1``/``ln_2`` of
  each block, ``ln_post``). ViT-B/16: (2 + 2 × 12) × 2 × 768 = 39,936.
- ``text`` (ViFi-CLIP's text-FT baseline, ``TRAINER.ViFi_CLIP.USE: text``): its ``text_encoder``
  — the text transformer, positional embedding, ``ln_final`` and ``text_projection``; not the
  token-embedding table (ViFi-CLIP stores embedded prompts as a buffer) nor ``logit_scale``.
  ViT-B/16: 63,428,096 − 25,296,896 = 38,131,200. Use it with a text-based head (the text tower
  only learns through text embeddings).
"""

from __future__ import annotations

from typing import Iterator, Optional

from torch import nn

from zoo.backbones.clip import Backbone
from zoo.paradigms.layers.framewise import FrameWiseModel
from zoo.registry import PARADIGMS
from zoo.specs import paradigm_spec

DEFAULT_LAST_BLOCKS = 2


def vision_biases(backbone: Backbone) -> Iterator[nn.Parameter]:
    """BitFit's subset: every ``*.bias`` of the vision tower."""
    return (p for name, p in backbone.visual.named_parameters() if name.rsplit(".", 1)[-1] == "bias")


def vision_layer_norms(backbone: Backbone) -> Iterator[nn.Parameter]:
    """Weights and biases of every LayerNorm of the vision tower."""
    return (p for module in backbone.visual.modules() if isinstance(module, nn.LayerNorm)
            for p in module.parameters())


def text_encoder(backbone: Backbone) -> Iterator[nn.Parameter]:
    """ViFi-CLIP's ``TextEncoder``: transformer, positions, ``ln_final``, ``text_projection``."""
    clip = backbone.clip
    yield from backbone.text_blocks.parameters()
    yield clip.positional_embedding
    yield from clip.ln_final.parameters()
    yield from _parameters_of(clip.text_projection)


def last_blocks_and_head(backbone: Backbone, k: int, with_text: bool) -> Iterator[nn.Parameter]:
    """CLIP4Clip's top layers: the last ``k`` vision blocks, ``ln_post``, ``proj`` (and the text
    tower's last ``k`` blocks, ``ln_final``, ``text_projection``, ``logit_scale``)."""
    visual = backbone.visual
    yield from backbone.blocks[len(backbone.blocks) - k:].parameters()
    yield from visual.ln_post.parameters()
    yield from _parameters_of(visual.proj)
    if with_text:
        clip = backbone.clip
        yield from backbone.text_blocks[len(backbone.text_blocks) - k:].parameters()
        yield from clip.ln_final.parameters()
        yield from _parameters_of(clip.text_projection)
        yield clip.logit_scale


def _parameters_of(x) -> Iterator[nn.Parameter]:
    """A projection stored as a bare Parameter (OpenAI layout), a Linear, or absent (None)."""
    if isinstance(x, nn.Parameter):
        yield x
    elif isinstance(x, nn.Module):
        yield from x.parameters()


@PARADIGMS.register
class PartialFineTuning(FrameWiseModel):
    """CLIP with only a declared subset of its parameters trainable."""

    paradigm = "partial"
    family = "adapted features"
    summary = "a chosen subset of the backbone trains (last-k blocks, biases, LayerNorms, one tower)"
    variants = ("lastk", "bitfit", "ln", "text")

    def __init__(self, backbone: Backbone, variant: Optional[str] = None, num_frames: int = 8,
                 last_blocks: Optional[int] = None, with_text: Optional[bool] = None):
        super().__init__(backbone, variant, num_frames)
        if self.variant != "lastk":
            given = [name for name, value in (("last_blocks", last_blocks), ("with_text", with_text))
                     if value is not None]
            if given:
                raise ValueError(f"{', '.join(given)} only apply to variant 'lastk', not {self.variant!r}")
            subset = {"bitfit": vision_biases, "ln": vision_layer_norms, "text": text_encoder}[self.variant](backbone)
        else:
            last_blocks = DEFAULT_LAST_BLOCKS if last_blocks is None else last_blocks
            with_text = bool(with_text)
            if not 1 <= last_blocks <= backbone.num_layers:
                raise ValueError(f"last_blocks must be in 1..{backbone.num_layers} (the vision "
                                 f"blocks of backbone {backbone.spec.id!r}), got {last_blocks}")
            if with_text and last_blocks > len(backbone.text_blocks):
                raise ValueError(f"with_text: last_blocks={last_blocks} exceeds the "
                                 f"{len(backbone.text_blocks)} text blocks of backbone {backbone.spec.id!r}")
            subset = last_blocks_and_head(backbone, last_blocks, with_text)
        self.last_blocks = last_blocks
        self.with_text = with_text
        for param in subset:
            param.requires_grad_(True)

    def extra_config(self) -> dict:
        return {"last_blocks": self.last_blocks, "with_text": self.with_text}


PartialSpec = paradigm_spec(PartialFineTuning)
