"""Scenes of the synthetic world: how objects move (``_Body``), what a clip is made of
(``_Scene``), and how a default clip's scene is drawn from its generator (``_sample_scene``;
event videos: ``events.sample_event_scene``).

Everything here is a pure function of a ``numpy.random.Generator`` and a ``WorldConfig``; the
order of the draws is part of the world's definition (changing it changes every clip), so new
features draw from their own streams or after the existing draws.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Optional, Sequence

import numpy as np

from zoo.data.world.config import MIN_SEGMENT, WorldConfig
from zoo.data.world.render import ROUND_SHAPES, SHAPE_EXTENT, shape_boxes
from zoo.data.world.vocab import COLOUR_RGB, COLOURS, POSITIONS, SIZE_RADII, SIZES, TIME_REVERSE

# Geometry of the world, as fractions of the frame (or pixels at 64 x 64 for speeds).
_MOVE_DISTANCE = (0.30, 0.45)  # of the frame width (horizontal) or height (vertical)
_BOUNCE_HEIGHT = (0.25, 0.40)  # of the frame height
_SPIN_DEGREES = (160.0, 200.0)
_DRIFT_SPEED = (1.5, 4.0)  # pixels per second at 64 px
_SEGMENT_MAX_FRACTION = 0.8  # of the span
_PLACEMENT_TRIES = 20
_MIN_GAP = 1.0  # pixels between objects' discs, when placement allows
_GRID = 3


@dataclass(frozen=True)
class _Body:
    """One object's motion: its state goes linearly from ``start`` to ``end`` over ``segment``
    (seconds), constant outside it. ``start``/``end`` are ``(x, y, radius, angle)`` in pixels and
    radians; ``colours`` the (start, end) colour names, switched halfway through the segment;
    ``bounce`` the height in pixels of a half-sine rise added along the way; ``blink`` fades the
    object out and back in."""

    shape: str
    colours: tuple[str, str]
    start: tuple[float, float, float, float]
    end: tuple[float, float, float, float]
    segment: tuple[float, float]
    bounce: float = 0.0
    blink: bool = False
    is_actor: bool = False

    def reversed(self, span: float) -> "_Body":
        """The same motion played backwards over ``[0, span]``."""
        t0, t1 = self.segment
        return replace(self, colours=self.colours[::-1], start=self.end, end=self.start,
                       segment=(span - t1, span - t0))

    def _geometry(self, times: np.ndarray) -> tuple[np.ndarray, ...]:
        """Progress ``p``, centre ``cx, cy`` and radius ``r`` at ``times``, each [F]."""
        t0, t1 = self.segment
        p = np.clip((times - t0) / (t1 - t0), 0.0, 1.0)
        (x0, y0, r0, _), (x1, y1, r1, _) = self.start, self.end
        cx = x0 + (x1 - x0) * p
        cy = y0 + (y1 - y0) * p
        if self.bounce:
            cy = cy - self.bounce * np.sin(np.pi * p)
        return p, cx, cy, r0 + (r1 - r0) * p

    def states(self, times: np.ndarray) -> dict[str, np.ndarray]:
        """Per-frame states at ``times`` [F]: ``cx, cy, r, cos, sin, alpha`` [F], ``rgb``
        [F, 3] (0-255), ``boxes`` [F, 4] xyxy and ``visible`` bool [F]."""
        p, cx, cy, r = self._geometry(times)
        a0, a1 = self.start[3], self.end[3]
        angle = a0 + (a1 - a0) * p
        cos, sin = np.cos(angle), np.sin(angle)
        rgb = np.where((p < 0.5)[:, None], COLOUR_RGB[self.colours[0]],
                       COLOUR_RGB[self.colours[1]]).astype(np.float64)
        if self.blink:  # fade out over p in [0, 1/4], hidden until 3/4, fade back in
            alpha = np.clip(4.0 * np.abs(p - 0.5) - 1.0, 0.0, 1.0)
        else:
            alpha = np.ones_like(p)
        return {"cx": cx, "cy": cy, "r": r, "cos": cos, "sin": sin, "rgb": rgb, "alpha": alpha,
                "boxes": shape_boxes(self.shape, cx, cy, r, cos, sin), "visible": alpha >= 0.5}

    def discs(self, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Centres [F, 2] and radii [F] of discs that hold the shape, whatever its rotation, at
        ``times`` [F] (for placement checks)."""
        _, cx, cy, r = self._geometry(times)
        return np.stack([cx, cy], axis=1), SHAPE_EXTENT[self.shape] * r


@dataclass(frozen=True)
class _Event:
    """One event of an event video: ``bodies[actor]`` performs ``action`` during ``segment``
    (seconds)."""

    action: str
    segment: tuple[float, float]
    actor: int


