"""QVHighlights (moment retrieval + highlight detection): ``qvhighlights/``.

``data/highlight_{train,val,test}_release.jsonl`` (``jayleicn/moment_detr : data/``): one JSON
object per line in the released key order ``qid, query, duration, vid, relevant_clip_ids,
saliency_scores, relevant_windows`` with ``", "`` separators, LF, no newline after the last line;
the test file has only ``qid, query, duration, vid`` (no labels, as released). Videos
``videos/<vid>.mp4``, ``vid = "<ytid>_<start>_<end>"`` (a 150-s multiple as the start in the
clip's fictional YouTube video, ``end = start + duration``, written as floats: ``_300.0_302.0``).

One query per (event, caption) of ``clip_events`` (the caption as a sentence), ``qid`` numbered
over the three files. ``relevant_windows = [[t0, t1]]``: the event's segment in seconds with 2
decimals (the release's windows are whole, even seconds — a 2-s clip grid too coarse for the
world's clips, whose length is a few seconds), ``duration`` the clip length (an integer when
whole, as released). ``relevant_clip_ids``: the 2-s clips the window overlaps; ``saliency_scores``:
three annotators' 0-4 scores per relevant clip from the share of the clip the event covers
(``qvhighlights_saliency``).
"""

from __future__ import annotations

import json
import math

from zoo.data.formats.qvhighlights import CLIP_LENGTH, MAX_SALIENCY
from zoo.data.world.export.common import (SPLITS, Context, Placement, clip_events, number,
                                          sentence, write_text)

__all__ = ["write", "qvhighlights_clips", "qvhighlights_saliency"]


def qvhighlights_clips(segment) -> list[int]:
    """The 2-s clips ``[2k, 2k + 2)`` that the segment ``[t0, t1]`` overlaps."""
    t0, t1 = segment
    return list(range(math.floor(t0 / CLIP_LENGTH), max(math.ceil(t1 / CLIP_LENGTH),
                                                        math.floor(t0 / CLIP_LENGTH) + 1)))


def qvhighlights_saliency(segment, duration: float) -> list[list[int]]:
    """Per relevant clip, three annotators' scores: ``round(4 * covered share)`` (at least 1),
    the same + 1 on odd clips (at most 4), and the same - 1 (at least 0)."""
    t0, t1 = segment
    rows = []
    for k in qvhighlights_clips(segment):
        start, end = k * CLIP_LENGTH, min((k + 1) * CLIP_LENGTH, duration)
        share = (min(t1, end) - max(t0, start)) / max(end - start, 1e-9)
        base = max(1, min(MAX_SALIENCY, round(MAX_SALIENCY * share)))
        rows.append([base, min(MAX_SALIENCY, base + k % 2), max(0, base - 1)])
    return rows


def write(ctx: Context) -> list[Placement]:
    root, placements, qid = ctx.root("qvhighlights"), [], 0
    for split in SPLITS:
        lines = []
        for clip in ctx.clips[split]:
            start = 150.0 * ctx.ids.number("qvhighlights-start", clip, 20)
            vid = f"{ctx.ids.youtube(clip)}_{start!r}_{start + clip.duration!r}"
            for event in clip_events(clip):
                for caption in event.captions:
                    item = {"qid": qid, "query": sentence(caption),
                            "duration": number(clip.duration), "vid": vid}
                    if split != "test":
                        item["relevant_clip_ids"] = qvhighlights_clips(event.segment)
                        item["saliency_scores"] = qvhighlights_saliency(event.segment,
                                                                        clip.duration)
                        item["relevant_windows"] = [[number(t) for t in event.segment]]
                    lines.append(json.dumps(item))
                    qid += 1
            placements.append(Placement(clip, f"qvhighlights/videos/{vid}.mp4", vid))
        write_text(root / "data" / f"highlight_{split}_release.jsonl", "\n".join(lines))
    return placements
