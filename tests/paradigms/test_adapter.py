"""Adapters (AIM, ST-Adapter): official parameter counts, identity at initialisation, the
official placement of each module (against hand-written references), what trains."""

import pytest
import torch
import torch.nn.functional as F

import zoo
from zoo.backbones import create_backbone
from zoo.paradigms import create_video_text_model
from zoo.paradigms.layers.aim import AIMBlockAdapters
from zoo.paradigms.layers.st_adapter import STAdapter


def lin(i, o):
    return i * o + o


@pytest.fixture
def tiny():
    return create_backbone("tiny", pretrained=False)


def randomise_(module):
    """Give every parameter of ``module`` non-zero random values (std 0.05)."""
    with torch.no_grad():
        for p in module.parameters():
            p.normal_(0, 0.05)
    return module


# ---------------------------------------------------------------------- exact official counts
def test_vitb16_counts_are_official():
    """methods.md §4.1-2: AIM 8 f 10,966,672, 16 f 10,972,816; ST-Adapter 12x384 7,417,744."""
    adapter = lin(768, 192) + lin(192, 768)
    assert adapter == 295_872
    aim_8f = 12 * 3 * adapter + 8 * 768 + 2 * 768 + lin(768, 400)
    assert aim_8f == 10_966_672
    task = zoo.create_model("adapter_recognition_vitb16", variant="aim", num_frames=8,
                            num_classes=400, pretrained=False)
    assert task.parameter_counts()["trainable"] == aim_8f

    backbone = task.model.backbone  # reuse the ViT-B/16 (the models below re-freeze it)
    aim_16f = create_video_text_model("adapter", backbone, variant="aim", num_frames=16)
    assert aim_16f.parameter_counts()["trainable"] + lin(768, 400) == 10_972_816

    st_adapter = lin(768, 384) + (384 * 3 + 384) + lin(384, 768)
    assert 12 * st_adapter == 7_110_144
    st = create_video_text_model("adapter", backbone, variant="st", num_frames=8)
    assert st.parameter_counts()["trainable"] == 7_110_144
    assert st.parameter_counts()["trainable"] + lin(768, 400) == 7_417_744
    assert not backbone.visual.ln_post.weight.requires_grad


def test_configurable_st_width_and_kernel(tiny):
    model = create_video_text_model("adapter", tiny, variant="st", num_frames=4,
                                    adapter_width=16, kernel_size=[3, 3, 3], placement="both")
    per_adapter = lin(192, 16) + (16 * 27 + 16) + lin(16, 192)
    assert model.parameter_counts()["trainable"] == 4 * 2 * per_adapter
    assert model.config()["kernel_size"] == [3, 3, 3] and model.config()["placement"] == "both"


# ---------------------------------------------------------------------- trainable set
def test_trainable_sets_are_the_declared_modules(tiny):
    aim = create_video_text_model("adapter", tiny, variant="aim", num_frames=4)
    declared = {f"block_adapters.{n}" for n, _ in aim.block_adapters.named_parameters()}
    declared |= {"temporal_embedding", "backbone.clip.visual.ln_post.weight",
                 "backbone.clip.visual.ln_post.bias"}
    assert {n for n, _ in aim.trainable_parameters()} == declared
    assert set(aim.delta_state_dict()) == declared
    for adapters in aim.block_adapters:
        assert {type(a).__name__ for a in (adapters.temporal_adapter, adapters.spatial_adapter,
                                           adapters.mlp_adapter)} == {"BottleneckAdapter"}
        assert adapters.temporal_input_adapter is None
        assert not adapters.temporal_adapter.skip and adapters.spatial_adapter.skip
        assert not adapters.mlp_adapter.skip

    st = create_video_text_model("adapter", tiny, variant="st", num_frames=4)
    assert {n for n, _ in st.trainable_parameters()} == {
        f"block_adapters.{n}" for n, _ in st.block_adapters.named_parameters()}
    assert all(a.pre_attention is None and a.pre_mlp is not None for a in st.block_adapters)
    assert not tiny.visual.ln_post.weight.requires_grad


def test_zero_initialisations(tiny):
    aim = create_video_text_model("adapter", tiny, variant="aim", num_frames=4)
    assert torch.count_nonzero(aim.temporal_embedding) == 0
    for adapters in aim.block_adapters:
        for adapter in (adapters.temporal_adapter, adapters.spatial_adapter, adapters.mlp_adapter):
            assert torch.count_nonzero(adapter.up.weight) == 0 and torch.count_nonzero(adapter.up.bias) == 0
            assert 0.015 < adapter.down.weight.std() < 0.025 and torch.count_nonzero(adapter.down.bias) == 0
    st = create_video_text_model("adapter", tiny, variant="st", num_frames=4)
    for adapters in st.block_adapters:
        a = adapters.pre_mlp
        for zero in (a.temporal_conv.weight, a.temporal_conv.bias, a.down.bias, a.up.bias):
            assert torch.count_nonzero(zero) == 0
        assert a.temporal_conv.groups == a.temporal_conv.in_channels == 384
        assert a.temporal_conv.kernel_size == (3, 1, 1) and a.temporal_conv.padding == (1, 0, 0)
        assert torch.count_nonzero(a.up.weight) > 0


