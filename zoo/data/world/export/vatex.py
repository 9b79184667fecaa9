"""VATEX (English): ``vatex/``.

``vatex_training_v1.0.json`` (world train), ``vatex_validation_v1.0.json`` (val) and
``vatex_public_test_english_v1.1.json`` (test): JSON lists of ``{"videoID": "<ytid>_<start:06d>_
<end:06d>", "enCap": [10 captions]}``, and ``videos/<videoID>.mp4`` (the trimmed clips). VATEX's
clips are Kinetics-600 clips, so ``videoID`` is the clip's Kinetics name.

``enCap`` needs 10 English captions (5 regular, then 5 "parallel" ones paired with Chinese
translations); the world has 4, so they are repeated in order: ``enCap[k] = captions[k % 4]``.
``chCap`` (10 Chinese captions in the training / validation files) is left out: the world has no
Chinese, and zoo's parser ignores it.
"""

from __future__ import annotations

from zoo.data.world.export.common import Context, Placement, write_json
from zoo.data.world.synthetic import WorldClip

__all__ = ["write", "vatex_captions", "VATEX_FILES"]

VATEX_FILES = {"train": "vatex_training_v1.0.json", "val": "vatex_validation_v1.0.json",
               "test": "vatex_public_test_english_v1.1.json"}
NUM_CAPTIONS = 10


def vatex_captions(clip: WorldClip) -> list[str]:
    return [clip.captions[k % len(clip.captions)] for k in range(NUM_CAPTIONS)]


def write(ctx: Context) -> list[Placement]:
    root, placements = ctx.root("vatex"), []
    for split, name in VATEX_FILES.items():
        items = []
        for clip in ctx.clips[split]:
            youtube_id, start, end = ctx.ids.kinetics_name(clip)
            video_id = f"{youtube_id}_{start:06d}_{end:06d}"
            items.append({"videoID": video_id, "enCap": vatex_captions(clip)})
            placements.append(Placement(clip, f"vatex/videos/{video_id}.mp4", video_id))
        write_json(root / name, items)
    return placements
