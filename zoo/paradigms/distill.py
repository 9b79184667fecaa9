"""Knowledge distillation from the frozen image-language model (FROSTER, ``reference/methods.md``
§1.3; official code ``Visual-AI/FROSTER``, ``slowfast/models/temporalclip_video_model.py`` and
``tools/train_net.py``).

Variant ``feature`` — residual feature distillation:

- **Student**: the whole CLIP, fine-tuned, encoding frames one by one (the frame-wise encoder of
  the adapted-feature paradigms, meanP over frames). FROSTER sets ``requires_grad = True`` on every
  parameter of its CLIP video model — both towers, the token embedding and ``logit_scale``.
- **Teacher**: a frozen copy of the backbone taken at construction (the original CLIP). It runs
  under ``torch.no_grad`` in eval mode, only in training mode inside :meth:`encode_video`, and
  leaves its frames on the features for :meth:`auxiliary_losses`. It is held outside
  the module registry, so it is in neither ``state_dict()`` nor ``delta_state_dict()`` nor the
  optimiser, while ``.to()`` / ``.cuda()`` / ``.half()`` still move it (``_apply``). Inference
  (``encode_video`` / ``encode_text``) never reads it; :meth:`release_teacher` frees it.
- **Residual projections** (FROSTER's ``projector_v`` / ``projector_t``):
  ``g(f) = f + 0.1 · W₂ GELU(W₁ f)`` with bias-free ``D × D`` layers, ``W₁`` Kaiming-normal and
  ``W₂`` zero, so ``g`` is the identity at initialisation. Applied to the L2-normalised student
  features. They are training-only but are saved (``state_dict`` and ``delta_state_dict``): a
  resumed run needs them, and they are small (2 · 2 · D² = 1,048,576 for ViT-B/16 against the
  149,620,737 of the student).
- **Loss** (FROSTER ``train_net.py``): cosine distance ``1 − cos(g(f_student), f_teacher)``,
  averaged, on the video side per frame (FROSTER compares the ``[B·T, D]`` frame features of
  student and teacher) and on the text side per text (the task's text embeddings, e.g. the class
  prompts); each term times ``distill_weight`` (FROSTER ``DISTILLATION_RATIO`` = 2.0). The text
  term is there when the task encoded texts with the student (``text_features``), as FROSTER's
  text classifier does; with a closed-set linear head only the video term applies.

Not reproduced from the FROSTER recipe: its student's attention sees neighbouring frames (Open-VCLIP
``TEMPORAL_MODELING_TYPE: expand_temporal_view``, parameter-free) where zoo's student encodes frames
independently as ViFi-CLIP does; the LLM-rephrased class names and template ensembles (data-side);
and the weight averaging (SWA) after training.
"""

from __future__ import annotations

from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from zoo.backbones.clip import Backbone
from zoo.backbones.frozen_copy import FrozenCopies
from zoo.interfaces import VideoFeatures
from zoo.paradigms.layers.framewise import FrameWiseModel
from zoo.registry import PARADIGMS
from zoo.specs import paradigm_spec

RESIDUAL_SCALE = 0.1  # FROSTER's ``alpha`` on the projector branch
DEFAULT_DISTILL_WEIGHT = 2.0  # FROSTER ``MODEL.DISTILLATION_RATIO``


class ResidualProjection(nn.Module):
    """``g(f) = f + scale · W₂ GELU(W₁ f)`` on ``[..., D]``; the identity at initialisation."""

    def __init__(self, dim: int, scale: float = RESIDUAL_SCALE):
        super().__init__()
        self.scale = scale
        self.mlp = nn.Sequential(nn.Linear(dim, dim, bias=False), nn.GELU(), nn.Linear(dim, dim, bias=False))
        nn.init.kaiming_normal_(self.mlp[0].weight)
        nn.init.zeros_(self.mlp[2].weight)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return features + self.scale * self.mlp(features)


def cosine_distance(student: torch.Tensor, teacher: torch.Tensor) -> torch.Tensor:
    """Mean over rows of ``1 − cos(student, teacher)`` for ``[..., D]`` pairs."""
    return (1 - F.cosine_similarity(student, teacher, dim=-1)).mean()


