"""``WorldDataModule``: the synthetic world (DESIGN §6) as a datamodule — zoo's embedded default.

Clips are rendered on the fly, deterministically by (seed, split, index), and read through the
same clip samplers and transforms as video files. Every batch carries the annotations of all
tasks (standard batch), so one datamodule serves every task.

Protocols
- closed set (default): all actions in every split.
- ``zero_shot=True`` (base-to-novel): the training split holds base actions and base shapes only
  (``WorldConfig(base_only=True)``); validation and test hold everything; ``dataset_info`` names
  the novel classes so the task reports base / novel / harmonic-mean accuracy.

Labels (``label``)
- ``"action"`` (default): the motion-defined action, 10 classes (chance 10 %), Something-
  Something-like -- no single frame decides it.
- ``"appearance"``: the appearance class of themed scenes (``appearance.py``: every object shares
  one shape, the background is dark or light), 14 classes = 7 shapes x 2 tones (chance 7.1 %;
  10 base classes under ``zero_shot``, the 4 of star / ring novel), Kinetics-like -- any single
  frame decides it. The world becomes the themed world (``WorldConfig(appearance=True)``) in
  every split, so the same clips carry both labels: ``label`` only switches which one fills the
  batch's ``label`` and ``class_names``. ``text`` switches the captions likewise (``None``: follow
  ``label``); QA is unchanged -- ``dataset_info()["question_groups"]`` says which question types
  a single frame can answer in that world (``shape`` and ``count``) and which need motion.

Grounding (``grounding=True``): event videos (``events.py``; 64 frames at 8 fps unless
``world_frames`` says otherwise, ``min_events``-``max_events`` actors each acting in its own
moment and 0-2 distractors, saliency clips of ``clip_length`` s), one item per event query
(``SyntheticWorld.grounding_records``; ``queries="all"``: one per paraphrase). Items carry
``query``, ``segments`` / ``windows``, ``duration``, ``saliency`` / ``frame_saliency``,
``boxes`` (the actor's tube during the moment, for spatio-temporal grounding) and ``tracks``.
``sampling="clip_length"`` samples one frame per saliency clip (variable length with
``min_world_frames``; batches then carry ``valid``).

Tracking (``tracking=True``): tracks carry ``category_ids`` (index in ``SHAPES``) and ``novel``
flags; the novel shapes (star, ring) are **absent** from the training split (no object of a
novel shape is ever drawn there -- ``WorldConfig(base_shapes_only=True)``, actions unaffected),
so they are never seen, labelled or not, before evaluation, where every shape appears.
``dataset_info`` lists the categories with their base / novel split.

Question answering: every clip holds one open-ended and one multiple-choice question of each
question type. ``qa_format="open"`` / ``"mc"`` keeps only one kind in every split (``None``: both);
``eval_qa="expand"`` evaluates every question of a clip instead of its first one.
``dataset_info`` gives QA tasks the answer vocabulary and the question types.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable, Optional, Union

import numpy as np

from zoo.data.cache.spec import FeatureCacheSpec
from zoo.data.datamodule import ZooDataModule
from zoo.data.records import VideoRecord
from zoo.data.world.annotations import LABELS, QUERY_MODES, TEXTS
from zoo.data.world.appearance import APPEARANCE_CLASSES, APPEARANCE_NAMES
from zoo.data.world.synthetic import (ACTION_PHRASES, ACTIONS, ANSWER_VOCAB, NOVEL_ACTIONS,
                                      ORDER_DEPENDENT_ACTIONS, QUESTION_TYPES, SHAPES,
                                      SyntheticWorld, WorldConfig)

QA_FORMATS = ("open", "mc")
#: Question types by what decides them (``dataset_info()["question_groups"]``): in the default
#: world only ``count`` is decided by any single frame; in the themed world ``shape`` too (every
#: object has the theme's shape). The others need to know which object moves, i.e. motion.
QUESTION_GROUPS = {
    "action": {"appearance": ["count"], "motion": ["colour", "shape", "action", "direction"]},
    "appearance": {"appearance": ["shape", "count"], "motion": ["colour", "action", "direction"]},
}
GROUNDING_FRAMES = 64


class WorldVideo:
    """A rendered world clip behind the ``FrameSource`` protocol of video files."""

    def __init__(self, world: SyntheticWorld, index: int):
        self.world = world
        self.index = index
        self.num_frames = world.config.num_frames if world.config.min_frames is None \
            else world.frame_count(index)
        self.fps = world.config.fps

    def get_frames(self, indices) -> np.ndarray:
        """``uint8 [T, H, W, 3]`` for the requested frame indices."""
        return self.world.render(self.index, frames=list(indices))


def world_index(record: VideoRecord) -> int:
    """The world index a record came from (its source is ``world:<split>:<index>[:...]``)."""
    return int(record.source.split(":")[2])


class WorldDataModule(ZooDataModule):
    """The synthetic world, split into disjoint train / val / test seed ranges.

    Args:
        train_size / val_size / test_size: number of clips (videos) per split.
        world_frames / height / width / fps: the rendered videos (clips are sampled from them);
            ``world_frames`` defaults to 16, or 64 with ``grounding``.
        zero_shot: base-to-novel protocol (see the module docstring).
        novel_actions: the actions held out under ``zero_shot``.
        world_seed: the world's seed (scenes); ``seed`` (base class) drives training randomness.
        qa_format: ``"open"`` keeps only the open-ended questions of every clip, ``"mc"`` only
            the multiple-choice ones; ``None`` keeps both.
        label: ``"action"`` or ``"appearance"`` (module docstring).
        text: captions: ``"action"`` or ``"appearance"``; ``None`` follows ``label``.
        grounding: event videos, one item per event query (module docstring).
        min_events / max_events: actors (events) per event video.
        min_world_frames: event videos draw their length in ``[min_world_frames, world_frames]``.
        clip_length: seconds per saliency clip of event videos (default 1), also the
            ``clip_length`` sampler's (base class).
        queries: ``"first"`` sentence of each event, or ``"all"`` its paraphrases (grounding).
        tracking: open-vocabulary tracking protocol (module docstring).
        (the rest: see :class:`~zoo.data.datamodule.ZooDataModule`)
    """

    def __init__(self, train_size: int = 2000, val_size: int = 200, test_size: int = 500,
                 world_frames: Optional[int] = None, height: int = 64, width: int = 64,
                 fps: float = 8.0, zero_shot: bool = False, novel_actions: Optional[list[str]] = None,
                 world_seed: int = 0, batch_size: int = 16, num_workers: int = 0,
                 sampling: str = "uniform", frame_stride: int = 1, test_clips: int = 1,
                 test_crops: int = 1, num_frames: Optional[int] = None, on_error: str = "raise",
                 seed: int = 0, qa_format: Optional[str] = None, eval_qa: str = "first",
                 label: str = "action", text: Optional[str] = None, grounding: bool = False,
                 min_events: int = 2, max_events: int = 3, min_world_frames: Optional[int] = None,
                 clip_length: Optional[float] = None, queries: str = "first",
                 tracking: bool = False, train_flip: bool = False,
                 feature_cache: Union[FeatureCacheSpec, dict, str, None] = None):
        super().__init__(batch_size=batch_size, num_workers=num_workers, sampling=sampling,
                         frame_stride=frame_stride, test_clips=test_clips, test_crops=test_crops,
                         num_frames=num_frames, on_error=on_error, seed=seed, eval_qa=eval_qa,
                         clip_length=clip_length, train_flip=train_flip, feature_cache=feature_cache)
        if qa_format is not None and qa_format not in QA_FORMATS:
            raise ValueError(f"qa_format must be one of {QA_FORMATS} or None, got {qa_format!r}")
        text = label if text is None else text
        for name, value, options in (("label", label, LABELS), ("text", text, TEXTS),
                                     ("queries", queries, QUERY_MODES)):
            if value not in options:
                raise ValueError(f"{name} must be one of {options}, got {value!r}")
        self.qa_format = qa_format
        novel = tuple(novel_actions) if novel_actions is not None else NOVEL_ACTIONS
        unknown = [a for a in novel if a not in ACTIONS]
        if unknown:
            raise ValueError(f"novel_actions {unknown} are not world actions ({', '.join(ACTIONS)})")
        self.sizes = {"train": train_size, "val": val_size, "test": test_size}
        self.zero_shot = zero_shot
        self.novel_actions = novel
        self.world_seed = world_seed
        self.label, self.text, self.queries = label, text, queries
        self.grounding, self.tracking = grounding, tracking
        if world_frames is None:
            world_frames = GROUNDING_FRAMES if grounding else 16
        options: dict[str, Any] = {}
        if grounding:
            options = dict(min_events=min_events, max_events=max_events,
                           min_frames=min_world_frames, min_distractors=0, max_distractors=2,
                           clip_length=1.0 if clip_length is None else float(clip_length))
        elif min_world_frames is not None:
            raise ValueError("min_world_frames needs grounding=True (event videos)")
        if "appearance" in (label, text):
            if grounding:
                raise ValueError("label / text 'appearance' label whole clips; grounding items are "
                                 "event queries (labelled by their event's action)")
            options["appearance"] = True
        self.world_config = WorldConfig(num_frames=world_frames, height=height, width=width,
                                        fps=fps, novel_actions=novel, **options)
        self._worlds: dict[str, SyntheticWorld] = {}

    def world(self, split: str) -> SyntheticWorld:
        if split not in self._worlds:
            config = self.world_config
            if self.zero_shot and split == "train":
                config = replace(config, base_only=True)
            if self.tracking and split == "train":
                config = replace(config, base_shapes_only=True)
            self._worlds[split] = SyntheticWorld(split, self.sizes[split], config, seed=self.world_seed)
        return self._worlds[split]

    def default_clip_length(self) -> Optional[float]:
        return self.world_config.clip_length

    @property
    def class_names(self) -> list[str]:
        if self.label == "appearance":
            return list(APPEARANCE_NAMES)
        return [ACTION_PHRASES[a] for a in ACTIONS]

    def dataset_info(self) -> dict[str, Any]:
        """What tasks need to know: ``class_names`` (of ``label``), ``class_groups``,
        ``answer_vocab``, ``question_types``, ``question_groups`` (``QUESTION_GROUPS``);
        ``novel_classes`` under ``zero_shot``; in the themed world ``action_class_names`` and
        ``appearance_class_names`` (both labellings); with ``tracking`` / ``grounding`` the categories (``categories``,
        ``category_novel``, ``base_categories``, ``novel_categories``, ``novel_category_ids``);
        with ``grounding`` ``clip_length`` and ``max_duration`` (seconds)."""
        info: dict[str, Any] = {
            "class_names": self.class_names,
            "class_groups": {
                "order_dependent": [ACTION_PHRASES[a] for a in ACTIONS if a in ORDER_DEPENDENT_ACTIONS],
                "order_independent": [ACTION_PHRASES[a] for a in ACTIONS if a not in ORDER_DEPENDENT_ACTIONS],
            },
            "answer_vocab": list(ANSWER_VOCAB),
            "question_types": list(QUESTION_TYPES),
            "question_groups": QUESTION_GROUPS["appearance" if self.world_config.appearance
                                               else "action"],
        }
        novel_shapes = self.world_config.novel_shapes
        if self.zero_shot:
            info["novel_classes"] = [APPEARANCE_NAMES[k] for k, (s, _) in enumerate(APPEARANCE_CLASSES)
                                     if s in novel_shapes] if self.label == "appearance" else \
                [ACTION_PHRASES[a] for a in self.novel_actions]
        if self.world_config.appearance:
            info["action_class_names"] = [ACTION_PHRASES[a] for a in ACTIONS]
            info["appearance_class_names"] = list(APPEARANCE_NAMES)
        if self.tracking or self.grounding:
            info["categories"] = list(SHAPES)
            info["category_novel"] = [s in novel_shapes for s in SHAPES]
            info["base_categories"] = [s for s in SHAPES if s not in novel_shapes]
            info["novel_categories"] = [s for s in SHAPES if s in novel_shapes]
            info["novel_category_ids"] = [SHAPES.index(s) for s in SHAPES if s in novel_shapes]
        if self.grounding:
            info["clip_length"] = self.world_config.clip_length
            info["max_duration"] = self.world_config.duration
        return info

    def records(self, split: str) -> list[VideoRecord]:
        world = self.world(split)
        if self.grounding:
            return [r for i in range(len(world)) for r in world.grounding_records(i, self.queries)]
        records = [world.record(i, label=self.label, text=self.text, open_vocabulary=self.tracking)
                   for i in range(len(world))]
        if self.qa_format is not None:
            multiple_choice = self.qa_format == "mc"
            for record in records:
                record.qa = [qa for qa in record.qa if bool(qa.choices) == multiple_choice]
        return records

    def source(self, split: str) -> Callable[[VideoRecord], WorldVideo]:
        world = self.world(split)
        return lambda record: WorldVideo(world, world_index(record))
