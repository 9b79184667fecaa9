"""ST-Adapter (Pan et al., NeurIPS 2022; ``linziyi96/st-adapter``, ``models_adapter.py``).

The adapter (``reference/methods.md`` §1.6) acts on the patch tokens of a clip:
``down: Linear(C -> A)`` -> patch tokens as a ``[B, A, T, h, w]`` volume -> depthwise
``Conv3d(A, A, kernel (3, 1, 1), padding (1, 0, 0), groups=A)`` -> ``up: Linear(A -> C)``, added
to the patch tokens; the class token passes unchanged. There is no nonlinearity. The conv weight
and bias and both Linear biases start at zero, so the adapter adds exactly 0 at initialisation.
Per adapter: ``(C·A + A) + (A·k_t·k_h·k_w + A) + (A·C + C)`` = 592,512 for ViT-B/16, A = 384.

Placement: the official 12x384 (Kinetics) model has one adapter per block **before the MLP**
(``adapter_pre_attn=False, adapter_pre_mlp=True``); 24x384 (SSv2) has one before attention and
one before the MLP.
"""

from __future__ import annotations

from typing import Optional, Sequence

import torch
from torch import nn

PLACEMENTS = ("pre_mlp", "pre_attn", "both")


class STAdapter(nn.Module):
    """``[B*T, 1+L, C] -> [B*T, 1+L, C]``, L = h·w patch tokens; only the patches change."""

    def __init__(self, width: int, adapter_width: int = 384, kernel_size: Sequence[int] = (3, 1, 1)):
        super().__init__()
        kernel_size = tuple(int(k) for k in kernel_size)
        if len(kernel_size) != 3 or any(k < 1 or k % 2 == 0 for k in kernel_size):
            raise ValueError(f"kernel_size must be three odd positive sizes (t, h, w), got {kernel_size}")
        self.down = nn.Linear(width, adapter_width)
        self.temporal_conv = nn.Conv3d(adapter_width, adapter_width, kernel_size,
                                       padding=tuple(k // 2 for k in kernel_size), groups=adapter_width)
        self.up = nn.Linear(adapter_width, width)
        for tensor in (self.temporal_conv.weight, self.temporal_conv.bias, self.down.bias, self.up.bias):
            nn.init.zeros_(tensor)

    def forward(self, x: torch.Tensor, t: int, grid: tuple[int, int]) -> torch.Tensor:
        bt, n, _ = x.shape
        if n - 1 != grid[0] * grid[1]:
            raise ValueError(f"ST-Adapter: {n - 1} patch tokens do not fill the {grid[0]}x{grid[1]} grid")
        if bt % t:
            raise ValueError(f"ST-Adapter: {bt} frames are not a whole number of {t}-frame clips")
        cls, patches = x[:, :1], x[:, 1:]
        h = self.down(patches).unflatten(0, (bt // t, t)).unflatten(2, grid)  # [B, T, h, w, A]
        h = self.temporal_conv(h.permute(0, 4, 1, 2, 3))                        # [B, A, T, h, w]
        h = h.permute(0, 2, 3, 4, 1).flatten(2, 3).flatten(0, 1)                 # [B*T, L, A]
        return torch.cat([cls, patches + self.up(h)], dim=1)


class STBlockAdapters(nn.Module):
    """The ST-Adapters of one block, and the adapted forward of that (frozen) block."""

    def __init__(self, width: int, adapter_width: int = 384, kernel_size: Sequence[int] = (3, 1, 1),
                 placement: str = "pre_mlp"):
        super().__init__()
        if placement not in PLACEMENTS:
            raise ValueError(f"placement must be one of {PLACEMENTS}, got {placement!r}")
        self.pre_attention: Optional[STAdapter] = (STAdapter(width, adapter_width, kernel_size)
                                                   if placement in ("pre_attn", "both") else None)
        self.pre_mlp: Optional[STAdapter] = (STAdapter(width, adapter_width, kernel_size)
                                             if placement in ("pre_mlp", "both") else None)

    def forward(self, block: nn.Module, x: torch.Tensor, t: int, grid: tuple[int, int]) -> torch.Tensor:
        """Run open_clip ``ResidualAttentionBlock`` ``block`` adapted: ``[B*T, 1+L, C]`` (frames of
        a clip adjacent) -> ``[B*T, 1+L, C]``."""
        if self.pre_attention is not None:
            x = self.pre_attention(x, t, grid)
        x = x + block.ls_1(block.attention(q_x=block.ln_1(x)))
        if self.pre_mlp is not None:
            x = self.pre_mlp(x, t, grid)
        return x + block.ls_2(block.mlp(block.ln_2(x)))
