"""``CaptionDecoder``: a small transformer text decoder that reads video tokens by cross-attention.

Notation: B videos, T frames, N patch tokens per frame, C their width (``model.token_dim``),
D the joint embedding dimension, S = T * N + T + 1 memory tokens, W decoder width, L text
positions, V vocabulary size.

- **memory** ``-> [B, S, W]``, then LayerNorm. It holds three kinds of tokens, so that whatever a
  paradigm learns reaches the decoder:
  - the patch tokens ``[B, T, N, C]`` through ``Linear(C, W)``, plus a learned embedding of their
    frame index (patch tokens already carry CLIP's spatial positions);
  - the per-frame embeddings ``VideoFeatures.frames [B, T, D]`` (after a paradigm's temporal
    module, e.g. postnet's seqTransf) through ``Linear(D, W)`` plus the same frame embedding;
  - the clip embedding ``VideoFeatures.video [B, D]`` through the same ``Linear(D, W)`` plus a
    learned clip-token embedding (a side network's output reaches the decoder here).
- **text** ``[B, L]`` token ids -> token embedding + learned position embedding -> pre-norm
  ``nn.TransformerDecoderLayer`` blocks (causal self-attention, cross-attention to the memory,
  MLP ×4) -> LayerNorm -> logits ``[B, L, V]`` through the token embedding's transpose (tied
  input/output embeddings, no output bias).

The vocabulary is the backbone tokenizer's full one (open_clip BPE: V = 49408). It dominates
the parameter count (tiny: 49408 × 128 = 6.3M of the decoder's 6.9M; ViT-B/16: 25.3M of 34.1M)
but tying keeps it one matrix. Measured with ``torch.utils.flop_counter`` (a multiply-add counted
as 2) for 32 videos × 16 tokens on tiny: decoder forward + backward 29.7 GFLOP with the full
vocabulary vs 11.1 GFLOP with a 2000-token one, next to 60.5 GFLOP for the frozen encoder's
forward — the full vocabulary costs about a quarter of a postnet training step, so it is kept
(no per-dataset vocabulary to build, store and keep in sync with checkpoints).
By default the task shares the backbone's own text token embedding with the decoder (``token_embedding``
argument): the decoder writes in CLIP's token space, the table trains only if the paradigm trains
the text tower, and a checkpoint of a frozen-backbone paradigm does not store it (a tiny
captioning checkpoint is ~2 MB instead of ~27 MB).
"""

from __future__ import annotations

from typing import Optional

import torch
from torch import nn


class CaptionDecoder(nn.Module):
    """Transformer decoder over video patch tokens.

    Args:
        token_dim: C, width of the video tokens.
        embed_dim: D, width of the frame and clip embeddings.
        vocab_size: V.
        context_length: L, the longest token sequence (the backbone's text context).
        max_frames: the most frames (T) a video may have.
        width: W. num_layers / num_heads: decoder depth and heads. dropout: in every block.
        token_embedding: the ``nn.Embedding(V, W)`` to read and write tokens with (tied input
            and output); ``None`` creates a fresh one (normal, std 0.02). Passing the backbone's
            own text token embedding shares it: nothing is copied.
    """

    def __init__(self, token_dim: int, embed_dim: int, vocab_size: int, context_length: int, max_frames: int,
                 width: int = 128, num_layers: int = 2, num_heads: int = 2, dropout: float = 0.1,
                 token_embedding: Optional[nn.Embedding] = None):
        super().__init__()
        if width % num_heads:
            raise ValueError(f"decoder width {width} is not divisible by num_heads {num_heads}")
        if num_layers < 1:
            raise ValueError(f"num_layers must be positive, got {num_layers}")
        self.context_length = context_length
        self.memory_projection = nn.Linear(token_dim, width)
        self.embedding_projection = nn.Linear(embed_dim, width)
        self.frame_position_embedding = nn.Parameter(torch.randn(max_frames, width) * 0.01)
        self.clip_token_embedding = nn.Parameter(torch.randn(width) * 0.01)
        self.memory_norm = nn.LayerNorm(width)
        if token_embedding is None:
            token_embedding = nn.Embedding(vocab_size, width)
            nn.init.normal_(token_embedding.weight, std=0.02)
        if tuple(token_embedding.weight.shape) != (vocab_size, width):
            raise ValueError(f"token_embedding has shape {tuple(token_embedding.weight.shape)}, "
                             f"expected ({vocab_size}, {width})")
        self.token_embedding = token_embedding
        self.text_position_embedding = nn.Parameter(torch.randn(context_length, width) * 0.01)
        layer = nn.TransformerDecoderLayer(width, num_heads, dim_feedforward=4 * width,
                                           dropout=dropout, activation="gelu", batch_first=True,
                                           norm_first=True)
        self.layers = nn.TransformerDecoder(layer, num_layers, norm=nn.LayerNorm(width))

    @property
    def vocab_size(self) -> int:
        return self.token_embedding.num_embeddings

    def memory(self, tokens: torch.Tensor, frames: torch.Tensor, video: torch.Tensor) -> torch.Tensor:
        """Patch tokens ``[B, T, N, C]``, frame embeddings ``[B, T, D]`` and clip embeddings
        ``[B, D]`` -> memory ``[B, T * N + T + 1, W]``."""
        if tokens.dim() != 4:
            raise ValueError(f"video tokens must be [B, T, N, C], got {tuple(tokens.shape)}")
        count = tokens.shape[1]
        if count > self.frame_position_embedding.shape[0]:
            raise ValueError(f"video tokens have {count} frames; the decoder was built for at "
                             f"most {self.frame_position_embedding.shape[0]}")
        positions = self.frame_position_embedding[:count]
        patches = self.memory_projection(tokens) + positions[:, None]
        frame_tokens = self.embedding_projection(frames) + positions
        clip_token = self.embedding_projection(video) + self.clip_token_embedding
        return self.memory_norm(torch.cat([patches.flatten(1, 2), frame_tokens, clip_token[:, None]], dim=1))

    def hidden(self, text: torch.Tensor, memory: torch.Tensor) -> torch.Tensor:
        """Token ids ``[B, L]`` and memory ``[B, S, W]`` -> final hidden states ``[B, L, W]``."""
        length = text.shape[1]
        if length > self.context_length:
            raise ValueError(f"text has {length} tokens; the decoder's context is {self.context_length}")
        x = self.token_embedding(text) + self.text_position_embedding[:length]
        causal = nn.Transformer.generate_square_subsequent_mask(length, device=text.device, dtype=x.dtype)
        return self.layers(x, memory, tgt_mask=causal, tgt_is_causal=True)

    def logits(self, hidden: torch.Tensor) -> torch.Tensor:
        """Hidden states ``[..., W]`` -> vocabulary logits ``[..., V]`` (tied embedding)."""
        return hidden @ self.token_embedding.weight.t()

    def forward(self, text: torch.Tensor, memory: torch.Tensor) -> torch.Tensor:
        """Token ids ``[B, L]`` and memory ``[B, S, W]`` -> next-token logits ``[B, L, V]``
        (position i predicts token i + 1)."""
        return self.logits(self.hidden(text, memory))
