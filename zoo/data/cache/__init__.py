"""The frozen-feature cache: run the frozen backbone once, train frozen-feature paradigms from it.

Frozen-feature paradigms (``postnet``; ``side``) compute a function of each frame that never
changes during training — the frozen tower's embedding, patch tokens, the last blocks' outputs.
The cache stores it per video frame in litdata chunks, keyed by everything that decides the
numbers (weights, frames, transform, videos: :mod:`~zoo.data.cache.key`), and the datamodule
serves batches whose ``video`` is a :class:`CachedFrames` read from it; the paradigm's
``encode_frozen`` continues from there. Outputs equal those from pixels (tested).

Use it from any ``ZooDataModule``::

    zoo fit --recipe recognition/postnet --data.init_args.feature_cache.root runs/cache
    zoo cache-features --splits train,val,test --root runs/cache -- --recipe recognition/postnet

Modules: ``spec`` (the option), ``key``, ``build`` (writing), ``store`` (reading), ``dataset``
(the cached ``VideoDataset``), ``frames`` (the batch type), ``attach`` (datamodule glue).
"""

from zoo.data.cache.frames import CachedFrames, ClipFields, collate_clip_fields
from zoo.data.cache.spec import FeatureCacheSpec

__all__ = ["CachedFrames", "ClipFields", "FeatureCacheSpec", "collate_clip_fields"]
