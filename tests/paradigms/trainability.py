"""Checks shared by the tests of paradigms that fine-tune (parts of) the backbone.

``video_text_loss``: a CLIP-style cross-entropy between videos and their captions, so that every
part of a ``VideoTextModel`` that can affect matching (both towers, ``logit_scale``) gets a
gradient. ``check_one_step``: backward + one SGD step; every trainable parameter got a nonzero
gradient and moved, every frozen one got no gradient and kept its exact value.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def video_text_loss(model, video: torch.Tensor, texts: list[str]) -> torch.Tensor:
    """Cross-entropy of ``logit_scale · cos(video_i, text_j)`` with the diagonal as targets."""
    video_embedding = F.normalize(model.encode_video(video).video, dim=-1)
    text_embedding = F.normalize(model.encode_text(texts), dim=-1)
    logits = model.logit_scale.exp() * video_embedding @ text_embedding.t()
    return F.cross_entropy(logits, torch.arange(len(texts)))


def check_one_step(model, loss: torch.Tensor, lr: float = 1e-2) -> None:
    """Backward ``loss`` and take one SGD step over the trainable parameters, asserting that
    exactly the trainable parameters receive gradients and change."""
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    trainable = dict(model.trainable_parameters())
    assert trainable, "nothing trains"
    model.zero_grad(set_to_none=True)
    loss.backward()
    no_gradient = [n for n, p in trainable.items() if p.grad is None or not p.grad.abs().sum() > 0]
    assert not no_gradient, f"trainable parameters without gradient: {no_gradient}"
    leaked = [n for n, p in model.named_parameters() if n not in trainable and p.grad is not None]
    assert not leaked, f"frozen parameters with a gradient: {leaked}"
    torch.optim.SGD(trainable.values(), lr=lr).step()
    for name, param in model.named_parameters():
        moved = not torch.equal(param.detach(), before[name])
        assert moved == (name in trainable), f"{name}: moved={moved}, trainable={name in trainable}"


def block_parameters(width: int) -> int:
    """A CLIP residual block of ``width``: q/k/v/out ``4·lin(C, C)`` + MLP ``lin(C, 4C) +
    lin(4C, C)`` + two LayerNorms = 12C² + 13C."""
    return 12 * width * width + 13 * width
