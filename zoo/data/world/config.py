"""``WorldConfig``: what the synthetic world's clips look like, and the world's fixed constants.

Every field defaults to today's world (16 frames of 64 x 64 at 8 fps, one actor, 1-3
distractors); the newer fields are opt-in and, left at their defaults, change no clip:

- ``min_events`` / ``max_events`` (0 = off): *event videos* for temporal and spatio-temporal
  grounding -- several actors each perform a different action at its own time
  (``zoo/data/world/events.py``); ``min_frames`` lets their length vary, ``clip_length`` and
  ``moment_fraction`` set the saliency clips and the moments' lengths;
- ``appearance``: *themed scenes* that a single frame classifies (``zoo/data/world/appearance.py``);
- ``base_shapes_only``: novel shapes never drawn, for any object (actions unaffected).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from zoo.data.world.vocab import ACTIONS, COLOURS, MAX_OBJECTS, NOVEL_ACTIONS, NOVEL_SHAPES, SHAPES

__all__ = ["WorldConfig", "SPLITS", "MIN_SEGMENT"]

#: Split name -> split id of the seed sequence.
SPLITS: dict[str, int] = {"train": 0, "val": 1, "test": 2}

#: Seed streams: ``SeedSequence([seed, split_id, stream, index])``. Independent, so that a new
#: stream never moves the draws of an existing one.
CLIP_STREAM, STILL_STREAM, APPEARANCE_STREAM = 1, 2, 3

#: Shortest action segment, seconds.
MIN_SEGMENT = 0.75


@dataclass(frozen=True)
class WorldConfig:
    """What the world's clips look like. Defaults: 16 frames of 64 x 64 at 8 fps (2 s), one
    actor and 1-3 distractors, all actions and shapes.

    Opt-in (defaults reproduce the clips above exactly):

    - ``min_events``, ``max_events``: with ``max_events > 0`` every clip is an *event video*
      holding ``min_events..max_events`` actors (1 <= min <= max), each doing a different action
      during its own moment (``events.py``).
    - ``min_frames``: event videos only -- each clip draws its frame count in
      ``[min_frames, num_frames]`` (``None``: always ``num_frames``).
    - ``clip_length``: seconds per saliency clip of event videos (QVHighlights uses 2 s).
    - ``moment_fraction``: ``(low, high)`` length of an event's moment as a fraction of the
      video's duration (at least ``MIN_SEGMENT`` seconds).
    - ``appearance``: themed scenes with an appearance label (``appearance.py``).
    - ``base_shapes_only``: never draw ``novel_shapes`` (``base_only`` also drops novel actions).
    """

    num_frames: int = 16
    height: int = 64
    width: int = 64
    fps: float = 8.0
    min_distractors: int = 1
    max_distractors: int = 3
    base_only: bool = False
    novel_actions: tuple[str, ...] = NOVEL_ACTIONS
    novel_shapes: tuple[str, ...] = NOVEL_SHAPES
    min_events: int = 0
    max_events: int = 0
    min_frames: Optional[int] = None
    clip_length: float = 1.0
    moment_fraction: tuple[float, float] = (0.1, 0.5)
    appearance: bool = False
    base_shapes_only: bool = False

    def __post_init__(self):
        object.__setattr__(self, "novel_actions", tuple(self.novel_actions))
        object.__setattr__(self, "novel_shapes", tuple(self.novel_shapes))
        object.__setattr__(self, "moment_fraction", tuple(float(f) for f in self.moment_fraction))
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
        if self.events:
            self._check_events()
        elif self.min_events or self.min_frames is not None:
            raise ValueError(f"min_events={self.min_events} / min_frames={self.min_frames} need "
                             "event videos: set max_events >= 1")

    def _check_events(self) -> None:
        if not 1 <= self.min_events <= self.max_events:
            raise ValueError(f"event videos need 1 <= min_events <= max_events, got "
                             f"{self.min_events}, {self.max_events}")
        actions = len(self.base_actions if self.base_only else ACTIONS)
        if self.max_events > actions:
            raise ValueError(f"max_events={self.max_events} exceeds the {actions} actions "
                             "available (every event of a video has its own action)")
        if self.max_events + self.max_distractors > MAX_OBJECTS:
            raise ValueError(f"max_events + max_distractors = {self.max_events} + "
                             f"{self.max_distractors} exceeds MAX_OBJECTS = {MAX_OBJECTS}")
        assert MAX_OBJECTS + 1 <= len(COLOURS)  # distinct colours, one spare for change_colour
        if self.min_frames is not None and not 2 <= self.min_frames <= self.num_frames:
            raise ValueError(f"min_frames must lie in [2, num_frames={self.num_frames}], got "
                             f"{self.min_frames}")
        if self.clip_length <= 0:
            raise ValueError(f"clip_length must be positive, got {self.clip_length}")
        low, high = self.moment_fraction
        if not 0 < low <= high <= 1:
            raise ValueError(f"moment_fraction must satisfy 0 < low <= high <= 1, got "
                             f"{self.moment_fraction}")
        frames = self.min_frames if self.min_frames is not None else self.num_frames
        span = (frames - 1) / self.fps
        if span < MIN_SEGMENT:
            raise ValueError(
                f"a {frames}-frame event video at {self.fps} fps spans {span:.3f} s, shorter "
                f"than the {MIN_SEGMENT} s action segment: use more frames or a lower fps")
        # the shortest moments, overlapping by half, must fit (events._moments)
        shortest = min(span, max(MIN_SEGMENT, low * frames / self.fps))
        if shortest * (self.max_events + 1) / 2 > span + 1e-9:
            raise ValueError(
                f"{self.max_events} moments of at least {shortest:.3f} s do not fit in the "
                f"{span:.3f}-s span of a {frames}-frame event video: use fewer events, more "
                "frames or a smaller moment_fraction")

    @property
    def events(self) -> bool:
        """True for event videos (``max_events > 0``)."""
        return self.max_events > 0

    @property
    def duration(self) -> float:
        """Clip length in seconds: ``num_frames / fps`` (the longest, for event videos with
        ``min_frames``)."""
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

    @property
    def actions(self) -> tuple[str, ...]:
        """The actions clips may use: ``base_actions`` if ``base_only``, else ``ACTIONS``."""
        return self.base_actions if self.base_only else ACTIONS

    @property
    def shapes(self) -> tuple[str, ...]:
        """The shapes objects may have: ``base_shapes`` if ``base_only`` or
        ``base_shapes_only``, else ``SHAPES``."""
        return self.base_shapes if self.base_only or self.base_shapes_only else SHAPES