# ---------------------------------------------------------------------- identity at init
@pytest.mark.parametrize("variant, args", [("aim", {}), ("aim", {"temporal_adapters": 2}),
                                           ("st", {}), ("st", {"placement": "both"})])
def test_initialisation_reproduces_frozen_model(tiny, variant, args):
    video = torch.randn(2, 4, 3, 64, 64)
    with torch.no_grad():
        frozen = tiny.encode_frames(video, layers=[-1])
        model = create_video_text_model("adapter", tiny, variant=variant, num_frames=4, **args)
        features = model.encode_video(video)  # training mode: drop path is on, the branches are 0
    assert torch.allclose(features.frames, frozen.embeddings, atol=1e-5)
    assert torch.allclose(features.tokens, frozen.patches, atol=1e-5)
    if variant == "aim":
        expected_pooled = frozen.cls.mean(dim=1)
    else:  # the official ST head: ln_post of the frame-averaged class token
        expected_pooled = tiny.visual.ln_post(frozen.hidden[3][:, :, 0].mean(dim=1))
    assert torch.allclose(features.pooled, expected_pooled, atol=1e-5)
    assert not torch.allclose(features.pooled, frozen.cls.mean(dim=1) if variant == "st"
                              else tiny.visual.ln_post(frozen.hidden[3][:, :, 0].mean(dim=1)), atol=1e-3)


# ---------------------------------------------------------------------- official placement
def test_aim_block_matches_hand_written_reference(tiny):
    """Temporal attention per token position over T (ln_1, frozen attention, T-adapter without
    skip), then spatial attention through the S-adapter with skip, then the MLP with the
    parallel 0.5-scaled MLP-adapter."""
    t, b = 3, 2
    block = tiny.blocks[1]
    adapters = randomise_(AIMBlockAdapters(192, 48, scale=0.5, drop_path=0.2)).eval()
    x = torch.randn(b * t, 65, 192)
    with torch.no_grad():
        got = adapters(block, x, t)
        temporal = torch.zeros_like(x)
        for clip in range(b):
            for n in range(65):
                sequence = x[clip * t:(clip + 1) * t, n]                       # [T, C]
                attended = block.attn(*[block.ln_1(sequence)[None]] * 3)[0][0]
                temporal[clip * t:(clip + 1) * t, n] = adapters.temporal_adapter.up(
                    F.gelu(adapters.temporal_adapter.down(attended)))
        x1 = x + temporal
        spatial = block.attn(*[block.ln_1(x1)] * 3)[0]
        x2 = x1 + spatial + adapters.spatial_adapter.up(F.gelu(adapters.spatial_adapter.down(spatial)))
        h = block.ln_2(x2)
        mlp_adapter = adapters.mlp_adapter.up(F.gelu(adapters.mlp_adapter.down(h)))
        expected = x2 + block.mlp(h) + 0.5 * mlp_adapter
    assert torch.allclose(got, expected, atol=1e-5)


def test_aim_temporal_embedding_is_added_before_ln_pre(tiny):
    model = create_video_text_model("adapter", tiny, variant="aim", num_frames=3)
    with torch.no_grad():
        model.temporal_embedding.normal_()
        frames = torch.randn(2 * 3, 3, 64, 64)
        got = model.embed_frames(frames, 2, 3)
        raw = tiny.embed(frames, pre_norm=False)
        for i in range(6):
            expected = tiny.visual.ln_pre(raw[i] + model.temporal_embedding[i % 3])  # every token
            assert torch.allclose(got[i], expected, atol=1e-5)
        assert torch.allclose(tiny.visual.ln_pre(raw), tiny.embed(frames), atol=1e-6)