@PARADIGMS.register
class FeatureDistillation(FrozenCopies, FrameWiseModel):
    """A fine-tuned CLIP student kept close to the frozen CLIP teacher (FROSTER)."""

    paradigm = "distill"
    frozen_copy_names = ("_teacher",)
    family = "frozen features"
    summary = "a video student matched to the frozen image-language teacher, plus the task loss"
    variants = ("feature",)

    def __init__(self, backbone: Backbone, variant: Optional[str] = None, num_frames: int = 8,
                 distill_weight: float = DEFAULT_DISTILL_WEIGHT):
        super().__init__(backbone, variant, num_frames)
        if not distill_weight >= 0:
            raise ValueError(f"distill_weight must be non-negative, got {distill_weight}")
        self.distill_weight = float(distill_weight)
        self.hold_frozen_copy("_teacher", backbone)  # zoo.backbones.frozen_copy: never saved, never optimised
        backbone.requires_grad_(True)
        self.video_projector = ResidualProjection(backbone.embed_dim)
        self.text_projector = ResidualProjection(backbone.embed_dim)

    def extra_config(self) -> dict:
        return {"distill_weight": self.distill_weight}

    # ------------------------------------------------------------------ the teacher
    @property
    def teacher(self) -> Backbone:
        """The frozen original backbone (training only)."""
        if self._teacher is None:
            raise RuntimeError("the distillation teacher was released (release_teacher()); it is "
                               "needed for training only — rebuild the model to train again")
        return self._teacher

    def release_teacher(self) -> None:
        """Free the teacher (inference does not need it)."""
        self.release_frozen_copy("_teacher")

    @property
    def uses_text(self) -> bool:
        """The text term exists only when the task encodes texts: distillation itself needs no
        text tower (a closed-set head drops the student's and the teacher's)."""
        return False

    def drop_text_tower(self) -> None:
        super().drop_text_tower()
        if self._teacher is not None:
            self._teacher.drop_text_tower()
            self.forget_frozen_text()

    def teacher_text(self, texts: Sequence[str]) -> torch.Tensor:
        """``[N, D]`` teacher text features, cached per list of texts (class prompts repeat every
        step: :meth:`~zoo.backbones.frozen_copy.FrozenCopies.frozen_text`)."""
        _ = self.teacher  # a released teacher's error, not the cache's
        return self.frozen_text("_teacher", texts)

    # ------------------------------------------------------------------ the loss
    def encode_video(self, video: torch.Tensor) -> VideoFeatures:
        """The student's features; in training mode also the teacher's frame embeddings
        (``features.extras["teacher_frames"] [B, T, D]``, computed under ``no_grad``)."""
        features = super().encode_video(video)
        if self.training:
            teacher = self.teacher
            teacher.eval()
            with torch.no_grad():
                features.extras["teacher_frames"] = teacher.encode_frames(video).embeddings
        return features

    def auxiliary_losses(self, features: VideoFeatures, texts: Optional[Sequence[str]] = None,
                         text_features: Optional[torch.Tensor] = None) -> dict[str, torch.Tensor]:
        """``distill_video`` (and ``distill_text`` when the task encoded ``texts`` into
        ``text_features [N, D]``), each already multiplied by ``distill_weight``."""
        teacher_frames = features.extras.get("teacher_frames")
        if teacher_frames is None:
            raise RuntimeError("distillation needs the teacher's frames, which encode_video "
                               "computes in training mode only (call model.train())")
        if teacher_frames.shape != features.frames.shape:
            raise ValueError(f"teacher frames {tuple(teacher_frames.shape)} do not match the student "
                             f"frames {tuple(features.frames.shape)}")
        student_frames = self.video_projector(F.normalize(features.frames, dim=-1))
        losses = {"distill_video": self.distill_weight * cosine_distance(
            student_frames, teacher_frames.to(student_frames.dtype))}
        if text_features is not None:
            if texts is None or len(texts) != text_features.shape[0]:
                raise ValueError(f"text distillation needs the texts behind text_features "
                                 f"[{text_features.shape[0]}, D]; got "
                                 f"{'none' if texts is None else f'{len(texts)} texts'}")
            student_text = self.text_projector(F.normalize(text_features, dim=-1))
            teacher_text = self.teacher_text(texts).to(student_text.dtype)
            losses["distill_text"] = self.distill_weight * cosine_distance(student_text, teacher_text)
        return losses


DistillSpec = paradigm_spec(FeatureDistillation)