@dataclass(frozen=True)
class _Scene:
    """Everything a clip is made of: ``bodies`` in object order (``actor`` indexes it; actors
    are drawn last, on top), and the seed of the background texture.

    Opt-in parts (their defaults are today's clips): ``events`` of an event video (then
    ``action`` / ``segment`` / ``actor`` are those of its first event), ``num_frames`` when it
    differs from the config's, and the appearance ``theme`` (shape of every object), ``tone``
    (background) and ``appearance`` (class index) of a themed scene."""

    action: str
    segment: tuple[float, float]
    bodies: tuple[_Body, ...]
    actor: int
    background_seed: int
    events: tuple[_Event, ...] = ()
    num_frames: Optional[int] = None
    theme: Optional[str] = None
    tone: Optional[str] = None
    appearance: int = -1

    def reversed(self, span: float) -> "_Scene":
        """The exact time-reverse of the scene (over ``[0, span]``): its frame ``k`` is this
        scene's frame ``F - 1 - k``."""
        t0, t1 = self.segment
        events = tuple(replace(e, action=TIME_REVERSE.get(e.action, e.action),
                               segment=(span - e.segment[1], span - e.segment[0]))
                       for e in self.events)
        return replace(self, action=TIME_REVERSE.get(self.action, self.action),
                       segment=(span - t1, span - t0), events=events,
                       bodies=tuple(b.reversed(span) for b in self.bodies))

    @property
    def actors(self) -> tuple[int, ...]:
        """Indices of the bodies that act: the events' actors, or ``(actor,)``."""
        return tuple(e.actor for e in self.events) or (self.actor,)

    @property
    def draw_order(self) -> list[int]:
        actors = self.actors
        return [i for i in range(len(self.bodies)) if i not in actors] + list(actors)


def _size_of(radius: float, scale: float) -> str:
    """The size category whose radius range is nearest to ``radius`` pixels."""
    r = radius / scale
    return min(SIZES, key=lambda s: max(SIZE_RADII[s][0] - r, r - SIZE_RADII[s][1], 0.0))


def _position_of(x: float, y: float, height: int, width: int) -> str:
    """The ``POSITIONS`` cell of the 3 x 3 grid that holds the point ``(x, y)``."""
    col = min(_GRID - 1, max(0, int(_GRID * x / width)))
    row = min(_GRID - 1, max(0, int(_GRID * y / height)))
    return POSITIONS[row * _GRID + col]


def _uniform(rng: np.random.Generator, low: float, high: float) -> float:
    """A uniform draw in ``[low, high]`` that tolerates ``high < low`` (returns ``low``)."""
    return float(low + (max(high, low) - low) * rng.random())


def _radius(rng: np.random.Generator, size: str, scale: float) -> float:
    low, high = SIZE_RADII[size]
    return _uniform(rng, low, high) * scale


def _clearance(body: _Body, others: Sequence[_Body], times: np.ndarray) -> float:
    """Smallest gap (pixels; negative when they overlap) between the discs holding ``body`` and
    any of ``others`` over the frames at ``times``; ``inf`` without others."""
    centres, radii = body.discs(times)
    gap = math.inf
    for other in others:
        other_centres, other_radii = other.discs(times)
        distance = np.sqrt(((centres - other_centres) ** 2).sum(axis=1))
        gap = min(gap, float((distance - radii - other_radii).min()))
    return gap


def _sample_actor(rng: np.random.Generator, cfg: WorldConfig, action: str, shape: str,
                  colours: tuple[str, str]) -> _Body:
    """The actor's body, its segment drawn in ``[0, cfg.span]``. Members of a time-reverse pair
    draw the same unordered start/end pair, then orient it."""
    span = cfg.span
    length = _uniform(rng, MIN_SEGMENT, min(span, max(MIN_SEGMENT,
                                                      _SEGMENT_MAX_FRACTION * span)))
    t0 = _uniform(rng, 0.0, span - length)
    return _actor_body(rng, cfg, action, shape, colours, (t0, t0 + length))


def _actor_body(rng: np.random.Generator, cfg: WorldConfig, action: str, shape: str,
                colours: tuple[str, str], segment: tuple[float, float]) -> _Body:
    """An actor doing ``action`` during ``segment``: sizes, position, path, rotation."""
    s, height, width = cfg.scale, cfg.height, cfg.width
    if action in ("grow", "shrink"):
        small, big = ((0, 1), (0, 2), (1, 2))[int(rng.integers(3))]
        r_small, r_big = _radius(rng, SIZES[small], s), _radius(rng, SIZES[big], s)
        r0, r1 = (r_small, r_big) if action == "grow" else (r_big, r_small)
    else:
        r0 = r1 = _radius(rng, SIZES[int(rng.integers(len(SIZES)))], s)
    margin = SHAPE_EXTENT[shape] * max(r0, r1) + 1.0
    x0 = x1 = _uniform(rng, margin, width - margin)
    y0 = y1 = _uniform(rng, margin, height - margin)
    bounce = 0.0
    if action in ("move_left", "move_right"):
        d = min(_uniform(rng, *_MOVE_DISTANCE) * width, width - 2 * margin)
        low = _uniform(rng, margin, width - margin - d)
        x0, x1 = (low + d, low) if action == "move_left" else (low, low + d)
    elif action in ("move_up", "move_down"):
        d = min(_uniform(rng, *_MOVE_DISTANCE) * height, height - 2 * margin)
        low = _uniform(rng, margin, height - margin - d)
        y0, y1 = (low + d, low) if action == "move_up" else (low, low + d)
    elif action == "bounce":
        bounce = min(_uniform(rng, *_BOUNCE_HEIGHT) * height, height - 2 * margin)
        y0 = y1 = _uniform(rng, margin + bounce, height - margin)
    angle = 0.0
    if action == "spin":
        angle = math.radians(_uniform(rng, *_SPIN_DEGREES)) * (1 if rng.random() < 0.5 else -1)
    return _Body(shape=shape, colours=colours, start=(x0, y0, r0, 0.0), end=(x1, y1, r1, angle),
                 segment=segment, bounce=bounce, blink=action == "blink", is_actor=True)


