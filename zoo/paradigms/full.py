"""Full fine-tuning (ViFi-CLIP, ``reference/methods.md`` §1.4): no new modules, CLIP itself trains.

Frames go through the image tower one by one, the frame embeddings are averaged, and the task
compares the average with the class-name (or caption) text embeddings. Variants follow the
official ``muzairkhattak/ViFi-CLIP`` switch ``TRAINER.ViFi_CLIP.USE`` (``trainers/vificlip.py``):

- ``both`` (ViFi-CLIP): every parameter of its ``ViFiCLIP`` module trains — the image encoder,
  the text encoder (transformer, positional embedding, ``ln_final``, ``text_projection``) and
  ``logit_scale``. The token-embedding table is *not* one of them: ViFi-CLIP embeds the prompts
  once under ``no_grad`` and keeps them as a buffer, so ``token_embedding`` stays frozen here too.
  ViT-B/16: 149,620,737 − 25,296,896 (token embedding) = 124,323,841 trainable parameters.
- ``image`` (ViFi-CLIP's image-FT baseline, ``USE: image``): the whole image tower
  (``visual.*``) and nothing else; ``logit_scale`` stays frozen. ViT-B/16: 86,192,640.

Pooling is ViFi-CLIP's: the unnormalised frame embeddings are averaged
(``image_features.mean(dim=1)``) and the task normalises the result; CLIP4Clip's meanP (used by
the other frame-wise paradigms) normalises each frame first.

Pretrained parameters get the task's ``backbone_lr``, the task head (if any) ``lr``; the
paradigm adds no parameters.
"""

from __future__ import annotations

import dataclasses
from typing import Optional

import torch

from zoo.backbones.clip import Backbone
from zoo.interfaces import VideoFeatures
from zoo.paradigms.layers.framewise import FrameWiseModel
from zoo.registry import PARADIGMS
from zoo.specs import paradigm_spec

TOKEN_EMBEDDING = "token_embedding."


@PARADIGMS.register
class FullFineTuning(FrameWiseModel):
    """ViFi-CLIP: the CLIP towers fine-tuned end to end, frames averaged."""

    paradigm = "full"
    family = "adapted features"
    summary = "everything trains"
    variants = ("both", "image")

    def __init__(self, backbone: Backbone, variant: Optional[str] = None, num_frames: int = 8):
        super().__init__(backbone, variant, num_frames)
        if self.variant == "image":
            backbone.visual.requires_grad_(True)
        else:
            for name, param in backbone.clip.named_parameters():
                param.requires_grad_(not name.startswith(TOKEN_EMBEDDING))

    def encode_video(self, video: torch.Tensor) -> VideoFeatures:
        features = super().encode_video(video)
        return dataclasses.replace(features, video=features.frames.mean(dim=1))


FullSpec = paradigm_spec(FullFineTuning)
