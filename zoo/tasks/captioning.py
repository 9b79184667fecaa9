"""Video captioning: a transformer text decoder over the video's patch tokens.

Head: :class:`~zoo.tasks.layers.caption_decoder.CaptionDecoder` reads ``VideoFeatures.tokens
[B, T, N, C]`` of any paradigm through cross-attention and writes the backbone tokenizer's BPE
tokens (open_clip: start token, text, end token; context length of the backbone's text tower).
Its token embedding starts as a copy of the backbone's text token embedding when the widths agree.

Training: teacher forcing with cross-entropy over the tokens after the start token up to and
including the end token (padding ignored), one caption drawn at random per video per step from
the batch's ``captions: list[list[str]]``, plus the paradigm's auxiliary losses.

Generation: greedy (``beam_size = 1``) or beam search with length normalisation
(``zoo/tasks/layers/decoding.py``), at most ``max_length`` tokens before the end token; the ids are
decoded with the tokenizer's ``decode`` and cleaned of special tokens. Each step reruns the
decoder over the whole prefix (no key/value cache: captions are at most ``max_length`` tokens,
and the vocabulary projection is applied to the last position only). Multi-view video
``[B, V, T, 3, H, W]``: the decoder attends to the tokens of all V views at once.

Evaluation (validation and test): one generated caption per video against all of its reference
captions, scored as captioning papers report them — by coco-caption (``pycocoevalcap``), whose
scorers zoo reproduces exactly (``zoo/metrics/coco_caption.py``, ``zoo/metrics/cider.py``), on the
tokens of :func:`~zoo.metrics.caption_text.caption_tokens` (lower case, punctuation stripped;
coco-caption runs the Java PTB tokenizer first). The logged names are coco-caption's own keys
(``COCOEvalCap.eval``), so they say whose numbers they are:

- ``Bleu_1`` .. ``Bleu_4``: coco-caption's corpus BLEU (its 1e-15 / 1e-9 smoothing, the closest
  reference length with ties to the shortest);
- ``ROUGE_L``: coco-caption's ROUGE-L, β = 1.2 on the maximum LCS precision and recall over the
  references, averaged over videos;
- ``CIDEr``: CIDEr-D (coco-caption's ``Cider``), document frequencies over the evaluated split;
- ``loss`` (validation only): teacher-forced cross-entropy on each video's first caption.

Scale: logged as coco-caption returns them (BLEU and ROUGE-L in [0, 1], CIDEr-D on its ×10
scale, e.g. 0.519); papers print all of them ×100 (51.9), and so do zoo's tables and cards
(``percent = True``: shown ×100 with ``decimals`` = 1).
"""

from __future__ import annotations

import copy
import re
from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn
from zoo.interfaces import VideoFeatures
from zoo.metrics.cider import CIDErD
from zoo.metrics.coco_caption import CocoBLEU, CocoROUGEL
from zoo.registry import TASKS
from zoo.specs import ModelSpec, OptimSpec
from zoo.tasks.base import TaskLoss, VideoTask
from zoo.tasks.layers.caption_decoder import CaptionDecoder
from zoo.tasks.layers.decoding import beam_search, greedy_decode

_SPECIAL_TOKENS = re.compile(r"<start_of_text>|<end_of_text>")


COCO_METRICS = ("Bleu_1", "Bleu_2", "Bleu_3", "Bleu_4", "ROUGE_L", "CIDEr")  # coco-caption's keys


def caption_metrics() -> nn.ModuleDict:
    """coco-caption's BLEU-1..4, ROUGE-L and CIDEr-D (see the module docstring)."""
    return nn.ModuleDict({"bleu": CocoBLEU(), "rouge_l": CocoROUGEL(), "cider": CIDErD()})


TOKEN_EMBEDDINGS = ("shared", "copy", "random")


