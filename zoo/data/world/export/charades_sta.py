"""Charades-STA: ``charades_sta/``.

``charades_sta_{train,test}.txt`` (``"<vid> <start> <end>##<sentence>."``, LF),
``Charades_duration.json`` and ``Charades_v1_480/<vid>.mp4``. One line per caption of each event of
``clip_events`` (a default clip: every caption, all with the clip's action segment — as the real
file has several sentences per segment), times with 2 decimals (the real files use one),
sentences end with ``"."``; ``vid`` is 5 characters of ``[0-9A-Z]``. The world's train and test
clips only.
"""

from __future__ import annotations

from zoo.data.world.export.common import Context, Placement, clip_events, write_json, write_lines

__all__ = ["write"]


def write(ctx: Context) -> list[Placement]:
    root, placements, durations = ctx.root("charades_sta"), [], {}
    for split in ("train", "test"):
        lines = []
        for clip in ctx.clips[split]:
            vid = ctx.ids.charades(clip)
            durations[vid] = clip.duration
            for event in clip_events(clip):
                start, end = event.segment
                lines.extend(f"{vid} {start:.2f} {end:.2f}##{caption}." for caption in event.captions)
            placements.append(Placement(clip, f"charades_sta/Charades_v1_480/{vid}.mp4", vid))
        write_lines(root / f"charades_sta_{split}.txt", lines)
    write_json(root / "Charades_duration.json", durations)
    return placements
