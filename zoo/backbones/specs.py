"""The closed vocabulary of backbones: zoo id -> open_clip architecture + default weights.

A zoo name's backbone part (``adapter_recognition_vitb16``) must be one of ``BACKBONES``. Each id
maps to an open_clip architecture (JSON config, as open_clip stores them) and the pretrained tag
used when ``backbone_pretrained=True``. ``tiny`` is zoo's own CLIP, pretrained on stills of the
synthetic world; its architecture JSON ships in the package and its weights in ``checkpoints/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from zoo.hub.paths import checkpoints_dir

MODEL_CONFIGS_DIR = Path(__file__).resolve().parent / "model_configs"  # open_clip JSON configs (tiny)

TINY_WEIGHTS_NAME = "open_clip_model.safetensors"


@dataclass(frozen=True)
class BackboneSpec:
    """One backbone id of the vocabulary."""

    id: str
    open_clip_name: str
    default_pretrained: str
    description: str

    @property
    def local_weights(self) -> Path | None:
        """The shipped weights file, for backbones zoo ships itself (``tiny``)."""
        if self.default_pretrained != "zoo":
            return None
        return checkpoints_dir() / "backbones" / self.id / TINY_WEIGHTS_NAME


BACKBONES: dict[str, BackboneSpec] = {
    spec.id: spec
    for spec in (
        BackboneSpec("tiny", "zoo-tiny", "zoo",
                     "zoo's own 9M-parameter CLIP (ViT 64px/8, 4 layers), pretrained on world stills"),
        BackboneSpec("vitb32", "ViT-B-32", "openai", "OpenAI CLIP ViT-B/32"),
        BackboneSpec("vitb16", "ViT-B-16", "openai", "OpenAI CLIP ViT-B/16"),
        BackboneSpec("vitl14", "ViT-L-14", "openai", "OpenAI CLIP ViT-L/14"),
        BackboneSpec("vitl14x336", "ViT-L-14-336", "openai", "OpenAI CLIP ViT-L/14 at 336 px"),
    )
}


def get_spec(backbone_id: str) -> BackboneSpec:
    """The spec of ``backbone_id``, with an error listing the vocabulary."""
    try:
        return BACKBONES[backbone_id]
    except KeyError:
        raise ValueError(f"unknown backbone {backbone_id!r}; known backbones: "
                         f"{', '.join(BACKBONES)}") from None