@TASKS.register
class CaptioningTask(VideoTask):
    """Video captioning over any paradigm.

    Args (besides :class:`~zoo.tasks.base.VideoTask`'s):
        decoder_width: W; ``None`` takes the backbone's text width.
        decoder_layers / decoder_heads (``None``: W // 64) / decoder_dropout: the decoder.
        token_embedding: the decoder's (tied) token table: ``shared`` (default) reads and writes
            through the backbone's own text token embedding (trains only with the text tower;
            not stored in frozen-backbone checkpoints), ``copy`` a trainable copy of it,
            ``random`` a fresh one.
            ``shared`` and ``copy`` need W equal to the backbone's text width.
        max_length: the most tokens generated before the end token (< the context length).
        beam_size: 1 = greedy decoding, else beam search. length_penalty: beam search ranks
            finished captions by ``sum log p / length ** length_penalty``.
        label_smoothing: of the training cross-entropy.
    """

    task = "captioning"
    batch_keys = ("captions",)
    summary = "video captioning: a generated sentence"
    headline = "CIDEr"
    action_labelled = True
    evaluation_settings = ("model.init_args.max_length", "model.init_args.beam_size",
                           "model.init_args.length_penalty")
    percent = True  # coco-caption's values, printed x100 as papers do (CIDEr-D too)
    decimals = 1
    columns = (("CIDEr-D", "CIDEr"), ("BLEU-4", "Bleu_4"), ("ROUGE-L", "ROUGE_L"),
               ("BLEU-1", "Bleu_1"), ("BLEU-2", "Bleu_2"), ("BLEU-3", "Bleu_3"))

    def __init__(self, model: ModelSpec, optim: Optional[OptimSpec] = None,
                 decoder_width: Optional[int] = None, decoder_layers: int = 2,
                 decoder_heads: Optional[int] = None, decoder_dropout: float = 0.1,
                 token_embedding: str = "shared", max_length: int = 20, beam_size: int = 1,
                 length_penalty: float = 1.0, label_smoothing: float = 0.0):
        super().__init__(model, optim)
        clip_backbone = self.model.backbone
        tokenizer = clip_backbone.tokenizer
        for attribute in ("sot_token_id", "eot_token_id", "decode"):
            if not hasattr(tokenizer, attribute):
                raise ValueError(f"captioning needs a BPE tokenizer with {attribute!r}; backbone "
                                 f"{clip_backbone.spec.id!r} has {type(tokenizer).__name__}")
        self.start_id, self.end_id = int(tokenizer.sot_token_id), int(tokenizer.eot_token_id)
        context_length = clip_backbone.context_length
        if not 1 <= max_length < context_length:
            raise ValueError(f"max_length must be in [1, {context_length - 1}] (the backbone's "
                             f"context length is {context_length}), got {max_length}")
        if beam_size < 1:
            raise ValueError(f"beam_size must be positive, got {beam_size}")
        if length_penalty < 0:
            raise ValueError(f"length_penalty must be >= 0, got {length_penalty}")
        text_embedding = clip_backbone.clip.token_embedding
        width = decoder_width or clip_backbone.text_width
        if token_embedding not in TOKEN_EMBEDDINGS:
            raise ValueError(f"token_embedding must be one of {TOKEN_EMBEDDINGS}, got {token_embedding!r}")
        if token_embedding != "random" and width != text_embedding.embedding_dim:
            raise ValueError(f"token_embedding={token_embedding!r} needs decoder_width equal to the "
                             f"backbone's text width {text_embedding.embedding_dim}, got {width} (or "
                             "set token_embedding=random)")
        decoder_embedding = None  # random: the decoder creates its own
        if token_embedding == "shared":
            decoder_embedding = text_embedding
        elif token_embedding == "copy":
            decoder_embedding = copy.deepcopy(text_embedding).requires_grad_(True)
        self.caption_decoder = CaptionDecoder(
            token_dim=self.model.token_dim, embed_dim=self.model.embed_dim,
            vocab_size=text_embedding.num_embeddings,
            context_length=context_length, max_frames=self.model.num_frames, width=width,
            num_layers=decoder_layers, num_heads=decoder_heads or max(1, width // 64),
            dropout=decoder_dropout, token_embedding=decoder_embedding)
        self.max_length = max_length
        self.beam_size = beam_size
        self.length_penalty = length_penalty
        self.label_smoothing = label_smoothing

    # ------------------------------------------------------------------ decoder pieces
    @property
    def tokenizer(self):
        """The backbone's tokenizer (open_clip BPE)."""
        return self.model.backbone.tokenizer

    def video_memory(self, features: VideoFeatures) -> torch.Tensor:
        """The decoder's memory ``[B, V * S, W]`` (S = T * N + T + 1 per view, see
        ``CaptionDecoder.memory``) from the features of ``B * V`` views: all views at once."""
        if features.tokens is None:
            raise ValueError(f"captioning reads VideoFeatures.tokens, but paradigm "
                             f"{self.model.paradigm!r} returned none")
        memory = self.caption_decoder.memory(features.tokens, features.frames, features.video)
        return features.by_video(memory).flatten(1, 2)

    def next_token_logits(self, prefix: torch.Tensor, memory: torch.Tensor) -> torch.Tensor:
        """Logits ``[M, V]`` of the token after each prefix ``[M, l]`` given memory ``[M, S, W]``."""
        decoder = self.caption_decoder
        return decoder.logits(decoder.hidden(prefix, memory)[:, -1])

    def caption_loss(self, memory: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        """Teacher-forced cross-entropy of token ids ``[B, ctx]`` (start ... end, padding) given
        memory ``[B, S, W]``; targets are the tokens after the start token up to the end token."""
        is_end = tokens == self.end_id
        if not is_end.any(dim=1).all():
            raise ValueError("a tokenised caption has no end token")
        end = is_end.int().argmax(dim=1)  # position of the first end token
        length = int(end.max())
        inputs, targets = tokens[:, :length], tokens[:, 1:length + 1].clone()
        targets[torch.arange(length, device=tokens.device)[None] >= end[:, None]] = -100
        logits = self.caption_decoder(inputs, memory)
        return F.cross_entropy(logits.flatten(0, 1).float(), targets.flatten(), ignore_index=-100,
                               label_smoothing=self.label_smoothing)

    def decode_tokens(self, ids: list[int]) -> str:
        """Token ids (no start / end token) -> clean text."""
        text = _SPECIAL_TOKENS.sub(" ", self.tokenizer.decode([int(i) for i in ids]))
        text = re.sub(r"\s+([,.!?;:])", r"\1", " ".join(text.split()))
        return text

    # ------------------------------------------------------------------ generation
    @torch.no_grad()
    def generate(self, video: torch.Tensor, beam_size: Optional[int] = None,
                 max_length: Optional[int] = None) -> list[str]:
        """One caption per video of ``[B, T, 3, H, W]`` (or multi-view ``[B, V, T, 3, H, W]``).
        Uses the module's current mode: call ``.eval()`` first for deterministic output."""
        return [self.decode_tokens(ids) for ids in
                self.generate_ids(self.video_memory(self.encode_video(video)), beam_size, max_length)]

    @torch.no_grad()
    def generate_ids(self, memory: torch.Tensor, beam_size: Optional[int] = None,
                     max_length: Optional[int] = None) -> list[list[int]]:
        """Token ids (without start / end token) of one caption per memory row ``[B, S, W]``."""
        beam_size = self.beam_size if beam_size is None else beam_size
        max_length = self.max_length if max_length is None else max_length
        if max_length >= self.caption_decoder.context_length:
            raise ValueError(f"max_length must be below the context length "
                             f"{self.caption_decoder.context_length}, got {max_length}")

        def step(prefix: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
            return self.next_token_logits(prefix, memory[rows]).float().log_softmax(dim=-1)

        common = dict(batch_size=memory.shape[0], start_id=self.start_id, end_id=self.end_id,
                      max_length=max_length, device=memory.device, banned=(self.start_id,))
        if beam_size == 1:
            return greedy_decode(step, **common)
        return [ids for ids, _ in beam_search(step, beam_size=beam_size,
                                               length_penalty=self.length_penalty, **common)]

    def forward(self, video: torch.Tensor) -> list[str]:
        return self.generate(video)

    # ------------------------------------------------------------------ steps
    @staticmethod
    def _captions(batch: dict) -> list[list[str]]:
        captions = batch.get("captions")
        if captions is None:
            raise ValueError("captioning needs batch['captions'] (a list of reference captions per video)")
        empty = [vid for vid, caps in zip(batch["video_id"], captions) if not caps]
        if empty:
            raise ValueError(f"videos without a caption: {empty}")
        return captions

    def task_loss(self, batch: dict, features: VideoFeatures) -> TaskLoss:
        captions = self._captions(batch)
        picks = [caps[int(torch.randint(len(caps), ()))] for caps in captions]
        return TaskLoss(self.caption_loss(self.video_memory(features), self.model.tokenize(picks)), picks)

    def make_metrics(self) -> nn.ModuleDict:
        return caption_metrics()

    def update_metrics(self, metrics: nn.ModuleDict, batch: dict, stage: str) -> list[str]:
        references = self._captions(batch)
        memory = self.video_memory(self.encode_video(batch["video"]))
        if stage == "val":
            loss = self.caption_loss(memory, self.model.tokenize([caps[0] for caps in references]))
            self.log("val/loss", loss, batch_size=len(references))
        predictions = [self.decode_tokens(ids) for ids in self.generate_ids(memory)]
        for metric in metrics.values():  # each tokenises with caption_tokens itself
            metric.update(predictions, references, video_ids=list(batch["video_id"]))
        return predictions

    def compute_metrics(self, metrics: nn.ModuleDict) -> dict[str, torch.Tensor]:
        """coco-caption's values under its own names (:data:`COCO_METRICS`), float64."""
        if metrics["cider"].update_count == 0:
            return {}
        bleu = metrics["bleu"].compute()
        return {**{f"Bleu_{n}": bleu[f"bleu{n}"] for n in range(1, 5)},
                "ROUGE_L": metrics["rouge_l"].compute(), "CIDEr": metrics["cider"].compute()}

    def prediction_inputs(self, texts, **options) -> dict:
        """No texts; options ``beam_size`` / ``max_length`` override the model's decoding."""
        if texts:
            raise ValueError(f"captioning writes a caption and takes no texts, got {list(texts)[:3]!r}")
        unknown = sorted(set(options) - {"beam_size", "max_length"})
        if unknown:
            raise ValueError(f"captioning takes the options beam_size= and max_length= only, got {unknown}")
        bad = {k: v for k, v in options.items() if isinstance(v, bool) or not isinstance(v, int) or v < 1}
        if bad:
            raise ValueError(f"beam_size and max_length must be positive integers, got {bad}")
        return dict(options)

    def predict_batch(self, batch: dict) -> list[dict]:
        """One dict per video: ``video_id`` and its ``caption`` (decoded as the model's settings,
        or ``batch["beam_size"]`` / ``batch["max_length"]`` when given)."""
        captions = self.generate(batch["video"], batch.get("beam_size"), batch.get("max_length"))
        return [{"video_id": vid, "caption": caption} for vid, caption in zip(batch["video_id"], captions)]
