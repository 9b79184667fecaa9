"""HC-STVG v1 and v2 (spatio-temporal grounding): ``hcstvg/``.

``anno/train.json`` + ``anno/test.json`` (v1: world train / test) and ``anno/trainv2.json`` +
``anno/valv2.json`` (v2: world train / val; v2's test is not public) — one JSON object on one line,
keyed by the video file name ``"<n>_<ytid>.mp4"``, values in the released key order (v1: ``bbox,
st_time, ed_time, img_num, caption, width, height, st_frame``; v2: ``English`` for ``caption`` and
``img_size = [height, width]`` for ``width, height``) — and ``video/<part>/<name>.mp4`` (TubeDETR
maps names to their part folder; ``hcstvg_video_path`` gives it).

HC-STVG has one sentence per video: the first event of ``clip_events`` (the actor's action today),
its first caption as a sentence. ``st_time`` / ``ed_time`` are the event's segment in seconds (full
precision, as released); the tube is every frame whose time lies in the segment, from the 1-based
``st_frame``, with one integer ``[x, y, w, h]`` box per frame (the world's box rounded to pixels;
a tube has no gaps, so a blinking actor keeps its box while invisible).

Every real HC-STVG video is 20 s long and the parser derives ``fps = img_num / 20``: parse these
files with ``parse_hcstvg(..., video_seconds=<clip duration>)`` (the world's clips are shorter).
"""

from __future__ import annotations

from zoo.data.world.export.common import (Context, Placement, clip_events, frames_in, pixel_box,
                                          sentence, write_json)
from zoo.data.world.synthetic import WorldClip

__all__ = ["write", "HCSTVG_FILES", "hcstvg_video_path"]

#: (version, file name) -> world split.
HCSTVG_FILES = {(1, "train.json"): "train", (1, "test.json"): "test",
                (2, "trainv2.json"): "train", (2, "valv2.json"): "val"}


def _entry(clip: WorldClip, version: int) -> dict:
    event = clip_events(clip)[0]
    frames = frames_in(event.segment, clip.fps, clip.num_frames)
    obj = next(o for o in clip.objects if o.track_id == event.track_id)
    boxes = []
    for f in frames:
        x1, y1, x2, y2 = pixel_box(obj.boxes[f])
        boxes.append([x1, y1, x2 - x1, y2 - y1])
    entry = {"bbox": boxes, "st_time": float(event.segment[0]), "ed_time": float(event.segment[1]),
             "img_num": clip.num_frames}
    if version == 1:
        entry.update(caption=sentence(event.captions[0]), width=clip.width, height=clip.height)
    else:
        entry.update(English=sentence(event.captions[0]), img_size=[clip.height, clip.width])
    entry["st_frame"] = frames[0] + 1
    return entry


def hcstvg_video_path(ctx: Context, clip: WorldClip, name: str) -> str:
    return f"video/{ctx.ids.number('hcstvg-part', clip, 4):02d}/{name}"


def write(ctx: Context) -> list[Placement]:
    root, placements = ctx.root("hcstvg"), []
    names = {c.video_id: f"{n}_{ctx.ids.youtube(c)}.mp4" for n, c in enumerate(ctx.all_clips())}
    files: dict[tuple[int, str], dict] = {key: {} for key in HCSTVG_FILES}
    placed = set()
    for (version, file), split in HCSTVG_FILES.items():
        for clip in ctx.clips[split]:
            name = names[clip.video_id]
            files[version, file][name] = _entry(clip, version)
            if clip.video_id not in placed:
                placed.add(clip.video_id)
                placements.append(Placement(clip, f"hcstvg/{hcstvg_video_path(ctx, clip, name)}",
                                            name[:-len(".mp4")]))
    for (_, file), data in files.items():
        write_json(root / "anno" / file, data)
    return placements
