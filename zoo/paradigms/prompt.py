"""Prompt tuning: learnable tokens, visual (VPT) and / or text context (Ju et al.).

Variants (``reference/methods.md`` §1.8):

- ``vpt`` (VPT-deep, Jia et al. 2022; the default) and ``vpt_shallow``: ``num_prompts`` learnable
  tokens of the vision width C inserted after the class token at the input of the first block;
  ``vpt`` gives every block fresh tokens (replacing the previous block's prompt outputs),
  ``vpt_shallow`` only the first. Initialised uniform(±sqrt(6 / (3·p² + C))) with p the patch size,
  VPT's xavier-uniform rule. CLIP's first block reads ``ln_pre``-ed tokens, so the prompts are
  inserted after ``ln_pre``, i.e. into the input of block 0 as VPT does. Frames are averaged
  after normalisation (meanP, :class:`~zoo.paradigms.layers.framewise.FrameWiseModel`); ``pooled`` is
  the frame-averaged class feature (F = C).
- ``text`` (Ju et al., ECCV 2022, ``ju-chen/Efficient-Prompt``): both towers frozen; learnable
  context vectors of the text width W are placed before (``prefix_length``) and after
  (``postfix_length``) the tokens of every text — class prompts, captions, questions alike:
  ``[SOT, prefix, text tokens, postfix, EOT, padding]``, pooled at the moved EOT. A temporal
  transformer (``temporal_layers`` CLIP blocks of width D with D/64 heads — 1 layer of 8 heads on
  ViT-B/16 as the official ``--tfm_layers 1 --tfm_heads 8`` — over the frozen frame embeddings
  plus learned frame positions, no outer residual) is averaged into the video embedding;
  ``pooled`` is that embedding (F = D).
- ``both``: ``vpt`` deep visual prompts + the ``text`` context and temporal transformer.

What trains: exactly the prompt tokens, plus, for ``text`` / ``both``, Ju et al.'s temporal
transformer (the one module beyond prompts, as in the official method).

Context length: the official 16 + 16 vectors assume CLIP's 77-token context. The default here is
``16 · context_length // 77`` on each side (16 for OpenAI CLIP, 6 for ``tiny``'s 32), recorded in
the config; a text that no longer fits raises instead of being truncated.

Deviations from Ju et al.'s code (trainable counts differ accordingly):
- the official prompt is one ``Embedding(77, 512)`` indexed by absolute position, so the
  "postfix" rows a text uses depend on its length and rows past EOT are filled too (without
  effect: causal mask). Here the prefix and postfix are two shared ``[n, W]`` tables (the method as
  the paper describes it; 32 · 512 = 16,384 parameters on ViT-B/16 instead of 39,424), and the
  padding after EOT stays the tokenizer's.
- the temporal blocks use zoo's shared initialisation (truncated normal 0.02, zero biases) rather
  than PyTorch's defaults; the frame positions keep the official normal(0.01).
"""

from __future__ import annotations

import math
from typing import Iterator, Optional, Sequence, Union

import torch
from torch import nn

from zoo.backbones.clip import Backbone
from zoo.interfaces import TextTokens, VideoFeatures
from zoo.paradigms.layers.framewise import FrameWiseModel
from zoo.paradigms.layers.temporal import TemporalTransformer, make_blocks
from zoo.registry import PARADIGMS
from zoo.specs import paradigm_spec

DEFAULT_NUM_PROMPTS = 8
DEFAULT_TEMPORAL_LAYERS = 1  # Ju et al.: --tfm_layers 1
OFFICIAL_CONTEXT_VECTORS = 16  # Ju et al.'s prefix = postfix for CLIP's 77-token context
OFFICIAL_CONTEXT_LENGTH = 77
CONTEXT_INIT_STD = 0.01  # Ju et al.: nn.init.normal_(std=0.01) for prompts and frame positions


def default_context_vectors(context_length: int) -> int:
    """Prefix (= postfix) length for a text tower of ``context_length`` tokens: Ju et al.'s 16 of
    77, scaled (77 -> 16, 32 -> 6)."""
    return OFFICIAL_CONTEXT_VECTORS * context_length // OFFICIAL_CONTEXT_LENGTH


