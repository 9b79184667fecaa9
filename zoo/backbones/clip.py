"""``Backbone``: an open_clip CLIP with explicit-Linear attention, frames and text in, features out.

The backbone is the one way zoo touches an image-language foundation model. It keeps open_clip's
modules (so real checkpoints load unchanged), converts every ``nn.MultiheadAttention`` to
:class:`~zoo.backbones.attention.LinearAttention`, and exposes the pieces paradigms need:

- ``embed(frames)``: patch embedding + class token + positions + ``ln_pre`` -> ``[N, 1+L, C]``
- ``blocks``: the vision transformer blocks (open_clip ``ResidualAttentionBlock``)
- ``post(tokens)``: ``ln_post`` -> class feature ``[N, C]`` and patch tokens ``[N, L, C]``
- ``project(x)``: the visual projection ``[..., C] -> [..., D]``
- ``encode_frames(video)``: all of the above for ``[B, T, 3, H, W]`` video
- ``encode_text`` / ``token_embeddings`` / ``encode_text_embeddings`` for the text tower.

Notation: C = vision width, D = joint embedding dim, W = text width, L = patches per frame.
"""

from __future__ import annotations

import hashlib
import logging
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence, Union

import open_clip
import torch
from torch import nn

from zoo.backbones.attention import convert_attention
from zoo.backbones.specs import MODEL_CONFIGS_DIR, BackboneSpec, get_spec
from zoo.ops.memory import return_freed_memory

open_clip.add_model_config(MODEL_CONFIGS_DIR)  # zoo's own architectures (tiny)

log = logging.getLogger(__name__)

PretrainedArg = Union[bool, str, None]
#: What an open_clip ``CLIP`` holds for its text tower (modules, parameters, the causal mask).
TEXT_TOWER = ("transformer", "token_embedding", "positional_embedding", "ln_final", "text_projection", "attn_mask")


@dataclass
class FrameFeatures:
    """What the frozen image model sees in each frame of a video.

    cls        [B, T, C]   class token after ``ln_post`` (pre-projection)
    embeddings [B, T, D]   projected class token: per-frame embedding in the joint space
    patches    [B, T, L, C] patch tokens after ``ln_post``
    hidden     {layer: [B, T, 1+L, C]} outputs of the requested blocks (0-based), pre-``ln_post``
    """

    cls: torch.Tensor
    embeddings: torch.Tensor
    patches: torch.Tensor
    hidden: dict[int, torch.Tensor] = field(default_factory=dict)


def state_dict_sha256(module: nn.Module) -> str:
    """A fingerprint of a module's weights, independent of the file they came from: sha256 over
    every state-dict entry in key order (name, dtype, shape, then the raw bytes)."""
    return entries_sha256(module.state_dict())


def entries_sha256(entries: Mapping[str, torch.Tensor]) -> str:
    """:func:`state_dict_sha256` of a ``name -> tensor`` mapping (hashed in place, no copy of the
    bytes of CPU tensors)."""
    digest = hashlib.sha256()
    for name, tensor in sorted(entries.items()):
        tensor = tensor.detach().cpu().contiguous()
        digest.update(name.encode())
        digest.update(str(tensor.dtype).encode())
        digest.update(str(tuple(tensor.shape)).encode())
        if tensor.numel():
            digest.update(tensor.reshape(-1).view(torch.uint8).numpy())
    return digest.hexdigest()


def _resolve_pretrained(spec: BackboneSpec, pretrained: PretrainedArg) -> tuple[Optional[str], Optional[str]]:
    """Map the user's ``pretrained`` argument to (the label a config records, what open_clip
    takes: a tag, a weights file or ``hf-hub:...``). ``"zoo"`` names the weights zoo ships."""
    if pretrained is False or pretrained is None:
        return None, None
    if pretrained is True:
        pretrained = spec.default_pretrained
    if pretrained == "zoo":
        path = spec.local_weights
        if path is None or not path.is_file():
            raise FileNotFoundError(
                f"the weights of backbone {spec.id!r} are not at {path}. They ship with the zoo "
                f"repository (checkpoints/backbones/{spec.id}/); rebuild them with "
                f"`zoo pretrain-backbone`, or point ZOO_CHECKPOINTS at a folder holding them.")
        return "zoo", str(path)
    return str(pretrained), str(pretrained)


