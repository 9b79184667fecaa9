"""Every documented default of a paradigm, and every argument it accepts, changes what it computes.

Each test builds a paradigm with its defaults (no argument given) and checks the documented value
through behaviour, against a formula written out here: AIM's MLP adapter enters at 0.5 times its
output and its drop path grows linearly from 0 (first block) to 0.2 (last) on both the temporal
and the MLP-adapter branch, only in training mode; ST-Adapter's default kernel mixes the
neighbouring frames only; LoRA adds (alpha / rank) B A x = 2 B A x with rank 8, and its dropout
acts in training mode only; VPT adds 8 tokens per frame; FROSTER's loss is 2.0 × the cosine
distance; EVL's MLP dropout acts in training mode only. (Parameter counts, which also pin widths
and layer numbers, are in each paradigm's own test file.)
"""

import copy

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from zoo.backbones import create_backbone
from zoo.paradigms import create_video_text_model
from zoo.registry import PARADIGMS


@pytest.fixture
def tiny():
    return create_backbone("tiny", pretrained=False)


def randomise_(module, std=0.05, generator_seed=0):
    generator = torch.Generator().manual_seed(generator_seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(std * torch.randn(p.shape, generator=generator))
    return module


def attend(block, x):
    """The frozen block's own attention over the sequence axis of ``x [N, S, C]`` (after ``ln_1``)."""
    normed = block.ln_1(x)
    return block.attn(normed, normed, normed)[0]


def adapter(a, x):
    """``up(GELU(down(x)))``."""
    return a.up(F.gelu(a.down(x)))


def aim_reference(block, adapters, x, t, scale, temporal_input=False):
    """AIM's adapted block (``vit_clip.py``), written out: ``x [B*T, N, C]``."""
    bt, n, c = x.shape
    xt = x.unflatten(0, (bt // t, t)).transpose(1, 2).flatten(0, 1)  # [B*N, T, C]
    normed = block.ln_1(xt)
    if temporal_input:
        normed = normed + adapter(adapters.temporal_input_adapter, normed)
    attended = block.attn(normed, normed, normed)[0]
    temporal = adapter(adapters.temporal_adapter, attended)
    x = x + temporal.unflatten(0, (bt // t, n)).transpose(1, 2).flatten(0, 1)
    spatial = attend(block, x)
    x = x + spatial + adapter(adapters.spatial_adapter, spatial)
    h = block.ln_2(x)
    return x + block.mlp(h) + scale * adapter(adapters.mlp_adapter, h)


# ---------------------------------------------------------------------- AIM
@pytest.mark.parametrize("temporal_adapters", [None, 2])
def test_aim_defaults_scale_the_mlp_adapter_by_half(tiny, temporal_adapters):
    args = {} if temporal_adapters is None else {"temporal_adapters": temporal_adapters}
    model = create_video_text_model("adapter", tiny, variant="aim", num_frames=3, **args).eval()
    assert all(a.down.out_features == 192 // 4 for a in model.block_adapters[0].children()
               if hasattr(a, "down"))  # adapter_width: C / 4
    assert (model.block_adapters[0].temporal_input_adapter is not None) == (temporal_adapters == 2)
    block, adapters = tiny.blocks[2], randomise_(model.block_adapters[2])
    x = torch.randn(2 * 3, 65, 192)
    with torch.no_grad():
        got = adapters(block, x, 3)
        expected = aim_reference(block, adapters, x, 3, scale=0.5, temporal_input=temporal_adapters == 2)
        other = aim_reference(block, adapters, x, 3, scale=1.0, temporal_input=temporal_adapters == 2)
    assert torch.allclose(got, expected, atol=1e-5)
    assert not torch.allclose(got, other, atol=1e-4)


def test_aim_adapter_scale_argument_is_used(tiny):
    model = create_video_text_model("adapter", tiny, variant="aim", num_frames=2, adapter_scale=0.25).eval()
    block, adapters = tiny.blocks[0], randomise_(model.block_adapters[0])
    x = torch.randn(2 * 2, 65, 192)
    with torch.no_grad():
        assert torch.allclose(adapters(block, x, 2), aim_reference(block, adapters, x, 2, scale=0.25), atol=1e-5)
    assert model.config()["adapter_scale"] == 0.25


def observed_drop_rate(module, n=4000) -> float:
    """A DropPath's rate, read from its behaviour in training mode: a kept sample is scaled by
    ``1 / (1 - p)``, so ``p = 1 - 1 / value``; and about a fraction p of samples is dropped."""
    module.train()
    out = module(torch.ones(n, 1, 1)).flatten()
    kept = out[out != 0]
    if len(kept) == n and torch.all(kept == 1):
        return 0.0
    value = float(kept[0])
    assert torch.all(kept == value)
    rate = 1 - 1 / value
    assert abs(float((out == 0).float().mean()) - rate) < 0.05
    return rate


def test_aim_drop_path_grows_linearly_from_zero_to_its_default(tiny):
    model = create_video_text_model("adapter", tiny, variant="aim", num_frames=2)
    rates = [observed_drop_rate(a.drop_path) for a in model.block_adapters]
    layers = len(rates)
    assert rates == pytest.approx([0.2 * i / (layers - 1) for i in range(layers)], abs=1e-6)
    model.eval()
    last = model.block_adapters[-1].drop_path
    x = torch.randn(8, 3, 5)
    assert torch.equal(last(x), x)  # evaluation: no drop path


def test_aim_drop_path_argument_sets_the_last_rate(tiny):
    model = create_video_text_model("adapter", tiny, variant="aim", num_frames=2, drop_path=0.4)
    assert observed_drop_rate(model.block_adapters[-1].drop_path) == pytest.approx(0.4, abs=1e-6)
    assert observed_drop_rate(model.block_adapters[0].drop_path) == 0.0


class _Zero(nn.Module):
    def forward(self, x):
        return torch.zeros_like(x)


def test_aim_drop_path_wraps_the_temporal_and_the_mlp_adapter_branches(tiny):
    """A drop path that drops everything leaves exactly the frozen block's spatial path."""
    model = create_video_text_model("adapter", tiny, variant="aim", num_frames=2).eval()
    block, adapters = tiny.blocks[3], randomise_(model.block_adapters[3])
    adapters.drop_path = _Zero()
    x = torch.randn(2 * 2, 65, 192)
    with torch.no_grad():
        spatial = attend(block, x)
        x1 = x + spatial + adapter(adapters.spatial_adapter, spatial)
        expected = x1 + block.mlp(block.ln_2(x1))
        assert torch.allclose(adapters(block, x, 2), expected, atol=1e-5)


# ---------------------------------------------------------------------- ST-Adapter
def test_st_adapter_default_kernel_mixes_neighbouring_frames_only(tiny):
    model = create_video_text_model("adapter", tiny, variant="st", num_frames=5)
    st = randomise_(model.block_adapters[0].pre_mlp)
    assert st.down.out_features == 384  # adapter_width default
    x = torch.randn(5, 65, 192)  # one clip of 5 frames, 8 x 8 patches
    moved = x.clone()
    moved[2, 1 + 27] += 1.0  # frame 2, patch (3, 3)
    with torch.no_grad():
        change = (st(moved, 5, (8, 8)) - st(x, 5, (8, 8))).abs().sum(dim=-1)  # [T, 1+L]
    changed = {(int(f), int(p)) for f, p in (change > 1e-6).nonzero()}
    assert changed == {(1, 28), (2, 28), (3, 28)}  # frames t-1, t, t+1, the same patch; never the class token


# ---------------------------------------------------------------------- LoRA
def test_lora_defaults_add_twice_b_a_x_with_rank_8(tiny):
    model = create_video_text_model("lora", tiny, num_frames=2)
    layer = tiny.blocks[0].attn.q_proj
    a, b = layer.lora_A["default"].weight, layer.lora_B["default"].weight
    assert a.shape == (8, 192) and b.shape == (192, 8)
    randomise_(layer.lora_B["default"])
    x = torch.randn(4, 192)
    with torch.no_grad():
        expected = layer.base_layer(x) + (16.0 / 8) * x @ a.t() @ b.t()
        model.train()  # dropout 0 by default: training mode is deterministic
        assert torch.allclose(layer(x), expected, atol=1e-5)
        assert torch.equal(layer(x), layer(x))
    targets = {n.split(".lora_")[0].rsplit(".", 1)[-1] for n, _ in model.trainable_parameters()}
    assert targets == {"q_proj", "v_proj"}  # variant qv


def test_lora_dropout_acts_on_the_update_in_training_only(tiny):
    model = create_video_text_model("lora", tiny, num_frames=2, dropout=0.5, rank=4, alpha=4.0)
    layer = tiny.blocks[1].attn.v_proj
    randomise_(layer.lora_B["default"])
    a, b = layer.lora_A["default"].weight, layer.lora_B["default"].weight
    x = torch.randn(64, 192)
    with torch.no_grad():
        model.eval()
        assert torch.allclose(layer(x), layer.base_layer(x) + x @ a.t() @ b.t(), atol=1e-5)
        model.train()
        first, second = layer(x), layer(x)
        assert not torch.allclose(first, second, atol=1e-4)  # a fresh mask each call
        # inverted dropout on the input of A: the update keeps its expectation
        mean = torch.stack([layer(x) for _ in range(400)]).mean(dim=0)
        assert torch.allclose(mean, layer.base_layer(x) + x @ a.t() @ b.t(), atol=0.02)
        saved = b.clone()
        b.zero_()  # no update: W x + b itself is never dropped
        assert torch.equal(layer(x), layer.base_layer(x))
        b.copy_(saved)
    video = torch.randn(1, 2, 3, 64, 64)
    with torch.no_grad():
        model.train()
        assert not torch.allclose(model.encode_video(video).pooled, model.encode_video(video).pooled, atol=1e-6)
        model.eval()
        assert torch.equal(model.encode_video(video).pooled, model.encode_video(video).pooled)


# ---------------------------------------------------------------------- VPT
def test_vpt_default_adds_eight_tokens_to_every_block(tiny):
    model = create_video_text_model("prompt", tiny, num_frames=2)
    seen = []
    hooks = [block.register_forward_hook(lambda m, args, out: seen.append(args[0].shape[1]))
             for block in tiny.blocks]
    with torch.no_grad():
        model.encode_video(torch.randn(1, 2, 3, 64, 64))
    for hook in hooks:
        hook.remove()
    assert seen == [1 + 8 + 64] * 4
    assert model.visual_prompts.shape == (4, 8, 192)  # deep: fresh tokens for each of the 4 blocks


# ---------------------------------------------------------------------- FROSTER
def test_distill_default_weight_is_two_times_the_cosine_distance(tiny):
    model = create_video_text_model("distill", tiny, num_frames=2)
    with torch.no_grad():
        tiny.visual.proj.add_(0.05 * torch.randn_like(tiny.visual.proj))  # the student moves
        model.train()
        video = torch.randn(2, 2, 3, 64, 64)
        features = model.encode_video(video)
        teacher = model.teacher.encode_frames(video).embeddings
        losses = model.auxiliary_losses(features)
    # the projector is the identity at initialisation: g(f) = f
    distance = (1 - F.cosine_similarity(features.frames, teacher, dim=-1)).mean()
    assert float(distance) > 1e-4
    assert float(losses["distill_video"]) == pytest.approx(2.0 * float(distance), rel=1e-5)


def test_distill_residual_branch_is_scaled_by_a_tenth(tiny):
    model = create_video_text_model("distill", tiny, num_frames=2)
    projector = randomise_(model.video_projector)
    f = torch.randn(3, projector.mlp[0].in_features)
    with torch.no_grad():
        branch = projector.mlp[2](F.gelu(projector.mlp[0](f)))
        assert torch.allclose(projector(f), f + 0.1 * branch, atol=1e-6)


# ---------------------------------------------------------------------- EVL
def test_evl_mlp_dropout_acts_in_training_only(tiny):
    video = torch.randn(1, 2, 3, 64, 64)
    evl = create_video_text_model("side", tiny, num_frames=2)
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for _, param in evl.trainable_parameters():  # the side network, away from its zero init
            param.add_(0.05 * torch.randn(param.shape, generator=generator))
        evl.train()
        assert not torch.allclose(evl.encode_video(video).pooled, evl.encode_video(video).pooled, atol=1e-6)
        evl.eval()
        assert torch.equal(evl.encode_video(video).pooled, evl.encode_video(video).pooled)
    rates = {m.p for m in evl.modules() if isinstance(m, nn.Dropout)}  # EVL's MLP dropout
    assert rates == {0.5}
    quiet = create_video_text_model("side", create_backbone("tiny", pretrained=False), num_frames=2,
                                    mlp_dropout=0.0).train()
    with torch.no_grad():
        assert torch.equal(quiet.encode_video(video).pooled, quiet.encode_video(video).pooled)


# ---------------------------------------------------------------------- Ju et al. / accepted-but-ignored
def test_prompt_temporal_layers_default_and_refusal(tiny):
    text = create_video_text_model("prompt", tiny, variant="text", num_frames=2)
    assert len(text.temporal.blocks) == 1 and text.temporal.blocks[0].attn.num_heads == max(128 // 64, 1)
    two = create_video_text_model("prompt", create_backbone("tiny", pretrained=False), variant="both",
                                  num_frames=2, temporal_layers=2)
    assert len(two.temporal.blocks) == 2 and two.config()["temporal_layers"] == 2
    with pytest.raises(ValueError, match="does not use temporal_layers"):  # a visual variant has none
        create_video_text_model("prompt", create_backbone("tiny", pretrained=False), variant="vpt",
                                temporal_layers=2)


def test_postnet_lstm_layers_argument_is_used(tiny):
    model = create_video_text_model("postnet", tiny, variant="lstm", num_frames=2, layers=2)
    assert model.temporal.lstm.num_layers == 2 and model.config()["layers"] == 2
    default = create_video_text_model("postnet", create_backbone("tiny", pretrained=False), variant="lstm",
                                      num_frames=2)
    assert default.temporal.lstm.num_layers == 1  # CLIP4Clip's seqLSTM: one layer


def test_postnet_meanp_refuses_layers(tiny):
    with pytest.raises(ValueError, match="layers"):
        create_video_text_model("postnet", tiny, variant="meanp", num_frames=2, layers=2)
    # its own recorded config (layers 0) still rebuilds
    assert create_video_text_model("postnet", tiny, variant="meanp", num_frames=2, layers=0).temporal is None


@pytest.mark.parametrize("paradigm", sorted(PARADIGMS))
def test_every_paradigm_defaults_to_eight_frames(paradigm, tiny):
    """DESIGN.md's default clip length, the same for every paradigm, in the constructor and in
    the spec a recipe or checkpoint builds from."""
    import dataclasses

    from zoo.paradigms import spec_class

    import zoo.paradigms  # noqa: F401  (registers the classes)

    assert create_video_text_model(paradigm, copy.deepcopy(tiny)).num_frames == 8
    assert PARADIGMS.class_of(paradigm)(copy.deepcopy(tiny)).num_frames == 8  # the constructor's own default
    assert {f.name: f.default for f in dataclasses.fields(spec_class(paradigm))}["num_frames"] == 8
