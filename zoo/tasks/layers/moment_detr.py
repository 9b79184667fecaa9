"""Moment-DETR's localiser (Lei et al., NeurIPS 2021; ``jayleicn/moment_detr``: ``model.py``,
``transformer.py``, ``position_encoding.py``) over any paradigm's per-frame features and the text
tower's token features.

Notation: B queries (a video and a sentence each), T frames (or clips), L text tokens, H the
head's width, Q moment queries, Ld decoder layers.

Inputs
    video  [B, T, Dv]  per-frame features (``VideoFeatures.frames``), padding anywhere
    video_mask [B, T]  True for real frames
    times  [B, T]      each frame's time divided by the video's duration, in [0, 1]
    text   [B, L, Dt]  token features (``TextTokens.tokens``); text_mask [B, L] True for real tokens
    clip   [B, Dv]     optional: one clip-level feature (``VideoFeatures.video``), an extra token

Computation
1. Input projections, Moment-DETR's ``LinearLayer`` stacks (LayerNorm -> Dropout(input_dropout)
   -> Linear -> ReLU, no ReLU after the last of ``input_layers``), video and text separately;
   the clip token shares the video projection.
2. Positions: video tokens get DETR's sine embedding (``PositionEmbeddingSine(H, normalize=True)``)
   of ``2 pi * times``. Moment-DETR embeds the normalised index ``2 pi (k + 1) / T_valid`` of clip
   k; a time is the same idea in seconds, so several views (frames interleaved in time), any
   sampling and padding anywhere line up. Text tokens get position 0 (Moment-DETR's default,
   ``use_txt_pos=False``); the clip token a learned position vector.
3. A post-norm DETR encoder over ``[video; text; clip]`` (positions added to queries and keys
   in every layer, padding masked as keys) and a DETR decoder: Q learned query positions, a zero
   target, self-attention, cross-attention to the memory, FFN; every layer's output goes through
   the shared final LayerNorm (``return_intermediate``) for the auxiliary losses.
4. Heads on each decoder layer: ``logits [Ld, B, Q, 2]`` (``Linear(H, 2)``, class 0 = foreground,
   class 1 = no moment, as Moment-DETR), ``spans [Ld, B, Q, 2]`` = sigmoid of a 3-layer MLP:
   normalised (centre, width); and per frame ``saliency [B, T]`` = ``Linear(H, 1)`` of the video
   part of the memory (padding frames: -inf).

The clip token is zoo's addition: paradigms whose temporal modelling ends in one clip feature
(EVL's side decoder) reach the localiser through it. ``clip_token=False`` is Moment-DETR's input.
Transformer weights are Xavier-uniform initialised, as ``Transformer._reset_parameters``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class MomentOutput:
    """What :class:`MomentDETR` predicts (module docstring): ``logits [Ld, B, Q, 2]``,
    ``spans [Ld, B, Q, 2]`` normalised (centre, width), ``saliency [B, T]`` (-inf on padding).
    The last decoder layer's predictions are ``logits[-1]`` / ``spans[-1]``."""

    logits: torch.Tensor
    spans: torch.Tensor
    saliency: torch.Tensor

    def foreground(self) -> torch.Tensor:
        """``[B, Q]``: the last layer's foreground probability (Moment-DETR's moment score)."""
        return self.logits[-1].float().softmax(-1)[..., 0]


def sine_positions(times: torch.Tensor, width: int, temperature: float = 10000.0) -> torch.Tensor:
    """DETR's 1-D sine embedding of ``2 pi * times`` (``times [B, T]`` in [0, 1]) -> ``[B, T, width]``:
    feature ``2i`` is ``sin(x / temperature^(2i / width))``, feature ``2i + 1`` its cosine."""
    if width % 2:
        raise ValueError(f"the sine position embedding needs an even width, got {width}")
    x = times.float()[..., None] * (2 * math.pi)
    index = torch.arange(width, dtype=torch.float32, device=times.device)
    scaled = x / temperature ** (2 * torch.div(index, 2, rounding_mode="floor") / width)
    return torch.stack((scaled[..., 0::2].sin(), scaled[..., 1::2].cos()), dim=-1).flatten(-2)


