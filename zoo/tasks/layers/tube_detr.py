"""``TubeDETRHead``: a TubeDETR-style spatio-temporal grounding head over any paradigm's features.

Reference: ``antoyang/TubeDETR`` @ d70c0eed, ``models/tubedetr.py`` and ``models/transformer.py``
(Yang et al., CVPR 2022). Notation: B videos, T frames, N = h·w patch tokens per frame of width C,
D the joint image-text dimension, L text tokens of width W, d the head's width.

**Per-frame video-text encoder** (TubeDETR's encoder). For every frame ``t`` one sequence

    [ N patch tokens ; frame token ; clip token ; L text tokens ]                 -> [B·T, S, d]

- patch tokens ``VideoFeatures.tokens [B, T, N, C]`` through ``Linear(C, d)``, with DETR's
  normalised 2-D sine position of their cell on the ``grid`` (h, w); with ``token_motion`` (zoo's
  addition, as temporal grounding's ``QueryPatchPooling``) plus ``Linear(C, d)`` of each token's
  absolute change since the previous frame, ``|x_t - x_{t-1}|`` (zeros at the first frame): a
  frozen token shows what is in a cell, not whether it moves, and the sentence names an action;
- the frame token: ``VideoFeatures.frames [B, T, D]`` (after a paradigm's temporal module, e.g.
  postnet's seqTransf) and the clip token: ``VideoFeatures.video [B, D]`` (a side network's
  output), both through ``Linear(D, d)`` with a learned position each — so whatever temporal
  modelling a paradigm does reaches the head (TubeDETR reads ResNet maps only);
- the sentence's token states ``TextTokens.tokens [B, L, W]`` through TubeDETR's
  ``FeatureResizer`` (``Linear(W, d)``, LayerNorm, dropout 0.1), with a learned text position;
  padding tokens are masked out of every attention.

Post-norm DETR layers (positions added to queries and keys at every layer, not to values).

**Sentence pointer** (zoo's addition, for fast spatial grounding). Per frame, a softmax over
the N patches of the fused memory scores each against the sentence, ``r_ti = <W_s s, W_m m_ti> /
sqrt(d)`` with ``s`` the sentence embedding ``TextTokens.pooled [B, D]`` through ``Linear(D, d)``.
It gives the frame's *anchor*: the expected patch centre ``c_t`` (normalised x, y) and the spread
around it, and the pointed-at feature ``a_t = sum_i p_ti m_ti``. Trained by the box losses through
the anchor and directly by the pointer loss (``tube_criterion.pointer_loss``: cross-entropy to the
patches inside the ground-truth box), it learns "which object" in a few hundred steps, where a
DETR query alone needs many epochs (TubeDETR starts from MDETR, a pretrained grounding model).

**Time-aware decoder** (TubeDETR's space-time decoder). One *time query* per frame: a learned
query embedding + the sine time encoding of the frame index (``TimeEmbeddingSine``) + the
sentence embedding + ``Linear(4, d)`` of the frame's anchor (centre and spread); its content starts
as the pointed-at feature ``a_t`` (TubeDETR: zeros), so the temporal self-attention sees the
referred object's trajectory from the first layer. Each layer: **temporal self-attention** among
the T queries of a video (padded frames masked), **time-aligned cross-attention** (the query of
frame ``t`` attends only to frame ``t``'s encoder memory), FFN; a shared final LayerNorm on every
layer's output. Heads on every layer (for the auxiliary losses): ``boxes`` = MLP(d, d, 4, 3
layers), **normalised cxcywh** of the model input, the centre as an offset from the anchor
(``sigmoid(logit(c_t) + o_xy)``, as Deformable DETR refines reference points), the size
``sigmoid(o_wh)``; ``sted`` = MLP(d, d, 2, 2 layers, dropout 0.5), start and end logits per frame.

Not reproduced: the temporal stride ``k`` of the encoder and its fast branch (zoo encodes every
sampled frame: T is 8-32 here, not 200), and the optional guided-attention loss. Initialisation as
DETR (xavier-uniform for every matrix of the transformer).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from zoo.tasks.layers.patch_pooling import frame_steps


def sine_time_embedding(length: int, dim: int, device=None, dtype=torch.float32) -> Tensor:
    """TubeDETR's ``TimeEmbeddingSine``: ``[length, dim]``, ``sin`` on even and ``cos`` on odd
    channels of ``t / 10000^(2i / dim)``."""
    if dim % 2:
        raise ValueError(f"the time embedding needs an even width, got {dim}")
    position = torch.arange(length, device=device, dtype=torch.float32)[:, None]
    frequency = torch.exp(torch.arange(0, dim, 2, device=device, dtype=torch.float32)
                          * (-math.log(10000.0) / dim))
    out = torch.zeros(length, dim, device=device, dtype=torch.float32)
    out[:, 0::2] = torch.sin(position * frequency)
    out[:, 1::2] = torch.cos(position * frequency)
    return out.to(dtype)


def sine_grid_embedding(height: int, width: int, dim: int, device=None,
                        dtype=torch.float32) -> Tensor:
    """DETR's ``PositionEmbeddingSine(dim / 2, normalize=True)`` of an ``height × width`` grid,
    flattened row-major: ``[height · width, dim]`` (y channels, then x channels)."""
    if dim % 4:
        raise ValueError(f"the 2-D sine embedding needs a width divisible by 4, got {dim}")
    features, scale, eps = dim // 2, 2 * math.pi, 1e-6
    y = torch.arange(1, height + 1, device=device, dtype=torch.float32) / (height + eps) * scale
    x = torch.arange(1, width + 1, device=device, dtype=torch.float32) / (width + eps) * scale
    k = torch.arange(features, device=device, dtype=torch.float32)
    dim_t = 10000.0 ** (2 * torch.div(k, 2, rounding_mode="floor") / features)

    def encode(values: Tensor) -> Tensor:  # [n] -> [n, features], interleaved sin / cos
        angles = values[:, None] / dim_t
        return torch.stack([angles[:, 0::2].sin(), angles[:, 1::2].cos()], dim=2).flatten(1)

    pos_y = encode(y)[:, None].expand(height, width, features)
    pos_x = encode(x)[None].expand(height, width, features)
    return torch.cat([pos_y, pos_x], dim=-1).flatten(0, 1).to(dtype)


def patch_centres(height: int, width: int, device=None) -> Tensor:
    """``[height · width, 2]``: the normalised (x, y) centre of every cell of the grid, row-major."""
    y = (torch.arange(height, device=device, dtype=torch.float32) + 0.5) / height
    x = (torch.arange(width, device=device, dtype=torch.float32) + 0.5) / width
    return torch.stack([x[None].expand(height, width), y[:, None].expand(height, width)],
                       dim=-1).reshape(-1, 2)


class MLP(nn.Module):
    """TubeDETR's ``MLP``: ``num_layers`` linear layers with ReLU between them and, when
    ``dropout`` is set, dropout after every layer but the last."""

    def __init__(self, input_dim: int, hidden_dim: int, output_dim: int, num_layers: int,
                 dropout: float = 0.0):
        super().__init__()
        dims = [input_dim] + [hidden_dim] * (num_layers - 1) + [output_dim]
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:]))
        self.dropout = nn.Dropout(dropout) if dropout else nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1:
                x = self.dropout(F.relu(x))
        return x


class EncoderLayer(nn.Module):
    """DETR's post-norm encoder layer: ``x + Attn(x + pos, x + pos, x)`` -> norm -> FFN -> norm."""

    def __init__(self, width: int, heads: int, ffn: int, dropout: float):
        super().__init__()
        self.attention = nn.MultiheadAttention(width, heads, dropout=dropout, batch_first=True)
        self.ffn = nn.Sequential(nn.Linear(width, ffn), nn.ReLU(), nn.Dropout(dropout),
                                 nn.Linear(ffn, width))
        self.norm1, self.norm2 = nn.LayerNorm(width), nn.LayerNorm(width)
        self.dropout1, self.dropout2 = nn.Dropout(dropout), nn.Dropout(dropout)

    def forward(self, x: Tensor, pos: Tensor, padding: Optional[Tensor]) -> Tensor:
        q = x + pos
        x = self.norm1(x + self.dropout1(self.attention(q, q, x, key_padding_mask=padding,
                                                        need_weights=False)[0]))
        return self.norm2(x + self.dropout2(self.ffn(x)))


