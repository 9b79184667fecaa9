"""BURST (class-guided / open-world video object segmentation on TAO's frames): ``burst/``.

- ``annotations/train/train.json``, ``annotations/val/all_classes.json``,
  ``annotations/test/all_classes.json`` (world train / val / test): ``{"split", "categories",
  "sequences"}`` with, per sequence, ``id, width, height, seq_name, dataset, fps,
  all_image_paths, annotated_image_paths, neg_category_ids, not_exhaustive_category_ids,
  track_category_ids`` (string track-id keys = the world's track ids, from 1) and
  ``segmentations`` (one ``{"<track id>": {"rle", "is_gt", "score"}}`` per annotated frame);
- ``frames/<split>/ZooWorld/<seq_name>/frame<k+1:04d>.png``: the images (``<split>/<dataset>/
  <seq_name>`` is the parser's ``record.path``; the same frames as ``tao/``, hard-linked).

Masks: the world has boxes, not masks, so each object's mask is its box as a filled rectangle —
the pixels ``[floor(x1), ceil(x2)) x [floor(y1), ceil(y2))`` clipped to the frame — as a COCO
compressed RLE string (``burst_mask_box`` is the box the parser reads back). Every frame is
annotated; objects are annotated in the frames they are visible in. Categories as TAO's, without
``frequency`` (BURST has none). No datamodule reads frame folders yet.
"""

from __future__ import annotations

import math

import numpy as np

from zoo.data.formats.burst import rle_encode, rle_to_string
from zoo.data.world.export.common import Context, Placement, number, write_json
from zoo.data.world.export.tao import (DATASET, category_id, frame_names, negative_ids,
                                       world_categories)

__all__ = ["write", "BURST_FILES", "burst_mask_box"]

BURST_FILES = {"train": "train/train.json", "val": "val/all_classes.json",
               "test": "test/all_classes.json"}


def burst_mask_box(box, height: int, width: int) -> tuple[int, int, int, int]:
    """The pixel rectangle (xyxy edges) a float box is filled in as."""
    x1, y1, x2, y2 = (float(v) for v in box)
    return (min(max(math.floor(x1), 0), width), min(max(math.floor(y1), 0), height),
            min(max(math.ceil(x2), 0), width), min(max(math.ceil(y2), 0), height))


def _rle(box, height: int, width: int) -> str:
    x1, y1, x2, y2 = burst_mask_box(box, height, width)
    mask = np.zeros((height, width), bool)
    mask[y1:y2, x1:x2] = True
    return rle_to_string(rle_encode(mask))


def write(ctx: Context) -> list[Placement]:
    root, placements = ctx.root("burst"), []
    for split, file in BURST_FILES.items():
        sequences = []
        for clip in ctx.clips[split]:
            seq = ctx.ids.get("tao", clip)
            frames = frame_names(clip)
            segmentations = []
            for k in range(clip.num_frames):
                segmentations.append({
                    str(o.track_id): {"rle": _rle(o.boxes[k], clip.height, clip.width),
                                      "is_gt": True, "score": 1.0}
                    for o in clip.objects if o.visible[k]})
            sequences.append({
                "id": len(sequences) + 1, "width": clip.width, "height": clip.height,
                "seq_name": seq, "dataset": DATASET, "fps": number(clip.fps),
                "all_image_paths": frames, "annotated_image_paths": list(frames),
                "neg_category_ids": negative_ids(clip), "not_exhaustive_category_ids": [],
                "track_category_ids": {str(o.track_id): category_id(o.shape)
                                       for o in clip.objects},
                "segmentations": segmentations})
            placements.append(Placement(clip, f"burst/frames/{split}/{DATASET}/{seq}",
                                        f"{DATASET}/{seq}", frames=frames))
        write_json(root / "annotations" / file, {
            "split": split, "categories": world_categories(ctx.config, frequency=False),
            "sequences": sequences})
    return placements
