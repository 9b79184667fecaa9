"""FLOPs counted by a tool, with the convention stated.

``count_gflops`` runs one forward under ``torch.utils.flop_counter.FlopCounterMode`` and reports
**GFLOPs with one multiply-add counted as one FLOP** (the fvcore convention of the papers' tables;
FlopCounterMode itself counts a multiply-add as 2 FLOPs, so its total is halved).

The counter silently skips kernels it has no formula for. On CPU, ``scaled_dot_product_attention``
dispatches to ``aten._scaled_dot_product_flash_attention_for_cpu``, which PyTorch's counter does
not know, so every attention matmul (QKᵀ and AV) would be missing from the total; we register the
same formula PyTorch uses for its GPU attention kernels. ``tests/test_flops.py`` cross-checks a
whole model against an analytic count (linear layers + attention matmuls + patch embedding).
"""

from __future__ import annotations

from typing import Callable

import torch
from torch.utils.flop_counter import FlopCounterMode, sdpa_flop_count

_aten = torch.ops.aten


def _cpu_flash_attention_flop(query_shape, key_shape, value_shape, *args, out_shape=None, **kwargs) -> int:
    return sdpa_flop_count(query_shape, key_shape, value_shape)


CUSTOM_FLOP_FORMULAS = {
    _aten._scaled_dot_product_flash_attention_for_cpu: _cpu_flash_attention_flop,
}


def count_flops(fn: Callable[[], object]) -> int:
    """FLOPs (FlopCounterMode's convention: 2 per multiply-add) of running ``fn()``."""
    with FlopCounterMode(display=False, custom_mapping=CUSTOM_FLOP_FORMULAS) as counter:
        fn()
    return counter.get_total_flops()


@torch.no_grad()
def count_gflops(module: torch.nn.Module, *inputs) -> float:
    """GFLOPs of ``module(*inputs)`` with one multiply-add = one FLOP (papers' convention)."""
    return count_flops(lambda: module(*inputs)) / 2 / 1e9
