"""The synthetic world: zoo's embedded, procedural video-text dataset (DESIGN §6).

Every clip is a few coloured shapes on a low-contrast textured background. One *actor* performs
one of ``ACTIONS`` during a segment ``[t0, t1]`` seconds -- static before, holding its final state
after -- while 1-3 *distractors* drift slowly at constant velocity the whole time. Each clip
carries annotations for all seven tasks at once: an action label, paraphrased captions, QA pairs
(open-ended and 5-way multiple choice), the segment, the actor's box in every frame, and boxes,
track ids and categories (shape names) of every object in every frame.

Design points:

- **Deterministic by (seed, split, index).** A clip's random draws come from
  ``np.random.default_rng(np.random.SeedSequence([seed, split_id, stream, index]))``, with
  ``split_id`` 0/1/2 for train/val/test and ``stream`` 1 for clips, 2 for stills: independent
  streams, so splits never share a scene and the result never depends on call order.
- **Frames on demand.** ``render(index, frames=[...])`` draws any subset of frames, and frame
  ``k`` is bit-identical whether drawn alone or with others, so datasets can sample frames with
  clip samplers exactly as from a video file. Annotations (``clip``) never render pixels.
- **Motion is invisible in a single frame.** ``ORDER_DEPENDENT_ACTIONS`` come in pairs that are
  time-reverses of each other (``move_left``/``move_right``, ``move_up``/``move_down``,
  ``grow``/``shrink``): every object follows the motion law ``state(t) = start + (end - start) *
  p(t)`` with ``p`` the progress through its segment, the segment is drawn from a distribution
  symmetric under ``t -> span - t`` (``span`` = time of the last frame) and the start/end states
  of the two members of a pair are drawn as one unordered pair (e.g. the two ends of a
  horizontal path), so a clip played backwards is a clip of the partner action with the same
  probability (``SyntheticWorld._scene(index, reverse=True)`` builds that exact reverse).
- **Base/novel split.** ``WorldConfig(base_only=True)`` never uses ``novel_actions`` or
  ``novel_shapes`` (for any object), for open-vocabulary training.

Action semantics (progress ``p`` goes 0 -> 1 linearly over the segment): ``move_*`` travel
30-45 % of the frame; ``grow``/``shrink`` go between two size categories; ``change_colour``
switches to another colour halfway through the segment (an instant switch, so that no frame
shows an in-between colour that has a name of its own, like orange between red and yellow);
``blink`` fades out over the first quarter of the segment, stays invisible for the middle half
(the object is marked not visible whenever its opacity is below 0.5) and fades back in; ``spin``
rotates by 160-200 degrees either way (never a circle); ``bounce`` rises 25-40 % of the frame
height along a half sine and comes back.

Stills (``still``) are single frames from a separate seed stream with 1-3 static objects and a
caption about colour, shape, size and position only, for pretraining the image backbone.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass, field, replace
from typing import Optional, Sequence

import numpy as np

from zoo.data.records import QuestionAnswer, Track, VideoRecord
from zoo.data.world.language import clip_captions, clip_questions, still_caption
from zoo.data.world.render import ROUND_SHAPES, SHAPE_EXTENT, background, draw_object, shape_boxes
from zoo.data.world.vocab import (
    ACTION_DIRECTION, ACTION_PHRASES, ACTIONS, ANSWER_VOCAB, COLOUR_RGB, COLOURS, DIRECTIONS,
    MAX_OBJECTS, NOVEL_ACTIONS, NOVEL_SHAPES, NUMBER_WORDS, ORDER_DEPENDENT_ACTIONS, POSITIONS,
    QUESTION_TYPES, SHAPES, SIZE_RADII, SIZES, TIME_REVERSE,
)

__all__ = [
    "ACTIONS", "ACTION_PHRASES", "ORDER_DEPENDENT_ACTIONS", "NOVEL_ACTIONS", "TIME_REVERSE",
    "SHAPES", "NOVEL_SHAPES", "COLOURS", "COLOUR_RGB", "SIZES", "SIZE_RADII", "POSITIONS",
    "DIRECTIONS", "ACTION_DIRECTION", "NUMBER_WORDS", "ANSWER_VOCAB", "QUESTION_TYPES",
    "SPLITS", "MIN_SEGMENT", "WorldConfig", "SyntheticWorld", "WorldClip", "WorldObject",
    "Still",
]

#: Split name -> split id of the seed sequence.
SPLITS: dict[str, int] = {"train": 0, "val": 1, "test": 2}
_CLIP_STREAM, _STILL_STREAM = 1, 2

#: Shortest action segment, seconds.
MIN_SEGMENT = 0.75

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
class WorldConfig:
    """What the world's clips look like. Defaults: 16 frames of 64 x 64 at 8 fps (2 s), one
    actor and 1-3 distractors, all actions and shapes."""

    num_frames: int = 16
    height: int = 64
    width: int = 64
    fps: float = 8.0
    min_distractors: int = 1
    max_distractors: int = 3
    base_only: bool = False
    novel_actions: tuple[str, ...] = NOVEL_ACTIONS
    novel_shapes: tuple[str, ...] = NOVEL_SHAPES

    def __post_init__(self):
        object.__setattr__(self, "novel_actions", tuple(self.novel_actions))
        object.__setattr__(self, "novel_shapes", tuple(self.novel_shapes))
        if min(self.height, self.width) < 16:
            raise ValueError(f"frames must be at least 16 x 16, got {self.height} x {self.width}")
        if self.fps <= 0:
            raise ValueError(f"fps must be positive, got {self.fps}")
        if self.span < MIN_SEGMENT:
            raise ValueError(
                f"{self.num_frames} frames at {self.fps} fps span {self.span:.3f} s, shorter than "
                f"the {MIN_SEGMENT} s action segment: use more frames or a lower fps")
        if not 0 <= self.min_distractors <= self.max_distractors <= MAX_OBJECTS - 1:
            raise ValueError(f"need 0 <= min_distractors <= max_distractors <= {MAX_OBJECTS - 1}, "
                             f"got {self.min_distractors}, {self.max_distractors}")
        for name, values, vocab in (("novel_actions", self.novel_actions, ACTIONS),
                                    ("novel_shapes", self.novel_shapes, SHAPES)):
            unknown = [v for v in values if v not in vocab]
            if unknown:
                raise ValueError(f"unknown {name} {unknown}; choose from {list(vocab)}")
            if len(set(values)) == len(vocab):
                raise ValueError(f"{name} leaves no base category")

    @property
    def duration(self) -> float:
        """Clip length in seconds: ``num_frames / fps``."""
        return self.num_frames / self.fps

    @property
    def span(self) -> float:
        """Time of the last frame, seconds: ``(num_frames - 1) / fps``. Segments lie in
        ``[0, span]``."""
        return (self.num_frames - 1) / self.fps

    @property
    def scale(self) -> float:
        """Pixel scale relative to the 64 x 64 design: ``min(height, width) / 64``."""
        return min(self.height, self.width) / 64.0

    @property
    def base_actions(self) -> tuple[str, ...]:
        """``ACTIONS`` minus ``novel_actions``."""
        return tuple(a for a in ACTIONS if a not in self.novel_actions)

    @property
    def base_shapes(self) -> tuple[str, ...]:
        """``SHAPES`` minus ``novel_shapes``."""
        return tuple(s for s in SHAPES if s not in self.novel_shapes)


@dataclass
class WorldObject:
    """One object of a clip, in all ``F = num_frames`` frames.

    ``colour`` and ``size`` are those of the first frame (a ``change_colour`` actor ends in
    another colour; a ``grow``/``shrink`` actor ends in another size). ``boxes`` are exact
    ``xyxy`` pixel boxes, float32 [F, 4]; ``visible`` bool [F] is False where the object is
    (mostly) transparent (``blink``).
    """

    track_id: int
    shape: str
    colour: str
    size: str
    boxes: np.ndarray
    visible: np.ndarray
    is_actor: bool = False


@dataclass
class WorldClip:
    """All annotations of one clip (no pixels; see ``SyntheticWorld.render``).

    ``label`` indexes ``ACTIONS``; ``actor`` indexes ``objects``; ``segment`` is the action's
    ``(start, end)`` in seconds; ``qa`` holds one open-ended (``choices == []``) and one 5-way
    multiple-choice question of each of ``QUESTION_TYPES`` (``qid`` = position in the list).
    """

    video_id: str
    split: str
    index: int
    action: str
    label: int
    actor: int
    objects: list[WorldObject]
    segment: tuple[float, float]
    captions: list[str]
    qa: list[QuestionAnswer]
    fps: float
    num_frames: int
    height: int
    width: int

    @property
    def duration(self) -> float:
        """Seconds: ``num_frames / fps``."""
        return self.num_frames / self.fps

    @property
    def frame_times(self) -> np.ndarray:
        """Time of each frame in seconds, float64 [F]: ``k / fps``."""
        return np.arange(self.num_frames) / self.fps

    @property
    def actor_object(self) -> WorldObject:
        """``objects[actor]``."""
        return self.objects[self.actor]


@dataclass
class Still:
    """A single-frame scene for image pretraining.

    ``image`` uint8 [H, W, 3]; ``caption`` names each object's size, colour, shape and position;
    ``objects`` has one dict per object with keys ``colour``, ``shape``, ``size``, ``position``
    (one of ``POSITIONS``) and ``box`` (``xyxy`` pixels).
    """

    image: np.ndarray
    caption: str
    objects: list[dict] = field(default_factory=list)


# --- scene description -----------------------------------------------------------------------

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
class _Scene:
    """Everything a clip is made of: ``bodies`` in object order (``actor`` indexes it; the actor
    is drawn last, on top), and the seed of the background texture."""

    action: str
    segment: tuple[float, float]
    bodies: tuple[_Body, ...]
    actor: int
    background_seed: int

    def reversed(self, span: float) -> "_Scene":
        """The exact time-reverse of the scene (over ``[0, span]``): its frame ``k`` is this
        scene's frame ``F - 1 - k``."""
        t0, t1 = self.segment
        return replace(self, action=TIME_REVERSE.get(self.action, self.action),
                       segment=(span - t1, span - t0),
                       bodies=tuple(b.reversed(span) for b in self.bodies))

    @property
    def draw_order(self) -> list[int]:
        return [i for i in range(len(self.bodies)) if i != self.actor] + [self.actor]


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
    """The actor's body. Members of a time-reverse pair draw the same unordered start/end pair,
    then orient it."""
    s, height, width, span = cfg.scale, cfg.height, cfg.width, cfg.span
    length = _uniform(rng, MIN_SEGMENT, min(span, max(MIN_SEGMENT,
                                                      _SEGMENT_MAX_FRACTION * span)))
    t0 = _uniform(rng, 0.0, span - length)
    segment = (t0, t0 + length)
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
                       placed: Sequence[_Body], times: np.ndarray) -> _Body:
    """A distractor drifting at constant velocity over the whole clip, inside the frame and at
    least ``_MIN_GAP`` pixels from the ``placed`` bodies in every frame at ``times``.

    ``_PLACEMENT_TRIES`` (velocity, start) candidates are drawn at once and the first clear one
    is kept -- or, in a scene too crowded for any, the one that overlaps least. The size is drawn
    once, so crowding never biases sizes.
    """
    s, height, width, span = cfg.scale, cfg.height, cfg.width, cfg.span
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


