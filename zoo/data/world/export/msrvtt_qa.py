"""MSRVTT-QA: ``msrvtt_qa/``.

``{train,val,test}_qa.json`` (a JSON list of ``{"answer", "category_id", "id", "question",
"video_id"}``) and ``videos/all/video<N>.mp4`` (MSR-VTT's ``video<N>``). The world's open-ended
questions; ``category_id`` is the index of the world's question type in ``QUESTION_TYPES``;
``id`` numbers questions within each file.
"""

from __future__ import annotations

from zoo.data.world.export.common import SPLITS, Context, Placement, write_json
from zoo.data.world.synthetic import QUESTION_TYPES

__all__ = ["write"]


def write(ctx: Context) -> list[Placement]:
    root, placements = ctx.root("msrvtt_qa"), []
    for split in SPLITS:
        items = []
        for clip in ctx.clips[split]:
            vid = ctx.msrvtt_id(clip)
            for qa in clip.qa:
                if not qa.choices:
                    items.append({"answer": qa.answer, "category_id":
                                  QUESTION_TYPES.index(qa.question_type), "id": len(items),
                                  "question": qa.question, "video_id": int(vid[len("video"):])})
            placements.append(Placement(clip, f"msrvtt_qa/videos/all/{vid}.mp4", vid))
        write_json(root / f"{split}_qa.json", items)
    return placements
