"""Post-network tuning: a temporal head over frozen per-frame CLIP embeddings.

The backbone runs under ``torch.no_grad`` (nothing of it trains, so no graph is kept); only the
head learns. Variants (``reference/methods.md`` §1.1):

- ``meanp`` (CLIP4Clip meanP): L2-normalise each frame, average. No parameters.
- ``seqtransf`` (CLIP4Clip seqTransf): a frame position table + 4 transformer blocks
  **initialised from the first 4 blocks of the CLIP text transformer**, a residual to the input
  frames, then meanP. The table has as many rows as the text tower has positions (its context
  length: 77 for every CLIP, 32 for ``tiny``) and starts as a copy of the text positional
  embedding: CLIP4Clip's ``modeling.py`` sets ``cross_config.max_position_embeddings =
  context_length`` (overriding the cross config's 128) before building
  ``nn.Embedding(max_position_embeddings, width)`` and copies ``positional_embedding`` into it. On
  ViT-B/16 this adds 4 × 3,152,384 + 77 × 512 = 12,648,960 parameters, the official count.
  Clips may have at most that many frames. zoo 0.1 built 128 rows; its checkpoints still load
  (:class:`SeqTransfHead` keeps the first rows, the only ones clips of that length can read).
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
import warnings
from typing import Optional

import torch
from torch import nn

from zoo.backbones.clip import Backbone
from zoo.interfaces import VideoFeatures, VideoTextModel, mean_of_normalised
from zoo.paradigms.layers.temporal import TemporalTransformer, make_blocks
from zoo.registry import PARADIGMS
from zoo.specs import paradigm_spec

LEGACY_SEQTRANSF_POSITIONS = 128  # what zoo 0.1 built (the cross config's value CLIP4Clip overrides)


class LSTMHead(nn.Module):
    """CLIP4Clip seqLSTM: ``[B, T, D] -> [B, T, D]``, LSTM output plus the input."""

    def __init__(self, width: int, layers: int = 1):
        super().__init__()
        self.lstm = nn.LSTM(width, width, num_layers=layers, batch_first=True)

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        self.lstm.flatten_parameters()
        return self.lstm(frames)[0] + frames


class SeqTransfHead(TemporalTransformer):
    """CLIP4Clip's seqTransf (:class:`TemporalTransformer` with a residual): ``[B, T, D] ->
    [B, T, D]``, ``position_embedding [P, D]`` with P the text context length.

    Loading a state dict whose table has zoo 0.1's :data:`LEGACY_SEQTRANSF_POSITIONS` rows keeps
    its first P rows (with a warning): a clip of T <= P frames reads rows ``0..T-1`` only, so the
    module computes exactly what the 0.1 model computed on every clip it accepts."""

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        key = prefix + "position_embedding"
        stored = state_dict.get(key)
        rows, width = self.position_embedding.shape
        if (isinstance(stored, torch.Tensor) and stored.dim() == 2 and stored.shape[1] == width
                and stored.shape[0] == LEGACY_SEQTRANSF_POSITIONS > rows):
            warnings.warn(f"{key}: a {LEGACY_SEQTRANSF_POSITIONS}-row seqTransf frame-position table "
                          f"(zoo 0.1) loaded into CLIP4Clip's {rows} rows; rows >= {rows}, which only "
                          f"clips of more than {rows} frames could read, are dropped", stacklevel=2)
            state_dict[key] = stored[:rows]
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)


def seqtransf_head(backbone: Backbone, layers: int = 4) -> SeqTransfHead:
    """CLIP4Clip's seqTransf, initialised from the backbone's text transformer: its first
    ``layers`` blocks (copies) and its whole positional embedding (``[context_length, D]``)."""
    if backbone.text_width != backbone.embed_dim:
        raise ValueError(f"seqtransf copies text blocks of width {backbone.text_width}, which must "
                         f"equal the joint dimension {backbone.embed_dim} of backbone {backbone.spec.id!r}")
    if layers > len(backbone.text_blocks):
        raise ValueError(f"seqtransf needs {layers} text blocks; the backbone has {len(backbone.text_blocks)}")
    blocks = nn.ModuleList(copy.deepcopy(backbone.text_blocks[i]) for i in range(layers))
    text_positions = backbone.clip.positional_embedding  # [context_length, text width]
    head = SeqTransfHead(blocks, backbone.embed_dim, text_positions.shape[0])
    with torch.no_grad():
        head.position_embedding.copy_(text_positions)
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
        if self.variant == "meanp" and layers:
            raise ValueError(f"postnet 'meanp' has no temporal layers; layers={layers} would be ignored")
        self.layers = default_layers if layers is None else layers
        if self.variant == "meanp":
            self.temporal = None
        elif self.variant == "seqtransf":
            self.temporal = seqtransf_head(backbone, self.layers)
            positions = self.temporal.position_embedding.shape[0]
            if num_frames > positions:
                raise ValueError(f"seqtransf has {positions} frame positions (the text context length "
                                 f"of backbone {backbone.spec.id!r}), fewer than num_frames={num_frames}")
        elif self.variant == "mit":
            self.temporal = TemporalTransformer(make_blocks(d, self.layers, max(d // 64, 1)), d, num_frames)
        else:
            self.temporal = LSTMHead(d, self.layers)

    @property
    def feature_dim(self) -> int:
        return self.backbone.embed_dim

    def extra_config(self) -> dict:
        return {"layers": self.layers}

    def encode_video(self, video: torch.Tensor) -> VideoFeatures:
        b, t = video.shape[:2]
        fields = self.frozen_frame_features(video.flatten(0, 1), tokens=True)
        return self.encode_frozen({name: value.unflatten(0, (b, t)) for name, value in fields.items()})

    # ------------------------------------------------------------------ frozen-feature cache
    # encode_video = encode_frozen(frozen_frame_features(each frame)): the first half is a fixed
    # function of each frame, which zoo.data.cache computes once and stores.
    def frozen_fields(self, tokens: bool = False) -> tuple[str, ...]:
        """What ``frozen_frame_features`` returns: the frame embedding, and the patch tokens when
        ``tokens`` (for tasks that read ``VideoFeatures.tokens``)."""
        return ("embeddings", "patches") if tokens else ("embeddings",)

    def frozen_frame_features(self, frames: torch.Tensor, tokens: bool = False) -> dict[str, torch.Tensor]:
        """The frozen tower on ``frames [N, 3, H, W]`` (no graph): ``embeddings [N, D]`` (the
        projected class token) and, with ``tokens``, ``patches [N, L, C]`` (after ``ln_post``)."""
        with torch.no_grad():
            encoded = self.backbone.encode_frames(frames[:, None])
        fields = {"embeddings": encoded.embeddings[:, 0]}
        if tokens:
            fields["patches"] = encoded.patches[:, 0]
        return fields

    def encode_frozen(self, fields: dict[str, torch.Tensor]) -> VideoFeatures:
        """The trainable half: ``{"embeddings": [B, T, D], "patches": [B, T, L, C] (optional)}``
        -> :class:`VideoFeatures` (``tokens`` None without patches)."""
        frames = fields["embeddings"]
        if self.temporal is not None:
            frames = self.temporal(frames)
        return VideoFeatures(video=mean_of_normalised(frames), frames=frames,
                             tokens=fields.get("patches"), grid=self.grid, pooled=frames.mean(dim=1))


PostnetSpec = paradigm_spec(PostNet)
