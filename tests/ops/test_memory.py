"""The allocator setting of ``zoo.ops.memory``: freed large tensors leave the process, applied
to large backbones only, never over the user's own setting."""

import subprocess
import sys

import pytest

from zoo.ops import memory

PROBE = """
import sys, torch
from zoo.ops.memory import fixed_mmap_threshold
def rss():
    return next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmRSS')) / 1024
if sys.argv[1] == 'fixed':
    assert fixed_mmap_threshold()
def step(keep):  # a training step's pattern: large temporaries freed around small live tensors
    big = torch.ones(4 * 2 ** 18)  # 4 MiB
    keep.append(torch.ones(2 ** 14))  # 64 KiB, kept
    held = [torch.ones(3 * 2 ** 18) for _ in range(3)]
    del big, held
step([])  # warm-up: torch's first allocations map its own pages
base = rss()
keep = []
for i in range(40):
    step(keep)
print(rss() - base)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator and /proc")
def test_freed_tensors_leave_the_process_with_the_fixed_threshold():
    """Large tensors freed between small live ones: with glibc's dynamic threshold they come
    from the heap and part stays resident (10-160 MiB here, run to run); with the fixed one the
    process keeps only the small live tensors (2.5 MiB)."""
    def resident(mode: str) -> float:
        done = subprocess.run([sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True)
        return float(done.stdout.strip().splitlines()[-1])

    fixed = resident("fixed")
    assert fixed < 6  # the 40 small live tensors: 2.5 MiB
    assert resident("default") > fixed


def test_policy_applies_to_large_backbones_only(monkeypatch):
    calls = []
    monkeypatch.setattr(memory, "fixed_mmap_threshold", lambda: calls.append(True) or True)
    assert memory.memory_policy_for(192) is False and calls == []  # tiny: speed first
    assert memory.memory_policy_for(768) is True and calls == [True]  # ViT-B/16


@pytest.mark.parametrize("variable, value", [("MALLOC_MMAP_THRESHOLD_", "65536"), ("ZOO_DEFAULT_MALLOC", "1")])
def test_the_users_setting_wins(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    assert memory.fixed_mmap_threshold() is False
