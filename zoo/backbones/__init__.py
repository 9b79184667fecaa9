"""Image-language foundation models (open_clip) with explicit-Linear attention."""

from zoo.backbones.attention import LinearAttention, convert_attention
from zoo.backbones.clip import Backbone, FrameFeatures, create_backbone, state_dict_sha256
from zoo.backbones.specs import BACKBONES, BackboneSpec, get_spec

__all__ = ["BACKBONES", "Backbone", "BackboneSpec", "FrameFeatures", "LinearAttention",
           "convert_attention", "create_backbone", "get_spec", "state_dict_sha256"]
