"""The synthetic world: zoo's embedded, procedural video-text dataset (DESIGN §6).

Coloured shapes on a textured background; one actor performs one of ``ACTIONS`` during a
segment while 1-3 distractors drift. Every clip annotates all seven tasks at once (label,
captions, QA, segment, actor boxes, tracks). Deterministic by (seed, split, index); frames render
on demand and bit-identically alone or together; the order-dependent actions are time reverses
of each other with symmetric distributions, so no single frame tells them apart. Opt-in worlds
(event videos for grounding, themed scenes for the appearance label, base-only shapes) leave the
default clips unchanged (a test pins their hashes).

Full definition: ``docs/world.md#syntheticworld``.
"""

from __future__ import annotations

import math
import operator
from dataclasses import replace
from typing import Optional, Sequence

import numpy as np

from zoo.data.records import VideoRecord
from zoo.data.world.annotations import clip_record, grounding_records
from zoo.data.world.appearance import (
    APPEARANCE_CLASSES, APPEARANCE_NAMES, TONE_LEVELS, allowed_classes, appearance_captions,
    draw_appearance, theme_actions,
)
from zoo.data.world.clips import Still, WorldClip, WorldEvent, WorldObject
from zoo.data.world.config import (
    APPEARANCE_STREAM, CLIP_STREAM, MIN_SEGMENT, SPLITS, STILL_STREAM, WorldConfig,
)
from zoo.data.world.events import saliency_scores, sample_event_scene
from zoo.data.world.language import (
    clip_captions, clip_questions, event_sentences, narrations, still_caption,
)
from zoo.data.world.render import SHAPE_EXTENT, background, draw_object
from zoo.data.world.scene import (
    _GRID, _MIN_GAP, _PLACEMENT_TRIES, _Body, _clearance, _position_of, _radius, _sample_scene,
    _Scene, _size_of, _uniform,
)
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
    "WorldEvent", "Still", "APPEARANCE_CLASSES", "APPEARANCE_NAMES",
]


