"""Side-tuning (EVL): exact official counts, no graph through the backbone, zero-init invariants."""

import pytest
import torch

import zoo
from zoo.backbones import create_backbone
from zoo.bench.flops import count_gflops
from zoo.paradigms import create_video_text_model
from zoo.paradigms.side import (CrossFrameRelativeTable, FrozenLayerFeatures, SideNetwork,
                                adjacent_frame_attention, frozen_layer_features,
                                relative_position_index)

K400_HEAD = 768 * 400 + 400


@pytest.fixture(scope="module")
def tiny():
    return create_backbone("tiny", pretrained=False)


@pytest.fixture(scope="module")
def evl_vitb16():
    return zoo.create_model("side_recognition_vitb16", variant="evl", num_frames=8,
                            num_classes=400, pretrained=False)


def test_evl_vitb16_count_is_official(evl_vitb16):
    """methods.md §4.3: 33,183,376 trainable with the K400 head; 16 / 32 frames; no tables."""
    assert evl_vitb16.parameter_counts()["trainable"] == 33_183_376
    head = evl_vitb16.head[1]
    assert (head.in_features, head.out_features) == (768, 400)
    backbone = evl_vitb16.model.backbone
    for frames, expected in ((16, 33_207_952), (32, 33_257_104)):
        side = SideNetwork(backbone, num_frames=frames)
        assert side.parameter_counts()["trainable"] + K400_HEAD == expected
    no_tables = SideNetwork(backbone, temporal_cross_attention=False)
    assert no_tables.parameter_counts()["trainable"] + K400_HEAD == 28_704_400


def test_evl_vitb16_flops_are_the_official_count(evl_vitb16):
    """EVL's official ViT-B/16, 8-frame view: 151.29 GMACs (one multiply-add = one FLOP). zoo also
    projects each frame's class token and the decoder output into the joint space, which EVL's
    classifier never does: (8 + 1) x 768 x 512 multiply-adds. Recomputing ``ln_1`` and q/k outside
    the last 4 blocks added 4 x 2 x 197 x 768^2 x 8 = 7.44 GMACs (158.73)."""
    measured = count_gflops(evl_vitb16, torch.randn(1, 8, 3, 224, 224))
    joint_space_projections = (8 + 1) * 768 * 512 / 1e9
    assert round(measured - joint_space_projections, 2) == 151.29
    assert measured == pytest.approx(151.29, abs=0.01)
    recomputed_qk = 4 * 2 * 197 * 768 ** 2 * 8 / 1e9
    assert round(recomputed_qk, 2) == 7.44 and measured + recomputed_qk > 158.7


def test_one_pass_gives_the_outputs_of_recomputing_q_and_k(tiny):
    """The layer features equal those of the former path, which ran ``ln_1`` and the q/k
    projections itself before running the block (written out here), bit for bit, and each of
    the last blocks' q/k projections runs once."""
    torch.manual_seed(0)
    video = torch.randn(2, 3, 3, 64, 64)
    b, t = video.shape[:2]
    expected = []
    with torch.no_grad():
        x = tiny.embed(video.flatten(0, 1))
        for i, block in enumerate(tiny.blocks):
            if i >= tiny.num_layers - 2:
                normed = block.ln_1(x)
                q = block.attn.q_proj(normed).unflatten(0, (b, t))
                k = block.attn.k_proj(normed).unflatten(0, (b, t))
                x = block(x)
                expected.append((x.unflatten(0, (b, t)), *adjacent_frame_attention(q, k, block.attn.num_heads)))
            else:
                x = block(x)
    calls = []
    hooks = [block.attn.q_proj.register_forward_hook(lambda *_: calls.append(1)) for block in tiny.blocks]
    try:
        layers, last = frozen_layer_features(tiny, video, 2)
    finally:
        for hook in hooks:
            hook.remove()
    assert len(calls) == tiny.num_layers  # once per block
    assert torch.equal(last, x)
    for layer, (tokens, to_previous, to_next) in zip(layers, expected, strict=True):
        assert torch.equal(layer.tokens, tokens)
        assert torch.equal(layer.attention_to_previous, to_previous)
        assert torch.equal(layer.attention_to_next, to_next)


