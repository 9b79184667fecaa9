"""Image-language foundation models (open_clip) with explicit-Linear attention.

``specs`` (the backbone vocabulary, torch-free), ``clip`` (``Backbone``, ``create_backbone``),
``attention`` (the explicit q/k/v/out attention), ``pretrain`` (``zoo pretrain-backbone``: tiny).
"""

from zoo._lazy import lazy_attributes

__getattr__, __dir__ = lazy_attributes(__name__, {
    "BACKBONES": "zoo.backbones.specs", "BackboneSpec": "zoo.backbones.specs", "get_spec": "zoo.backbones.specs",
    "Backbone": "zoo.backbones.clip", "FrameFeatures": "zoo.backbones.clip",
    "create_backbone": "zoo.backbones.clip", "state_dict_sha256": "zoo.backbones.clip",
    "LinearAttention": "zoo.backbones.attention", "convert_attention": "zoo.backbones.attention",
})
