"""Shared test settings: deterministic, offline, one torch thread per test process.

The suite runs under pytest-xdist with one worker per core (``make test``); each worker uses a
single intra-op thread, which is also far faster than two threads fighting over a busy core.
"""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import pytest  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)
    yield