def test_evl_vitb16_components_are_official(evl_vitb16):
    """Each per-layer component against methods.md §4.3."""
    side = evl_vitb16.model
    decoder = side.decoder

    def count(module):
        return sum(p.numel() for p in module.parameters())

    assert len(decoder.layers) == 4
    layer = decoder.layers[0]
    assert layer.attn.num_heads == 12 and layer.mlp.dropout.p == 0.5
    assert count(layer.attn) == 4 * (768 * 768 + 768) == 2_362_368
    assert count(layer.mlp) == 4_722_432
    assert count(layer) - count(layer.attn) - count(layer.mlp) == 3 * 1_536
    assert count(decoder.temporal_convs[0]) == 3_072
    assert decoder.temporal_position_embeddings[0].shape == (8, 768)
    assert decoder.cross_frame_tables[0].table_previous.shape == (27 * 27, 768)
    assert count(decoder.cross_frame_tables[0]) == 1_119_744
    assert decoder.query.shape == (768,) and count(side.norm) == 1_536


def test_trainable_set_is_exactly_the_side_network(tiny):
    model = create_video_text_model("side", tiny, num_frames=4)
    trainable = {name for name, _ in model.trainable_parameters()}
    added = {name for name, _ in model.named_parameters() if not name.startswith("backbone.")}
    assert trainable == added and trainable
    assert all(name.startswith(("decoder.", "norm.")) for name in trainable)
    assert not any(p.requires_grad for p in model.backbone.parameters())
    assert set(model.delta_state_dict()) == added  # the index buffers are not stored
    assert model.extra_config()["decoder_heads"] == 3  # 192 / 64


def test_no_graph_through_the_backbone(tiny):
    model = create_video_text_model("side", tiny, num_frames=3).train()
    video = torch.randn(2, 3, 3, 64, 64)
    # Even with the backbone's weights unfrozen, no_grad keeps it out of autograd entirely.
    tiny.requires_grad_(True)
    try:
        saved = []
        with torch.autograd.graph.saved_tensors_hooks(lambda t: saved.append(t) or t, lambda t: t):
            layers, last = frozen_layer_features(tiny, video, 4)
        assert saved == []
        for layer in layers:
            for tensor in (layer.tokens, layer.attention_to_previous, layer.attention_to_next):
                assert not tensor.requires_grad and tensor.grad_fn is None
        assert not last.requires_grad
    finally:
        tiny.requires_grad_(False)

    outputs = []
    hooks = [m.register_forward_hook(lambda _m, _i, out: outputs.append(out)) for m in tiny.modules()]
    try:
        features = model.encode_video(video)
    finally:
        for hook in hooks:
            hook.remove()
    tensors = [o for out in outputs for o in (out if isinstance(out, tuple) else (out,)) if torch.is_tensor(o)]
    assert tensors and not any(t.requires_grad for t in tensors)
    assert not features.frames.requires_grad and not features.tokens.requires_grad
    (features.pooled.sum() + features.video.sum()).backward()
    assert all(p.grad is None for p in tiny.parameters())
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for _, p in model.trainable_parameters())


def test_backbone_stays_in_eval_mode(tiny):
    model = create_video_text_model("side", tiny, num_frames=2).train()
    assert model.training and model.decoder.training
    assert not any(m.training for m in model.backbone.modules())


def test_shapes(tiny):
    model = create_video_text_model("side", tiny, num_frames=4)
    features = model.encode_video(torch.randn(2, 4, 3, 64, 64))
    assert features.pooled.shape == (2, model.feature_dim) == (2, 192)
    assert features.video.shape == (2, model.embed_dim) == (2, 128)
    assert features.frames.shape == (2, 4, 128)
    assert features.tokens.shape == (2, 4, 64, 192) and features.grid == (8, 8)
    # video is the decoder output through CLIP's visual projection
    assert torch.allclose(features.video, tiny.project(features.pooled))
    # frames are the frozen tower's own frame embeddings
    with torch.no_grad():
        video = torch.randn(1, 4, 3, 64, 64)
        frames = torch.stack([tiny.encode_image(video[:, t]) for t in range(4)], dim=1)
        assert torch.allclose(model.encode_video(video).frames, frames, atol=1e-5)


def test_zero_initialised_temporal_terms(tiny):
    model = create_video_text_model("side", tiny, num_frames=4)
    decoder = model.decoder
    for table in decoder.cross_frame_tables:
        assert not table.table_previous.any() and not table.table_next.any()
    for position in decoder.temporal_position_embeddings:
        assert not position.any()
    assert 0.01 < decoder.query.std() < 0.03
    layers, _ = frozen_layer_features(tiny, torch.randn(1, 4, 3, 64, 64), 4)
    assert not decoder.cross_frame_tables[0](layers[0]).any()