def test_st_adapter_matches_hand_written_reference():
    """Patch tokens -> down -> depthwise conv over time (zero-padded, per channel) -> up, added to
    the patches of the same frame; the class token is never modified."""
    b, t, grid, width, a = 2, 4, (2, 3), 8, 5
    adapter = randomise_(STAdapter(width, a, (3, 1, 1)))
    x = torch.randn(b * t, 1 + 6, width)
    with torch.no_grad():
        got = adapter(x, t, grid)
        down = adapter.down(x[:, 1:]).unflatten(0, (b, t))                     # [B, T, L, A]
        padded = F.pad(down, (0, 0, 0, 0, 1, 1))                               # zero frames at both ends
        kernel = adapter.temporal_conv.weight[:, 0, :, 0, 0]                   # [A, 3]
        mixed = sum(padded[:, k:k + t] * kernel[:, k] for k in range(3)) + adapter.temporal_conv.bias
        expected_patches = x[:, 1:] + adapter.up(mixed.flatten(0, 1))
    assert torch.equal(got[:, 0], x[:, 0])
    assert torch.allclose(got[:, 1:], expected_patches, atol=1e-5)
    assert not torch.allclose(got[:, 1:], x[:, 1:], atol=1e-3)


def test_st_adapter_sits_before_the_mlp_by_default(tiny):
    model = create_video_text_model("adapter", tiny, variant="st", num_frames=2)
    block, adapters = tiny.blocks[0], randomise_(model.block_adapters[0])
    x = torch.randn(2 * 2, 65, 192)
    with torch.no_grad():
        x1 = x + block.attn(*[block.ln_1(x)] * 3)[0]
        x1 = adapters.pre_mlp(x1, 2, (8, 8))
        expected = x1 + block.mlp(block.ln_2(x1))
        assert torch.allclose(adapters(block, x, 2, (8, 8)), expected, atol=1e-5)


# ---------------------------------------------------------------------- training
@pytest.mark.parametrize("variant", ["aim", "st"])
def test_one_step_trains_only_the_adapters_and_gradients_reach_all(tiny, variant):
    model = create_video_text_model("adapter", tiny, variant=variant, num_frames=3)
    video = torch.randn(2, 3, 3, 64, 64)
    targets = torch.randn(2, 192), torch.randn(2, 3, tiny.embed_dim), torch.randn(2, 3, 64, 192)

    def loss_value():  # tokens too: ST's last adapter (before the last MLP) never reaches the class token
        features = model.encode_video(video)
        return sum((f * target).sum() for f, target in zip(
            (features.pooled, features.frames, features.tokens), targets))

    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    optimizer = torch.optim.SGD([p for _, p in model.trainable_parameters()], lr=0.1)
    loss_value().backward()
    optimizer.step()
    optimizer.zero_grad()
    trainable = {n for n, _ in model.trainable_parameters()}
    for name, param in model.named_parameters():
        if name not in trainable:
            assert torch.equal(param, before[name]), f"frozen {name} changed"
            assert param.grad is None
    zero_initialised = "temporal_conv.weight" if variant == "st" else "up.weight"
    changed = [n for n in trainable if n.endswith(zero_initialised) and not torch.equal(
        model.get_parameter(n), before[n])]
    assert len(changed) == len([n for n in trainable if n.endswith(zero_initialised)]) > 0

    loss_value().backward()  # now that no branch is zero, every trainable parameter gets a gradient
    for name, param in model.trainable_parameters():
        assert param.grad is not None and torch.count_nonzero(param.grad) > 0, name


# ---------------------------------------------------------------------- errors
def test_bad_arguments(tiny):
    with pytest.raises(TypeError, match="does not take \\['kernel_size'\\]"):
        create_video_text_model("adapter", tiny, variant="aim", kernel_size=[3, 1, 1])
    with pytest.raises(TypeError, match="does not take \\['adapter_scale'\\]"):
        create_video_text_model("adapter", tiny, variant="st", adapter_scale=0.5)
    with pytest.raises(ValueError, match="kernel_size must be three odd"):
        create_video_text_model("adapter", tiny, variant="st", kernel_size=[2, 1, 1])
    with pytest.raises(ValueError, match="placement must be one of"):
        create_video_text_model("adapter", tiny, variant="st", placement="after")
    with pytest.raises(ValueError, match="temporal_adapters must be 1 or 2"):
        create_video_text_model("adapter", tiny, variant="aim", temporal_adapters=3)
    for variant in ("aim", "st"):
        for width in (0, -4):  # 0 is not "the default": it is refused like any non-positive width
            with pytest.raises(ValueError, match=f"adapter_width must be positive, got {width}"):
                create_video_text_model("adapter", tiny, variant=variant, adapter_width=width)
    model = create_video_text_model("adapter", tiny, variant="aim", num_frames=4)
    with pytest.raises(ValueError, match="temporal embedding has 4 frames; the video has 3"):
        model.encode_video(torch.randn(1, 3, 3, 64, 64))


def test_listed_with_variants():
    from zoo.registry import PARADIGMS

    assert "adapter_recognition_vitb16" in zoo.list_models(paradigm="adapter")
    assert PARADIGMS.class_of("adapter").variants == ("aim", "st")
