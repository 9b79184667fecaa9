"""Multi-head attention with explicit ``q_proj / k_proj / v_proj / out_proj`` Linear layers.

open_clip's towers use ``nn.MultiheadAttention``, whose fused ``in_proj_weight`` is a Parameter,
not a module, and whose forward reads ``out_proj.weight`` directly. That blocks plain peft LoRA
(peft #761, #2200) and keeps adapters and prompts from reaching inside attention.
``convert_attention`` replaces every such layer by :class:`LinearAttention`, an exact equivalent
(same call signature, same outputs to fp32 round-off) built from four ``nn.Linear``.

Speed. Self-attention whose q / k / v projections are plain ``nn.Linear`` without hooks runs them
as one matrix product over the concatenated weights (``[3C, C]``, concatenated on every call, so
gradients flow to the three Linear layers as usual; :class:`FusedProjection` keeps the three
weights for the backward pass, not a concatenated copy) — the fused in-projection
``nn.MultiheadAttention`` uses, one GEMM instead of three forward and backward — then
``F.scaled_dot_product_attention``. Anything else (a peft LoRA layer, an adapter's hook,
cross-attention) runs the three modules one by one, so whatever wraps or hooks them sees every
call. ``zoo bench --perf`` compares a converted ViT-B/16 with stock open_clip side by side.
"""

from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn


class LinearAttention(nn.Module):
    """Drop-in replacement for ``nn.MultiheadAttention`` (self- or cross-attention, equal dims).

    Called like the original: ``attn(query, key, value, need_weights=False, attn_mask=None,
    key_padding_mask=None) -> (output, None)``, with ``[B, L, C]`` inputs when
    ``batch_first`` (open_clip's layout) or ``[L, B, C]`` otherwise.
    """

    def __init__(self, embed_dim: int, num_heads: int, bias: bool = True, batch_first: bool = True,
                 dropout: float = 0.0):
        super().__init__()
        if embed_dim % num_heads:
            raise ValueError(f"embed_dim {embed_dim} is not divisible by num_heads {num_heads}")
        self.embed_dim = embed_dim
        self.num_heads = num_heads
        self.head_dim = embed_dim // num_heads
        self.batch_first = batch_first
        self.dropout = dropout
        self.q_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.k_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.v_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.out_proj = nn.Linear(embed_dim, embed_dim, bias=bias)

    @classmethod
    def from_multihead(cls, mha: nn.MultiheadAttention) -> "LinearAttention":
        """Build the equivalent module, copying (splitting) the fused input projection."""
        if not mha._qkv_same_embed_dim:
            raise ValueError("LinearAttention needs query, key and value of the same dimension "
                             f"(got kdim={mha.kdim}, vdim={mha.vdim})")
        if mha.bias_k is not None or mha.add_zero_attn:
            raise ValueError("add_bias_kv / add_zero_attn attention is not supported")
        has_bias = mha.in_proj_bias is not None
        new = cls(mha.embed_dim, mha.num_heads, bias=has_bias, batch_first=mha.batch_first,
                  dropout=mha.dropout)
        new.to(device=mha.in_proj_weight.device, dtype=mha.in_proj_weight.dtype)
        with torch.no_grad():
            q_w, k_w, v_w = mha.in_proj_weight.chunk(3, dim=0)
            new.q_proj.weight.copy_(q_w)
            new.k_proj.weight.copy_(k_w)
            new.v_proj.weight.copy_(v_w)
            new.out_proj.weight.copy_(mha.out_proj.weight)
            if has_bias:
                q_b, k_b, v_b = mha.in_proj_bias.chunk(3, dim=0)
                new.q_proj.bias.copy_(q_b)
                new.k_proj.bias.copy_(k_b)
                new.v_proj.bias.copy_(v_b)
                new.out_proj.bias.copy_(mha.out_proj.bias)
        return new

    def _fusable(self) -> bool:
        """q / k / v are plain, hook-free ``nn.Linear`` of one bias kind (so one fused product
        computes exactly what calling them would)."""
        projections = (self.q_proj, self.k_proj, self.v_proj)
        if any(type(p) is not nn.Linear or p._forward_hooks or p._forward_pre_hooks for p in projections):
            return False
        if nn.modules.module._global_forward_hooks or nn.modules.module._global_forward_pre_hooks:
            return False
        return len({p.bias is None for p in projections}) == 1

    def project_qkv(self, query: torch.Tensor, key: torch.Tensor,
                    value: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``[B, L, C]`` inputs -> q, k, v ``[B, L, C]``: one fused product for self-attention
        with fusable projections (module docstring), else the three modules."""
        if key is query and value is query and self._fusable():
            q, k, v = self.q_proj, self.k_proj, self.v_proj
            return FusedProjection.apply(query, q.weight, k.weight, v.weight, q.bias, k.bias, v.bias).chunk(3, dim=-1)
        return self.q_proj(query), self.k_proj(key), self.v_proj(value)

    def split_heads(self, x: torch.Tensor) -> torch.Tensor:
        """``[B, L, C] -> [B, heads, L, head_dim]``."""
        b, length, _ = x.shape
        return x.view(b, length, self.num_heads, self.head_dim).transpose(1, 2)

    def forward(self, query: torch.Tensor, key: Optional[torch.Tensor] = None,
                value: Optional[torch.Tensor] = None, need_weights: bool = False,
                attn_mask: Optional[torch.Tensor] = None,
                key_padding_mask: Optional[torch.Tensor] = None, **_unused):
        key = query if key is None else key
        value = key if value is None else value
        if not self.batch_first:
            same = key is query, value is query
            query = query.transpose(0, 1)
            key = query if same[0] else key.transpose(0, 1)
            value = query if same[1] else value.transpose(0, 1)
        b, length, _ = query.shape
        q, k, v = (self.split_heads(x) for x in self.project_qkv(query, key, value))
        mask = self._merge_masks(attn_mask, key_padding_mask, b, q.dtype)
        if need_weights:
            scores = (q @ k.transpose(-2, -1)) / self.head_dim ** 0.5
            if mask is not None:
                scores = scores + mask if mask.dtype != torch.bool else scores.masked_fill(~mask, float("-inf"))
            weights = scores.softmax(dim=-1)
            out = weights @ v
        else:
            weights = None
            out = F.scaled_dot_product_attention(
                q, k, v, attn_mask=mask, dropout_p=self.dropout if self.training else 0.0)
        out = self.out_proj(out.transpose(1, 2).reshape(b, length, self.embed_dim))
        if not self.batch_first:
            out = out.transpose(0, 1)
        return out, (weights.mean(dim=1) if weights is not None else None)

    def _merge_masks(self, attn_mask, key_padding_mask, batch: int, dtype) -> Optional[torch.Tensor]:
        """Bring MHA-style masks (``[L, S]`` or ``[B*heads, L, S]``; bool = *disallowed* in MHA)
        to an additive float mask broadcastable to ``[B, heads, L, S]``."""
        mask = None
        if attn_mask is not None:
            if attn_mask.dtype == torch.bool:
                attn_mask = torch.zeros_like(attn_mask, dtype=dtype).masked_fill(attn_mask, float("-inf"))
            else:
                attn_mask = attn_mask.to(dtype)
            if attn_mask.dim() == 3:
                attn_mask = attn_mask.view(batch, self.num_heads, *attn_mask.shape[-2:])
            mask = attn_mask
        if key_padding_mask is not None:
            pad = key_padding_mask.view(batch, 1, 1, -1)
            if pad.dtype == torch.bool:
                pad = torch.zeros_like(pad, dtype=dtype).masked_fill(pad, float("-inf"))
            mask = pad if mask is None else mask + pad
        return mask

    def extra_repr(self) -> str:
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, batch_first={self.batch_first}"


class FusedProjection(torch.autograd.Function):
    """``x [..., C]`` and three ``Linear`` weights ``[C_i, C]`` (biases optional) -> ``[..., sum C_i]``
    as one matrix product over the concatenated weights, like ``F.linear(x, cat(w), cat(b))``,
    except that the backward pass keeps the three weights, not their concatenation: autograd
    would keep that ``[3C, C]`` copy per call until the backward pass (7 MiB per ViT-B/16
    attention; 164 MiB of a ViT-B/16 AIM training step's peak, which runs 24 attentions). The
    backward pass concatenates again, briefly. Under autocast the product runs in the autocast
    dtype and the gradients come back in the inputs' dtypes.
    """

    @staticmethod
    def forward(ctx, x, weight_q, weight_k, weight_v, bias_q, bias_k, bias_v):
        weight = torch.cat([weight_q, weight_k, weight_v])
        bias = None if bias_q is None else torch.cat([bias_q, bias_k, bias_v])
        out = F.linear(x, weight, bias)
        ctx.save_for_backward(x if any(ctx.needs_input_grad[1:4]) else None, weight_q, weight_k, weight_v)
        ctx.x_dtype = x.dtype
        return out

    @staticmethod
    def backward(ctx, grad):
        x, weight_q, weight_k, weight_v = ctx.saved_tensors
        grads: list = [None] * 7
        if ctx.needs_input_grad[0]:
            weight = torch.cat([weight_q, weight_k, weight_v]).to(grad.dtype)
            grads[0] = (grad @ weight).to(ctx.x_dtype)
        flat = grad.reshape(-1, grad.shape[-1])
        splits = [weight_q.shape[0], weight_k.shape[0], weight_v.shape[0]]
        if any(ctx.needs_input_grad[1:4]):
            weight_grads = (flat.t() @ x.reshape(-1, x.shape[-1]).to(grad.dtype)).split(splits)
            for i, part in enumerate(weight_grads):
                if ctx.needs_input_grad[1 + i]:
                    grads[1 + i] = part.to(weight_q.dtype)
        if any(ctx.needs_input_grad[4:7]):
            for i, part in enumerate(flat.sum(0).split(splits)):
                if ctx.needs_input_grad[4 + i]:
                    grads[4 + i] = part.to(weight_q.dtype)
        return tuple(grads)


def convert_attention(module: nn.Module) -> int:
    """Replace, in place, every ``nn.MultiheadAttention`` below ``module`` by
    :class:`LinearAttention`; returns how many were converted."""
    count = 0
    for name, child in list(module.named_children()):
        if isinstance(child, nn.MultiheadAttention):
            setattr(module, name, LinearAttention.from_multihead(child))
            count += 1
        else:
            count += convert_attention(child)
    return count
