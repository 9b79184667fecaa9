"""Event videos: the world for temporal and spatio-temporal grounding (opt-in,
``WorldConfig(min_events=2, max_events=3, num_frames=64, ...)``).

An event video holds ``E`` actors (``min_events <= E <= max_events``) and some drifting
distractors. Each actor performs **its own action** (the ``E`` actions of a video are distinct)
during **its own moment** ``[t0, t1]`` seconds, static before and holding its final state after,
exactly as the single actor of a default clip. Every object has a distinct colour (a
``change_colour`` actor turns into a colour no other object has), so a sentence naming an actor's
colour and shape and its action picks exactly one event: the sentence decides the moment.

Moments. Each lasts ``moment_fraction`` (default 10-50 %) of the video's duration, at least
``MIN_SEGMENT`` s and at most its span. Moments may overlap, but no two share more than half of
the shorter one; they are laid out in time order with random lengths, overlaps and gaps
(``_moments``), and the actions are assigned to them in random order.

Saliency (QVHighlights-style, one annotator). The video is cut into clips of ``clip_length`` s,
clip ``k`` covering ``[k c, min((k + 1) c, D))`` (``D`` = duration, the last clip may be short).
An event's score for clip ``k`` is ``ceil(4 o_k)`` where ``o_k`` in ``[0, 1]`` is the fraction of
the clip inside the moment: 0 outside, 4 for a clip wholly inside, 1-3 on the boundary (a clip
a quarter inside scores 1, half inside 2). Clips with ``o_k > 0`` are the relevant clips
(``relevant_clip_ids``); the others are not listed and count as 0, as in QVHighlights.

Length. With ``min_frames`` set, each video draws its frame count in ``[min_frames,
num_frames]`` -- videos of one world then differ in length, as real grounding videos do.
"""

from __future__ import annotations

import math
from typing import Optional, Sequence

import numpy as np

from zoo.data.world.config import MIN_SEGMENT, WorldConfig
from zoo.data.world.render import ROUND_SHAPES
from zoo.data.world.scene import (
    _MIN_GAP, _PLACEMENT_TRIES, _Body, _Event, _Scene, _actor_body, _clearance,
    _sample_distractor, _uniform,
)
from zoo.data.world.vocab import COLOURS, MAX_OBJECTS

__all__ = ["sample_event_scene", "saliency_scores", "num_clips", "moment_range", "event_frames",
           "MAX_SCORE"]

#: Highest saliency score (QVHighlights' "Very Good").
MAX_SCORE = 4


def num_clips(duration: float, clip_length: float) -> int:
    """Clips of ``clip_length`` s covering ``duration`` s: ``ceil(duration / clip_length)``
    (a last partial clip counts)."""
    return max(1, math.ceil(duration / clip_length - 1e-9))


def saliency_scores(segment: tuple[float, float], duration: float,
                    clip_length: float) -> tuple[list[int], list[int]]:
    """``(relevant clip ids, their scores 1-4)`` of a moment ``segment`` (seconds) in a video of
    ``duration`` s cut into ``clip_length``-second clips (module doc)."""
    t0, t1 = segment
    ids, scores = [], []
    for k in range(num_clips(duration, clip_length)):
        low, high = k * clip_length, min((k + 1) * clip_length, duration)
        inside = (min(high, t1) - max(low, t0)) / (high - low)
        if inside > 1e-9:
            ids.append(k)
            scores.append(min(MAX_SCORE, math.ceil(MAX_SCORE * inside - 1e-9)))
    return ids, scores


def moment_range(cfg: WorldConfig, duration: float) -> tuple[float, float]:
    """Shortest and longest moment (seconds) in a video of ``duration`` s: ``moment_fraction``
    of it, at least ``MIN_SEGMENT`` and at most the span ``duration - 1 / fps``."""
    span = duration - 1.0 / cfg.fps
    low, high = cfg.moment_fraction
    return min(span, max(MIN_SEGMENT, low * duration)), min(span, max(MIN_SEGMENT, high * duration))