# --- the world -------------------------------------------------------------------------------

class SyntheticWorld:
    """A split of the synthetic world: ``size`` clips, each built on demand from
    ``(seed, split, index)``.

    >>> world = SyntheticWorld("train", size=100)
    >>> clip = world.clip(0)                      # annotations only
    >>> video = world.render(0)                   # uint8 [16, 64, 64, 3]
    >>> two = world.render(0, frames=[3, 7])      # == video[[3, 7]]
    >>> record = world.record(0)                  # a zoo.data.records.VideoRecord
    >>> still = world.still(0, num_objects=1)     # a single-frame scene for pretraining
    """

    def __init__(self, split: str = "train", size: int = 1000,
                 config: WorldConfig = WorldConfig(), seed: int = 0):
        if split not in SPLITS:
            raise ValueError(f"unknown split {split!r}; choose from {list(SPLITS)}")
        if size < 0:
            raise ValueError(f"size must be >= 0, got {size}")
        if seed < 0:
            raise ValueError(f"seed must be >= 0, got {seed}")
        self.split = split
        self.size = int(size)
        self.config = config
        self.seed = int(seed)
        #: Actions and shapes clips may use (base only if ``config.base_only``).
        self.actions: tuple[str, ...] = config.base_actions if config.base_only else ACTIONS
        self.shapes: tuple[str, ...] = config.base_shapes if config.base_only else SHAPES
        self._times = np.arange(config.num_frames) / config.fps

    def __len__(self) -> int:
        return self.size

    def __repr__(self) -> str:
        return (f"SyntheticWorld(split={self.split!r}, size={self.size}, seed={self.seed}, "
                f"config={self.config})")

    # --- names ---------------------------------------------------------------------------------

    @property
    def class_names(self) -> list[str]:
        """Readable names of all ``ACTIONS`` (``ACTION_PHRASES``), in label order."""
        return [ACTION_PHRASES[a] for a in ACTIONS]

    @property
    def num_classes(self) -> int:
        """``len(ACTIONS)``: labels are global indices even when ``base_only``."""
        return len(ACTIONS)

    @property
    def novel_labels(self) -> list[int]:
        """Labels of ``config.novel_actions`` (the zero-shot classes)."""
        return [ACTIONS.index(a) for a in self.config.novel_actions]

    # --- clips ---------------------------------------------------------------------------------

    def _rng(self, stream: int, index: int) -> np.random.Generator:
        entropy = [self.seed, SPLITS[self.split], stream, index]
        return np.random.default_rng(np.random.SeedSequence(entropy))

    def _check_index(self, index: int) -> int:
        index = operator.index(index)
        if not 0 <= index < self.size:
            raise IndexError(f"clip index {index} out of range [0, {self.size}) of {self!r}")
        return index

    def _scene(self, index: int, reverse: bool = False) -> tuple[_Scene, np.random.Generator]:
        """The scene of clip ``index`` and the generator its language is then drawn from.
        ``reverse=True`` returns the scene played backwards (for tests of time symmetry)."""
        rng = self._rng(_CLIP_STREAM, self._check_index(index))
        scene = _sample_scene(rng, self.config, self.actions, self.shapes)
        if reverse:
            scene = scene.reversed(self.config.span)
        return scene, rng

    def clip(self, index: int) -> WorldClip:
        """All annotations of clip ``index`` (no pixels). Raises IndexError outside
        ``[0, len(self))``."""
        scene, rng = self._scene(index)
        return self._annotate(index, scene, rng)

    def render(self, index: int, frames: Optional[Sequence[int]] = None) -> np.ndarray:
        """Pixels of clip ``index``: uint8 [T, H, W, 3] for ``frames`` (indices into
        ``range(num_frames)``, any order, repeats allowed; default all). Frame ``k`` is the same
        whichever other frames are drawn with it. Raises IndexError outside the ranges."""
        scene, _ = self._scene(index)
        return self._draw(scene, frames)

    def _annotate(self, index: int, scene: _Scene, rng: np.random.Generator) -> WorldClip:
        """The annotations of ``scene`` (clip ``index``), drawing its language from ``rng``."""
        cfg = self.config
        objects = []
        for k, body in enumerate(scene.bodies):
            st = body.states(self._times)
            objects.append(WorldObject(
                track_id=k + 1, shape=body.shape, colour=body.colours[0],
                size=_size_of(body.start[2], cfg.scale),
                boxes=st["boxes"].astype(np.float32), visible=st["visible"],
                is_actor=body.is_actor))
        actor = scene.bodies[scene.actor]
        colour, new_colour = actor.colours
        captions = clip_captions(
            rng, colour, actor.shape, scene.action, new_colour,
            _position_of(actor.start[0], actor.start[1], cfg.height, cfg.width),
            num_others=len(objects) - 1)
        qa = clip_questions(
            rng, colour, actor.shape, scene.action, new_colour, num_objects=len(objects),
            shape_vocab=self.shapes, action_vocab=self.actions, all_shapes=SHAPES,
            all_actions=ACTIONS)
        for k, item in enumerate(qa):
            item.qid = str(k)
        t0, t1 = scene.segment
        return WorldClip(
            video_id=f"world-{self.split}-{index:06d}", split=self.split, index=int(index),
            action=scene.action, label=ACTIONS.index(scene.action), actor=scene.actor,
            objects=objects, segment=(float(t0), float(t1)), captions=captions, qa=qa,
            fps=cfg.fps, num_frames=cfg.num_frames, height=cfg.height, width=cfg.width)

    def _draw(self, scene: _Scene, frames: Optional[Sequence[int]] = None) -> np.ndarray:
        """Pixels of ``scene`` in ``frames``: uint8 [T, H, W, 3]."""
        cfg = self.config
        if frames is None:
            frames = np.arange(cfg.num_frames)
        else:
            frames = np.asarray(frames, dtype=np.int64).reshape(-1)
            if frames.size and (frames.min() < 0 or frames.max() >= cfg.num_frames):
                raise IndexError(f"frame indices must lie in [0, {cfg.num_frames}), got "
                                 f"{frames.tolist()}")
        canvas = np.empty((len(frames), cfg.height, cfg.width, 3), dtype=np.uint8)
        canvas[...] = background(scene.background_seed, cfg.height, cfg.width)
        for k in scene.draw_order:
            body = scene.bodies[k]
            st = body.states(self._times)
            draw_object(canvas, body.shape, st["cx"][frames], st["cy"][frames], st["r"][frames],
                        st["cos"][frames], st["sin"][frames], st["rgb"][frames],
                        st["alpha"][frames], st["boxes"][frames])
        return canvas

    def record(self, index: int) -> VideoRecord:
        """Clip ``index`` as a standard record (``path=None``; the pixels come from ``render``).
        ``label_name`` is the action id, ``query`` the first caption, ``tube_*`` the actor's
        visible frames, ``tracks`` every object's visible frames (category = shape name)."""
        clip = self.clip(index)

        def visible_boxes(obj: WorldObject) -> tuple[list[int], list[tuple]]:
            frames = np.flatnonzero(obj.visible).tolist()
            return frames, [tuple(float(v) for v in obj.boxes[f]) for f in frames]

        tube_frames, tube_boxes = visible_boxes(clip.actor_object)
        tracks = []
        for obj in clip.objects:
            frames, boxes = visible_boxes(obj)
            tracks.append(Track(track_id=obj.track_id, category=obj.shape, frames=frames,
                                boxes=boxes))
        return VideoRecord(
            video_id=clip.video_id, path=None, label=clip.label, label_name=clip.action,
            captions=list(clip.captions), qa=list(clip.qa), segments=[clip.segment],
            query=clip.captions[0], duration=clip.duration, tube_frames=tube_frames,
            tube_boxes=tube_boxes, tracks=tracks,
            source=f"world:{self.split}:{clip.index}")

    # --- stills --------------------------------------------------------------------------------

    def still(self, index: int, num_objects: Optional[int] = None, shape: Optional[str] = None) -> Still:
        """A single-frame scene ``index`` (any index >= 0; stills are not bounded by ``size``)
        from the split's still stream: ``num_objects`` (default: 1-3 at random) static objects
        of distinct colours in distinct cells of the 3 x 3 grid, drawn by the clips' renderer on
        the same kind of background. Its caption names size, colour, shape and position only.

        ``shape`` (single-object stills only) replaces the drawn shape and changes nothing else:
        ``still(i, 1, shape=a)`` and ``still(i, 1, shape=b)`` are twins that differ only in shape
        (same background, colour, size, position) — hard negatives for contrastive pretraining."""
        index = operator.index(index)
        if index < 0:
            raise IndexError(f"still index must be >= 0, got {index}")
        if num_objects is not None and not 1 <= num_objects <= MAX_OBJECTS:
            raise ValueError(f"num_objects must lie in [1, {MAX_OBJECTS}], got {num_objects}")
        if shape is not None and (num_objects != 1 or shape not in self.shapes):
            raise ValueError(f"shape={shape!r} needs num_objects=1 and a shape of this world "
                             f"({', '.join(self.shapes)})")
        cfg = self.config
        s, height, width = cfg.scale, cfg.height, cfg.width
        rng = self._rng(_STILL_STREAM, index)
        count = int(rng.integers(1, 4)) if num_objects is None else int(num_objects)
        palette = rng.permutation(len(COLOURS))
        cells = rng.permutation(_GRID * _GRID)
        times = np.zeros(1)
        bodies: list[_Body] = []
        shape_override = shape
        for k in range(count):
            drawn = self.shapes[int(rng.integers(len(self.shapes)))]  # drawn even when overridden,
            shape = drawn if shape_override is None else shape_override  # so every other draw stays
            r = _radius(rng, SIZES[int(rng.integers(len(SIZES)))], s)
            margin = SHAPE_EXTENT[shape] * r + 1.0
            row, col = divmod(int(cells[k]), _GRID)
            cw, ch = width / _GRID, height / _GRID
            colour = COLOURS[int(palette[k])]
            best, best_gap = None, -math.inf
            for _ in range(_PLACEMENT_TRIES):
                # Well inside the cell (20 % from its borders, more than any shape's box centre is
                # off its own centre, so the box names the same cell), and inside the frame.
                x = _uniform(rng, max(margin, (col + 0.2) * cw), min(width - margin, (col + 0.8) * cw))
                y = _uniform(rng, max(margin, (row + 0.2) * ch), min(height - margin, (row + 0.8) * ch))
                body = _Body(shape=shape, colours=(colour, colour), start=(x, y, r, 0.0),
                             end=(x, y, r, 0.0), segment=(0.0, 1.0))
                gap = _clearance(body, bodies, times)
                if gap > best_gap:
                    best, best_gap = body, gap
                if gap >= _MIN_GAP:
                    break
            bodies.append(best)
        image = np.empty((1, height, width, 3), dtype=np.uint8)
        image[...] = background(int(rng.integers(2**63)), height, width)
        objects = []
        for body in bodies:
            st = body.states(times)
            draw_object(image, body.shape, st["cx"], st["cy"], st["r"], st["cos"], st["sin"],
                        st["rgb"], st["alpha"], st["boxes"])
            objects.append({
                "colour": body.colours[0], "shape": body.shape,
                "size": _size_of(body.start[2], s),
                "position": _position_of(body.start[0], body.start[1], height, width),
                "box": tuple(float(v) for v in st["boxes"][0]),
            })
        return Still(image=image[0], caption=still_caption(rng, objects), objects=objects)