def insert_text_context(embeddings: torch.Tensor, eot: torch.Tensor, prefix: torch.Tensor,
                        postfix: torch.Tensor) -> torch.Tensor:
    """Place context vectors around each text's tokens.

    ``embeddings [N, ctx, W]`` token embeddings of ``[SOT, w_1 .. w_m, EOT, pad ...]`` with EOT at
    ``eot [N]``; ``prefix [P, W]``, ``postfix [Q, W]`` -> ``[N, ctx, W]`` holding
    ``[SOT, prefix, w_1 .. w_m, postfix, EOT, pad ...]`` (EOT now at ``eot + P + Q``; the last
    P + Q padding rows drop out). The caller checks that every EOT still fits.
    """
    n, ctx, width = embeddings.shape
    p, q = prefix.shape[0], postfix.shape[0]
    position = torch.arange(ctx, device=embeddings.device)[None, :]
    end = eot[:, None]
    # row of [embeddings | prefix | postfix] (length ctx + P + Q) that each output position copies
    source = position - p - q                                                     # EOT, padding
    source = torch.where(position < p + end + q, ctx + p + position - p - end, source)  # postfix
    source = torch.where(position < p + end, position - p, source)                 # text tokens
    source = torch.where(position <= p, ctx + position - 1, source)                # prefix
    source = torch.where(position == 0, torch.zeros_like(source), source)          # SOT
    table = torch.cat([embeddings, prefix.to(embeddings.dtype).expand(n, -1, -1),
                       postfix.to(embeddings.dtype).expand(n, -1, -1)], dim=1)
    return table.gather(1, source[..., None].expand(-1, -1, width))


