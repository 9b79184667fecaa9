"""The two types where paradigms and tasks meet: ``VideoFeatures`` and ``VideoTextModel``.

A *paradigm* (``zoo/paradigms/``) turns a :class:`~zoo.backbones.Backbone` into a
``VideoTextModel``: it decides what trains and how frames become a video representation. A *task*
(``zoo/tasks/``) puts a head, a loss and metrics on top of any ``VideoTextModel``. Neither side
imports the other; this module is the whole contract.

Notation: B batch, T frames, N patch tokens per frame (grid h × w), C vision width,
D joint image-text dimension, F width of ``pooled`` (``feature_dim``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Iterator, Optional, Sequence, Union

import torch
import torch.nn.functional as F
from torch import nn

from zoo.backbones.clip import Backbone


@dataclass
class VideoFeatures:
    """What a paradigm's video encoder produces, for ``B * V`` clips (V views of B videos, the
    views of a video adjacent; V = 1 unless the task encoded multi-view video).

    video  [B*V, D]        clip embedding in the joint image-text space (not normalised)
    frames [B*V, T, D]     per-frame embeddings in the joint space
    tokens [B*V, T, N, C]  per-frame patch tokens (after the tower's final norm), for dense tasks
    grid   (h, w)          with N = h * w
    pooled [B*V, F]        the clip feature a closed-set head reads (F = ``model.feature_dim``);
                           for most paradigms the pre-projection frame-averaged class token, as in
                           the official AIM / ST-Adapter / EVL heads
    views  V               clips x crops per video; heads reduce with :meth:`view_mean` /
                           :meth:`by_video` instead of unflattening by hand
    extras                 training-time tensors a paradigm computes alongside (e.g. the
                           distillation teacher's frames), read by its ``auxiliary_losses``
    """

    video: torch.Tensor
    frames: torch.Tensor
    tokens: Optional[torch.Tensor]
    grid: tuple[int, int]
    pooled: torch.Tensor
    views: int = 1
    extras: dict[str, torch.Tensor] = field(default_factory=dict)

    @property
    def num_videos(self) -> int:
        """B."""
        return self.video.shape[0] // self.views

    def by_video(self, x: torch.Tensor) -> torch.Tensor:
        """``[B*V, ...] -> [B, V, ...]``."""
        return x.unflatten(0, (-1, self.views))

    def view_mean(self, x: torch.Tensor) -> torch.Tensor:
        """``[B*V, ...] -> [B, ...]``: the mean over each video's views."""
        return self.by_video(x).mean(dim=1)

    def per_view(self, x: torch.Tensor) -> torch.Tensor:
        """``[B, ...] -> [B*V, ...]``: a per-video tensor repeated for each of its views."""
        return x.repeat_interleave(self.views, dim=0)


@dataclass
class TextTokens:
    """A sentence seen token by token, for heads that attend over words (grounding).

    tokens [N, L, W]  the text tower's per-token states after its final norm (W = text width)
    mask   [N, L]     True for real tokens (start token .. end token), False for padding
    pooled [N, D]     the sentence embedding in the joint space (what ``encode_text`` returns)
    """

    tokens: torch.Tensor
    mask: torch.Tensor
    pooled: torch.Tensor


def mean_of_normalised(frames: torch.Tensor) -> torch.Tensor:
    """CLIP4Clip's ``meanP``: L2-normalise each frame embedding ``[B, T, D]``, average over T."""
    return F.normalize(frames, dim=-1).mean(dim=1)


class VideoTextModel(nn.Module):
    """Base class of every paradigm: a video encoder and a text encoder in one joint space.

    Subclasses set ``paradigm`` and ``variants`` (the first is the default), freeze or add
    parameters in ``__init__`` and implement ``encode_video``. The backbone starts fully frozen;
    a paradigm unfreezes exactly the parameters its method trains. ``requires_grad`` is the single
    source of truth for what trains; ``trainable_parameters`` and the counts derive from it.
    """

    paradigm: ClassVar[str] = ""
    variants: ClassVar[tuple[str, ...]] = ()

    def __init__(self, backbone: Backbone, variant: Optional[str] = None, num_frames: int = 8):
        super().__init__()
        variant = variant or self.variants[0]
        if variant not in self.variants:
            raise ValueError(f"paradigm {self.paradigm!r} has no variant {variant!r}; "
                             f"choose one of {', '.join(self.variants)}")
        if num_frames < 1:
            raise ValueError(f"num_frames must be positive, got {num_frames}")
        self.backbone = backbone
        self.variant = variant
        self.num_frames = num_frames
        backbone.requires_grad_(False)

    # ------------------------------------------------------------------ dimensions
    @property
    def embed_dim(self) -> int:
        """D: the joint image-text dimension."""
        return self.backbone.embed_dim

    @property
    def token_dim(self) -> int:
        """C: width of ``VideoFeatures.tokens``."""
        return self.backbone.width

    @property
    def feature_dim(self) -> int:
        """F: width of ``VideoFeatures.pooled``."""
        return self.backbone.width

    @property
    def grid(self) -> tuple[int, int]:
        return self.backbone.grid

    @property
    def preprocess(self) -> dict:
        """The backbone's preprocessing (mean, std, size, ...) plus the clip length."""
        return {**self.backbone.preprocess, "num_frames": self.num_frames}

    @property
    def logit_scale(self) -> torch.Tensor:
        """CLIP's temperature (a log scale); frozen unless the paradigm trains the backbone."""
        return self.backbone.logit_scale

    # ------------------------------------------------------------------ encoders
    def encode_video(self, video: torch.Tensor) -> VideoFeatures:
        """``video [B, T, 3, H, W]`` (normalised with ``preprocess``) -> :class:`VideoFeatures`."""
        raise NotImplementedError

    def encode_text(self, texts: Union[Sequence[str], torch.Tensor]) -> torch.Tensor:
        """``list[str]`` (or token ids ``[N, ctx]``) -> ``[N, D]`` in the joint space."""
        return self.backbone.encode_text(texts)

    def encode_text_tokens(self, texts: Union[Sequence[str], torch.Tensor]) -> TextTokens:
        """``list[str]`` (or token ids ``[N, ctx]``) -> :class:`TextTokens` through the same text
        path as ``encode_text`` (paradigms that change the text path override both)."""
        tokens = texts if isinstance(texts, torch.Tensor) else self.tokenize(texts)
        pool = self.backbone.pool_index(tokens)
        pooled, states = self.backbone.encode_text_embeddings(
            self.backbone.token_embeddings(tokens), pool, return_tokens=True)
        mask = torch.arange(tokens.shape[1], device=tokens.device)[None] <= pool[:, None]
        return TextTokens(tokens=states, mask=mask, pooled=pooled)

    @property
    def text_width(self) -> int:
        """W: width of ``TextTokens.tokens``."""
        return self.backbone.text_width

    def tokenize(self, texts: Sequence[str]) -> torch.Tensor:
        return self.backbone.tokenize(texts)

    @property
    def text_is_trainable(self) -> bool:
        """Whether ``encode_text`` depends on trainable parameters (else tasks may cache it)."""
        return any(p.requires_grad for p in self.text_parameters())

    # ------------------------------------------------------------------ the text tower
    @property
    def uses_text(self) -> bool:
        """Whether the paradigm itself needs the text tower, whatever the task: by default when
        part of the text path trains (``full``'s ``both``, ``partial``'s ``text``, prompt's text
        context). A paradigm whose text use depends on the task's (distillation's text term)
        says False. ``ModelSpec.build`` drops the tower when neither the task nor this needs it."""
        return self.text_is_trainable

    @property
    def has_text_tower(self) -> bool:
        """Whether the backbone still holds its text tower (see :meth:`drop_text_tower`)."""
        return self.backbone.has_text_tower

    def drop_text_tower(self) -> None:
        """Delete the backbone's text tower and free its memory (the model then encodes video
        only; ``encode_text`` raises). Refused when the paradigm uses text."""
        if self.uses_text:
            raise ValueError(f"paradigm {self.paradigm!r} (variant {self.variant!r}) uses the text tower; "
                             "it cannot be dropped")
        self.backbone.drop_text_tower()

    def text_parameters(self) -> Iterator[nn.Parameter]:
        """Parameters ``encode_text`` reads; paradigms that add text-side modules extend this."""
        clip = self.backbone.clip
        for name, param in clip.named_parameters():
            if not name.startswith("visual.") and name != "logit_scale":
                yield param

    # ------------------------------------------------------------------ what trains
    def trainable_parameters(self) -> list[tuple[str, nn.Parameter]]:
        return [(n, p) for n, p in self.named_parameters() if p.requires_grad]

    def frozen_parameters(self) -> list[tuple[str, nn.Parameter]]:
        return [(n, p) for n, p in self.named_parameters() if not p.requires_grad]

    def is_pretrained_parameter(self, name: str) -> bool:
        """True for parameters that came with the foundation model (they get the smaller
        ``backbone_lr``); False for parameters the paradigm added."""
        return name.startswith("backbone.")

    def parameter_counts(self) -> dict[str, int]:
        params = dict(self.named_parameters())
        return {
            "trainable": sum(p.numel() for p in params.values() if p.requires_grad),
            "total": sum(p.numel() for p in params.values()),
            "added": sum(p.numel() for n, p in params.items() if not self.is_pretrained_parameter(n)),
        }

    def delta_state_dict(self) -> dict[str, torch.Tensor]:
        """What training changed, i.e. what a checkpoint must store: every trainable parameter
        plus everything the paradigm added outside the backbone (parameters and persistent
        buffers). Frozen backbone weights are not stored: they are rebuilt from the backbone's
        name and checked against its ``weights_sha256``. Paradigms holding modules that must never
        be saved (a distillation teacher) keep them out of this dict."""
        trainable = {name for name, p in self.named_parameters() if p.requires_grad}
        return {name: tensor for name, tensor in self.state_dict().items()
                if name in trainable or not name.startswith("backbone.")}

    def auxiliary_losses(self, features: VideoFeatures, texts: Optional[Sequence[str]] = None,
                         text_features: Optional[torch.Tensor] = None) -> dict[str, torch.Tensor]:
        """Training losses the paradigm adds to any task's loss (e.g. feature distillation), given
        the ``features`` just computed (with whatever the paradigm left in ``features.extras``)
        and, when the task has them, the ``texts`` it encoded and their ``text_features [N, D]``.
        The task adds their sum to its loss and logs each one. Default: none."""
        return {}

    def config(self) -> dict:
        """What a checkpoint records to rebuild this model (JSON-able)."""
        return {"paradigm": self.paradigm, "variant": self.variant, "num_frames": self.num_frames,
                "backbone": self.backbone.config(), **self.extra_config()}

    def extra_config(self) -> dict:
        """Paradigm-specific constructor arguments (JSON-able)."""
        return {}
