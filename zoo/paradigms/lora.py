"""LoRA: low-rank updates of the frozen vision tower's Linear weights, through peft (``methods.md`` §1.7).

Every targeted ``nn.Linear`` of the vision blocks computes ``W x + b + (alpha / rank) · B A x``
with ``A [rank, in]`` (Kaiming-uniform) and ``B [out, rank]`` (zeros), so at initialisation the
model equals the frozen one exactly. The scale is ``alpha / rank`` (peft's default, not rsLoRA's
``alpha / sqrt(rank)``); the defaults ``rank=8, alpha=16`` give a scale of 2.

Variants (which Linear layers of every vision block get LoRA; the text tower is never touched):
- ``qv``: ``attn.q_proj``, ``attn.v_proj`` (the original LoRA recipe)
- ``qkvo``: ``attn.q_proj``, ``attn.k_proj``, ``attn.v_proj``, ``attn.out_proj``
- ``all``: ``qkvo`` plus the MLP's ``c_fc`` and ``c_proj``

Trainable parameters per targeted Linear: ``rank · (in + out)``. ViT-B/16, rank 8: ``qv`` 294,912;
``qkvo`` 589,824; ``all`` 1,327,104.

The backbone's attention is explicit ``q/k/v/out_proj`` Linear layers (``zoo.backbones.attention``),
so this is plain peft LoRA on ``nn.Linear`` — none of peft's ``nn.MultiheadAttention`` pitfalls
(peft #761, #2200, #3774). peft's ``inject_adapter_in_model`` modifies the backbone in place, so
it keeps its class. :meth:`LoRAModel.merge` folds the updates into a plain backbone with exactly the
base backbone's parameters (no inference cost, as ZeroI2V's merged adapters).
"""

from __future__ import annotations

import copy
import re
from typing import Optional

from peft import LoraConfig, inject_adapter_in_model
from peft.tuners.lora import LoraLayer

from zoo.backbones.clip import Backbone
from zoo.paradigms.layers.framewise import FrameWiseModel
from zoo.registry import PARADIGMS
from zoo.specs import paradigm_spec

VISION_BLOCKS = r"clip\.visual\.transformer\.resblocks\.\d+\."
TARGETS: dict[str, tuple[str, ...]] = {
    "qv": ("attn.q_proj", "attn.v_proj"),
    "qkvo": ("attn.q_proj", "attn.k_proj", "attn.v_proj", "attn.out_proj"),
    "all": ("attn.q_proj", "attn.k_proj", "attn.v_proj", "attn.out_proj", "mlp.c_fc", "mlp.c_proj"),
}


def target_pattern(variant: str) -> str:
    """The regex (peft full-matches it against module names of the backbone) of ``variant``'s
    targets in the vision blocks."""
    return VISION_BLOCKS + "(" + "|".join(re.escape(t) for t in TARGETS[variant]) + ")"


@PARADIGMS.register
class LoRAModel(FrameWiseModel):
    """A frozen backbone whose vision-block Linear layers carry trainable LoRA updates."""

    paradigm = "lora"
    family = "adapted features"
    summary = "low-rank updates of frozen linear weights (peft), mergeable"
    variants = ("qv", "qkvo", "all")  # the keys of TARGETS

    def __init__(self, backbone: Backbone, variant: Optional[str] = None, num_frames: int = 8,
                 rank: int = 8, alpha: float = 16.0, dropout: float = 0.0):
        super().__init__(backbone, variant, num_frames)
        if rank < 1:
            raise ValueError(f"rank must be a positive integer, got {rank}")
        if alpha <= 0:
            raise ValueError(f"alpha must be positive, got {alpha}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        if any(isinstance(m, LoraLayer) for m in backbone.modules()):
            raise ValueError("the backbone already carries LoRA layers; build LoRA on a fresh backbone")
        self.rank, self.alpha, self.dropout = int(rank), float(alpha), float(dropout)
        config = LoraConfig(r=self.rank, lora_alpha=self.alpha, lora_dropout=self.dropout,
                            target_modules=target_pattern(self.variant), bias="none")
        inject_adapter_in_model(config, backbone)
        self.num_lora_layers = sum(isinstance(m, LoraLayer) for m in backbone.modules())
        expected = backbone.num_layers * len(TARGETS[self.variant])
        if self.num_lora_layers != expected:
            raise RuntimeError(f"LoRA {self.variant!r} wrapped {self.num_lora_layers} Linear layers of "
                               f"backbone {backbone.spec.id!r}; expected {expected}")

    @property
    def scale(self) -> float:
        """The factor on ``B A``: ``alpha / rank``."""
        return self.alpha / self.rank

    def extra_config(self) -> dict:
        return {"rank": self.rank, "alpha": self.alpha, "dropout": self.dropout}

    def is_pretrained_parameter(self, name: str) -> bool:
        """LoRA's A and B live inside the backbone but are added by the paradigm (they get the
        task's ``lr``, not ``backbone_lr``)."""
        return super().is_pretrained_parameter(name) and ".lora_" not in name

    def merge(self) -> Backbone:
        """A plain :class:`Backbone` (a copy; this model is unchanged) with every LoRA update
        folded into its Linear weight, ``W + (alpha / rank) · B @ A``, and no peft layer left."""
        merged = copy.deepcopy(self.backbone)
        for name, module in [(n, m) for n, m in merged.named_modules() if isinstance(m, LoraLayer)]:
            module.merge(safe_merge=True)
            parent, _, child = name.rpartition(".")
            setattr(merged.get_submodule(parent), child, module.get_base_layer())
        if hasattr(merged, "peft_config"):
            del merged.peft_config
        return merged.requires_grad_(False)


LoraSpec = paradigm_spec(LoRAModel)
