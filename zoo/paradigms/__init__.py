"""The eight transfer paradigms, one file each. Each turns a backbone into a ``VideoTextModel``.

Importing this package imports every module in it, and each paradigm module registers its class
(``@register_paradigm``): adding a paradigm is adding a file. ``create_video_text_model`` builds
one by id.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Optional, Union

from zoo.backbones import Backbone, create_backbone
from zoo.interfaces import VideoTextModel
from zoo.registry import accepted_arguments, paradigm_class

for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    importlib.import_module(f"{__name__}.{_module}")


def create_video_text_model(paradigm: str, backbone: Union[str, Backbone] = "tiny",
                            variant: Optional[str] = None, num_frames: int = 8,
                            backbone_pretrained: Union[bool, str, None] = True,
                            **paradigm_args) -> VideoTextModel:
    """Build paradigm ``paradigm`` (variant ``variant``) over ``backbone``.

    ``paradigm_args`` are the paradigm class's own keyword arguments (e.g. LoRA's ``rank``); an
    unknown one raises, naming the arguments the paradigm accepts.
    """
    cls = paradigm_class(paradigm)
    accepted = accepted_arguments(cls) - {"backbone", "variant", "num_frames"}
    unknown = set(paradigm_args) - accepted
    if unknown:
        raise TypeError(f"paradigm {paradigm!r} does not take {sorted(unknown)}; "
                        f"it accepts {sorted(accepted) or 'no extra arguments'}")
    if isinstance(backbone, str):
        backbone = create_backbone(backbone, pretrained=backbone_pretrained)
    return cls(backbone, variant=variant, num_frames=num_frames, **paradigm_args)


__all__ = ["create_video_text_model"]