class TextTowerDroppedError(RuntimeError):
    """Text was asked of a backbone built without its text tower."""


class BackboneWeightsUnavailableError(FileNotFoundError):
    """A backbone's pretrained weights are neither in the Hugging Face cache nor downloadable."""


def _download_failed(error: BaseException) -> bool:
    """Whether ``error`` (or an exception it was raised from) is a failed download: the Hub
    offline or unreachable, or the file absent from the cache."""
    from huggingface_hub.errors import LocalEntryNotFoundError, OfflineModeIsEnabled

    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, (LocalEntryNotFoundError, OfflineModeIsEnabled, ConnectionError)) or \
                str(error).startswith("Failed to download"):  # open_clip's own wrappers
            return True
        error = error.__cause__ or error.__context__
    return False


def _unavailable_message(spec: BackboneSpec, pretrained: str) -> str:
    """One line: which weights cannot be had, why, and how to point ``backbone_pretrained`` at a
    local copy."""
    from huggingface_hub import constants

    why = ("HF_HUB_OFFLINE=1 is set" if constants.HF_HUB_OFFLINE
           else "the Hugging Face Hub could not be reached")
    what = (f"the weights {pretrained}" if pretrained.startswith("hf-hub:")
            else f"the {pretrained!r} weights of {spec.open_clip_name}")
    return (f"backbone {spec.id!r} needs {what}, which are not in the Hugging Face cache "
            f"({constants.HF_HUB_CACHE}) and cannot be downloaded ({why}). Download them once with "
            "network access (any zoo command building this backbone caches them), or point "
            "backbone_pretrained at a local open_clip checkpoint of the same weights: "
            "--model.model.backbone_pretrained /path/to/open_clip_model.safetensors (Python: "
            "backbone_pretrained='/path/to/open_clip_model.safetensors'), or at an "
            "'hf-hub:org/name' id already in the cache; backbone_pretrained=false builds random weights")


@contextmanager
def _quiet_download_errors():
    """Hide open_clip's own ``logging.error`` of a failed download (raised again, clearly, by
    us), without letting its call to ``logging.basicConfig`` configure the root logger."""
    root = logging.getLogger()
    placeholder = logging.NullHandler() if not root.handlers else None
    drop = logging.Filter()
    drop.filter = lambda record: not str(record.msg).startswith("Failed to download")
    if placeholder is not None:
        root.addHandler(placeholder)
    root.addFilter(drop)
    try:
        yield
    finally:
        root.removeFilter(drop)
        if placeholder is not None:
            root.removeHandler(placeholder)


def quick_gelu_for(spec: BackboneSpec, tag: Optional[str]) -> bool:
    """Whether ``spec``'s model is built with QuickGELU: as open_clip's config of ``tag`` says,
    and for a tag open_clip does not know (a local weights file, or no weights) as the config of
    the backbone's default weights says (OpenAI CLIP: QuickGELU), so that a local copy of the
    default weights gets the activation they were trained with."""
    config = (open_clip.get_pretrained_cfg(spec.open_clip_name, tag) if tag else None) or \
        open_clip.get_pretrained_cfg(spec.open_clip_name, spec.default_pretrained) or {}
    return bool(config.get("quick_gelu", False))


def _create_open_clip(spec: BackboneSpec, pretrained: Optional[str]) -> nn.Module:
    model_name, tag = spec.open_clip_name, pretrained
    if pretrained and pretrained.startswith(("hf-hub:", "local-dir:")):
        model_name, tag = pretrained, None
    elif pretrained and not os.path.isfile(pretrained) and not open_clip.get_pretrained_cfg(model_name, pretrained):
        tags = open_clip.list_pretrained_tags_by_model(model_name)
        raise ValueError(f"backbone {spec.id!r}: pretrained={pretrained!r} is neither an open_clip tag of "
                         f"{model_name} ({', '.join(tags) or 'none'}), nor a weights file, nor "
                         "'hf-hub:org/name' / 'local-dir:path'")
    # OpenAI weights were trained with QuickGELU; build that activation whenever the tag (or,
    # for a weights file, the backbone's default tag) says so, so that random-weight models and
    # local copies of the weights have the architecture the weights expect.
    quick_gelu = quick_gelu_for(spec, tag)
    try:
        with _quiet_download_errors():
            return open_clip.create_model(model_name, pretrained=tag, force_quick_gelu=quick_gelu,
                                          load_weights=tag is not None or model_name != spec.open_clip_name)
    except Exception as error:  # open_clip raises bare RuntimeErrors from deep inside
        if pretrained and _download_failed(error):
            raise BackboneWeightsUnavailableError(_unavailable_message(spec, pretrained)) from error
        offline = os.environ.get("HF_HUB_OFFLINE") == "1"
        hint = (" HF_HUB_OFFLINE=1 is set and the weights are not in the Hugging Face cache."
                if offline else " Check the tag (open_clip.list_pretrained()), the path, or the network.")
        raise RuntimeError(f"could not build backbone {spec.id!r} ({spec.open_clip_name}, "
                           f"pretrained={pretrained!r}): {error}.{hint}") from error