class TimeAlignedDecoderLayer(nn.Module):
    """TubeDETR's decoder layer: temporal self-attention among a video's T time queries, then
    cross-attention of the query of frame ``t`` to frame ``t``'s memory only, then FFN (post-norm,
    query positions added to queries and keys at every step)."""

    def __init__(self, width: int, heads: int, ffn: int, dropout: float):
        super().__init__()
        self.self_attention = nn.MultiheadAttention(width, heads, dropout=dropout, batch_first=True)
        self.cross_attention = nn.MultiheadAttention(width, heads, dropout=dropout, batch_first=True)
        self.ffn = nn.Sequential(nn.Linear(width, ffn), nn.ReLU(), nn.Dropout(dropout),
                                 nn.Linear(ffn, width))
        self.norm1, self.norm2, self.norm3 = (nn.LayerNorm(width) for _ in range(3))
        self.dropout1, self.dropout2, self.dropout3 = (nn.Dropout(dropout) for _ in range(3))

    def forward(self, queries: Tensor, query_pos: Tensor, memory: Tensor, memory_pos: Tensor,
                frame_padding: Optional[Tensor], memory_padding: Optional[Tensor]) -> Tensor:
        """``queries`` / ``query_pos`` ``[B, T, d]``; ``memory`` / ``memory_pos`` ``[B·T, S, d]``;
        ``frame_padding [B, T]`` and ``memory_padding [B·T, S]`` are True where masked."""
        b, t, d = queries.shape
        q = queries + query_pos
        x = self.norm1(queries + self.dropout1(self.self_attention(
            q, q, queries, key_padding_mask=frame_padding, need_weights=False)[0]))
        aligned = (x + query_pos).reshape(b * t, 1, d)  # one query per frame, its own memory
        attended = self.cross_attention(aligned, memory + memory_pos, memory,
                                        key_padding_mask=memory_padding, need_weights=False)[0]
        x = self.norm2(x + self.dropout2(attended.reshape(b, t, d)))
        return self.norm3(x + self.dropout3(self.ffn(x)))


