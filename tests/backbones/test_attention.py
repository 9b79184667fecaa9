"""LinearAttention is an exact replacement for nn.MultiheadAttention."""

import copy

import open_clip
import pytest
import torch
from torch import nn

from zoo.backbones import Backbone, LinearAttention, convert_attention, get_spec
from zoo.backbones.attention import FusedProjection


@pytest.mark.parametrize("batch_first", [True, False])
def test_linear_attention_matches_multihead(batch_first):
    mha = nn.MultiheadAttention(32, 4, batch_first=batch_first).eval()
    lin = LinearAttention.from_multihead(mha).eval()
    x = torch.randn(3, 7, 32) if batch_first else torch.randn(7, 3, 32)
    causal = torch.full((7, 7), float("-inf")).triu(1)
    for mask in (None, causal, causal.isinf()):
        expected = mha(x, x, x, need_weights=False, attn_mask=mask)[0]
        actual = lin(x, x, x, need_weights=False, attn_mask=mask)[0]
        assert (expected - actual).abs().max() < 1e-6


def test_linear_attention_weights_and_padding():
    mha = nn.MultiheadAttention(16, 2, batch_first=True).eval()
    lin = LinearAttention.from_multihead(mha).eval()
    q, kv = torch.randn(2, 3, 16), torch.randn(2, 5, 16)
    padding = torch.tensor([[False] * 5, [False, False, False, True, True]])
    out_ref, w_ref = mha(q, kv, kv, key_padding_mask=padding, need_weights=True)
    out, w = lin(q, kv, kv, key_padding_mask=padding, need_weights=True)
    assert torch.allclose(out_ref, out, atol=1e-6)
    assert torch.allclose(w_ref, w, atol=1e-6)
    assert w[1, :, 3:].abs().max() == 0  # padded keys get no weight


def test_convert_counts_and_parameter_count_unchanged():
    model = nn.Sequential(nn.MultiheadAttention(8, 2), nn.Linear(8, 8), nn.MultiheadAttention(8, 1))
    before = sum(p.numel() for p in model.parameters())
    assert convert_attention(model) == 2
    assert all(not isinstance(m, nn.MultiheadAttention) for m in model.modules())
    assert sum(p.numel() for p in model.parameters()) == before
    assert isinstance(model[0].q_proj, nn.Linear)


def test_rejects_unequal_kv_dims():
    with pytest.raises(ValueError, match="same dimension"):
        LinearAttention.from_multihead(nn.MultiheadAttention(8, 2, kdim=4, vdim=4))


@pytest.mark.parametrize("backbone_id", ["tiny", "vitb32", "vitb16"])
def test_converted_backbone_matches_open_clip(backbone_id):
    """Both towers of the converted model equal the unconverted open_clip model (fp32, < 1e-5)."""
    spec = get_spec(backbone_id)
    reference = open_clip.create_model(spec.open_clip_name, pretrained=None).eval()
    backbone = Backbone(copy.deepcopy(reference), spec, None).eval()
    assert backbone.num_converted_attention == (len(reference.visual.transformer.resblocks)
                                                + len(reference.transformer.resblocks))
    assert not any(isinstance(m, nn.MultiheadAttention) for m in backbone.modules())
    images = torch.randn(2, 3, backbone.preprocess["size"], backbone.preprocess["size"])
    texts = ["a red square moves to the left", "a small blue circle at the top"]
    with torch.no_grad():
        image_diff = (reference.encode_image(images) - backbone.encode_image(images)).abs().max()
        text_diff = (reference.encode_text(backbone.tokenize(texts)) - backbone.encode_text(texts)).abs().max()
    assert image_diff < 1e-5
    assert text_diff < 1e-5


def test_fused_self_attention_equals_the_three_projections_forward_and_backward():
    """Self-attention runs q/k/v as one product over the concatenated weights; cross-attention
    (here: key and value equal in value but other tensors) runs the three modules. Same outputs,
    same gradients for every parameter and the input."""
    torch.manual_seed(0)
    attention = LinearAttention(32, 4).train()
    assert attention._fusable()
    x = torch.randn(2, 5, 32)
    results = []
    for key_of in (lambda t: t, lambda t: t.clone()):
        attention.zero_grad(set_to_none=True)
        inputs = x.clone().requires_grad_(True)
        out = attention(inputs, key_of(inputs), key_of(inputs))[0]
        out.pow(2).sum().backward()
        results.append((out.detach(), inputs.grad, {n: p.grad for n, p in attention.named_parameters()}))
    (fused, fused_input_grad, fused_grads), (plain, plain_input_grad, plain_grads) = results
    assert (fused - plain).abs().max() < 1e-6
    assert (fused_input_grad - plain_input_grad).abs().max() < 1e-5
    for name in plain_grads:
        assert (fused_grads[name] - plain_grads[name]).abs().max() < 1e-5, name