def input_projection(in_dim: int, width: int, layers: int, dropout: float) -> nn.Sequential:
    """Moment-DETR's ``input_*_proj``: ``layers`` x (LayerNorm, Dropout, Linear[, ReLU])."""
    if layers < 1:
        raise ValueError(f"input_layers must be >= 1, got {layers}")
    blocks = []
    for i in range(layers):
        blocks += [nn.LayerNorm(in_dim if i == 0 else width), nn.Dropout(dropout),
                   nn.Linear(in_dim if i == 0 else width, width)]
        if i < layers - 1:
            blocks.append(nn.ReLU())
    return nn.Sequential(*blocks)


class MLP(nn.Module):
    """``num_layers`` Linear layers with ReLU between them (DETR's box / span MLP)."""

    def __init__(self, in_dim: int, hidden: int, out_dim: int, num_layers: int):
        super().__init__()
        dims = [in_dim] + [hidden] * (num_layers - 1) + [out_dim]
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for i, layer in enumerate(self.layers):
            x = layer(x) if i == len(self.layers) - 1 else F.relu(layer(x))
        return x


class EncoderLayer(nn.Module):
    """DETR's post-norm encoder layer: positions added to queries and keys, not values."""

    def __init__(self, width: int, heads: int, ffn: int, dropout: float):
        super().__init__()
        self.attn = nn.MultiheadAttention(width, heads, dropout=dropout, batch_first=True)
        self.ffn = nn.Sequential(nn.Linear(width, ffn), nn.ReLU(), nn.Dropout(dropout), nn.Linear(ffn, width))
        self.norm1, self.norm2 = nn.LayerNorm(width), nn.LayerNorm(width)
        self.drop1, self.drop2 = nn.Dropout(dropout), nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, pos: torch.Tensor, padding: torch.Tensor) -> torch.Tensor:
        q = x + pos
        x = self.norm1(x + self.drop1(self.attn(q, q, x, key_padding_mask=padding, need_weights=False)[0]))
        return self.norm2(x + self.drop2(self.ffn(x)))


class DecoderLayer(nn.Module):
    """DETR's post-norm decoder layer: self-attention among the moment queries, cross-attention
    to the encoder memory, FFN."""

    def __init__(self, width: int, heads: int, ffn: int, dropout: float):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(width, heads, dropout=dropout, batch_first=True)
        self.cross_attn = nn.MultiheadAttention(width, heads, dropout=dropout, batch_first=True)
        self.ffn = nn.Sequential(nn.Linear(width, ffn), nn.ReLU(), nn.Dropout(dropout), nn.Linear(ffn, width))
        self.norms = nn.ModuleList(nn.LayerNorm(width) for _ in range(3))
        self.drops = nn.ModuleList(nn.Dropout(dropout) for _ in range(3))

    def forward(self, x: torch.Tensor, query_pos: torch.Tensor, memory: torch.Tensor,
                pos: torch.Tensor, padding: torch.Tensor) -> torch.Tensor:
        q = x + query_pos
        x = self.norms[0](x + self.drops[0](self.self_attn(q, q, x, need_weights=False)[0]))
        attended = self.cross_attn(x + query_pos, memory + pos, memory, key_padding_mask=padding,
                                   need_weights=False)[0]
        x = self.norms[1](x + self.drops[1](attended))
        return self.norms[2](x + self.drops[2](self.ffn(x)))


