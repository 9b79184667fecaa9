"""Which Lightning precision runs fastest here: bf16 autocast where the hardware computes bf16
natively (NVIDIA GPUs with bf16, CPUs with AMX or AVX512-BF16 units: ~3x faster than fp32 for
the tiny backbone on this machine), else full fp32. Used by ``zoo demo`` and ``zoo bench``."""

from __future__ import annotations

import torch


def resolve_precision(precision: str) -> str:
    """``auto``: bf16 autocast where the hardware computes bf16 natively, else fp32."""
    if precision != "auto":
        return precision
    if torch.cuda.is_available():
        return "bf16-mixed" if torch.cuda.is_bf16_supported() else "16-mixed"
    try:
        flags = open("/proc/cpuinfo").read()
    except OSError:
        return "32-true"
    return "bf16-mixed" if ("amx_bf16" in flags or "avx512_bf16" in flags) else "32-true"
