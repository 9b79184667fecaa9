"""Post-network tuning: a temporal head over frozen per-frame CLIP embeddings.

The backbone runs under ``torch.no_grad`` (nothing of it trains, so no graph is kept); only the
head learns. Variants (``reference/methods.md`` §1.1):

- ``meanp`` (CLIP4Clip meanP): L2-normalise each frame, average. No parameters.
- ``seqtransf`` (CLIP4Clip seqTransf): frame position embeddings (128 positions, the rows the
  text positional embedding has copied in) + 4 transformer blocks **initialised from the first 4
  blocks of the CLIP text transformer**, a residual to the input frames, then meanP. On ViT-B/16
  this adds 4 × 3,152,384 + 128 × 512 = 12,675,072 parameters.
- ``mit`` (X-CLIP multi-frame integration transformer): T learned positions, 1 fresh block of
  width D with D/64 heads, residual, mean.
- ``lstm`` (CLIP4Clip seqLSTM): a 1-layer LSTM of width D with a residual, then meanP.

``VideoFeatures.video`` is the meanP embedding (the mean of the L2-normalised frames, for cosine
similarity with text); ``VideoFeatures.pooled``, what a closed-set linear head reads, is the plain
mean of the (temporally modelled) frame embeddings, F = D — not normalised, so that its scale
(CLIP embeddings have norms ~10) suits a linear layer trained at the recipe's learning rate; the
unit-norm meanP vector left a linear head all but untrained in a short schedule.
"""

from __future__ import annotations

import copy
from typing import Optional

import torch
from torch import nn

from zoo.backbones.clip import Backbone
from zoo.interfaces import VideoFeatures, VideoTextModel, mean_of_normalised
from zoo.paradigms.layers.temporal import TemporalTransformer, make_blocks
from zoo.registry import PARADIGMS
from zoo.specs import paradigm_spec

SEQTRANSF_POSITIONS = 128  # CLIP4Clip cross_config.max_position_embeddings


class LSTMHead(nn.Module):
    """CLIP4Clip seqLSTM: ``[B, T, D] -> [B, T, D]``, LSTM output plus the input."""

    def __init__(self, width: int):
        super().__init__()
        self.lstm = nn.LSTM(width, width, num_layers=1, batch_first=True)

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        self.lstm.flatten_parameters()
        return self.lstm(frames)[0] + frames


def seqtransf_head(backbone: Backbone, layers: int = 4) -> TemporalTransformer:
    """CLIP4Clip's seqTransf, initialised from the backbone's text transformer."""
    if backbone.text_width != backbone.embed_dim:
        raise ValueError(f"seqtransf copies text blocks of width {backbone.text_width}, which must "
                         f"equal the joint dimension {backbone.embed_dim} of backbone {backbone.spec.id!r}")
    if layers > len(backbone.text_blocks):
        raise ValueError(f"seqtransf needs {layers} text blocks; the backbone has {len(backbone.text_blocks)}")
    blocks = nn.ModuleList(copy.deepcopy(backbone.text_blocks[i]) for i in range(layers))
    head = TemporalTransformer(blocks, backbone.embed_dim, SEQTRANSF_POSITIONS)
    text_positions = backbone.clip.positional_embedding
    rows = min(text_positions.shape[0], SEQTRANSF_POSITIONS)
    with torch.no_grad():
        head.position_embedding[:rows].copy_(text_positions[:rows])
    head.requires_grad_(True)
    return head


@PARADIGMS.register
class PostNet(VideoTextModel):
    """Frozen frame features + a trainable temporal head."""

    paradigm = "postnet"
    family = "frozen features"
    summary = "a temporal / fusion head on frozen per-frame features"
    variants = ("meanp", "seqtransf", "mit", "lstm")

    def __init__(self, backbone: Backbone, variant: Optional[str] = None, num_frames: int = 8,
                 layers: Optional[int] = None):
        super().__init__(backbone, variant, num_frames)
        d = backbone.embed_dim
        default_layers = {"meanp": 0, "seqtransf": 4, "mit": 1, "lstm": 1}[self.variant]
        self.layers = default_layers if layers is None else layers
        if self.variant == "meanp":
            self.temporal = None
        elif self.variant == "seqtransf":
            self.temporal = seqtransf_head(backbone, self.layers)
        elif self.variant == "mit":
            self.temporal = TemporalTransformer(make_blocks(d, self.layers, max(d // 64, 1)), d, num_frames)
        else:
            self.temporal = LSTMHead(d)

    @property
    def feature_dim(self) -> int:
        return self.backbone.embed_dim

    def extra_config(self) -> dict:
        return {"layers": self.layers}

    def encode_video(self, video: torch.Tensor) -> VideoFeatures:
        with torch.no_grad():
            frame_features = self.backbone.encode_frames(video)
        frames = frame_features.embeddings
        if self.temporal is not None:
            frames = self.temporal(frames)
        return VideoFeatures(video=mean_of_normalised(frames), frames=frames,
                             tokens=frame_features.patches, grid=self.grid, pooled=frames.mean(dim=1))


PostnetSpec = paradigm_spec(PostNet)
