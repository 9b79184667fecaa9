"""Process memory: how freed tensor memory goes back to the kernel (glibc's allocator).

PyTorch's CPU allocator is the C library's ``malloc``. glibc serves requests above its *mmap
threshold* with ``mmap`` (given back to the kernel on ``free``) and smaller ones from its heap
(kept resident after ``free`` until reused or trimmed). The threshold is dynamic by default: each
freed mmapped block raises it to that block's size (up to 32 MiB), so after the first training
step most activation tensors (a few MiB each for ViT-B/16) come from the heap, and the heap's
fragmentation stays resident. Measured on one ViT-B/16 AIM training step (8x224, batch 1, fp32,
2-core AMD EPYC): peak RSS 3.30 GiB with the default, 2.79 GiB with a fixed 1 MiB threshold (the
process falls back to 1.4 GiB between steps instead of staying at 3.3 GiB), at the same step
time. The price is a page fault per fresh page of every large tensor: for ``tiny`` (width 192,
little compute per byte) a training step ran 1.5-1.8x slower, so the threshold is fixed only for
large backbones.

:func:`fixed_mmap_threshold` fixes the threshold (``mallopt(M_MMAP_THRESHOLD)``, which also turns
the dynamic raise off); :func:`memory_policy_for` applies it to backbones at least
:data:`LARGE_WIDTH` wide (ViT-B and larger) and is what a task calls when Lightning sets it up
(fit, validate, test, predict). Both are no-ops off glibc, and when the user set
``MALLOC_MMAP_THRESHOLD_`` (their setting wins) or ``ZOO_DEFAULT_MALLOC=1`` (keep glibc's
default).
"""

from __future__ import annotations

import ctypes
import os

#: ``M_MMAP_THRESHOLD`` of glibc's ``<malloc.h>``.
_M_MMAP_THRESHOLD = -3
#: zoo's threshold: tensors of 1 MiB and more are mmapped (a ViT-B/16 frame's tokens are 0.6 MiB).
DEFAULT_MMAP_THRESHOLD = 1 << 20
#: The vision width from which :func:`memory_policy_for` fixes the threshold (ViT-B/32: 768).
LARGE_WIDTH = 512


def _libc():
    try:
        return ctypes.CDLL(None)
    except OSError:
        return None


def fixed_mmap_threshold(threshold: int = DEFAULT_MMAP_THRESHOLD) -> bool:
    """Serve allocations of ``threshold`` bytes and more with ``mmap`` from now on, so that freed
    tensors leave the process (module docstring). Returns whether the setting was applied."""
    if os.environ.get("MALLOC_MMAP_THRESHOLD_") or os.environ.get("ZOO_DEFAULT_MALLOC") == "1":
        return False
    libc = _libc()
    mallopt = getattr(libc, "mallopt", None)
    if mallopt is None:
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, int(threshold)))


def memory_policy_for(width: int) -> bool:
    """Fix the mmap threshold when the backbone is ``width`` >= :data:`LARGE_WIDTH` wide (module
    docstring); returns whether it was applied."""
    return width >= LARGE_WIDTH and fixed_mmap_threshold()


def return_freed_memory() -> None:
    """Give freed heap memory back to the kernel (glibc's ``malloc_trim(0)``; a no-op where there
    is none). Freed tensors of a few MiB live in glibc's heap, which keeps their pages resident:
    without this, dropping ViT-B/16's text tower (242 MiB) shrank the process by ~100 MiB only
    (the rest stayed resident until later allocations reused it)."""
    trim = getattr(_libc(), "malloc_trim", None)
    if trim is not None:
        trim(0)
