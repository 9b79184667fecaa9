"""DiDeMo (``LocalizingMoments``): ``didemo/``.

``data/{train,val,test}_data.json`` — one JSON line each, a list of ``{"num_segments",
"description", "dl_link", "times", "video", "annotation_id"}`` (the released key order) — and
``videos/<video>``, where ``video`` is a Flickr file name ``<nsid>@N0<d>_<photo id>_<secret>.mp4``
(the real names carry their original extension; ``.mp4`` is one of them).

One annotation per (event, caption) of ``clip_events`` (the paragraph of a video is its
descriptions joined), ``annotation_id`` numbered over the three files. ``times`` are 5-second
chunk indices, inclusive at both ends, from four annotators derived from the event's segment
``[t0, t1]`` (``didemo_times``): the chunks covering it (twice), the chunk of its midpoint, and
the covering chunks widened by one at the end — so the majority moment (what the parser puts
first) is the covering one. ``num_segments = min(6, ceil(duration / 5))``: a world clip shorter
than 5 s has one chunk, and every moment is chunk 0 (0-5 s), the format's resolution.
"""

from __future__ import annotations

import math

from zoo.data.formats.didemo import CHUNK_SECONDS
from zoo.data.world.export.common import SPLITS, Context, Placement, clip_events, write_json
from zoo.data.world.synthetic import WorldClip

__all__ = ["write", "didemo_times", "didemo_chunks"]


def didemo_chunks(duration: float) -> int:
    """``num_segments``: 5-second chunks of the video, at most 6 (videos were cut to 30 s)."""
    return max(1, min(6, math.ceil(duration / CHUNK_SECONDS - 1e-9)))


def didemo_times(segment, duration: float) -> list[list[int]]:
    """Four annotators' ``[start chunk, end chunk]`` for a segment in seconds (module doc)."""
    last = didemo_chunks(duration) - 1
    t0, t1 = segment

    def chunk(t: float) -> int:
        return min(last, max(0, math.floor(t / CHUNK_SECONDS)))

    cover = [chunk(t0), chunk(max(t1 - 1e-9, t0))]
    middle = chunk((t0 + t1) / 2)
    return [cover, [middle, middle], list(cover), [cover[0], min(cover[1] + 1, last)]]


def _flickr(ctx: Context, clip: WorldClip) -> tuple[str, str]:
    """``(file name, photo id)``."""
    stem = ctx.ids.get("flickr", clip)
    return f"{stem}.mp4", stem.split("_")[1]


def write(ctx: Context) -> list[Placement]:
    root, placements, annotation_id = ctx.root("didemo"), [], 0
    for split in SPLITS:
        items = []
        for clip in ctx.clips[split]:
            video, photo = _flickr(ctx, clip)
            for event in clip_events(clip):
                times = didemo_times(event.segment, clip.duration)
                for caption in event.captions:
                    items.append({"num_segments": didemo_chunks(clip.duration),
                                  "description": caption,
                                  "dl_link": f"https://www.flickr.com/video_download.gne?id={photo}",
                                  "times": times, "video": video, "annotation_id": annotation_id})
                    annotation_id += 1
            placements.append(Placement(clip, f"didemo/videos/{video}", video))
        write_json(root / "data" / f"{split}_data.json", items)
    return placements