def _moments(rng: np.random.Generator, cfg: WorldConfig, count: int,
             span: float, duration: float) -> list[tuple[float, float]]:
    """``count`` moments in ``[0, span]``, in time order (module doc).

    Lengths ``L_k`` are drawn in ``moment_range``; consecutive moments may overlap by up to half
    the shorter (``o_k``: 0 or, with probability 1/2, uniform in ``[0, min(L_k, L_k+1) / 2]``;
    a gap can still separate them), and the remaining slack ``span - (sum L - sum o)`` is spread
    as gaps before, between and after the moments (Dirichlet(1, ..., 1) proportions). Lengths
    and overlaps are redrawn (up to ``_PLACEMENT_TRIES`` times, then the tightest layout: all
    shortest, overlapping by half) until the moments fit. Moments two apart never meet: moment
    ``k`` ends before the middle of moment ``k + 1``, where moment ``k + 2`` starts at the
    earliest.
    """
    shortest, longest = moment_range(cfg, duration)
    for attempt in range(_PLACEMENT_TRIES + 1):
        if attempt < _PLACEMENT_TRIES:
            lengths = [_uniform(rng, shortest, longest) for _ in range(count)]
            overlaps = [rng.random() * 0.5 * min(a, b) * (rng.random() < 0.5)
                        for a, b in zip(lengths, lengths[1:])]
        else:  # the tightest layout, which WorldConfig checks fits
            lengths = [shortest] * count
            overlaps = [0.5 * shortest] * (count - 1)
        slack = span - (sum(lengths) - sum(overlaps))
        if slack >= 0:
            break
    else:
        raise ValueError(f"{count} moments of at least {shortest:.3f} s do not fit in a "
                         f"{span:.3f}-s span")  # WorldConfig rules this out
    gaps = rng.dirichlet(np.ones(count + 1)) * slack
    moments, t = [], float(gaps[0])
    for k, length in enumerate(lengths):
        moments.append((t, t + length))
        if k + 1 < count:
            t = t + length - overlaps[k] + float(gaps[k + 1])
    return moments


def _place_actor(rng: np.random.Generator, cfg: WorldConfig, action: str, shape: str,
                 colours: tuple[str, str], segment: tuple[float, float],
                 placed: Sequence[_Body], times: np.ndarray) -> _Body:
    """An actor whose path stays ``_MIN_GAP`` clear of the ``placed`` bodies in every frame when
    ``_PLACEMENT_TRIES`` draws allow (else the least overlapping draw)."""
    best, best_gap = None, -math.inf
    for _ in range(_PLACEMENT_TRIES):
        body = _actor_body(rng, cfg, action, shape, colours, segment)
        gap = _clearance(body, placed, times)
        if gap > best_gap:
            best, best_gap = body, gap
        if gap >= _MIN_GAP:
            break
    return best


def sample_event_scene(rng: np.random.Generator, cfg: WorldConfig, actions: Sequence[str],
                       shapes: Sequence[str]) -> _Scene:
    """Draw an event video's scene from ``rng`` (module doc). ``_Scene.events`` lists the
    events in time order (by start); ``action`` / ``segment`` / ``actor`` are the first's."""
    num_frames = cfg.num_frames if cfg.min_frames is None else \
        int(rng.integers(cfg.min_frames, cfg.num_frames + 1))
    times = np.arange(num_frames) / cfg.fps
    span, duration = (num_frames - 1) / cfg.fps, num_frames / cfg.fps
    count = int(rng.integers(cfg.min_events, cfg.max_events + 1))
    room = min(cfg.max_distractors, MAX_OBJECTS - count)
    num_distractors = int(rng.integers(min(cfg.min_distractors, room), room + 1))
    chosen = [actions[int(i)] for i in rng.permutation(len(actions))[:count]]
    palette = iter([COLOURS[i] for i in rng.permutation(len(COLOURS))])  # distinct colours
    moments = _moments(rng, cfg, count, span, duration)  # time order
    bodies: list[_Body] = []
    for action, segment in zip(chosen, moments):
        colour = next(palette)
        colours = (colour, next(palette) if action == "change_colour" else colour)
        options = [s for s in shapes if s not in ROUND_SHAPES or action != "spin"] or list(shapes)
        shape = options[int(rng.integers(len(options)))]
        bodies.append(_place_actor(rng, cfg, action, shape, colours, segment, bodies, times))
    for _ in range(num_distractors):
        shape = shapes[int(rng.integers(len(shapes)))]
        bodies.append(_sample_distractor(rng, cfg, shape, next(palette), bodies, times, span))
    order = rng.permutation(len(bodies))  # object (track) order: actors anywhere
    position = {int(old): new for new, old in enumerate(order)}
    events = sorted((_Event(action, segment, position[k])
                     for k, (action, segment) in enumerate(zip(chosen, moments))),
                    key=lambda e: (e.segment[0], e.segment[1]))
    first = events[0]
    return _Scene(action=first.action, segment=first.segment,
                  bodies=tuple(bodies[int(i)] for i in order), actor=first.actor,
                  background_seed=int(rng.integers(2**63)), events=tuple(events),
                  num_frames=num_frames)


def event_frames(segment: tuple[float, float], fps: float, num_frames: int,
                 visible: Optional[np.ndarray] = None) -> list[int]:
    """Frames ``k`` with ``t0 <= k / fps <= t1`` (and ``visible[k]`` when given): where the
    actor of an event is annotated for spatio-temporal grounding."""
    t0, t1 = segment
    frames = [k for k in range(num_frames) if t0 - 1e-9 <= k / fps <= t1 + 1e-9]
    return [k for k in frames if visible is None or bool(visible[k])]
