"""ActivityNet Captions: ``activitynet_captions/``.

``captions/{train,val_1,val_2}.json`` — ``{"v_<ytid>": {"duration": float seconds,
"timestamps": [[start, end], ...], "sentences": [...]}}``, times with 2 decimals (whole values
written as integers, as the release mixes both) — ``captions/{train,val}_ids.json`` (lists of
``"v_<ytid>"``) and ``videos/v_<ytid>.mp4``.

One sentence per event of ``clip_events`` (its first caption as a sentence: capitalised, with a
full stop), in time order; sentences after the first start with a space, as released. Splits:
world train -> ``train.json``, val -> ``val_1.json``, test -> ``val_2.json`` (the datamodule's
sentence protocol tests on val_2; the real val_1 / val_2 re-annotate the same videos, here they
keep the world's splits disjoint). ``val_ids.json`` lists the videos of both.
"""

from __future__ import annotations

from zoo.data.world.export.common import (Context, Placement, clip_events, number, sentence,
                                          write_json)

__all__ = ["write", "ANET_FILES"]

ANET_FILES = {"train": "train.json", "val": "val_1.json", "test": "val_2.json"}


def write(ctx: Context) -> list[Placement]:
    root, placements = ctx.root("activitynet_captions"), []
    ids: dict[str, list[str]] = {"train": [], "val": []}
    for split, name in ANET_FILES.items():
        data = {}
        for clip in ctx.clips[split]:
            vid = f"v_{ctx.ids.youtube(clip)}"
            events = clip_events(clip)
            data[vid] = {"duration": round(float(clip.duration), 2),
                         "timestamps": [[number(t) for t in e.segment] for e in events],
                         "sentences": [(" " if k else "") + sentence(e.captions[0])
                                       for k, e in enumerate(events)]}
            ids["train" if split == "train" else "val"].append(vid)
            placements.append(Placement(clip, f"activitynet_captions/videos/{vid}.mp4", vid))
        write_json(root / "captions" / name, data)
    for name, videos in ids.items():
        write_json(root / "captions" / f"{name}_ids.json", videos)
    return placements
