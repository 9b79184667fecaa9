"""Kinetics-400/600/700 (cvdfoundation layout): ``kinetics/``.

``annotations/{train,val,test}.csv`` with header ``label,youtube_id,time_start,time_end,split``
(the 2017 release: split values ``train`` / ``validate`` / ``test``, like the sample
``validate.csv``), labels = the world's action phrases (``moving left``), every split labelled;
``youtube_id`` is 11 characters of ``[A-Za-z0-9_-]`` from a hash, ``time_start`` an integer in
[0, 290), ``time_end = time_start + ceil(duration)``. Videos ``{train,val,test}/<ytid>_<s:06d>_
<e:06d>.mp4`` (the downloaders' naming, one folder per split). ``label_map.txt`` lists all classes
in the world's label order (a tiny train split may not contain every class, so
``sorted(set(train labels))`` would not): give ``KineticsDataModule(label_map="label_map.txt")``.
"""

from __future__ import annotations

from zoo.data.world.export.common import SPLIT_VALUES, SPLITS, Context, Placement, write_csv, write_lines
from zoo.data.world.synthetic import ACTION_PHRASES, ACTIONS

__all__ = ["write"]


def write(ctx: Context) -> list[Placement]:
    root, placements = ctx.root("kinetics"), []
    write_lines(root / "label_map.txt", [ACTION_PHRASES[a] for a in ACTIONS])
    for split in SPLITS:
        rows = []
        for clip in ctx.clips[split]:
            youtube_id, start, end = ctx.ids.kinetics_name(clip)
            rows.append((ACTION_PHRASES[clip.action], youtube_id, start, end, SPLIT_VALUES[split]))
            name = f"{youtube_id}_{start:06d}_{end:06d}"
            placements.append(Placement(clip, f"kinetics/{split}/{name}.mp4", name))
        write_csv(root / "annotations" / f"{split}.csv",
                  ("label", "youtube_id", "time_start", "time_end", "split"), rows)
    return placements
