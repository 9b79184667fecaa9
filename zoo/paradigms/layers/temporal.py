"""Temporal transformer pieces shared by paradigms that model time over frame features.

The blocks are open_clip ``ResidualAttentionBlock``s (pre-norm attention + MLP, the block CLIP
itself uses) with explicit-Linear attention, so the temporal modules of CLIP4Clip, X-CLIP and
Ju et al. count parameters exactly like their CLIP-block originals.
"""

from __future__ import annotations

import torch
from open_clip.transformer import QuickGELU, ResidualAttentionBlock
from torch import nn

from zoo.backbones.attention import convert_attention


def make_blocks(width: int, layers: int, heads: int, quick_gelu: bool = True) -> nn.ModuleList:
    """``layers`` fresh CLIP-style blocks of ``width`` with ``heads`` heads (batch-first)."""
    act = QuickGELU if quick_gelu else nn.GELU
    blocks = nn.ModuleList(ResidualAttentionBlock(width, heads, act_layer=act) for _ in range(layers))
    convert_attention(blocks)
    for module in blocks.modules():
        if isinstance(module, nn.Linear):
            nn.init.trunc_normal_(module.weight, std=0.02)
            nn.init.zeros_(module.bias)
    return blocks


class TemporalTransformer(nn.Module):
    """Position embedding + blocks over a sequence of frame features, with a residual to the
    input (``residual=False``: without, as Ju et al.): ``[B, T, D] -> [B, T, D]``.
    ``positions`` is the largest T supported."""

    def __init__(self, blocks: nn.ModuleList, width: int, positions: int, residual: bool = True):
        super().__init__()
        self.blocks = blocks
        self.residual = residual
        self.position_embedding = nn.Parameter(torch.empty(positions, width))
        nn.init.normal_(self.position_embedding, std=0.02)

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        t = frames.shape[1]
        if t > self.position_embedding.shape[0]:
            raise ValueError(f"{t} frames exceed the {self.position_embedding.shape[0]} temporal "
                             "positions this module was built for")
        x = frames + self.position_embedding[:t].to(frames.dtype)
        for block in self.blocks:
            x = block(x)
        return x + frames if self.residual else x
