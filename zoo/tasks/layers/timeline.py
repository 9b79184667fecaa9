"""A picture of a temporal-grounding prediction: thumbnails of the video over a timeline with the
saliency curve, the predicted moments (the best one solid, the rest fainter, each with its score)
and, when known, the true windows.

:func:`draw_timeline` writes a static image (``.png``; matplotlib's ``.jpg`` / ``.pdf`` /
``.svg`` too) with matplotlib's non-interactive Agg canvas, so it runs without a display.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Sequence, Union

import numpy as np

STATIC_SUFFIXES = (".png", ".jpg", ".jpeg", ".pdf", ".svg")
MAX_THUMBNAILS = 8


def draw_timeline(frames: np.ndarray, frame_times: Sequence[float], duration: float,
                  moments: Sequence[tuple[float, float, float]],
                  saliency: Optional[tuple[Sequence[float], Sequence[float]]] = None,
                  truth: Optional[Sequence[tuple[float, float]]] = None, title: str = "",
                  path: Union[str, Path] = "timeline.png") -> Path:
    """Write the picture to ``path`` and return it.

    Args:
        frames: uint8 ``[T, H, W, 3]``, the video as shown to the user (at most ``MAX_THUMBNAILS``
            evenly spaced ones are drawn).
        frame_times: ``[T]`` seconds of ``frames``.
        duration: the video's length in seconds (the timeline's extent).
        moments: ``(start, end, score)`` in seconds, best first.
        saliency: ``(times [K], scores [K])``, the per-frame saliency curve.
        truth: the true windows ``(start, end)`` in seconds.
        title: a line above the picture (e.g. the sentence).
    """
    path = Path(path)
    if path.suffix.lower() not in STATIC_SUFFIXES:
        raise ValueError(f"a timeline is a still picture: give {path} one of the suffixes "
                         f"{', '.join(STATIC_SUFFIXES)}")
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise ValueError(f"frames must be uint8 [T, H, W, 3], got {frames.dtype} {frames.shape}")
    if len(frame_times) != frames.shape[0]:
        raise ValueError(f"{frames.shape[0]} frames but {len(frame_times)} frame times")
    if not duration > 0:
        raise ValueError(f"duration must be > 0 seconds, got {duration}")
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib import pyplot as plt

    shown = np.unique(np.linspace(0, frames.shape[0] - 1, min(MAX_THUMBNAILS, frames.shape[0])).round().astype(int))
    figure = plt.figure(figsize=(max(8.0, 1.3 * len(shown)), 4.6))
    grid = figure.add_gridspec(2, len(shown), height_ratios=(1.0, 1.6), hspace=0.35)
    for column, index in enumerate(shown):
        axis = figure.add_subplot(grid[0, column])
        axis.imshow(frames[index])
        axis.set_title(f"{float(frame_times[index]):.1f} s", fontsize=8)
        axis.axis("off")
    axis = figure.add_subplot(grid[1, :])
    for k, (start, end) in enumerate(truth or ()):
        axis.axvspan(start, end, ymin=0.0, ymax=1.0, color="tab:green", alpha=0.18,
                     label="true window" if k == 0 else None)
    levels = np.linspace(0.92, 0.55, max(len(moments), 1))
    for rank, ((start, end, score), level) in enumerate(zip(moments, levels)):
        best = rank == 0
        axis.plot([start, end], [level, level], transform=axis.get_xaxis_transform(),
                  color="tab:red" if best else "tab:orange", linewidth=6 if best else 3,
                  alpha=1.0 if best else 0.45, solid_capstyle="butt",
                  label="predicted (best)" if best else ("other predictions" if rank == 1 else None))
        axis.text(end, level, f" {score:.2f}", transform=axis.get_xaxis_transform(), fontsize=7,
                  va="center", color="black" if best else "dimgray")
    if saliency is not None:
        times, scores = (np.asarray(v, dtype=float) for v in saliency)
        order = np.argsort(times, kind="stable")
        curve = axis.twinx()
        curve.plot(times[order], scores[order], color="tab:blue", linewidth=1.5, label="saliency")
        curve.set_ylabel("saliency", color="tab:blue", fontsize=8)
        curve.tick_params(axis="y", labelsize=7, colors="tab:blue")
    axis.set_xlim(0.0, float(duration))
    axis.set_yticks([])
    axis.set_xlabel("seconds")
    axis.legend(loc="lower left", fontsize=7, ncol=3, framealpha=0.8)
    if title:
        figure.suptitle(title, fontsize=10)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(figure)
    return path
