"""MSVD-QA: ``msvd_qa/``.

``{train,val,test}_qa.json`` — JSON lists of ``{"answer", "id", "question", "video_id"}`` (no
``category_id``, which MSRVTT-QA has), ``video_id`` N of ``vid<N>`` (the numbering of
``msvd.msvd_numbers``) — ``youtube_mapping.txt`` (``"<clip id> vid<N>"``) and the release's
``video/vid<N>.avi``. The world's open-ended questions; ``id`` numbers questions within each
file. ``MSVDQADataModule(root)`` reads ``video/vid<N>.avi``; with
``youtube_mapping="youtube_mapping.txt", video_dir=<msvd>/YouTubeClips`` it reads MSVD's clips.
"""

from __future__ import annotations

from zoo.data.world.export.common import SPLITS, Context, Placement, write_json, write_lines
from zoo.data.world.export.msvd import msvd_clip_id, msvd_numbers

__all__ = ["write"]


def write(ctx: Context) -> list[Placement]:
    root, placements = ctx.root("msvd_qa"), []
    numbers = msvd_numbers(ctx)
    mapping = []
    for split in SPLITS:
        items = []
        for clip in ctx.clips[split]:
            n = numbers[clip.video_id]
            for qa in clip.qa:
                if not qa.choices:
                    items.append({"answer": qa.answer, "id": len(items), "question": qa.question,
                                  "video_id": n})
            mapping.append(f"{msvd_clip_id(ctx, clip)} vid{n}")
            placements.append(Placement(clip, f"msvd_qa/video/vid{n}.avi", f"vid{n}"))
        write_json(root / f"{split}_qa.json", items)
    write_lines(root / "youtube_mapping.txt", mapping)
    return placements
