"""``FrameWiseModel``: the video encoder shared by the adapted-feature paradigms.

Every frame goes through the (adapted) image tower: ``embed`` -> blocks -> ``ln_post``, the class
token is projected into the joint space, and the frame embeddings are averaged after
normalisation (CLIP4Clip meanP / ViFi-CLIP). Paradigms change one step by overriding a hook:

- ``embed_frames(frames, b, t)``  ``[B*T, 3, H, W] -> [B*T, 1+P+L, C]`` (prompts add P tokens,
  AIM adds a temporal embedding)
- ``run_blocks(x, b, t)``        the transformer blocks (adapters wrap or replace them)
- ``num_extra_tokens``           P, tokens after the class token removed before ``ln_post``
- ``pool_frames(tokens, cls)``    the clip feature ``VideoFeatures.pooled`` (default: the frame
  mean of the ``ln_post`` class token; ST-Adapter normalises the frame mean instead)

Gradients flow through the backbone (its weights are frozen unless the paradigm trains them), so
inserted modules learn from the task loss.
"""

from __future__ import annotations

import torch

from zoo.interfaces import VideoFeatures, VideoTextModel, mean_of_normalised


class FrameWiseModel(VideoTextModel):
    """Per-frame image tower (with the paradigm's modifications) + meanP over frames."""

    num_extra_tokens: int = 0

    def embed_frames(self, frames: torch.Tensor, b: int, t: int) -> torch.Tensor:
        """``[B*T, 3, H, W] -> [B*T, 1+P+L, C]``."""
        return self.backbone.embed(frames)

    def run_blocks(self, x: torch.Tensor, b: int, t: int) -> torch.Tensor:
        """``[B*T, 1+P+L, C] -> [B*T, 1+P+L, C]`` through the vision blocks."""
        for block in self.backbone.blocks:
            x = block(x)
        return x

    def pool_frames(self, tokens: torch.Tensor, cls: torch.Tensor) -> torch.Tensor:
        """``VideoFeatures.pooled [B, F]`` from the blocks' output ``tokens [B*T, 1+L, C]``
        (before ``ln_post``) and the class feature ``cls [B, T, C]`` (after ``ln_post``)."""
        return cls.mean(dim=1)

    def encode_video(self, video: torch.Tensor) -> VideoFeatures:
        b, t = video.shape[:2]
        x = self.embed_frames(video.flatten(0, 1), b, t)
        x = self.run_blocks(x, b, t)
        if self.num_extra_tokens:
            x = torch.cat([x[:, :1], x[:, 1 + self.num_extra_tokens:]], dim=1)
        cls, patches = self.backbone.post(x)
        cls = cls.unflatten(0, (b, t))
        frames = self.backbone.project(cls)
        return VideoFeatures(video=mean_of_normalised(frames), frames=frames,
                             tokens=patches.unflatten(0, (b, t)), grid=self.grid,
                             pooled=self.pool_frames(x, cls))
