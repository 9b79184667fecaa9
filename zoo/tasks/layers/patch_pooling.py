"""Query-conditioned pooling of each frame's patch tokens: what in the frame the sentence is about.

A frame's global embedding barely shows which of several objects moves; its patch tokens show
where each object is. ``QueryPatchPooling`` lets the sentence pick its object in every frame: one
attention head whose query is the sentence's pooled embedding and whose keys are the frame's
patch tokens; the attended tokens, projected to ``out_dim``, are one vector per frame that
follows the named object through the video (its motion then shows in consecutive frames).

    pooled = QueryPatchPooling(token_dim=C, text_dim=E, out_dim=D, hidden_dim=H)
    pooled(tokens [B, V, T, N, C], sentence [B, E]) -> [B, V, T, D]
"""

from __future__ import annotations

import math

import torch
from torch import nn


class QueryPatchPooling(nn.Module):
    """One attention head per frame: the sentence ``[B, E]`` attends over the frame's ``N``
    patch tokens ``[B, V, T, N, C]``; returns the attended values ``[B, V, T, out_dim]``."""

    def __init__(self, token_dim: int, text_dim: int, out_dim: int, hidden_dim: int = 128):
        super().__init__()
        self.query = nn.Linear(text_dim, hidden_dim)
        self.key = nn.Linear(token_dim, hidden_dim)
        self.value = nn.Linear(token_dim, out_dim)
        self.scale = 1.0 / math.sqrt(hidden_dim)

    def attention(self, tokens: torch.Tensor, sentence: torch.Tensor) -> torch.Tensor:
        """``[B, V, T, N]`` weights over each frame's tokens (each row sums to 1)."""
        if tokens.ndim != 5 or sentence.ndim != 2 or tokens.shape[0] != sentence.shape[0]:
            raise ValueError(f"QueryPatchPooling needs tokens [B, V, T, N, C] and a sentence [B, E], "
                             f"got {tuple(tokens.shape)} and {tuple(sentence.shape)}")
        logits = torch.einsum("bvtnh,bh->bvtn", self.key(tokens), self.query(sentence)) * self.scale
        return logits.softmax(dim=-1)

    def forward(self, tokens: torch.Tensor, sentence: torch.Tensor) -> torch.Tensor:
        weights = self.attention(tokens, sentence)
        return self.value(torch.einsum("bvtn,bvtnc->bvtc", weights, tokens))
