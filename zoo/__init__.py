"""zoo: image-to-video transfer learning over open_clip backbones.

Public API (each name is imported on first use, so ``import zoo`` is cheap)::

    zoo.list_models(task=..., paradigm=..., backbone=..., pretrained=False)
    zoo.create_model("postnet_recognition_tiny", variant="seqtransf", num_classes=10)
    zoo.from_pretrained("checkpoints/<name>.<tag>" | "hf-hub:org/name@rev" | "<name>.<tag>")
    zoo.create_transforms(model_or_name_or_preprocess, train=False, clips=1, crops=1)
    zoo.predict(model_or_name, "clip.mp4", *texts, **options)   # one video -> a readable dict
    zoo.save_pretrained(task, "checkpoints/<name>.<tag>", metrics=..., protocol=...)
    zoo.ModelSpec / zoo.OptimSpec       the typed model and optimiser specs of every task
"""

from zoo._lazy import lazy_attributes
from zoo.version import __version__

_PUBLIC = {
    "BACKBONES": "zoo.backbones.specs",
    "PARADIGMS": "zoo.registry",
    "TASKS": "zoo.registry",
    "parse_name": "zoo.registry",
    "list_models": "zoo.factory",
    "create_model": "zoo.factory",
    "create_backbone": "zoo.backbones.clip",
    "create_transforms": "zoo.data.clip_transforms",
    "predict": "zoo.commands.predict",
    "from_pretrained": "zoo.hub.load",
    "save_pretrained": "zoo.hub.folder",
    "ModelSpec": "zoo.specs",
    "OptimSpec": "zoo.specs",
}
__getattr__, __dir__ = lazy_attributes(__name__, _PUBLIC)
__all__ = ["__version__", *_PUBLIC]
