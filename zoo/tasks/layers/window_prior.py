"""The "most frequent window" baseline of temporal grounding: one window, read off the training
split's annotations, predicted for every query whatever the video and the sentence say.

Every training window is normalised by its video's duration and its start and end are rounded to
the nearest multiple of ``1 / bins`` (``bins = 16``: half-second steps in the world's 8-s
videos); the most frequent (start, end) pair is the prior (among equally frequent pairs the
earliest, then the shortest). For a test query of duration ``D`` the prediction is the prior
times ``D``. A model that does not beat it clearly has learnt the dataset's window statistics,
not grounding (the "blind" baselines of Otani et al., BMVC 2020).
"""

from __future__ import annotations

from collections import Counter
from typing import Iterable

import torch


def most_frequent_window(windows: Iterable[tuple[float, float]], durations: Iterable[float],
                         bins: int = 16) -> tuple[float, float]:
    """The prior ``(start, end)`` as fractions of the duration (module docstring)."""
    if bins < 1:
        raise ValueError(f"bins must be >= 1, got {bins}")
    counts: Counter = Counter()
    for (start, end), duration in zip(windows, durations):
        if not duration > 0 or end < start:
            raise ValueError(f"window ({start}, {end}) of a {duration}-s video: need end >= start "
                             "and a positive duration")
        counts[(round(start / duration * bins), round(end / duration * bins))] += 1
    if not counts:
        raise ValueError("most_frequent_window needs at least one training window")
    best = max(counts.values())
    start, end = min(pair for pair, count in counts.items() if count == best)
    return start / bins, end / bins


def prior_predictions(prior: tuple[float, float], durations: torch.Tensor) -> torch.Tensor:
    """``[N, 1, 2]`` seconds: the prior window scaled to each query's duration ``[N]``."""
    fractions = torch.tensor(prior, dtype=torch.float64)
    return (durations.double()[:, None] * fractions[None])[:, None]
