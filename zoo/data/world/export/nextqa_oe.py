"""NExT-QA open-ended (NExT-OE): ``nextqa_oe/``.

``dataset/nextqa/{train,val,test}.csv`` (header ``video,frame_count,width,height,question,answer,
qid,type``, LF), ``dataset/nextqa/map_vid_vidorID.json`` and ``NExTVideo/<dir>/<video>.mp4`` —
the same video ids and folders as the multiple-choice export (``nextqa``). The world's open-ended
questions (5 per clip, ``qid`` 0-4), text and answers verbatim, types as NExT-QA's
(``NEXTQA_TYPES``). No ``add_reference_answer_test.json``: the world has one answer per question.
"""

from __future__ import annotations

from zoo.data.world.export.common import SPLITS, Context, Placement, write_csv, write_json
from zoo.data.world.export.nextqa import NEXTQA_TYPES

__all__ = ["write"]


def write(ctx: Context) -> list[Placement]:
    root, placements, video_map = ctx.root("nextqa_oe"), [], {}
    data = root / "dataset" / "nextqa"
    header = ("video", "frame_count", "width", "height", "question", "answer", "qid", "type")
    for split in SPLITS:
        rows = []
        for clip in ctx.clips[split]:
            video = ctx.ids.nextqa(clip)
            video_map[video] = ctx.ids.vidor_path(clip)
            for qid, qa in enumerate(q for q in clip.qa if not q.choices):
                rows.append((video, clip.num_frames, clip.width, clip.height, qa.question,
                             qa.answer, qid, NEXTQA_TYPES[qa.question_type]))
            placements.append(Placement(clip, f"nextqa_oe/NExTVideo/{video_map[video]}.mp4", video))
        write_csv(data / f"{split}.csv", header, rows)
    write_json(data / "map_vid_vidorID.json", video_map)
    return placements
