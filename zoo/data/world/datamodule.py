"""``WorldDataModule``: the synthetic world (DESIGN §6) as a datamodule — zoo's embedded default.

Clips are rendered on the fly, deterministically by (seed, split, index), and read through the
same clip samplers and transforms as video files. Every batch carries the annotations of all
tasks (standard batch), so one datamodule serves every task.

Protocols
- closed set (default): all actions in every split.
- ``zero_shot=True`` (base-to-novel): the training split holds base actions and base shapes only
  (``WorldConfig(base_only=True)``); validation and test hold everything; ``dataset_info`` names
  the novel classes so the task reports base / novel / harmonic-mean accuracy.

Question answering: every clip holds one open-ended and one multiple-choice question of each
question type. ``qa_format="open"`` / ``"mc"`` keeps only one kind in every split (``None``: both);
``eval_qa="expand"`` evaluates every question of a clip instead of its first one.
``dataset_info`` gives QA tasks the answer vocabulary and the question types.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np

from zoo.data.datamodule import ZooDataModule
from zoo.data.records import VideoRecord
from zoo.data.world.synthetic import (ACTION_PHRASES, ACTIONS, ANSWER_VOCAB, NOVEL_ACTIONS,
                                ORDER_DEPENDENT_ACTIONS, QUESTION_TYPES, SyntheticWorld,
                                WorldConfig)

QA_FORMATS = ("open", "mc")


class WorldVideo:
    """A rendered world clip behind the ``FrameSource`` protocol of video files."""

    def __init__(self, world: SyntheticWorld, index: int):
        self.world = world
        self.index = index
        self.num_frames = world.config.num_frames
        self.fps = world.config.fps

    def get_frames(self, indices) -> np.ndarray:
        """``uint8 [T, H, W, 3]`` for the requested frame indices."""
        return self.world.render(self.index, frames=list(indices))


def world_index(record: VideoRecord) -> int:
    """The world index a record came from (its source is ``world:<split>:<index>``)."""
    return int(record.source.rsplit(":", 1)[1])


class WorldDataModule(ZooDataModule):
    """The synthetic world, split into disjoint train / val / test seed ranges.

    Args:
        train_size / val_size / test_size: number of clips per split.
        world_frames / height / width / fps: the rendered videos (clips are sampled from them).
        zero_shot: base-to-novel protocol (see the module docstring).
        novel_actions: the actions held out under ``zero_shot``.
        world_seed: the world's seed (scenes); ``seed`` (base class) drives training randomness.
        qa_format: ``"open"`` keeps only the open-ended questions of every clip, ``"mc"`` only
            the multiple-choice ones; ``None`` keeps both.
        (the rest: see :class:`~zoo.data.datamodule.ZooDataModule`)
    """

    def __init__(self, train_size: int = 2000, val_size: int = 200, test_size: int = 500,
                 world_frames: int = 16, height: int = 64, width: int = 64, fps: float = 8.0,
                 zero_shot: bool = False, novel_actions: Optional[list[str]] = None,
                 world_seed: int = 0, batch_size: int = 16, num_workers: int = 0,
                 sampling: str = "uniform", frame_stride: int = 1, test_clips: int = 1,
                 test_crops: int = 1, num_frames: Optional[int] = None, on_error: str = "raise",
                 seed: int = 0, qa_format: Optional[str] = None, eval_qa: str = "first"):
        super().__init__(batch_size=batch_size, num_workers=num_workers, sampling=sampling,
                         frame_stride=frame_stride, test_clips=test_clips, test_crops=test_crops,
                         num_frames=num_frames, on_error=on_error, seed=seed, eval_qa=eval_qa)
        if qa_format is not None and qa_format not in QA_FORMATS:
            raise ValueError(f"qa_format must be one of {QA_FORMATS} or None, got {qa_format!r}")
        self.qa_format = qa_format
        novel = tuple(novel_actions) if novel_actions is not None else NOVEL_ACTIONS
        unknown = [a for a in novel if a not in ACTIONS]
        if unknown:
            raise ValueError(f"novel_actions {unknown} are not world actions ({', '.join(ACTIONS)})")
        self.sizes = {"train": train_size, "val": val_size, "test": test_size}
        self.zero_shot = zero_shot
        self.novel_actions = novel
        self.world_seed = world_seed
        self.world_config = WorldConfig(num_frames=world_frames, height=height, width=width, fps=fps,
                                        novel_actions=novel)
        self._worlds: dict[str, SyntheticWorld] = {}

    def world(self, split: str) -> SyntheticWorld:
        if split not in self._worlds:
            config = self.world_config
            if self.zero_shot and split == "train":
                config = WorldConfig(**{**config.__dict__, "base_only": True})
            self._worlds[split] = SyntheticWorld(split, self.sizes[split], config, seed=self.world_seed)
        return self._worlds[split]

    @property
    def class_names(self) -> list[str]:
        return [ACTION_PHRASES[a] for a in ACTIONS]

    def dataset_info(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "class_names": self.class_names,
            "class_groups": {
                "order_dependent": [ACTION_PHRASES[a] for a in ACTIONS if a in ORDER_DEPENDENT_ACTIONS],
                "order_independent": [ACTION_PHRASES[a] for a in ACTIONS if a not in ORDER_DEPENDENT_ACTIONS],
            },
            "answer_vocab": list(ANSWER_VOCAB),
            "question_types": list(QUESTION_TYPES),
        }
        if self.zero_shot:
            info["novel_classes"] = [ACTION_PHRASES[a] for a in self.novel_actions]
        return info

    def records(self, split: str) -> list[VideoRecord]:
        world = self.world(split)
        records = [world.record(i) for i in range(len(world))]
        if self.qa_format is not None:
            multiple_choice = self.qa_format == "mc"
            for record in records:
                record.qa = [qa for qa in record.qa if bool(qa.choices) == multiple_choice]
        return records

    def source(self, split: str) -> Callable[[VideoRecord], WorldVideo]:
        world = self.world(split)
        return lambda record: WorldVideo(world, world_index(record))
