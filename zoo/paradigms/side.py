"""Side-tuning: a side network reads frozen intermediate features; no gradient through the backbone.

Variant ``evl`` — EVL, "Frozen CLIP models are efficient video learners" (Lin et al., ECCV 2022;
``OpenGVLab/efficient-video-recognition``, ``model.py``; ``reference/methods.md`` §1.2, §4.3).

- The frozen image tower runs under ``torch.no_grad`` and in eval mode: no autograd graph is
  built through it, so training memory is that of the side network only. From each of its last
  ``decoder_layers`` blocks the side network reads the block output ``[B, T, 1+L, C]`` and the
  block's attention q and k (``ln_1`` + ``attn.q_proj`` / ``attn.k_proj`` of the block input,
  taken from the block's own forward pass, as EVL's ``Attention`` returns them: nothing is
  computed twice), from which the attention maps between adjacent frames are formed (also without
  a graph). FLOPs: 151.29 GMACs per 8-frame ViT-B/16 view, EVL's official figure.
- A transformer decoder of width C (``decoder_layers`` layers, C/64 heads, MLP ratio 4, MLP
  dropout 0.5) holds one learnable query. Before decoder layer i, the tokens of backbone layer
  −(``decoder_layers`` − i) are enhanced by a depthwise temporal ``Conv1d`` (kernel 3), a temporal
  position embedding ``[T, C]`` (zeros) and EVL's temporal cross-attention term
  (:class:`CrossFrameRelativeTable`); the query then cross-attends to all T·(1+L) tokens.
- ``VideoFeatures.pooled = LayerNorm(query)`` (F = C), what the task's closed-set head reads; EVL's
  own head is ``LN -> Dropout(0.5) -> Linear(C, classes)``, whose LayerNorm is ``self.norm`` here
  and whose dropout and Linear are the recognition task's ``head_dropout`` and linear head.
- ``VideoFeatures.video = backbone.project(pooled)``: the decoder's output mapped into the joint
  space by CLIP's own (frozen) visual projection, the way CLIP maps its ``ln_post``-ed class
  token. Text-side tasks (text-classifier recognition, retrieval) therefore train the side
  network too, with no parameter beyond EVL's. (The alternative, the frozen frames' meanP, would
  leave the side network out of every text-side task.) ``frames`` and ``tokens`` are the frozen
  tower's own per-frame embeddings and patch tokens: the side network has no per-frame output.

Exact trainable count on ViT-B/16, 8 frames, with a 400-class head: 33,183,376 (16 frames
33,207,952; 32 frames 33,257,104; without the cross-frame tables 28,704,400), as methods.md §4.3.

Deviations from the official code, all without effect on the parameter count:
- The backbone is not cast to fp16 (mixed precision is the trainer's choice, ``--trainer.precision``).
- The query starts from normal(std 0.02), the initialisation EVL's ``_initialize_weights``
  defines; the official decoder never calls that method, so its ``cls_token`` stays zero.
- The backbone is CLIP as open_clip builds it, with ``ln_pre`` (EVL's ``ViT-B/16-lnpre``).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Optional

import torch
import torch.nn.functional as F
from open_clip.transformer import LayerNorm, QuickGELU
from torch import nn

from zoo.backbones.clip import Backbone
from zoo.backbones.attention import LinearAttention
from zoo.interfaces import VideoFeatures, VideoTextModel
from zoo.registry import PARADIGMS
from zoo.specs import paradigm_spec


@dataclass
class FrozenLayerFeatures:
    """What the side network reads from one frozen block (no tensor here requires grad).

    tokens                 [B, T, 1+L, C]  the block's output
    attention_to_previous  [B, T-1, L, L]  patches of frame t (t = 1..T-1) attending to the
                                           patches of frame t-1: softmax over keys, head mean
    attention_to_next      [B, T-1, L, L]  patches of frame t (t = 0..T-2) attending to frame t+1
    """

    tokens: torch.Tensor
    attention_to_previous: torch.Tensor
    attention_to_next: torch.Tensor


def adjacent_frame_attention(q: torch.Tensor, k: torch.Tensor, heads: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Attention maps between the patches of adjacent frames, from a block's q and k.

    ``q``, ``k`` ``[B, T, 1+L, C]`` (the class token is dropped) -> (to previous, to next), each
    ``[B, T-1, L, L]``: scaled dot products per head, softmax over the keys, mean over heads.
    """
    b, t, n, c = q.shape
    q = q[:, :, 1:].reshape(b, t, n - 1, heads, c // heads).transpose(2, 3) / (c // heads) ** 0.5
    k = k[:, :, 1:].reshape(b, t, n - 1, heads, c // heads).transpose(2, 3)
    to_previous = (q[:, 1:] @ k[:, :-1].transpose(-2, -1)).softmax(dim=-1).mean(dim=2)
    to_next = (q[:, :-1] @ k[:, 1:].transpose(-2, -1)).softmax(dim=-1).mean(dim=2)
    return to_previous, to_next


def block_with_query_key(block: nn.Module, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``block(x)`` and the q and k its attention computed on the way (``attn.q_proj`` /
    ``attn.k_proj`` of ``ln_1(x)``), each ``[N, 1+L, C]``.

    q and k are taken from the block's own forward pass by hooks on the two projections, as EVL's
    ``Attention`` returns them, so the block computes ``ln_1`` and the projections once: recomputing
    them outside cost 4 · 2 · (1+L) · C² multiply-adds per frame for EVL's 4 layers (7.44 GMACs on
    an 8-frame ViT-B/16 view, whose official count is 151.29)."""
    captured: dict[str, torch.Tensor] = {}

    def keep(name: str):
        def hook(_module, _inputs, output):
            if name in captured:
                raise RuntimeError(f"attn.{name}_proj ran twice in one block: q/k capture needs "
                                   "one self-attention call per block")
            captured[name] = output
        return hook

    handles = [block.attn.q_proj.register_forward_hook(keep("q")),
               block.attn.k_proj.register_forward_hook(keep("k"))]
    try:
        out = block(x)
    finally:
        for handle in handles:
            handle.remove()
    if set(captured) != {"q", "k"}:
        raise RuntimeError(f"block {type(block).__name__} did not call attn.q_proj and attn.k_proj")
    return out, captured["q"], captured["k"]


def frozen_layer_features(backbone: Backbone, video: torch.Tensor,
                          num_layers: int) -> tuple[list[FrozenLayerFeatures], torch.Tensor]:
    """Run ``video [B, T, 3, H, W]`` through the frozen tower without building a graph.

    Returns the :class:`FrozenLayerFeatures` of the last ``num_layers`` blocks (in order) and the
    final block's output ``[B*T, 1+L, C]`` (for the tower's own frame embeddings). Each block runs
    once; the attention q and k of the last ``num_layers`` come from that same pass
    (:func:`block_with_query_key`).
    """
    b, t = video.shape[:2]
    first = backbone.num_layers - num_layers
    features = []
    with torch.no_grad():
        x = backbone.embed(video.flatten(0, 1))
        for i, block in enumerate(backbone.blocks):
            if i >= first:
                x, q, k = block_with_query_key(block, x)
                to_previous, to_next = adjacent_frame_attention(q.unflatten(0, (b, t)), k.unflatten(0, (b, t)),
                                                                block.attn.num_heads)
                features.append(FrozenLayerFeatures(x.unflatten(0, (b, t)), to_previous, to_next))
            else:
                x = block(x)
    return features, x


def relative_position_index(grid: tuple[int, int]) -> torch.Tensor:
    """``[L, L]`` index into a ``[(2h-1)(2w-1), C]`` table of 2-D offsets between query patch
    (row-major, L = h·w) and key patch: ``(qi-ki+h-1)·(2w-1) + (qj-kj+w-1)``."""
    h, w = grid
    rows = torch.arange(h).repeat_interleave(w)
    cols = torch.arange(w).repeat(h)
    return (rows[:, None] - rows[None, :] + h - 1) * (2 * w - 1) + (cols[:, None] - cols[None, :] + w - 1)


class CrossFrameRelativeTable(nn.Module):
    """EVL's temporal cross-attention (``TemporalCrossAttention``): each patch receives the
    attention-weighted sum, over the patches of the previous (next) frame, of a learned vector per
    2-D offset, from ``table_previous`` (EVL's ``w1``) and ``table_next`` (``w2``), both
    ``[(2h-1)(2w-1), C]`` and zero at initialisation. The class token and the missing neighbour of
    the first (last) frame receive nothing."""

    def __init__(self, grid: tuple[int, int], width: int):
        super().__init__()
        size = (2 * grid[0] - 1) * (2 * grid[1] - 1)
        self.grid = tuple(grid)
        self.table_previous = nn.Parameter(torch.zeros(size, width))
        self.table_next = nn.Parameter(torch.zeros(size, width))
        self.register_buffer("index", relative_position_index(self.grid), persistent=False)

    def forward(self, features: FrozenLayerFeatures) -> torch.Tensor:
        """-> ``[B, T, 1+L, C]`` to add to ``features.tokens``."""
        to_previous, to_next = features.attention_to_previous, features.attention_to_next
        if to_previous.shape[-1] != self.index.shape[0]:
            raise ValueError(f"the cross-frame tables were built for a {self.grid} patch grid "
                             f"({self.index.shape[0]} patches); the frames have {to_previous.shape[-1]}")
        dtype = features.tokens.dtype
        from_previous = torch.einsum("btqk,qkc->btqc", to_previous.to(dtype), self.table_previous[self.index].to(dtype))
        from_next = torch.einsum("btqk,qkc->btqc", to_next.to(dtype), self.table_next[self.index].to(dtype))
        # pad: no class-token row (dim 2, before), no previous for frame 0 / no next for frame T-1
        return F.pad(from_previous, (0, 0, 1, 0, 1, 0)) + F.pad(from_next, (0, 0, 1, 0, 0, 1))


class DecoderLayer(nn.Module):
    """EVL's ``TransformerDecoderLayer``: ``query [B, 1, C]`` cross-attends to ``memory [B, M, C]``.

    ``query + attn(norm_query(query), norm_memory(memory))``, then ``+ mlp(norm_mlp(.))`` with
    ``fc1 -> QuickGELU -> Dropout -> fc2``. Initialisation as EVL: xavier-uniform weights, zero
    attention biases, normal(1e-6) MLP biases.
    """

    def __init__(self, width: int, heads: int, mlp_ratio: float = 4.0, mlp_dropout: float = 0.5):
        super().__init__()
        hidden = round(mlp_ratio * width)
        self.norm_query = LayerNorm(width)
        self.norm_memory = LayerNorm(width)
        self.attn = LinearAttention(width, heads)
        self.norm_mlp = LayerNorm(width)
        self.mlp = nn.Sequential(OrderedDict([
            ("fc1", nn.Linear(width, hidden)), ("act", QuickGELU()),
            ("dropout", nn.Dropout(mlp_dropout)), ("fc2", nn.Linear(hidden, width))]))
        for linear in (self.attn.q_proj, self.attn.k_proj, self.attn.v_proj, self.attn.out_proj):
            nn.init.xavier_uniform_(linear.weight)
            nn.init.zeros_(linear.bias)
        for linear in (self.mlp.fc1, self.mlp.fc2):
            nn.init.xavier_uniform_(linear.weight)
            nn.init.normal_(linear.bias, std=1e-6)

    def forward(self, query: torch.Tensor, memory: torch.Tensor) -> torch.Tensor:
        memory = self.norm_memory(memory)
        query = query + self.attn(self.norm_query(query), memory, memory)[0]
        return query + self.mlp(self.norm_mlp(query))


class EVLDecoder(nn.Module):
    """One learnable query decoded over the enhanced tokens of the last frozen blocks:
    ``list[FrozenLayerFeatures]`` (one per layer) -> ``[B, C]``."""

    def __init__(self, width: int, heads: int, num_layers: int, num_frames: int,
                 grid: tuple[int, int], mlp_ratio: float = 4.0, mlp_dropout: float = 0.5,
                 temporal_conv: bool = True, temporal_position_embedding: bool = True,
                 temporal_cross_attention: bool = True):
        super().__init__()
        self.num_frames = num_frames
        self.layers = nn.ModuleList(DecoderLayer(width, heads, mlp_ratio, mlp_dropout) for _ in range(num_layers))
        self.temporal_convs = nn.ModuleList(
            nn.Conv1d(width, width, kernel_size=3, padding=1, groups=width) for _ in range(num_layers)
        ) if temporal_conv else None
        self.temporal_position_embeddings = nn.ParameterList(
            nn.Parameter(torch.zeros(num_frames, width)) for _ in range(num_layers)
        ) if temporal_position_embedding else None
        self.cross_frame_tables = nn.ModuleList(
            CrossFrameRelativeTable(grid, width) for _ in range(num_layers)
        ) if temporal_cross_attention else None
        self.query = nn.Parameter(torch.zeros(width))
        nn.init.normal_(self.query, std=0.02)

    def enhance(self, i: int, features: FrozenLayerFeatures) -> torch.Tensor:
        """The tokens of layer ``i`` plus its temporal conv, position and cross-frame terms:
        ``[B, T, 1+L, C]``."""
        x = features.tokens
        b, t, n, c = x.shape
        if self.temporal_convs is not None:
            conv = self.temporal_convs[i](x.permute(0, 2, 3, 1).flatten(0, 1))  # [B*(1+L), C, T]
            x = x + conv.unflatten(0, (b, n)).permute(0, 3, 1, 2)
        if self.temporal_position_embeddings is not None:
            x = x + self.temporal_position_embeddings[i].to(x.dtype)[:, None]
        if self.cross_frame_tables is not None and t > 1:
            x = x + self.cross_frame_tables[i](features)
        return x

    def forward(self, layers: list[FrozenLayerFeatures]) -> torch.Tensor:
        if len(layers) != len(self.layers):
            raise ValueError(f"the decoder has {len(self.layers)} layers but got features of {len(layers)}")
        b, t = layers[0].tokens.shape[:2]
        if t != self.num_frames:
            raise ValueError(f"the side network was built for num_frames={self.num_frames} "
                             f"(its temporal position embeddings), got clips of {t} frames")
        query = self.query.to(layers[0].tokens.dtype).expand(b, 1, -1)
        for i, layer in enumerate(self.layers):
            query = layer(query, self.enhance(i, layers[i]).flatten(1, 2))
        return query[:, 0]


@PARADIGMS.register
class SideNetwork(VideoTextModel):
    """Frozen tower, no graph through it; a trainable side network reads its last blocks."""

    paradigm = "side"
    family = "frozen features"
    summary = "a side network reading frozen intermediate features, no gradient through the backbone"
    variants = ("evl",)

    def __init__(self, backbone: Backbone, variant: Optional[str] = None, num_frames: int = 8,
                 decoder_layers: int = 4, decoder_heads: Optional[int] = None,
                 mlp_ratio: float = 4.0, mlp_dropout: float = 0.5, temporal_conv: bool = True,
                 temporal_position_embedding: bool = True, temporal_cross_attention: bool = True):
        super().__init__(backbone, variant, num_frames)
        if not 1 <= decoder_layers <= backbone.num_layers:
            raise ValueError(f"decoder_layers must be between 1 and the backbone's "
                             f"{backbone.num_layers} blocks, got {decoder_layers}")
        width = backbone.width
        self.decoder_layers = decoder_layers
        self.decoder_heads = decoder_heads or max(width // 64, 1)
        self.options = {"mlp_ratio": mlp_ratio, "mlp_dropout": mlp_dropout,
                        "temporal_conv": temporal_conv,
                        "temporal_position_embedding": temporal_position_embedding,
                        "temporal_cross_attention": temporal_cross_attention}
        self.decoder = EVLDecoder(width, self.decoder_heads, decoder_layers, num_frames,
                                  backbone.grid, **self.options)
        self.norm = nn.LayerNorm(width)

    def extra_config(self) -> dict:
        return {"decoder_layers": self.decoder_layers, "decoder_heads": self.decoder_heads, **self.options}

    def train(self, mode: bool = True) -> "SideNetwork":
        """The frozen tower stays in eval mode (as EVL's ``backbone.eval()``)."""
        super().train(mode)
        self.backbone.eval()
        return self

    def encode_video(self, video: torch.Tensor) -> VideoFeatures:
        b, t = video.shape[:2]
        layers, last = frozen_layer_features(self.backbone, video, self.decoder_layers)
        with torch.no_grad():
            cls, patches = self.backbone.post(last)
            frames = self.backbone.project(cls).unflatten(0, (b, t))
        pooled = self.norm(self.decoder(layers))
        return VideoFeatures(video=self.backbone.project(pooled), frames=frames,
                             tokens=patches.unflatten(0, (b, t)), grid=self.grid, pooled=pooled)

    # ------------------------------------------------------------------ frozen-feature cache
    # The frozen tower's part is a fixed function of each frame (block outputs, q, k), cached
    # once by zoo.data.cache; encode_frozen forms the cross-frame maps and runs the decoder, and
    # equals encode_video on the same frames (tests/data/test_cache.py).
    def frozen_fields(self, tokens: bool = False) -> tuple[str, ...]:
        """Per decoder layer j (backbone block ``num_layers - decoder_layers + j``): its output
        ``layer{j}`` and the q / k of its input ``q{j}`` / ``k{j}``; the frame ``embeddings``;
        ``patches`` with ``tokens``."""
        per_layer = tuple(f"{kind}{j}" for j in range(self.decoder_layers) for kind in ("layer", "q", "k"))
        return per_layer + (("embeddings", "patches") if tokens else ("embeddings",))

    def frozen_frame_features(self, frames: torch.Tensor, tokens: bool = False) -> dict[str, torch.Tensor]:
        """The frozen tower on ``frames [N, 3, H, W]`` (no graph): ``layer{j}``, ``q{j}``, ``k{j}``
        ``[N, 1+L, C]``, ``embeddings [N, D]``, and ``patches [N, L, C]`` with ``tokens``."""
        first = self.backbone.num_layers - self.decoder_layers
        fields: dict[str, torch.Tensor] = {}
        with torch.no_grad():
            x = self.backbone.embed(frames)
            for i, block in enumerate(self.backbone.blocks):
                if i >= first:  # q and k from the block's own pass, as frozen_layer_features
                    x, fields[f"q{i - first}"], fields[f"k{i - first}"] = block_with_query_key(block, x)
                    fields[f"layer{i - first}"] = x
                else:
                    x = block(x)
            cls, patches = self.backbone.post(x)
            fields["embeddings"] = self.backbone.project(cls)
            if tokens:
                fields["patches"] = patches
        return fields

    def encode_frozen(self, fields: dict[str, torch.Tensor]) -> VideoFeatures:
        """The side network on cached fields ``[B, T, ...]`` -> :class:`VideoFeatures`."""
        first = self.backbone.num_layers - self.decoder_layers
        layers = []
        with torch.no_grad():
            for j in range(self.decoder_layers):
                to_previous, to_next = adjacent_frame_attention(
                    fields[f"q{j}"], fields[f"k{j}"], self.backbone.blocks[first + j].attn.num_heads)
                layers.append(FrozenLayerFeatures(fields[f"layer{j}"], to_previous, to_next))
        pooled = self.norm(self.decoder(layers))
        return VideoFeatures(video=self.backbone.project(pooled), frames=fields["embeddings"],
                             tokens=fields.get("patches"), grid=self.grid, pooled=pooled)


SideSpec = paradigm_spec(SideNetwork)
