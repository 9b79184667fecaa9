"""NExT-QA multiple choice: ``nextqa/``.

``dataset/nextqa/{train,val,test}.csv`` (header ``video,frame_count,width,height,question,
answer,qid,type,a0..a4``), ``dataset/nextqa/map_vid_vidorID.json`` and
``NExTVideo/<dir>/<video>.mp4``. The world's multiple-choice questions (5 per clip, ``qid`` 0-4),
text verbatim; the world's question types map to NExT-QA types (``NEXTQA_TYPES``: colour / shape
-> DO, action -> TC, direction -> DL, count -> DC). ``video`` is a 10-digit id, mapped to
``"<4-digit dir>/<video>"``.
"""

from __future__ import annotations

from zoo.data.world.export.common import SPLITS, Context, Placement, write_csv, write_json
from zoo.data.world.synthetic import QUESTION_TYPES

__all__ = ["write", "NEXTQA_TYPES"]

#: World question type -> NExT-QA question type (descriptive other / temporal current /
#: descriptive location / descriptive count).
NEXTQA_TYPES = {"colour": "DO", "shape": "DO", "action": "TC", "direction": "DL", "count": "DC"}
assert set(NEXTQA_TYPES) == set(QUESTION_TYPES)


def write(ctx: Context) -> list[Placement]:
    root, placements, video_map = ctx.root("nextqa"), [], {}
    data = root / "dataset" / "nextqa"
    header = ("video", "frame_count", "width", "height", "question", "answer", "qid", "type",
              "a0", "a1", "a2", "a3", "a4")
    for split in SPLITS:
        rows = []
        for clip in ctx.clips[split]:
            video = ctx.ids.nextqa(clip)
            video_map[video] = ctx.ids.vidor_path(clip)
            questions = [qa for qa in clip.qa if qa.choices]
            for qid, qa in enumerate(questions):
                rows.append((video, clip.num_frames, clip.width, clip.height, qa.question,
                             qa.answer_index, qid, NEXTQA_TYPES[qa.question_type], *qa.choices))
            placements.append(Placement(clip, f"nextqa/NExTVideo/{video_map[video]}.mp4", video))
        write_csv(data / f"{split}.csv", header, rows)
    write_json(data / "map_vid_vidorID.json", video_map)
    return placements
