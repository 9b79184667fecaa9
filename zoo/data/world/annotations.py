"""World clips as standard records (``zoo.data.records.VideoRecord``).

- :func:`clip_record`: one record per clip -- what ``SyntheticWorld.record`` has always returned
  (action label, captions, QA, the action segment, the actor's tube, every object's track), with
  opt-in switches for the appearance label / captions and open-vocabulary track categories;
- :func:`grounding_records`: one record per (event video, event[, paraphrase]) -- the query, its
  moment, QVHighlights-style saliency, the actor's tube during the moment and every track.

Records of the world have ``path=None`` (pixels come from ``SyntheticWorld.render``) and
``source = "world:<split>:<index>"`` (``:event<k>[.<p>]`` appended for grounding records);
their boxes are xyxy pixels of the rendered frame and their frame indices those of the rendered
video, so ``fps`` / ``frame_size`` are left unset (nothing to rescale).
"""

from __future__ import annotations

import numpy as np

from zoo.data.records import Track, VideoRecord
from zoo.data.world.appearance import APPEARANCE_NAMES
from zoo.data.world.clips import WorldClip, WorldObject
from zoo.data.world.events import event_frames
from zoo.data.world.vocab import SHAPES

__all__ = ["clip_record", "grounding_records", "LABELS", "TEXTS", "QUERY_MODES"]

LABELS = ("action", "appearance")
TEXTS = ("action", "appearance")
QUERY_MODES = ("first", "all")


def _visible(obj: WorldObject, frames=None) -> tuple[list[int], list[tuple]]:
    """The object's visible frames (among ``frames``, default all) and its boxes there."""
    keep = np.flatnonzero(obj.visible).tolist() if frames is None else \
        [f for f in frames if obj.visible[f]]
    return keep, [tuple(float(v) for v in obj.boxes[f]) for f in keep]


def _tracks(clip: WorldClip, novel_shapes, open_vocabulary: bool) -> list[Track]:
    """Every object's visible boxes; with ``open_vocabulary`` also its category id (index in
    ``SHAPES``) and base/novel flag."""
    tracks = []
    for obj in clip.objects:
        frames, boxes = _visible(obj)
        track = Track(track_id=obj.track_id, category=obj.shape, frames=frames, boxes=boxes)
        if open_vocabulary:
            track.category_id, track.novel = SHAPES.index(obj.shape), obj.shape in novel_shapes
        tracks.append(track)
    return tracks


def _check(name: str, value: str, options) -> None:
    if value not in options:
        raise ValueError(f"{name} must be one of {options}, got {value!r}")


def clip_record(clip: WorldClip, label: str = "action", text: str = "action",
                open_vocabulary: bool = False, novel_shapes=()) -> VideoRecord:
    """Clip ``clip`` as one standard record.

    Defaults (today's record, unchanged): ``label`` / ``label_name`` the action's index and id,
    ``captions`` the clip's captions, ``query`` the first, ``segments`` the action segment,
    ``tube_*`` the actor's visible frames, ``tracks`` every object's (category = shape name).

    Args:
        label: ``"appearance"`` puts the appearance class (``APPEARANCE_CLASSES`` index and name)
            in ``label`` / ``label_name`` -- only for clips of a themed world.
        text: ``"appearance"`` makes ``captions`` (and ``query``) the appearance captions.
        open_vocabulary: set each track's ``category_id`` (index in ``SHAPES``) and ``novel``
            (shape in ``novel_shapes``).
    """
    _check("label", label, LABELS)
    _check("text", text, TEXTS)
    if "appearance" in (label, text) and clip.appearance < 0:
        raise ValueError(f"{clip.video_id} has no appearance label: appearance labels and captions "
                         "need a themed world, WorldConfig(appearance=True)")
    tube_frames, tube_boxes = _visible(clip.actor_object)
    captions = clip.appearance_captions if text == "appearance" else clip.captions
    number, name = (clip.appearance, APPEARANCE_NAMES[clip.appearance]) \
        if label == "appearance" else (clip.label, clip.action)
    return VideoRecord(
        video_id=clip.video_id, path=None, label=number, label_name=name,
        captions=list(captions), qa=list(clip.qa), segments=[clip.segment],
        query=captions[0], duration=clip.duration, tube_frames=tube_frames,
        tube_boxes=tube_boxes, tracks=_tracks(clip, novel_shapes, open_vocabulary),
        source=f"world:{clip.split}:{clip.index}")


def grounding_records(clip: WorldClip, queries: str = "first",
                      novel_shapes=()) -> list[VideoRecord]:
    """One record per event of an event video (``queries="first"``: its first sentence is the
    query) or per (event, sentence) (``"all"``), events in time order.

    Each record: ``query`` the sentence, ``captions`` all the event's sentences, ``query_id``
    ``"<video_id>/<k>"`` (``"/<k>.<p>"`` for sentence ``p`` with ``"all"``), ``query_type``
    ``"declarative"``, ``segments`` ``[moment]``, ``label`` / ``label_name`` the event's action,
    ``duration`` the video's seconds; ``saliency_clips`` / ``saliency`` (one annotator, scores
    1-4) / ``clip_length`` the QVHighlights-style highlight annotation; ``tube_frames`` /
    ``tube_boxes`` the actor's box in every frame of the moment where it is visible (spatio-
    temporal grounding); ``tracks`` every object with category ids and base/novel flags
    (tracking). ``qa`` is empty (the clip record carries the questions).
    """
    _check("queries", queries, QUERY_MODES)
    if not clip.events:
        raise ValueError(f"{clip.video_id} is not an event video: grounding records need "
                         "WorldConfig(max_events >= 1)")
    tracks = _tracks(clip, novel_shapes, open_vocabulary=True)
    records = []
    for k, event in enumerate(clip.events):
        actor = clip.objects[event.actor]
        frames = event_frames(event.segment, clip.fps, clip.num_frames)
        tube_frames, tube_boxes = _visible(actor, frames)
        chosen = range(len(event.sentences)) if queries == "all" else range(1)
        for p in chosen:
            suffix = f"{k}.{p}" if queries == "all" else f"{k}"
            records.append(VideoRecord(
                video_id=clip.video_id, path=None, label=event.label, label_name=event.action,
                captions=list(event.sentences), segments=[event.segment],
                query=event.sentences[p], query_id=f"{clip.video_id}/{suffix}",
                query_type="declarative", duration=clip.duration, tube_frames=tube_frames,
                tube_boxes=tube_boxes, tracks=tracks, saliency_clips=list(event.saliency_clips),
                saliency=[(int(s),) for s in event.saliency], clip_length=clip.clip_length,
                source=f"world:{clip.split}:{clip.index}:event{suffix}"))
    return records
