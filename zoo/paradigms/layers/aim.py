"""AIM's adapters (Yang et al., ICLR 2023; ``taoyang1122/adapt-image-models``, ``vit_clip.py``).

Each frozen CLIP block gets three bottleneck adapters (``reference/methods.md`` §1.6):

1. **temporal**: the tokens are regrouped so that each spatial position is a sequence over the
   T frames (``(b t) n c -> (b n) t c``); the block's own frozen ``ln_1`` + attention runs over
   time, its output goes through the temporal adapter (no internal skip) and is added residually;
2. **spatial**: the block's normal attention output goes through the spatial adapter, which keeps
   its internal skip (``attn + adapter(attn)``);
3. **MLP**: a parallel branch next to the frozen MLP, ``x + mlp(ln_2 x) + s * adapter(ln_2 x)``
   with ``s = 0.5``.

Adapters are ``Linear(C -> C/4) -> GELU -> Linear(C/4 -> C)``; the down-projection is
truncated-normal (std 0.02, bias 0), the up-projection (official ``D_fc2``) is zero, so at
initialisation the temporal and MLP branches add exactly 0 and the spatial adapter is the
identity: the block equals the frozen block. Per ViT-B/16 block: 3 × 295,872 parameters.
"""

from __future__ import annotations

import torch
from timm.layers import DropPath, trunc_normal_
from torch import nn


class BottleneckAdapter(nn.Module):
    """``[..., C] -> [..., C]``: ``up(GELU(down(x)))``, plus ``x`` when ``skip``."""

    def __init__(self, width: int, bottleneck: int, skip: bool):
        super().__init__()
        self.skip = skip
        self.down = nn.Linear(width, bottleneck)
        self.act = nn.GELU()
        self.up = nn.Linear(bottleneck, width)
        trunc_normal_(self.down.weight, std=0.02)
        nn.init.zeros_(self.down.bias)
        nn.init.zeros_(self.up.weight)
        nn.init.zeros_(self.up.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        delta = self.up(self.act(self.down(x)))
        return x + delta if self.skip else delta

    def extra_repr(self) -> str:
        return f"skip={self.skip}"


class AIMBlockAdapters(nn.Module):
    """The adapters of one block, and the adapted forward of that (frozen) block.

    ``temporal_adapters=2`` is AIM's SSv2 setting: an extra adapter with skip
    (``T_Adapter_in``) between ``ln_1`` and the temporal attention.
    """

    def __init__(self, width: int, bottleneck: int, scale: float = 0.5, drop_path: float = 0.0,
                 temporal_adapters: int = 1):
        super().__init__()
        if temporal_adapters not in (1, 2):
            raise ValueError(f"temporal_adapters must be 1 or 2, got {temporal_adapters}")
        self.scale = scale
        self.temporal_input_adapter = (BottleneckAdapter(width, bottleneck, skip=True)
                                       if temporal_adapters == 2 else None)
        self.temporal_adapter = BottleneckAdapter(width, bottleneck, skip=False)
        self.spatial_adapter = BottleneckAdapter(width, bottleneck, skip=True)
        self.mlp_adapter = BottleneckAdapter(width, bottleneck, skip=False)
        self.drop_path = DropPath(drop_path) if drop_path > 0 else nn.Identity()

    def temporal_attention(self, block: nn.Module, x: torch.Tensor, t: int) -> torch.Tensor:
        """``[B*T, N, C] -> [B*T, N, C]``: the block's frozen ``ln_1`` + attention over the T
        frames of each token position, through the temporal adapter(s)."""
        bt, n, c = x.shape
        xt = x.unflatten(0, (bt // t, t)).transpose(1, 2).flatten(0, 1)  # [B*N, T, C]
        xt = block.ln_1(xt)
        if self.temporal_input_adapter is not None:
            xt = self.temporal_input_adapter(xt)
        xt = self.temporal_adapter(block.ls_1(block.attention(q_x=xt)))
        return xt.unflatten(0, (bt // t, n)).transpose(1, 2).flatten(0, 1)

    def forward(self, block: nn.Module, x: torch.Tensor, t: int) -> torch.Tensor:
        """Run open_clip ``ResidualAttentionBlock`` ``block`` adapted: ``[B*T, N, C]`` (frames of a
        clip adjacent) -> ``[B*T, N, C]``."""
        if x.shape[0] % t:
            raise ValueError(f"AIM: {x.shape[0]} frames are not a whole number of {t}-frame clips")
        x = x + self.drop_path(self.temporal_attention(block, x, t))
        x = x + self.spatial_adapter(block.ls_1(block.attention(q_x=block.ln_1(x))))
        normed = block.ln_2(x)
        return x + block.ls_2(block.mlp(normed)) + self.drop_path(self.scale * self.mlp_adapter(normed))
