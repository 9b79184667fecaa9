"""mmaction2's generic video lists: ``mmaction_list/``.

``{train,val,test}.txt`` — ``"<class folder>/<video id>.mp4 <label>"`` per line (space
separated, 0-based labels in the world's label order, every split labelled) — ``label_map.txt``
(line k = class k - 1, the action phrases) and ``videos/<class folder>/<video id>.mp4`` (class
folder = the phrase with ``_`` for spaces). Read with
``VideoListDataModule(root, val_list="val.txt", class_names="label_map.txt")``.
"""

from __future__ import annotations

from zoo.data.world.export.common import SPLITS, Context, Placement, write_lines
from zoo.data.world.synthetic import ACTION_PHRASES, ACTIONS

__all__ = ["write"]


def write(ctx: Context) -> list[Placement]:
    root, placements = ctx.root("mmaction_list"), []
    write_lines(root / "label_map.txt", [ACTION_PHRASES[a] for a in ACTIONS])
    for split in SPLITS:
        lines = []
        for clip in ctx.clips[split]:
            rel = f"{ACTION_PHRASES[clip.action].replace(' ', '_')}/{clip.video_id}.mp4"
            lines.append(f"{rel} {clip.label}")
            placements.append(Placement(clip, f"mmaction_list/videos/{rel}", rel[:-len(".mp4")]))
        write_lines(root / f"{split}.txt", lines)
    return placements
