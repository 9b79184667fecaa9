"""Query-conditioned pooling of each frame's patch tokens: what the named object looks like and
how much it moves, frame by frame.

A frame's global embedding barely shows which of several objects moves; its patch tokens show
where each object is. ``QueryPatchPooling`` lets the sentence pick its object in every frame: one
attention head whose query is the sentence's pooled embedding and whose keys are the frame's
patch tokens. The values are each token together with its **token motion**, the absolute change
of that patch token since the previous frame of the clip (zeros for the first frame). The motion
must be taken per token, before pooling: the attention follows the object as it moves, so the
pooled appearance barely changes between frames and differences of pooled vectors miss the
motion; the change of the tokens under the object is what shows it acting.

    pooled = QueryPatchPooling(token_dim=C, text_dim=E, out_dim=D, hidden_dim=H)
    pooled(tokens [B, V, T, N, C], sentence [B, E]) -> [B, V, T, D]
"""

from __future__ import annotations

import math

import torch
from torch import nn


def frame_steps(x: torch.Tensor, dim: int = 2) -> torch.Tensor:
    """Each frame's change since the previous frame of its view, ``x_t - x_{t-1}``, with zeros
    for the first frame; ``dim`` is the frame axis (2: ``[B, V, T, ...]``, 1: ``[B, T, ...]``)."""
    first = x.narrow(dim, 0, 1)
    steps = x.narrow(dim, 1, x.shape[dim] - 1) - x.narrow(dim, 0, x.shape[dim] - 1)
    return torch.cat([torch.zeros_like(first), steps], dim=dim)


class QueryPatchPooling(nn.Module):
    """One attention head per frame: the sentence ``[B, E]`` attends over the frame's ``N``
    patch tokens ``[B, V, T, N, C]``; returns the attended values ``[B, V, T, out_dim]``, each
    value the projection of a token and (``token_motion=True``) its change since the previous
    frame, ``[x_t, |x_t - x_{t-1}|]``."""

    def __init__(self, token_dim: int, text_dim: int, out_dim: int, hidden_dim: int = 128,
                 token_motion: bool = True):
        super().__init__()
        self.token_motion = token_motion
        self.query = nn.Linear(text_dim, hidden_dim)
        self.key = nn.Linear(token_dim, hidden_dim)
        self.value = nn.Linear(token_dim * (2 if token_motion else 1), out_dim)
        self.scale = 1.0 / math.sqrt(hidden_dim)

    @staticmethod
    def motion(tokens: torch.Tensor) -> torch.Tensor:
        """``[B, V, T, N, C]``: each token's absolute change since the previous frame of its
        view; zeros for the first frame."""
        return frame_steps(tokens).abs()

    def attention(self, tokens: torch.Tensor, sentence: torch.Tensor) -> torch.Tensor:
        """``[B, V, T, N]`` weights over each frame's tokens (each row sums to 1)."""
        if tokens.ndim != 5 or sentence.ndim != 2 or tokens.shape[0] != sentence.shape[0]:
            raise ValueError(f"QueryPatchPooling needs tokens [B, V, T, N, C] and a sentence [B, E], "
                             f"got {tuple(tokens.shape)} and {tuple(sentence.shape)}")
        logits = torch.einsum("bvtnh,bh->bvtn", self.key(tokens), self.query(sentence)) * self.scale
        return logits.softmax(dim=-1)

    def forward(self, tokens: torch.Tensor, sentence: torch.Tensor) -> torch.Tensor:
        weights = self.attention(tokens, sentence)
        values = torch.cat([tokens, self.motion(tokens)], dim=-1) if self.token_motion else tokens
        return self.value(torch.einsum("bvtn,bvtnc->bvtc", weights, values))
