"""zoo: image-to-video transfer learning over open_clip backbones.

Public API::

    zoo.list_models(task=..., paradigm=..., backbone=..., pretrained=False)
    zoo.create_model("postnet_recognition_tiny", variant="seqtransf", num_classes=10)
    zoo.from_pretrained("checkpoints/<name>.<tag>" | "hf-hub:org/name@rev" | "<name>.<tag>")
    zoo.create_transforms(model_or_name_or_preprocess, train=False, clips=1, crops=1)
    zoo.save_pretrained(task, "checkpoints/<name>.<tag>", metrics=..., protocol=...)
"""

__version__ = "0.1.0"

from zoo.backbones import BACKBONES, create_backbone  # noqa: E402
from zoo.clip_transforms import create_transforms  # noqa: E402
from zoo.factory import create_model  # noqa: E402
from zoo.hub import from_pretrained  # noqa: E402
from zoo.pretrained import save_pretrained  # noqa: E402
from zoo.registry import PARADIGMS, TASKS, list_models, parse_name  # noqa: E402

__all__ = ["BACKBONES", "PARADIGMS", "TASKS", "__version__", "create_backbone", "create_model",
           "create_transforms", "from_pretrained", "list_models", "parse_name", "save_pretrained"]
