"""VidSTG (spatio-temporal grounding) with its VidOR trajectory files: ``vidstg/``.

- ``annotations/{train,val,test}_annotations.json``: a JSON list, one entry per (clip, event of
  ``clip_events``), keys in the released order ``vid, fps, frame_count, used_segment, width,
  height, subject/objects, used_relation, temporal_gt, captions, questions``. ``used_segment`` is
  the whole clip (``end_fid`` inclusive: ``frame_count - 1``); ``temporal_gt`` the event's frames
  (``[first, last + 1)``, end exclusive: the frames whose time lies in the segment);
  ``captions`` (declarative) are the event's captions with a full stop, ``questions``
  (interrogative) the world's open-ended ``shape`` questions about the event's action ("which
  shape is moving left?"); both target the event's object (``target_id``, a VidOR ``tid``);
  ``used_relation`` names the event (subject = the target, object = the first other object,
  predicate = the action);
- ``vidor/{training,validation}/<dir>/<vid>.json``: VidOR's annotation of each clip (compact
  JSON: ``version, video_id, video_path, frame_count, fps, width, height, subject/objects,
  trajectories, relation_instances``). VidSTG's train and val come from VidOR training, its test
  from VidOR validation. ``tid = track_id - 1`` (VidOR counts from 0), category = shape;
  ``trajectories`` has one list per frame with an integer ``{xmin, ymin, xmax, ymax}`` box
  (rounded) per visible object — and, for each event's target, every frame of its moment (a
  blinking actor keeps its box while invisible, as in HC-STVG);
- ``video/<dir>/<vid>.mp4``: ``video_path`` relative to this folder. ``vid`` and ``<dir>`` are the
  clip's NExT-QA / VidOR ids (NExT-QA is built on VidOR).
"""

from __future__ import annotations

import json

from zoo.data.world.export.common import (SPLITS, Context, Placement, clip_events, frames_in,
                                          pixel_box, write_json, write_text)
from zoo.data.world.synthetic import ACTION_PHRASES, WorldClip

__all__ = ["write", "VIDOR_FOLDERS"]

#: World split -> VidOR folder of its annotation files.
VIDOR_FOLDERS = {"train": "training", "val": "training", "test": "validation"}


def _box(box) -> dict:
    x1, y1, x2, y2 = pixel_box(box)
    return {"xmin": x1, "ymin": y1, "xmax": x2, "ymax": y2}


def _vidor(ctx: Context, clip: WorldClip, events, moments) -> dict:
    trajectories = []
    for f in range(clip.num_frames):
        frame = []
        for obj in clip.objects:
            forced = any(e.track_id == obj.track_id and f in m for e, m in zip(events, moments))
            if obj.visible[f] or forced:
                frame.append({"tid": obj.track_id - 1, "bbox": _box(obj.boxes[f]),
                              "generated": 0, "tracker": "none"})
        trajectories.append(frame)
    relations = [_relation(clip, e, m) for e, m in zip(events, moments)]
    return {"version": "VERSION 1.0", "video_id": ctx.ids.nextqa(clip),
            "video_path": f"{ctx.ids.vidor_path(clip)}.mp4", "frame_count": clip.num_frames,
            "fps": float(clip.fps), "width": clip.width, "height": clip.height,
            "subject/objects": [{"tid": o.track_id - 1, "category": o.shape} for o in clip.objects],
            "trajectories": trajectories, "relation_instances": relations}


def _relation(clip: WorldClip, event, moment: list[int]) -> dict:
    others = [o.track_id for o in clip.objects if o.track_id != event.track_id]
    return {"subject_tid": event.track_id - 1, "object_tid": (others or [event.track_id])[0] - 1,
            "predicate": event.action, "begin_fid": moment[0], "end_fid": moment[-1] + 1}


def _entries(ctx: Context, clip: WorldClip, events, moments) -> list[dict]:
    entries = []
    for event, moment in zip(events, moments):
        target = event.track_id - 1
        questions = [{"description": q.question, "type": "object", "target_id": target}
                     for q in clip.qa if q.question_type == "shape" and not q.choices
                     and ACTION_PHRASES[event.action] in q.question]
        entries.append({
            "vid": ctx.ids.nextqa(clip), "fps": float(clip.fps), "frame_count": clip.num_frames,
            "used_segment": {"begin_fid": 0, "end_fid": clip.num_frames - 1},
            "width": clip.width, "height": clip.height,
            "subject/objects": [{"tid": o.track_id - 1, "category": o.shape} for o in clip.objects],
            "used_relation": _relation(clip, event, moment),
            "temporal_gt": {"begin_fid": moment[0], "end_fid": moment[-1] + 1},
            "captions": [{"description": f"{c}.", "type": "object", "target_id": target}
                         for c in event.captions],
            "questions": questions})
    return entries


def write(ctx: Context) -> list[Placement]:
    root, placements = ctx.root("vidstg"), []
    for split in SPLITS:
        entries = []
        for clip in ctx.clips[split]:
            events = clip_events(clip)
            moments = [frames_in(e.segment, clip.fps, clip.num_frames) for e in events]
            entries.extend(_entries(ctx, clip, events, moments))
            path = ctx.ids.vidor_path(clip)
            write_text(root / "vidor" / VIDOR_FOLDERS[split] / f"{path}.json",
                       json.dumps(_vidor(ctx, clip, events, moments), separators=(",", ":")))
            placements.append(Placement(clip, f"vidstg/video/{path}.mp4", ctx.ids.nextqa(clip)))
        write_json(root / "annotations" / f"{split}_annotations.json", entries)
    return placements
