"""What the synthetic world says about a clip: ``WorldClip`` (all annotations, no pixels) with its
``WorldObject`` s and, for event videos, ``WorldEvent`` s; and ``Still`` (a single-frame scene).

Units: times in seconds from the first frame, boxes ``xyxy`` in pixels of the rendered frame
(``x`` right, ``y`` down, continuous coordinates: pixel ``(i, j)`` covers ``[j, j+1] x [i, i+1]``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from zoo.data.records import QuestionAnswer

__all__ = ["WorldObject", "WorldEvent", "WorldClip", "Still"]


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
class WorldEvent:
    """One event of an event video (``zoo/data/world/events.py``): ``objects[actor]`` performs
    ``action`` (``label`` indexes ``ACTIONS``) during ``segment`` (seconds).

    ``sentences`` are paraphrases naming the actor's colour and shape and the action (the
    grounding queries); ``saliency_clips`` the clips of ``clip_length`` s that overlap the moment
    and ``saliency`` their scores 1-4 (``events.saliency_scores``).
    """

    action: str
    label: int
    actor: int
    segment: tuple[float, float]
    sentences: list[str]
    saliency_clips: list[int]
    saliency: list[int]


@dataclass
class WorldClip:
    """All annotations of one clip (no pixels; see ``SyntheticWorld.render``).

    ``label`` indexes ``ACTIONS``; ``actor`` indexes ``objects``; ``segment`` is the action's
    ``(start, end)`` in seconds; ``qa`` holds one open-ended (``choices == []``) and one 5-way
    multiple-choice question of each of ``QUESTION_TYPES`` (``qid`` = position in the list).

    Opt-in worlds fill the remaining fields (empty / -1 / None otherwise):

    - event videos: ``events`` in time order (``action``, ``label``, ``actor`` and ``segment``
      are then the first event's, ``captions`` narrate every event, ``qa`` asks about every event
      -- one count question only), ``clip_length`` the saliency clips' length in seconds;
    - themed scenes: ``appearance`` indexes ``APPEARANCE_CLASSES`` (``appearance_name`` its
      name) and ``appearance_captions`` describe what any single frame shows.
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
    events: list[WorldEvent] = field(default_factory=list)
    clip_length: Optional[float] = None
    appearance: int = -1
    appearance_name: str = ""
    appearance_captions: list[str] = field(default_factory=list)

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