@dataclass
class TubeOutputs:
    """The head's predictions at every decoder layer (the last one is the prediction).

    boxes   [layers, B, T, 4]  normalised cxcywh (fractions of the model input's width / height)
    sted    [layers, B, T, 2]  start (``[..., 0]``) and end (``[..., 1]``) logits over frames
    pointer [B, T, N]          the sentence pointer's logits over each frame's patches (row-major
                               on the grid)
    """

    boxes: Tensor
    sted: Tensor
    pointer: Tensor


class TubeDETRHead(nn.Module):
    """The head of the module docstring.

    Args:
        token_dim: C. embed_dim: D. text_width: W.
        width: d. heads: attention heads. ffn: hidden width of the FFNs (default 4 d).
        encoder_layers / decoder_layers: depths. dropout: in every layer.
        sted_dropout: TubeDETR's dropout of the start / end MLP (0.5).
        token_motion: add each patch token's motion to its projection (module docstring).
    """

    def __init__(self, token_dim: int, embed_dim: int, text_width: int, width: int = 128,
                 heads: int = 4, ffn: Optional[int] = None, encoder_layers: int = 1,
                 decoder_layers: int = 2, dropout: float = 0.1, sted_dropout: float = 0.5,
                 token_motion: bool = True):
        super().__init__()
        if width % heads or width % 4:
            raise ValueError(f"width {width} must be divisible by heads ({heads}) and by 4")
        if encoder_layers < 0 or decoder_layers < 1:
            raise ValueError(f"need encoder_layers >= 0 and decoder_layers >= 1, got "
                             f"{encoder_layers} / {decoder_layers}")
        ffn = ffn or 4 * width
        self.width = width
        self.patch_projection = nn.Linear(token_dim, width)
        self.motion_projection = nn.Linear(token_dim, width) if token_motion else None
        self.embedding_projection = nn.Linear(embed_dim, width)
        self.text_projection = nn.Sequential(nn.Linear(text_width, width),
                                             nn.LayerNorm(width, eps=1e-12), nn.Dropout(0.1))
        self.sentence_projection = nn.Linear(embed_dim, width)
        self.pointer_sentence = nn.Linear(width, width)
        self.pointer_memory = nn.Linear(width, width)
        self.anchor_projection = nn.Linear(4, width)
        self.frame_token_position = nn.Parameter(torch.zeros(width))
        self.clip_token_position = nn.Parameter(torch.zeros(width))
        self.text_position = nn.Parameter(torch.zeros(width))
        self.query_embedding = nn.Parameter(torch.zeros(width))
        self.encoder = nn.ModuleList(EncoderLayer(width, heads, ffn, dropout)
                                     for _ in range(encoder_layers))
        self.decoder = nn.ModuleList(TimeAlignedDecoderLayer(width, heads, ffn, dropout)
                                     for _ in range(decoder_layers))
        self.decoder_norm = nn.LayerNorm(width)
        for name, param in self.named_parameters():
            if param.dim() > 1 and (name.startswith("encoder") or name.startswith("decoder")):
                nn.init.xavier_uniform_(param)
        for param in (self.frame_token_position, self.clip_token_position, self.text_position,
                      self.query_embedding):
            nn.init.normal_(param, std=0.02)
        self.box_head = MLP(width, width, 4, 3)
        self.sted_head = MLP(width, width, 2, 2, dropout=sted_dropout)

    def memory(self, tokens: Tensor, frames: Tensor, video: Tensor, grid: tuple[int, int],
               text: Tensor, text_mask: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Encoder memory ``[B·T, S, d]``, its positions ``[B·T, S, d]`` and padding ``[B·T, S]``
        (True = masked) with S = N + 2 + L."""
        if tokens.dim() != 4:
            raise ValueError(f"video tokens must be [B, T, N, C], got {tuple(tokens.shape)}")
        b, t, n, _ = tokens.shape
        if grid[0] * grid[1] != n:
            raise ValueError(f"grid {tuple(grid)} does not hold the {n} patch tokens per frame")
        patches = self.patch_projection(tokens)
        if self.motion_projection is not None:
            patches = patches + self.motion_projection(frame_steps(tokens, dim=1).abs())
        dtype = patches.dtype
        frame_token = self.embedding_projection(frames.to(dtype))[:, :, None]
        clip_token = self.embedding_projection(video.to(dtype))[:, None, None].expand(b, t, 1, -1)
        words = self.text_projection(text.to(dtype))[:, None].expand(b, t, -1, -1)
        memory = torch.cat([patches, frame_token, clip_token, words], dim=2).flatten(0, 1)
        positions = torch.cat([
            sine_grid_embedding(*grid, self.width, device=tokens.device, dtype=dtype),
            self.frame_token_position[None].to(dtype), self.clip_token_position[None].to(dtype),
            self.text_position[None].to(dtype).expand(text.shape[1], -1)])
        positions = positions[None].expand(memory.shape[0], -1, -1)
        visual = torch.zeros(b, n + 2, dtype=torch.bool, device=tokens.device)
        padding = torch.cat([visual, ~text_mask.bool()], dim=1).repeat_interleave(t, dim=0)
        for layer in self.encoder:
            memory = layer(memory, positions, padding)
        return memory, positions, padding

    def forward(self, tokens: Tensor, frames: Tensor, video: Tensor, grid: tuple[int, int],
                text: Tensor, text_mask: Tensor, sentence: Tensor,
                frame_valid: Optional[Tensor] = None) -> TubeOutputs:
        """Predict a tube for each of B (video, sentence) pairs.

        Args:
            tokens ``[B, T, N, C]``, frames ``[B, T, D]``, video ``[B, D]``, grid ``(h, w)``: the
                paradigm's ``VideoFeatures``.
            text ``[B, L, W]`` / text_mask ``[B, L]`` (True = a real token) / sentence ``[B, D]``:
                the sentence's ``TextTokens`` (tokens, mask, pooled).
            frame_valid: ``[B, T]`` bool, False on padded frames (variable-length batches).
        """
        b, t, n = tokens.shape[:3]
        memory, positions, padding = self.memory(tokens, frames, video, grid, text, text_mask)
        dtype = memory.dtype
        sentence = self.sentence_projection(sentence.to(dtype))  # [B, d]
        pointer, anchors, pointed = self.point(memory[:, :n], sentence, grid)
        query_pos = (self.query_embedding.to(dtype)
                     + sine_time_embedding(t, self.width, device=memory.device, dtype=dtype)[None]
                     + sentence[:, None] + self.anchor_projection(anchors).reshape(b, t, -1))
        frame_padding = None if frame_valid is None else ~frame_valid.bool()
        if frame_padding is not None:
            frame_padding = frame_padding.clone()
            frame_padding[:, 0] = False  # TubeDETR: never mask a whole row (NaN attention)
        x = pointed.reshape(b, t, -1)
        states = []
        for layer in self.decoder:
            x = layer(x, query_pos, memory, positions, frame_padding, padding)
            states.append(self.decoder_norm(x))
        hidden = torch.stack(states)  # [layers, B, T, d]
        raw = self.box_head(hidden).float()
        centre = torch.logit(anchors[:, :2].float().reshape(b, t, 2), eps=1e-4)
        boxes = torch.cat([(centre + raw[..., :2]).sigmoid(), raw[..., 2:].sigmoid()], dim=-1)
        return TubeOutputs(boxes=boxes, sted=self.sted_head(hidden),
                           pointer=pointer.reshape(b, t, n))

    def point(self, patches: Tensor, sentence: Tensor, grid: tuple[int, int]
              ) -> tuple[Tensor, Tensor, Tensor]:
        """The sentence pointer (module docstring) over ``patches [B·T, N, d]`` of videos whose
        projected sentence is ``sentence [B, d]``: logits ``[B·T, N]``, anchors ``[B·T, 4]``
        (centre x, y and spread x, y, normalised) and the pointed-at features ``[B·T, d]``."""
        frames = patches.shape[0] // sentence.shape[0]
        keys = self.pointer_memory(patches)
        query = self.pointer_sentence(sentence).repeat_interleave(frames, dim=0)
        logits = (keys @ query[:, :, None]).squeeze(-1) / math.sqrt(self.width)
        weights = logits.float().softmax(dim=-1)
        centres = patch_centres(*grid, device=patches.device)  # [N, 2]
        centre = weights @ centres
        spread = ((weights @ centres.square() - centre.square()).clamp(min=0) + 1e-8).sqrt()
        pointed = (weights.to(patches.dtype)[:, None] @ patches).squeeze(1)
        return logits, torch.cat([centre, spread], dim=-1).to(patches.dtype), pointed