def test_only_the_temporal_modules_see_frame_order(tiny):
    """At init the tables and positions are zero; with the temporal conv zeroed too, the query
    attends to a set of tokens, so reordering the frames changes nothing. A non-zero position
    embedding breaks that."""
    model = create_video_text_model("side", tiny, num_frames=4).eval()
    with torch.no_grad():
        for conv in model.decoder.temporal_convs:
            conv.weight.zero_()
            conv.bias.zero_()
        video = torch.randn(1, 4, 3, 64, 64)
        shuffled = video[:, [2, 0, 3, 1]]
        assert torch.allclose(model.encode_video(video).pooled, model.encode_video(shuffled).pooled, atol=1e-5)
        model.decoder.temporal_position_embeddings[0].normal_()
        assert not torch.allclose(model.encode_video(video).pooled, model.encode_video(shuffled).pooled, atol=1e-3)


def test_relative_position_index():
    index = relative_position_index((2, 3))  # table of (2·2-1)·(2·3-1) = 15 offsets
    assert index.shape == (6, 6)
    centre = (2 - 1) * 5 + (3 - 1)
    assert (index.diagonal() == centre).all()
    # query patch (1, 2) = 5, key patch (0, 0) = 0: offset (+1, +2) -> (1+1)·5 + (2+2)
    assert index[5, 0] == 14 and index[0, 5] == 0
    assert sorted(index.unique().tolist()) == list(range(15))


def test_cross_frame_table_matches_a_loop():
    torch.manual_seed(1)
    grid, width, b, t = (2, 3), 4, 2, 3
    table = CrossFrameRelativeTable(grid, width)
    with torch.no_grad():
        table.table_previous.normal_()
        table.table_next.normal_()
    tokens = torch.randn(b, t, 7, width)
    to_previous = torch.rand(b, t - 1, 6, 6).softmax(-1)
    to_next = torch.rand(b, t - 1, 6, 6).softmax(-1)
    out = table(FrozenLayerFeatures(tokens, to_previous, to_next))
    expected = torch.zeros(b, t, 7, width)
    offset = lambda p, s: (p // 3 - s // 3 + 1) * 5 + (p % 3 - s % 3 + 2)  # noqa: E731
    for n in range(b):
        for f in range(t):
            for p in range(6):
                for s in range(6):
                    if f > 0:
                        expected[n, f, 1 + p] += to_previous[n, f - 1, p, s] * table.table_previous[offset(p, s)]
                    if f < t - 1:
                        expected[n, f, 1 + p] += to_next[n, f, p, s] * table.table_next[offset(p, s)]
    assert torch.allclose(out, expected, atol=1e-5)
    assert not out[:, :, 0].any()


def test_adjacent_frame_attention_uses_the_blocks_own_q_and_k(tiny):
    video = torch.randn(1, 3, 3, 64, 64)
    captured = {}
    block = tiny.blocks[-1]
    hooks = [block.attn.q_proj.register_forward_hook(lambda m, i, o: captured.setdefault("q", o)),
             block.attn.k_proj.register_forward_hook(lambda m, i, o: captured.setdefault("k", o))]
    try:
        layers, _ = frozen_layer_features(tiny, video, 1)
    finally:
        for hook in hooks:
            hook.remove()
    with torch.no_grad():
        hidden = tiny.encode_frames(video, layers=[-1]).hidden[3]
    assert torch.allclose(layers[0].tokens, hidden, atol=1e-5)
    q, k = (captured[name].unflatten(0, (1, 3)) for name in "qk")
    to_previous, to_next = adjacent_frame_attention(q, k, tiny.num_heads)
    assert torch.allclose(layers[0].attention_to_previous, to_previous)
    assert torch.allclose(layers[0].attention_to_next, to_next)
    # head 0 by hand: frame 2's patches attending to frame 1's
    d = 192 // tiny.num_heads
    scores = q[0, 2, 1:, :d] @ k[0, 1, 1:, :d].t() / d ** 0.5
    per_head = [(q[0, 2, 1:, h * d:(h + 1) * d] @ k[0, 1, 1:, h * d:(h + 1) * d].t() / d ** 0.5).softmax(-1)
                for h in range(tiny.num_heads)]
    assert torch.allclose(per_head[0], scores.softmax(-1))
    assert torch.allclose(to_previous[0, 1], torch.stack(per_head).mean(0), atol=1e-6)
    assert torch.allclose(to_next.sum(-1), torch.ones(1, 2, 64))


def test_errors(tiny):
    with pytest.raises(ValueError, match="decoder_layers"):
        create_video_text_model("side", tiny, decoder_layers=5)
    model = create_video_text_model("side", tiny, num_frames=4)
    with pytest.raises(ValueError, match="num_frames=4"):
        model.encode_video(torch.randn(1, 3, 3, 64, 64))
