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
(``qvhighlights_saliency``; the world's own saliency of event videos uses its ``clip_length``,
not QVHighlights' 2 s).
"""

from __future__ import annotations

import json

from zoo.data.formats.qvhighlights import CLIP_LENGTH, MAX_SALIENCY
from zoo.data.world.events import saliency_scores
from zoo.data.world.export.common import (SPLITS, Context, Placement, clip_events, number,
                                          sentence, write_text)

__all__ = ["write", "qvhighlights_saliency"]


def qvhighlights_saliency(segment, duration: float) -> tuple[list[int], list[list[int]]]:
    """``(relevant_clip_ids, saliency_scores)`` of a moment: the 2-s clips it overlaps and three
    annotators' 0-4 scores per clip — the world's score ``s`` (``events.saliency_scores``:
    ``ceil(4 * covered share)``), ``s + 1`` on odd clips (at most 4), and ``s - 1``."""
    ids, scores = saliency_scores(tuple(segment), duration, CLIP_LENGTH)
    return ids, [[s, min(MAX_SALIENCY, s + k % 2), max(0, s - 1)] for k, s in zip(ids, scores)]


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
                        ids, scores = qvhighlights_saliency(event.segment, clip.duration)
                        item.update(relevant_clip_ids=ids, saliency_scores=scores,
                                    relevant_windows=[[number(t) for t in event.segment]])
                    lines.append(json.dumps(item))
                    qid += 1
            placements.append(Placement(clip, f"qvhighlights/videos/{vid}.mp4", vid))
        write_text(root / "data" / f"highlight_{split}_release.jsonl", "\n".join(lines))
    return placements