def test_hooked_or_wrapped_projections_see_every_call():
    """Whatever hooks q_proj (an adapter, a side network reading q) or replaces it (peft LoRA)
    runs: the fused product is only taken for plain, hook-free Linear layers."""
    attention = LinearAttention(16, 2).eval()
    x = torch.randn(1, 3, 16)
    seen = []
    handle = attention.q_proj.register_forward_hook(lambda module, args, out: seen.append(out.shape))
    assert not attention._fusable()
    attention(x, x, x)
    handle.remove()
    assert seen == [torch.Size([1, 3, 16])] and attention._fusable()
    attention.v_proj = nn.Sequential(attention.v_proj)  # a wrapper, as peft's LoRA layers are
    assert not attention._fusable()
    assert attention(x, x, x)[0].shape == (1, 3, 16)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("trainable", ["all", "frozen_weights", "only_k"])
def test_fused_projection_gradients_match_linear_over_the_concatenation(bias, trainable):
    """FusedProjection = F.linear(x, cat(w), cat(b)) in value and in every gradient autograd
    asks for (double precision, checked numerically too), whichever inputs need one."""
    torch.manual_seed(0)
    x = torch.randn(2, 3, 6, dtype=torch.float64, requires_grad=True)
    weights = [torch.randn(6, 6, dtype=torch.float64) for _ in range(3)]
    biases = [torch.randn(6, dtype=torch.float64) if bias else None for _ in range(3)]
    wanted = {"all": (True, True, True), "frozen_weights": (False, False, False), "only_k": (False, True, False)}[trainable]
    for tensors in (weights, biases):
        for tensor, grad in zip(tensors, wanted):
            if tensor is not None:
                tensor.requires_grad_(grad)
    fused = FusedProjection.apply(x, *weights, *biases)
    reference = torch.nn.functional.linear(x, torch.cat(weights), torch.cat(biases) if bias else None)
    assert torch.allclose(fused, reference, atol=1e-12)
    inputs = [t for t in [x, *weights, *biases] if t is not None and t.requires_grad]
    upstream = torch.randn_like(reference)
    got = torch.autograd.grad(fused, inputs, upstream)
    expected = torch.autograd.grad(reference, inputs, upstream)
    for a, b in zip(got, expected):
        assert torch.allclose(a, b, atol=1e-10)
    assert torch.autograd.gradcheck(lambda *t: FusedProjection.apply(*t), (x, *weights, *biases))


def test_fused_projection_keeps_no_concatenated_weight_for_backward():
    """What autograd keeps for the backward pass of a frozen attention's fused q/k/v product: the
    input's normalised tokens and the three weights themselves, never a [3C, C] concatenation
    (a copy per call, 164 MiB of a ViT-B/16 AIM step's peak)."""
    attention = LinearAttention(16, 2).train().requires_grad_(False)
    x = torch.randn(1, 3, 16, requires_grad=True)
    saved = []

    def pack(tensor):
        saved.append(tuple(tensor.shape))
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        attention(x, x, x)[0].sum().backward()
    assert (48, 16) not in saved and (16, 16) in saved
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_fused_projection_under_cpu_autocast_returns_gradients_in_the_parameters_dtype():
    """Under bf16 autocast the product runs in bf16 and the gradients come back as fp32 (the
    dtypes of the input and of the weights), close to the fp32 ones."""
    torch.manual_seed(0)
    attention = LinearAttention(16, 2).train()
    x = torch.randn(2, 3, 16, requires_grad=True)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = attention(x, x, x)[0]
    assert out.dtype == torch.bfloat16
    out.float().sum().backward()
    assert x.grad.dtype == torch.float32 and attention.q_proj.weight.grad.dtype == torch.float32
    approx = x.grad.clone()
    x.grad = None
    attention(x, x, x)[0].sum().backward()
    assert torch.allclose(approx, x.grad, atol=0.1, rtol=0.05)
