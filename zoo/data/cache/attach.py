"""Connecting a datamodule to its feature caches: key, build, open.

``ZooDataModule`` calls these when it has a ``feature_cache``: :func:`prepare_splits` (from
``prepare_data``: builds what is missing, on the first process of each node) and
:func:`cached_dataset` (from ``setup``: opens the split's cache, checking its key). ``zoo
cache-features`` calls :func:`prepare_splits` directly.
"""

from __future__ import annotations

import logging
from typing import Any, Iterable, Optional

from zoo.data.cache.build import build_cache
from zoo.data.cache.dataset import CachedVideoDataset
from zoo.data.cache.key import (cache_key, datamodule_settings, key_digest, model_key,
                                unique_videos, videos_digest, weights_fingerprint)
from zoo.data.cache.spec import FeatureCacheSpec
from zoo.data.cache.store import KEY_FILE, FeatureCache, StaleCacheError, join, read_json

log = logging.getLogger("zoo.data")

STAGE_SPLITS = {"fit": ("train", "val"), "validate": ("val",), "test": ("test",), "predict": ("test",)}


def split_crops(datamodule: Any, split: str) -> int:
    """Spatial crops per frame of a split (the test protocol's crops; 1 elsewhere)."""
    return int(datamodule.test_crops) if split == "test" else 1


def split_key(datamodule: Any, split: str, model: Any, precision: Optional[str]) -> dict:
    """The cache key of ``split`` for ``model`` (a ``VideoTextModel``)."""
    spec: FeatureCacheSpec = datamodule.feature_cache
    preprocess = datamodule._require_connected()
    records = datamodule.records(split)
    videos = unique_videos(records)
    data = {"datamodule": f"{type(datamodule).__module__}.{type(datamodule).__qualname__}",
            "settings": datamodule_settings(datamodule, datamodule.cache_ignores), "split": split,
            "videos": len(videos), "videos_sha256": videos_digest(videos, datamodule.source(split))}
    return cache_key(model_key(model, spec.tokens, precision), preprocess, split_crops(datamodule, split),
                     spec.frame_stride, spec.dtype, data)


def folder_of(spec: FeatureCacheSpec, key: dict) -> str:
    return join(spec.root, key_digest(key))


def exists(folder: str) -> bool:
    try:
        read_json(join(folder, KEY_FILE))
        return True
    except (FileNotFoundError, OSError):
        return False


def prepare_splits(datamodule: Any, model: Any, splits: Iterable[str], precision: Optional[str],
                   keys: Optional[dict[str, dict]] = None) -> dict[str, str]:
    """Build (where missing and allowed) the caches of ``splits``; returns their folders
    (``keys``: the splits' keys where already computed)."""
    spec: FeatureCacheSpec = datamodule.feature_cache
    folders = {}
    for split in splits:
        key = (keys or {}).get(split) or split_key(datamodule, split, model, precision)
        folder = folder_of(spec, key)
        if not exists(folder):
            if not spec.build:
                raise FileNotFoundError(f"no feature cache for the {split} split at {folder} (build=False); "
                                        "build it with `zoo cache-features` or set feature_cache build=true")
            log.info("building the %s feature cache in %s", split, folder)
            videos = unique_videos(datamodule.records(split))
            folder = build_cache(spec.root, key, model, videos, datamodule.source(split),
                                 datamodule._require_connected(), tokens=spec.tokens,
                                 batch_frames=spec.batch_frames, num_workers=spec.num_workers,
                                 progress=spec.progress, desc=f"caching {split} features")
        folders[split] = folder
    return folders


def cached_dataset(datamodule: Any, split: str, dataset: Any, model: Any,
                   precision: Optional[str]) -> CachedVideoDataset:
    """The cached twin of the pixel ``dataset`` of ``split`` (built first if missing)."""
    key = split_key(datamodule, split, model, precision)
    folder = prepare_splits(datamodule, model, [split], precision, keys={split: key})[split]
    return CachedVideoDataset.from_dataset(dataset, FeatureCache(folder, expected_key=key))


def check_weights(dataset: CachedVideoDataset, model: Any) -> None:
    """Raise if the model's frozen tower changed since its cache was chosen (e.g. a checkpoint
    restored other backbone weights after ``setup``)."""
    stored = dataset.cache.key["model"]["visual_sha256"]
    if weights_fingerprint(model.backbone.clip.visual) != stored:
        raise StaleCacheError(f"the model's frozen vision tower no longer matches the feature cache "
                              f"{dataset.cache.folder} (its weights changed after the cache was chosen, "
                              "e.g. a checkpoint with other backbone weights); rerun to key a new cache")