class SyntheticWorld:
    """A split of the synthetic world: ``size`` clips, each built on demand from
    ``(seed, split, index)``.

    >>> world = SyntheticWorld("train", size=100)
    >>> clip = world.clip(0)                      # annotations only
    >>> video = world.render(0)                   # uint8 [16, 64, 64, 3]
    >>> two = world.render(0, frames=[3, 7])      # == video[[3, 7]]
    >>> record = world.record(0)                  # a zoo.data.records.VideoRecord
    >>> still = world.still(0, num_objects=1)     # a single-frame scene for pretraining
    >>> events = SyntheticWorld("val", 10, WorldConfig(num_frames=64, min_events=2, max_events=3))
    >>> queries = events.grounding_records(0)     # one record per event (query, moment, tube)
    >>> themed = SyntheticWorld("val", 10, WorldConfig(appearance=True))
    >>> themed.clip(0).appearance_name           # e.g. "squares on a dark background"
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
        #: Actions and shapes clips may use (base only if ``config.base_only``; shapes also with
        #: ``config.base_shapes_only``).
        self.actions: tuple[str, ...] = config.actions
        self.shapes: tuple[str, ...] = config.shapes
        #: Appearance labels clips of a themed world draw from (those of ``shapes``).
        self.appearance_labels: list[int] = allowed_classes(self.shapes)
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

    @property
    def appearance_class_names(self) -> list[str]:
        """Names of all ``APPEARANCE_CLASSES`` in label order (14; themed worlds only draw
        ``appearance_labels``)."""
        return list(APPEARANCE_NAMES)

    @property
    def novel_appearance_labels(self) -> list[int]:
        """Appearance labels whose shape is one of ``config.novel_shapes``."""
        return [k for k, (s, _) in enumerate(APPEARANCE_CLASSES) if s in self.config.novel_shapes]

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
        index = self._check_index(index)
        rng = self._rng(CLIP_STREAM, index)
        cfg = self.config
        actions, shapes, label = self.actions, self.shapes, -1
        if cfg.appearance:  # the class comes from its own stream, then constrains the scene
            label = draw_appearance(self.seed, self.split, index, self.appearance_labels)
            theme = APPEARANCE_CLASSES[label][0]
            actions, shapes = theme_actions(actions, theme), (theme,)
        sample = sample_event_scene if cfg.events else _sample_scene
        scene = sample(rng, cfg, actions, shapes)
        if cfg.appearance:
            scene = replace(scene, theme=APPEARANCE_CLASSES[label][0],
                            tone=APPEARANCE_CLASSES[label][1], appearance=label)
        if reverse:
            scene = scene.reversed((self._num_frames(scene) - 1) / cfg.fps)
        return scene, rng

    def _num_frames(self, scene: _Scene) -> int:
        return self.config.num_frames if scene.num_frames is None else scene.num_frames

    def _scene_times(self, scene: _Scene) -> np.ndarray:
        """Frame times of ``scene`` in seconds, [F]."""
        if scene.num_frames is None or scene.num_frames == self.config.num_frames:
            return self._times
        return np.arange(scene.num_frames) / self.config.fps

    def frame_count(self, index: int) -> int:
        """Frames of clip ``index``: ``config.num_frames``, or its own count for event videos
        with ``min_frames`` (cheaper than ``clip(index).num_frames``: no language)."""
        return self._num_frames(self._scene(index)[0])

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
        times = self._scene_times(scene)
        objects = []
        for k, body in enumerate(scene.bodies):
            st = body.states(times)
            objects.append(WorldObject(
                track_id=k + 1, shape=body.shape, colour=body.colours[0],
                size=_size_of(body.start[2], cfg.scale),
                boxes=st["boxes"].astype(np.float32), visible=st["visible"],
                is_actor=body.is_actor))
        events: list[WorldEvent] = []
        if scene.events:
            captions, qa, events = self._event_language(scene, len(times), len(objects), rng)
        else:
            actor = scene.bodies[scene.actor]
            colour, new_colour = actor.colours
            captions = clip_captions(
                rng, colour, actor.shape, scene.action, new_colour,
                _position_of(actor.start[0], actor.start[1], cfg.height, cfg.width),
                num_others=len(objects) - 1)
            qa = self._questions(rng, scene.action, actor, len(objects))
        for k, item in enumerate(qa):
            item.qid = str(k)
        t0, t1 = scene.segment
        clip = WorldClip(
            video_id=f"world-{self.split}-{index:06d}", split=self.split, index=int(index),
            action=scene.action, label=ACTIONS.index(scene.action), actor=scene.actor,
            objects=objects, segment=(float(t0), float(t1)), captions=captions, qa=qa,
            fps=cfg.fps, num_frames=len(times), height=cfg.height, width=cfg.width,
            events=events, clip_length=cfg.clip_length if scene.events else None)
        if scene.appearance >= 0:
            own = self._rng(APPEARANCE_STREAM, index)  # never the clip's generator
            clip.appearance = scene.appearance
            clip.appearance_name = APPEARANCE_NAMES[scene.appearance]
            clip.appearance_captions = appearance_captions(own, scene.theme, scene.tone,
                                                           [o.colour for o in objects])
        return clip

    def _questions(self, rng: np.random.Generator, action: str, actor: _Body,
                   num_objects: int) -> list:
        colour, new_colour = actor.colours
        return clip_questions(
            rng, colour, actor.shape, action, new_colour, num_objects=num_objects,
            shape_vocab=self.shapes, action_vocab=self.actions, all_shapes=SHAPES,
            all_actions=ACTIONS)

    def _event_language(self, scene: _Scene, num_frames: int, num_objects: int,
                        rng: np.random.Generator) -> tuple[list[str], list, list[WorldEvent]]:
        """Sentences, saliency and questions of every event; narrated captions."""
        duration = num_frames / self.config.fps
        events, qa = [], []
        for k, event in enumerate(scene.events):
            actor = scene.bodies[event.actor]
            colour, new_colour = actor.colours
            sentences = event_sentences(rng, colour, actor.shape, event.action, new_colour)
            clips, scores = saliency_scores(event.segment, duration, self.config.clip_length)
            t0, t1 = event.segment
            events.append(WorldEvent(
                action=event.action, label=ACTIONS.index(event.action), actor=event.actor,
                segment=(float(t0), float(t1)), sentences=sentences, saliency_clips=clips,
                saliency=scores))
            questions = self._questions(rng, event.action, actor, num_objects)
            qa.extend(q for q in questions if k == 0 or q.question_type != "count")
        captions = narrations([e.sentences for e in events], [e.segment for e in events])
        return captions, qa, events

    def _draw(self, scene: _Scene, frames: Optional[Sequence[int]] = None) -> np.ndarray:
        """Pixels of ``scene`` in ``frames``: uint8 [T, H, W, 3]."""
        cfg = self.config
        times = self._scene_times(scene)
        if frames is None:
            frames = np.arange(len(times))
        else:
            frames = np.asarray(frames, dtype=np.int64).reshape(-1)
            if frames.size and (frames.min() < 0 or frames.max() >= len(times)):
                raise IndexError(f"frame indices must lie in [0, {len(times)}), got "
                                 f"{frames.tolist()}")
        canvas = np.empty((len(frames), cfg.height, cfg.width, 3), dtype=np.uint8)
        if scene.tone is None:
            canvas[...] = background(scene.background_seed, cfg.height, cfg.width)
        else:
            canvas[...] = background(scene.background_seed, cfg.height, cfg.width,
                                     TONE_LEVELS[scene.tone])
        for k in scene.draw_order:
            body = scene.bodies[k]
            st = body.states(times)
            draw_object(canvas, body.shape, st["cx"][frames], st["cy"][frames], st["r"][frames],
                        st["cos"][frames], st["sin"][frames], st["rgb"][frames],
                        st["alpha"][frames], st["boxes"][frames])
        return canvas

    def record(self, index: int, label: str = "action", text: str = "action",
               open_vocabulary: bool = False) -> VideoRecord:
        """Clip ``index`` as a standard record (``path=None``; the pixels come from ``render``).
        ``label_name`` is the action id, ``query`` the first caption, ``tube_*`` the actor's
        visible frames, ``tracks`` every object's visible frames (category = shape name).

        Opt-in (``annotations.clip_record``): ``label="appearance"`` / ``text="appearance"``
        (themed worlds) put the appearance class in ``label`` / the appearance captions in
        ``captions``; ``open_vocabulary=True`` sets the tracks' category ids and novel flags."""
        return clip_record(self.clip(index), label=label, text=text,
                           open_vocabulary=open_vocabulary, novel_shapes=self.config.novel_shapes)

    def grounding_records(self, index: int, queries: str = "first") -> list[VideoRecord]:
        """Event video ``index`` as one record per event query (``annotations.grounding_records``:
        query, moment, saliency, the actor's tube during the moment, every track)."""
        return grounding_records(self.clip(index), queries=queries,
                                 novel_shapes=self.config.novel_shapes)

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
        rng = self._rng(STILL_STREAM, index)
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