def _sample_distractor(rng: np.random.Generator, cfg: WorldConfig, shape: str, colour: str,
                       placed: Sequence[_Body], times: np.ndarray,
                       span: Optional[float] = None) -> _Body:
    """A distractor drifting at constant velocity over the whole clip, inside the frame and at
    least ``_MIN_GAP`` pixels from the ``placed`` bodies in every frame at ``times``.

    ``_PLACEMENT_TRIES`` (velocity, start) candidates are drawn at once and the first clear one
    is kept -- or, in a scene too crowded for any, the one that overlaps least. The size is drawn
    once, so crowding never biases sizes. ``span`` (default ``cfg.span``) is the time of the
    clip's last frame.
    """
    s, height, width = cfg.scale, cfg.height, cfg.width
    span = cfg.span if span is None else span
    r = _radius(rng, SIZES[int(rng.integers(len(SIZES)))], s)
    extent = SHAPE_EXTENT[shape] * r
    margin = extent + 1.0
    n = _PLACEMENT_TRIES
    speed = (_DRIFT_SPEED[0] + (_DRIFT_SPEED[1] - _DRIFT_SPEED[0]) * rng.random(n)) * s
    heading = 2 * np.pi * rng.random(n)
    travel = np.stack([np.cos(heading), np.sin(heading)], axis=1) * (speed * span)[:, None]
    # Shorten drifts the frame is too small to hold.
    room = np.array([max(width - 2 * margin, 0.0), max(height - 2 * margin, 0.0)])
    travel *= np.minimum(1.0, (room / np.maximum(np.abs(travel), 1e-9)).min(axis=1))[:, None]
    low = margin + np.maximum(0.0, -travel)  # [n, 2]: start range that keeps the path inside
    high = np.array([width, height]) - margin - np.maximum(0.0, travel)
    start = low + np.maximum(high - low, 0.0) * rng.random((n, 2))
    if placed:
        path = start[:, None, :] + (times / span)[None, :, None] * travel[:, None, :]  # [n, F, 2]
        discs = [body.discs(times) for body in placed]
        centres = np.stack([c for c, _ in discs])  # [P, F, 2]
        radii = np.stack([radius for _, radius in discs])  # [P, F]
        distance = np.sqrt(((path[:, None] - centres[None]) ** 2).sum(axis=-1))  # [n, P, F]
        gap = (distance - radii[None] - extent).min(axis=(1, 2))  # [n]
        clear = gap >= _MIN_GAP
        k = int(np.argmax(clear)) if clear.any() else int(np.argmax(gap))
    else:
        k = 0
    (x, y), (tx, ty) = start[k].tolist(), travel[k].tolist()
    return _Body(shape=shape, colours=(colour, colour), start=(x, y, r, 0.0),
                 end=(x + tx, y + ty, r, 0.0), segment=(0.0, span))


def _sample_scene(rng: np.random.Generator, cfg: WorldConfig, actions: Sequence[str],
                  shapes: Sequence[str]) -> _Scene:
    """Draw a clip's scene (everything but its language) from ``rng``."""
    times = np.arange(cfg.num_frames) / cfg.fps
    action = actions[int(rng.integers(len(actions)))]
    num_distractors = int(rng.integers(cfg.min_distractors, cfg.max_distractors + 1))
    palette = [COLOURS[i] for i in rng.permutation(len(COLOURS))]  # distinct colours
    actor_colours = (palette[0], palette[1] if action == "change_colour" else palette[0])
    # A spinning circle would look still.
    actor_shapes = [s for s in shapes if s not in ROUND_SHAPES or action != "spin"] or list(shapes)
    actor_shape = actor_shapes[int(rng.integers(len(actor_shapes)))]
    actor = _sample_actor(rng, cfg, action, actor_shape, actor_colours)
    bodies = [actor]
    for k in range(num_distractors):
        shape = shapes[int(rng.integers(len(shapes)))]
        bodies.append(_sample_distractor(rng, cfg, shape, palette[2 + k], bodies, times))
    order = rng.permutation(len(bodies))  # object (track) order: the actor anywhere
    return _Scene(action=action, segment=actor.segment,
                  bodies=tuple(bodies[i] for i in order), actor=int(np.argmax(order == 0)),
                  background_seed=int(rng.integers(2**63)))
