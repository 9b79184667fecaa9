"""Golden hashes of today's default world: shipped checkpoints are tested against recorded outputs
on these clips and ``tiny`` was pretrained on these stills, so not one pixel or annotation of the
default world may change. New world features are opt-in (``WorldConfig`` fields whose defaults
reproduce the clips below, new methods, new datamodule options).

The digests were computed with the code *before* the grounding / appearance / box work was added
(commit f8cb9aa) and written here by hand; they must never be regenerated to make a change pass.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import torch

from zoo.data.world import WorldDataModule
from zoo.data.world.synthetic import SyntheticWorld, WorldConfig

PREPROCESS = {"mean": [0.48, 0.46, 0.41], "std": [0.27, 0.26, 0.28], "size": 64, "num_frames": 8}

#: Batch keys that existed before; newer keys are not part of the pinned contract.
LEGACY_KEYS = ("video", "video_id", "frame_times", "label", "captions", "question", "answer",
               "answer_index", "question_type", "choices", "question_id", "segments", "query",
               "boxes", "frame_mask", "tracks")


def _feed(digest, value) -> None:
    """Feed a canonical byte form of ``value`` (arrays by dtype, shape and bytes)."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray):
        digest.update(f"{value.dtype}{value.shape}".encode())
        digest.update(np.ascontiguousarray(value).tobytes())
    elif isinstance(value, dict):
        for key in sorted(value):
            digest.update(repr(key).encode())
            _feed(digest, value[key])
    elif isinstance(value, (list, tuple)):
        digest.update(f"{type(value).__name__}{len(value)}".encode())
        for v in value:
            _feed(digest, v)
    else:
        digest.update(repr(value).encode())


#: ``VideoRecord`` / ``QuestionAnswer`` / ``Track`` fields that existed when the digests were taken
#: (fields added later are not part of the pinned contract).
RECORD_FIELDS = ("video_id", "path", "start", "end", "label", "label_name", "captions", "qa",
                 "segments", "query", "duration", "tube_frames", "tube_boxes", "tracks", "source",
                 "labels", "query_id", "query_type", "saliency_clips", "saliency", "clip_length",
                 "fps", "frame_size", "frame_files", "negative_categories",
                 "not_exhaustive_categories")
QA_FIELDS = ("question", "answer", "question_type", "choices", "answer_index", "qid")
TRACK_FIELDS = ("track_id", "category", "frames", "boxes", "category_id", "novel")


def _pick(obj, fields) -> dict:
    return {f: getattr(obj, f) for f in fields}


def _record_json(record) -> str:
    data = _pick(record, RECORD_FIELDS)
    data["qa"] = [_pick(q, QA_FIELDS) for q in record.qa]
    data["tracks"] = [_pick(t, TRACK_FIELDS) for t in record.tracks]
    return json.dumps(data, sort_keys=True)


def world_digest(config: WorldConfig = WorldConfig(), indices=range(4), seed: int = 0) -> dict:
    """sha256 per split of every pixel, ``clip`` annotation and ``record`` of clips ``indices``."""
    out = {}
    for split in ("train", "val", "test"):
        world = SyntheticWorld(split, size=max(indices) + 1, config=config, seed=seed)
        digest = hashlib.sha256()
        for i in indices:
            _feed(digest, world.render(i))
            clip = world.clip(i)
            _feed(digest, [clip.video_id, clip.action, clip.label, clip.actor, clip.segment,
                           clip.captions, [_pick(q, QA_FIELDS) for q in clip.qa]])
            for obj in clip.objects:
                _feed(digest, [obj.track_id, obj.shape, obj.colour, obj.size, obj.boxes,
                               obj.visible, obj.is_actor])
            _feed(digest, _record_json(world.record(i)))
        out[split] = digest.hexdigest()
    return out


def still_digest() -> str:
    """sha256 of stills 0-5 of the train split (default count, one object, a shape twin)."""
    world = SyntheticWorld("train", size=1)
    digest = hashlib.sha256()
    for i in range(6):
        for still in (world.still(i), world.still(i, num_objects=1),
                      world.still(i, num_objects=1, shape="square")):
            _feed(digest, [still.image, still.caption, json.dumps(still.objects, sort_keys=True)])
    return digest.hexdigest()


def batch_digest() -> dict:
    """sha256 of the legacy keys of the first train / val / test batches of a default
    ``WorldDataModule`` (train draws random frames and crops; test uses 2 clips x 3 crops)."""
    dm = WorldDataModule(train_size=6, val_size=4, test_size=4, batch_size=3, test_clips=2,
                         test_crops=3).connect(PREPROCESS)
    out = {}
    for split, loader in (("train", dm.train_dataloader()), ("val", dm.val_dataloader()),
                          ("test", dm.test_dataloader())):
        batch = next(iter(loader))
        digest = hashlib.sha256()
        for key in LEGACY_KEYS:
            _feed(digest, [key, batch[key]])
        out[split] = digest.hexdigest()
    return out


GOLDEN_WORLD = {
    "train": "667e5c22cf7846f991a9aa0656ee857ff4c0701a5dc9f6a988e797e35b77108c",
    "val": "faf34fad6676b32332943b5f20869410013689ced9da7ca5c8831ea885d66419",
    "test": "079fe41b6cd4a8c09c83fd007e0e043daed4453d3c2700d85abcce9bfc3195ef",
}
GOLDEN_BASE_ONLY = {
    "train": "f125f371241447e4e1937e7d351c94a365f3dc548e54c3b5edab4cee1efd2d3a",
    "val": "e6b5ca32fb17161eb23d5cb481de516e1f21b53f9ac0cdc7cb470cc2574f0b91",
    "test": "19b8b94336e612e1b8665e902870336c92f141694801d74af8a041c172d57bbe",
}
GOLDEN_STILLS = "79554e43451d980f9748e82abc0c6e10e6574af6dec786b50654b52146cf0f8c"
GOLDEN_BATCHES = {
    "train": "c09478b1752be52154420cbfe16cb88a725c7de9df56a6c85fb879804f45a41d",
    "val": "a8a8b6cba32c3f487e55cfb52ba4184e852a78f84a7f448f3a4d2939826354e0",
    "test": "d6d55c77173eeae7065c39b789755e0b2dcc4685547398b1f24e98b071ee7d3e",
}


def test_default_world_clips_are_unchanged():
    assert world_digest() == GOLDEN_WORLD


def test_base_only_and_custom_geometry_clips_are_unchanged():
    config = WorldConfig(base_only=True, num_frames=24, height=80, width=96, fps=6.0)
    assert world_digest(config, indices=range(3), seed=7) == GOLDEN_BASE_ONLY


def test_stills_are_unchanged():
    assert still_digest() == GOLDEN_STILLS


def test_default_datamodule_batches_are_unchanged():
    assert batch_digest() == GOLDEN_BATCHES
