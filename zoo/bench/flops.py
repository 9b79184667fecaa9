"""FLOPs counted by a tool, with the convention stated.

``count_gflops`` runs one forward under ``torch.utils.flop_counter.FlopCounterMode`` and reports
**GFLOPs with one multiply-add counted as one FLOP** (the fvcore convention of the papers' tables;
FlopCounterMode itself counts a multiply-add as 2 FLOPs, so its total is halved).

The counter silently skips kernels it has no formula for. On CPU, ``scaled_dot_product_attention``
dispatches to ``aten._scaled_dot_product_flash_attention_for_cpu``, which PyTorch's counter does
not know, so every attention matmul (QKᵀ and AV) would be missing from the total; we register the
same formula PyTorch uses for its GPU attention kernels. ``tests/bench/test_flops.py`` cross-checks
a whole model against an analytic count (linear layers + attention matmuls + patch embedding), and
``tests/paradigms/test_side.py`` EVL's ViT-B/16 against its official 151.29 GMACs per 8-frame view.

The count is of what the forward pass computes, so it also catches work done twice: EVL's side
network once recomputed its last blocks' ``ln_1`` and q/k projections (158.73 GMACs).
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


def count_gflops(module, *inputs) -> float:
    """GFLOPs of ``module(*inputs)`` with one multiply-add = one FLOP (papers' convention).

    ``module`` is an ``nn.Module`` or a bound method of one. Parameters are switched to
    ``requires_grad=False`` while counting (and restored): the counter's module tracker hooks
    every tensor that requires grad, which fails under ``no_grad`` for tensors derived from
    parameters."""
    owner = module if isinstance(module, torch.nn.Module) else getattr(module, "__self__", None)
    parameters = list(owner.parameters()) if isinstance(owner, torch.nn.Module) else []
    flags = [p.requires_grad for p in parameters]
    for p in parameters:
        p.requires_grad_(False)
    try:
        return count_flops(lambda: module(*inputs)) / 2 / 1e9
    finally:
        for p, flag in zip(parameters, flags):
            p.requires_grad_(flag)