class MomentDETR(nn.Module):
    """Moment-DETR's localiser (module docstring). Defaults are Moment-DETR's (``config.py``):
    H = 256, 8 heads, 2 + 2 layers, FFN 1024, dropout 0.1, input dropout 0.5, 2 input layers,
    10 moment queries."""

    def __init__(self, video_dim: int, text_dim: int, hidden_dim: int = 256, num_heads: int = 8,
                 encoder_layers: int = 2, decoder_layers: int = 2, ffn_dim: int = 1024,
                 num_queries: int = 10, dropout: float = 0.1, input_dropout: float = 0.5,
                 input_layers: int = 2, clip_token: bool = True):
        super().__init__()
        if hidden_dim % num_heads or hidden_dim % 2:
            raise ValueError(f"hidden_dim {hidden_dim} must be even and divisible by num_heads {num_heads}")
        if num_queries < 1 or decoder_layers < 1 or encoder_layers < 0:
            raise ValueError(f"need num_queries >= 1, decoder_layers >= 1 and encoder_layers >= 0, got "
                             f"{num_queries}, {decoder_layers}, {encoder_layers}")
        self.hidden_dim, self.num_queries = hidden_dim, num_queries
        self.video_proj = input_projection(video_dim, hidden_dim, input_layers, input_dropout)
        self.text_proj = input_projection(text_dim, hidden_dim, input_layers, input_dropout)
        self.clip_position = nn.Parameter(torch.zeros(hidden_dim)) if clip_token else None
        self.encoder = nn.ModuleList(EncoderLayer(hidden_dim, num_heads, ffn_dim, dropout)
                                     for _ in range(encoder_layers))
        self.decoder = nn.ModuleList(DecoderLayer(hidden_dim, num_heads, ffn_dim, dropout)
                                     for _ in range(decoder_layers))
        self.decoder_norm = nn.LayerNorm(hidden_dim)
        for p in [*self.encoder.parameters(), *self.decoder.parameters()]:
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)
        self.query_positions = nn.Embedding(num_queries, hidden_dim)
        self.class_head = nn.Linear(hidden_dim, 2)
        self.span_head = MLP(hidden_dim, hidden_dim, 2, 3)
        self.saliency_head = nn.Linear(hidden_dim, 1)
        if self.clip_position is not None:
            nn.init.normal_(self.clip_position, std=0.02)

    def forward(self, video: torch.Tensor, video_mask: torch.Tensor, times: torch.Tensor,
                text: torch.Tensor, text_mask: torch.Tensor,
                clip: Optional[torch.Tensor] = None) -> MomentOutput:
        b, t = video.shape[:2]
        if video_mask.shape != (b, t) or times.shape != (b, t):
            raise ValueError(f"video {tuple(video.shape)} needs video_mask and times of shape "
                             f"{(b, t)}, got {tuple(video_mask.shape)} and {tuple(times.shape)}")
        if text.shape[0] != b or text_mask.shape != text.shape[:2]:
            raise ValueError(f"text {tuple(text.shape)} / text_mask {tuple(text_mask.shape)} do not "
                             f"match {b} videos")
        if not video_mask.any(dim=1).all():
            raise ValueError("a video has no real frame (video_mask all False)")
        times = torch.where(video_mask, times, torch.zeros_like(times))  # padding may hold NaN
        parts = [self.video_proj(video), self.text_proj(text)]
        positions = [sine_positions(times, self.hidden_dim).to(parts[0].dtype),
                     torch.zeros_like(parts[1])]
        masks = [video_mask, text_mask]
        if self.clip_position is not None:
            if clip is None:
                raise ValueError("this head was built with clip_token=True: pass clip [B, Dv]")
            parts.append(self.video_proj(clip[:, None]))
            positions.append(self.clip_position.to(parts[0].dtype).expand(b, 1, -1))
            masks.append(video_mask.new_ones(b, 1))
        x, pos = torch.cat(parts, dim=1), torch.cat(positions, dim=1)
        padding = ~torch.cat(masks, dim=1).bool()
        for layer in self.encoder:
            x = layer(x, pos, padding)
        query_pos = self.query_positions.weight.to(x.dtype).expand(b, -1, -1)
        hidden, states = torch.zeros_like(query_pos), []
        for layer in self.decoder:
            hidden = layer(hidden, query_pos, x, pos, padding)
            states.append(self.decoder_norm(hidden))
        stacked = torch.stack(states)  # [Ld, B, Q, H]
        saliency = self.saliency_head(x[:, :t]).squeeze(-1)
        saliency = saliency.masked_fill(~video_mask.bool(), float("-inf"))
        return MomentOutput(logits=self.class_head(stacked), spans=self.span_head(stacked).sigmoid(),
                            saliency=saliency)