@PARADIGMS.register
class PromptTuning(FrameWiseModel):
    """Frozen CLIP + learnable visual prompt tokens and / or text context vectors."""

    paradigm = "prompt"
    family = "adapted features"
    summary = "learnable visual and/or text prompt tokens"
    variants = ("vpt", "vpt_shallow", "text", "both")

    def __init__(self, backbone: Backbone, variant: Optional[str] = None, num_frames: int = 8,
                 num_prompts: Optional[int] = None, prefix_length: Optional[int] = None,
                 postfix_length: Optional[int] = None, temporal_layers: Optional[int] = None):
        super().__init__(backbone, variant, num_frames)
        visual = self.variant in ("vpt", "vpt_shallow", "both")
        text = self.variant in ("text", "both")
        self.deep = self.variant in ("vpt", "both")
        for name, value, used in (("num_prompts", num_prompts, visual), ("prefix_length", prefix_length, text),
                                  ("postfix_length", postfix_length, text),
                                  ("temporal_layers", temporal_layers, text)):
            if value is not None and not used:
                raise ValueError(f"variant {self.variant!r} does not use {name} (got {value})")

        self.visual_prompts: Optional[nn.Parameter] = None
        self.num_extra_tokens = 0
        if visual:
            count = DEFAULT_NUM_PROMPTS if num_prompts is None else num_prompts
            if count < 1:
                raise ValueError(f"num_prompts must be at least 1 for variant {self.variant!r}, got {count}")
            self.num_extra_tokens = count
            layers = backbone.num_layers if self.deep else 1
            patch = backbone.visual.conv1.kernel_size
            bound = math.sqrt(6.0 / (3 * patch[0] * patch[1] + backbone.width))
            self.visual_prompts = nn.Parameter(torch.empty(layers, count, backbone.width).uniform_(-bound, bound))

        self.text_prefix: Optional[nn.Parameter] = None
        self.text_postfix: Optional[nn.Parameter] = None
        self.temporal: Optional[TemporalTransformer] = None
        temporal_layers = DEFAULT_TEMPORAL_LAYERS if temporal_layers is None else temporal_layers
        self.temporal_layers = temporal_layers if text else 0
        if text:
            if backbone.clip.text_pool_type not in ("argmax", "eos"):
                raise ValueError(f"text prompts need a text tower pooled at its EOT token; backbone "
                                 f"{backbone.spec.id!r} pools with {backbone.clip.text_pool_type!r}")
            default = default_context_vectors(backbone.context_length)
            lengths = {"prefix_length": default if prefix_length is None else prefix_length,
                       "postfix_length": default if postfix_length is None else postfix_length}
            for name, value in lengths.items():
                if value < 0:
                    raise ValueError(f"{name} must be non-negative, got {value}")
            if sum(lengths.values()) > backbone.context_length - 3:
                raise ValueError(f"prefix_length + postfix_length = {sum(lengths.values())} leaves no room "
                                 f"for text in the backbone's {backbone.context_length}-token context")
            width = backbone.text_width
            self.text_prefix = nn.Parameter(torch.randn(lengths["prefix_length"], width) * CONTEXT_INIT_STD)
            self.text_postfix = nn.Parameter(torch.randn(lengths["postfix_length"], width) * CONTEXT_INIT_STD)
            if temporal_layers < 1:
                raise ValueError(f"temporal_layers must be at least 1, got {temporal_layers}")
            d = backbone.embed_dim
            self.temporal = TemporalTransformer(make_blocks(d, temporal_layers, max(d // 64, 1)), d,
                                                num_frames, residual=False)
            nn.init.normal_(self.temporal.position_embedding, std=CONTEXT_INIT_STD)

    # ------------------------------------------------------------------ config
    @property
    def feature_dim(self) -> int:
        return self.backbone.embed_dim if self.temporal is not None else self.backbone.width

    def extra_config(self) -> dict:
        config = {}
        if self.visual_prompts is not None:
            config["num_prompts"] = self.num_extra_tokens
        if self.text_prefix is not None:
            config.update(prefix_length=self.text_prefix.shape[0], postfix_length=self.text_postfix.shape[0],
                          temporal_layers=self.temporal_layers)
        return config

    # ------------------------------------------------------------------ video
    def prompts_for(self, layer: int, n: int) -> torch.Tensor:
        """The visual prompts entering block ``layer``, ``[n, P, C]``."""
        return self.visual_prompts[layer].expand(n, -1, -1)

    def embed_frames(self, frames: torch.Tensor, b: int, t: int) -> torch.Tensor:
        x = self.backbone.embed(frames)
        if self.visual_prompts is None:
            return x
        return torch.cat([x[:, :1], self.prompts_for(0, x.shape[0]).to(x.dtype), x[:, 1:]], dim=1)

    def run_blocks(self, x: torch.Tensor, b: int, t: int) -> torch.Tensor:
        p = self.num_extra_tokens
        for i, block in enumerate(self.backbone.blocks):
            if self.deep and i > 0:
                x = torch.cat([x[:, :1], self.prompts_for(i, x.shape[0]).to(x.dtype), x[:, 1 + p:]], dim=1)
            x = block(x)
        return x

    def encode_video(self, video: torch.Tensor) -> VideoFeatures:
        if self.visual_prompts is None:  # frozen image tower: nothing to differentiate
            with torch.no_grad():
                features = super().encode_video(video)
        else:
            features = super().encode_video(video)
        if self.temporal is None:
            return features
        frames = self.temporal(features.frames)
        embedding = frames.mean(dim=1)
        return VideoFeatures(video=embedding, frames=frames, tokens=features.tokens,
                             grid=features.grid, pooled=embedding)

    # ------------------------------------------------------------------ text
    def _prompted_text(self, texts: Union[Sequence[str], torch.Tensor]):
        """The token ids, the embeddings with the context vectors inserted, and the shifted
        end-token index of ``texts`` (a clear error when a text does not fit)."""
        tokens = texts if isinstance(texts, torch.Tensor) else self.tokenize(texts)
        eot = self.backbone.pool_index(tokens)
        shift = self.text_prefix.shape[0] + self.text_postfix.shape[0]
        context = tokens.shape[1]
        too_long = (eot + shift >= context).nonzero().flatten()
        if len(too_long):
            i = int(too_long[0])
            text = repr(texts[i]) if not isinstance(texts, torch.Tensor) else f"#{i}"
            raise ValueError(f"text {text} has {int(eot[i]) + 1} tokens (or was truncated); with the "
                             f"{shift} prompt context vectors it does not fit the backbone's "
                             f"{context}-token context. Shorten it or lower prefix_length / postfix_length")
        x = insert_text_context(self.backbone.token_embeddings(tokens), eot, self.text_prefix, self.text_postfix)
        return tokens, x, eot + shift

    def encode_text(self, texts: Union[Sequence[str], torch.Tensor]) -> torch.Tensor:
        if self.text_prefix is None:
            return super().encode_text(texts)
        _, x, eot = self._prompted_text(texts)
        return self.backbone.encode_text_embeddings(x, eot)

    def encode_text_tokens(self, texts: Union[Sequence[str], torch.Tensor]) -> TextTokens:
        """With text context: the states of every position, context vectors included (they are
        part of what the text tower attends over); the mask covers start .. shifted end token."""
        if self.text_prefix is None:
            return super().encode_text_tokens(texts)
        tokens, x, eot = self._prompted_text(texts)
        pooled, states = self.backbone.encode_text_embeddings(x, eot, return_tokens=True)
        mask = torch.arange(tokens.shape[1], device=tokens.device)[None] <= eot[:, None]
        return TextTokens(tokens=states, mask=mask, pooled=pooled)

    def text_parameters(self) -> Iterator[nn.Parameter]:
        yield from super().text_parameters()
        if self.text_prefix is not None:
            yield self.text_prefix
            yield self.text_postfix


PromptSpec = paradigm_spec(PromptTuning)