class Backbone(nn.Module):
    """An open_clip CLIP whose attention layers are explicit Linear q/k/v/out projections."""

    def __init__(self, clip: nn.Module, spec: BackboneSpec, pretrained: Optional[str],
                 weights_sha256: Optional[str] = None):
        super().__init__()
        visual = clip.visual
        for attr, expected in (("pool_type", "tok"), ("final_ln_after_pool", False), ("attn_pool", None)):
            if getattr(visual, attr, expected) != expected:
                raise ValueError(f"backbone {spec.id!r}: open_clip vision towers with "
                                 f"{attr}={getattr(visual, attr)!r} are not supported (need {expected!r})")
        if not getattr(visual.transformer, "batch_first", True):
            raise ValueError(f"backbone {spec.id!r}: sequence-first open_clip towers are not supported")
        self.clip = clip
        self.spec = spec
        self.pretrained = pretrained
        self.weights_sha256 = weights_sha256
        self.num_converted_attention = convert_attention(clip)
        cfg = open_clip.get_model_preprocess_cfg(clip)
        size = cfg["size"] if isinstance(cfg["size"], int) else cfg["size"][0]
        self.preprocess = {
            "mean": [float(x) for x in cfg["mean"]],
            "std": [float(x) for x in cfg["std"]],
            "size": int(size),
            "interpolation": cfg.get("interpolation", "bicubic"),
            "resize_mode": cfg.get("resize_mode", "shortest"),
        }
        self.tokenizer = open_clip.get_tokenizer(spec.open_clip_name,
                                                 context_length=clip.context_length)
        self.has_text_tower = True  # False after drop_text_tower()
        self.text_sha256: Optional[str] = None  # the dropped tower's fingerprint (pretrained weights)

    # ------------------------------------------------------------------ dimensions
    @property
    def visual(self) -> nn.Module:
        return self.clip.visual

    @property
    def blocks(self) -> nn.ModuleList:
        """The vision transformer's blocks, in order."""
        return self.clip.visual.transformer.resblocks

    @property
    def text_blocks(self) -> nn.ModuleList:
        return self.text_clip().transformer.resblocks

    @property
    def width(self) -> int:
        """C: width of the vision transformer."""
        return self.clip.visual.transformer.width

    @property
    def embed_dim(self) -> int:
        """D: dimension of the joint image-text space."""
        return self.clip.visual.output_dim

    @property
    def text_width(self) -> int:
        return self.text_clip().transformer.width

    @property
    def num_layers(self) -> int:
        return len(self.blocks)

    @property
    def num_heads(self) -> int:
        return self.blocks[0].attn.num_heads

    @property
    def grid(self) -> tuple[int, int]:
        return tuple(self.clip.visual.grid_size)

    @property
    def num_patches(self) -> int:
        return self.grid[0] * self.grid[1]

    @property
    def context_length(self) -> int:
        return self.clip.context_length

    @property
    def logit_scale(self) -> nn.Parameter:
        return self.clip.logit_scale

    def config(self) -> dict:
        """What a checkpoint records about its backbone."""
        return {"id": self.spec.id, "open_clip_name": self.spec.open_clip_name,
                "pretrained": self.pretrained, "weights_sha256": self.weights_sha256}

    # ------------------------------------------------------------------ vision tower
    def embed(self, frames: torch.Tensor, pre_norm: bool = True) -> torch.Tensor:
        """``[N, 3, H, W] -> [N, 1+L, C]``: patches, class token, positions, ``ln_pre`` (skipped
        when ``pre_norm=False``, for methods that add to the tokens before it, as AIM does)."""
        visual = self.clip.visual
        x = visual.conv1(frames)
        x = x.flatten(2).transpose(1, 2)
        cls = visual.class_embedding.to(x.dtype).view(1, 1, -1).expand(x.shape[0], -1, -1)
        x = torch.cat([cls, x], dim=1) + visual.positional_embedding.to(x.dtype)
        x = visual.patch_dropout(x)
        return visual.ln_pre(x) if pre_norm else x

    def post(self, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``[N, 1+L, C]`` -> (class feature ``[N, C]``, patch tokens ``[N, L, C]``) after ``ln_post``."""
        tokens = self.clip.visual.ln_post(tokens)
        return tokens[:, 0], tokens[:, 1:]

    def project(self, x: torch.Tensor) -> torch.Tensor:
        """``[..., C] -> [..., D]`` with the visual projection."""
        proj = self.clip.visual.proj
        return x if proj is None else x @ proj

    def encode_image(self, images: torch.Tensor) -> torch.Tensor:
        """``[N, 3, H, W] -> [N, D]``; equals open_clip's ``encode_image``."""
        x = self.embed(images)
        for block in self.blocks:
            x = block(x)
        return self.project(self.post(x)[0])

    def encode_frames(self, video: torch.Tensor, layers: Sequence[int] = ()) -> FrameFeatures:
        """Run every frame of ``video [B, T, 3, H, W]`` through the vision tower."""
        b, t = video.shape[:2]
        x = self.embed(video.flatten(0, 1))
        hidden = {}
        wanted = {i % self.num_layers for i in layers}
        for i, block in enumerate(self.blocks):
            x = block(x)
            if i in wanted:
                hidden[i] = x.unflatten(0, (b, t))
        cls, patches = self.post(x)
        return FrameFeatures(cls=cls.unflatten(0, (b, t)),
                             embeddings=self.project(cls).unflatten(0, (b, t)),
                             patches=patches.unflatten(0, (b, t)), hidden=hidden)

    # ------------------------------------------------------------------ text tower
    def text_clip(self) -> nn.Module:
        """The open_clip model, checked to still hold its text tower."""
        if not self.has_text_tower:
            raise TextTowerDroppedError(
                f"backbone {self.spec.id!r} was built without its text tower (text_tower=False, or "
                "left out because neither the task nor the paradigm encodes text), so it cannot "
                "encode text. Build the model with text_tower=True (zoo.create_model(..., "
                "text_tower=True), --model.model.text_tower true) for text heads, zero-shot "
                "classification or text retrieval.")
        return self.clip

    def text_entries(self) -> dict[str, torch.Tensor]:
        """The text tower's state-dict entries (names relative to ``clip``)."""
        return {name: tensor for name, tensor in self.text_clip().state_dict().items()
                if name.split(".", 1)[0] in TEXT_TOWER}

    def drop_text_tower(self) -> None:
        """Delete the text tower (:data:`TEXT_TOWER`) and free its memory (given back to the
        kernel: :func:`return_freed_memory`); text methods then raise
        :class:`TextTowerDroppedError`. With pretrained weights its fingerprint is kept
        (``text_sha256``), so that checkpoints holding the tower can be checked when loaded."""
        if not self.has_text_tower:
            return
        if self.pretrained is not None:
            self.text_sha256 = entries_sha256(self.text_entries())
        for name in TEXT_TOWER:
            if hasattr(self.clip, name):
                delattr(self.clip, name)
        self.has_text_tower = False
        return_freed_memory()

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs) -> None:
        """Without the tower, a state dict holding one (saved with it) loads: its text entries
        are checked to be the frozen pretrained ones (against ``text_sha256``; with random
        weights there is nothing to check them against), then left out."""
        given = self.text_keys(state_dict, prefix)
        if not self.has_text_tower and given:
            if self.text_sha256 is not None and \
                    entries_sha256({k: state_dict[key] for k, key in given.items()}) != self.text_sha256:
                raise ValueError(
                    f"the state dict holds a text tower for backbone {self.spec.id!r} that differs from "
                    "its pretrained weights (it was trained), but this model was built without its "
                    "text tower: build it with text_tower=True to load it")
            for key in given.values():
                del state_dict[key]
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys,
                                      unexpected_keys, error_msgs)

    @staticmethod
    def text_keys(state_dict: Mapping[str, torch.Tensor], prefix: str = "") -> dict[str, str]:
        """``{name relative to clip: key}`` of the text-tower entries of a backbone at ``prefix``."""
        clip_prefix = prefix + "clip."
        return {key[len(clip_prefix):]: key for key in state_dict
                if key.startswith(clip_prefix) and key[len(clip_prefix):].split(".", 1)[0] in TEXT_TOWER}

    def add_text_entries(self, state_dict: dict, prefix: str = "") -> bool:
        """Complete a state dict saved without the text tower (``prefix``: this backbone's) with
        this backbone's own pretrained tower, so that a model with the tower loads it; returns
        whether it did. Only for pretrained weights (a random tower is no stand-in) and a state
        dict holding none of the tower."""
        if not self.has_text_tower or self.pretrained is None or self.text_keys(state_dict, prefix):
            return False
        state_dict.update({f"{prefix}clip.{name}": tensor for name, tensor in self.text_entries().items()})
        return True

    def tokenize(self, texts: Sequence[str]) -> torch.Tensor:
        """``list[str] -> [N, context_length]`` token ids on the backbone's device."""
        if isinstance(texts, str):
            raise TypeError("tokenize expects a list of strings, got a single string")
        return self.tokenizer(list(texts)).to(self.clip.logit_scale.device)

    def token_embeddings(self, tokens: torch.Tensor) -> torch.Tensor:
        """``[N, ctx] -> [N, ctx, W]`` token embeddings (no positions)."""
        return self.text_clip().token_embedding(tokens)

    def pool_index(self, tokens: torch.Tensor) -> torch.Tensor:
        """``[N, ctx] -> [N]``: the position whose output is the sentence feature (the EOT token
        for OpenAI-style towers)."""
        pool_type = self.clip.text_pool_type
        if pool_type == "argmax":
            return tokens.argmax(dim=-1)
        if pool_type == "eos":
            return (tokens == self.clip.text_eos_id).int().argmax(dim=-1)
        if pool_type == "last":
            return torch.full_like(tokens[:, 0], tokens.shape[1] - 1)
        if pool_type == "first":
            return torch.zeros_like(tokens[:, 0])
        raise ValueError(f"unsupported text pool type {pool_type!r}")

    def encode_text_embeddings(self, x: torch.Tensor, pool_index: torch.Tensor,
                               return_tokens: bool = False):
        """Run token embeddings ``[N, ctx, W]`` (without positions) through the text transformer
        and pool at ``pool_index [N]`` -> ``[N, D]`` (and the ``[N, ctx, W]`` token outputs after
        ``ln_final`` when ``return_tokens``)."""
        clip = self.text_clip()
        x = x + clip.positional_embedding[: x.shape[1]].to(x.dtype)
        mask = clip.attn_mask[: x.shape[1], : x.shape[1]] if clip.attn_mask is not None else None
        for block in self.text_blocks:
            x = block(x, attn_mask=mask)
        x = clip.ln_final(x)
        pooled = x[torch.arange(x.shape[0], device=x.device), pool_index]
        projection = clip.text_projection
        if projection is not None:
            pooled = projection(pooled) if isinstance(projection, nn.Linear) else pooled @ projection
        return (pooled, x) if return_tokens else pooled

    def encode_text(self, texts: Union[Sequence[str], torch.Tensor]) -> torch.Tensor:
        """``list[str]`` or token ids ``[N, ctx]`` -> ``[N, D]``; equals open_clip's ``encode_text``."""
        tokens = texts if isinstance(texts, torch.Tensor) else self.tokenize(texts)
        return self.encode_text_embeddings(self.token_embeddings(tokens), self.pool_index(tokens))


def create_backbone(backbone: str, pretrained: PretrainedArg = True) -> Backbone:
    """Build a zoo backbone.

    ``backbone`` is an id of the vocabulary (``tiny``, ``vitb16``, ...). ``pretrained``:
    ``True`` loads the id's default weights (``tiny``: the shipped file; OpenAI ids: ``openai``),
    ``False`` builds random weights, a string is an open_clip tag, a local weights file, or
    ``hf-hub:org/repo``.
    """
    spec = get_spec(backbone)
    label, source = _resolve_pretrained(spec, pretrained)
    clip = _create_open_clip(spec, source)
    sha = state_dict_sha256(clip) if source is not None else None
    return Backbone(clip, spec, label, weights_sha256=sha)
