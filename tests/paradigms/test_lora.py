"""LoRA through peft: hand-computed trainable counts, identity at B = 0, merging checked against
a hand-computed ``W + (alpha / r) · B @ A``, what trains and what a checkpoint stores."""

import copy

import pytest
import torch
from peft.tuners.lora import LoraLayer
from torch import nn

from zoo.backbones import create_backbone
from zoo.paradigms import create_video_text_model
from zoo.paradigms.lora import TARGETS


@pytest.fixture
def tiny():
    return create_backbone("tiny", pretrained=False)


def randomise_lora_(model):
    """Non-zero A and B everywhere (as after training)."""
    with torch.no_grad():
        for _, param in model.trainable_parameters():
            param.normal_(0, 0.05)
    return model


def test_vitb16_counts_by_hand():
    """Per targeted Linear r·(in + out); ViT-B/16 width 768, MLP 3072, 12 blocks, rank 8."""
    r, c, hidden = 8, 768, 3072
    expected = {
        "qv": 12 * 2 * r * (c + c),
        "qkvo": 12 * 4 * r * (c + c),
        "all": 12 * (4 * r * (c + c) + r * (c + hidden) + r * (hidden + c)),
    }
    assert expected == {"qv": 294_912, "qkvo": 589_824, "all": 1_327_104}
    backbone = create_backbone("vitb16", pretrained=False)
    base_total = sum(p.numel() for p in backbone.parameters())
    model = create_video_text_model("lora", backbone, variant="all", rank=r)
    counts = model.parameter_counts()
    assert counts["trainable"] == counts["added"] == expected["all"]
    assert counts["total"] == base_total + expected["all"]
    # each Linear's LoRA is independent, so the other variants' counts are subsets of "all"
    # (which layers each variant wraps is tested on the tiny backbone below)
    for variant in ("qv", "qkvo"):
        layers = tuple(f".{target}.lora_" for target in TARGETS[variant])
        assert sum(p.numel() for n, p in model.trainable_parameters()
                   if any(layer in n for layer in layers)) == expected[variant]


@pytest.mark.parametrize("variant", list(TARGETS))
def test_targets_only_the_vision_blocks(tiny, variant):
    model = create_video_text_model("lora", tiny, variant=variant, num_frames=2, rank=4)
    wrapped = {n for n, m in tiny.named_modules() if isinstance(m, LoraLayer)}
    assert wrapped == {f"clip.visual.transformer.resblocks.{i}.{target}"
                       for i in range(tiny.num_layers) for target in TARGETS[variant]}
    trainable = {n for n, _ in model.trainable_parameters()}
    assert trainable == {f"backbone.{layer}.lora_{ab}.default.weight" for layer in wrapped for ab in "AB"}
    assert set(model.delta_state_dict()) == trainable
    assert not model.text_is_trainable
    assert type(tiny).__name__ == "Backbone"  # injected in place: the backbone keeps its class


def test_initialisation_is_exactly_the_frozen_model(tiny):
    video = torch.randn(2, 3, 3, 64, 64)
    with torch.no_grad():
        frozen = tiny.encode_frames(video)
        model = create_video_text_model("lora", tiny, variant="all", num_frames=3)
        features = model.encode_video(video)
    for name, param in model.trainable_parameters():
        assert (torch.count_nonzero(param) == 0) == ("lora_B" in name), name
    assert torch.equal(features.frames, frozen.embeddings)
    assert torch.equal(features.tokens, frozen.patches)
    assert torch.equal(features.pooled, frozen.cls.mean(dim=1))


def test_merge_matches_hand_computed_weights(tiny):
    """One layer: merged W = W + (alpha / r) · B @ A, and the LoRA layer computes x W'^T + b."""
    original = tiny.blocks[1].attn.v_proj.weight.detach().clone()
    model = randomise_lora_(create_video_text_model("lora", tiny, variant="qv", rank=4, alpha=12.0))
    assert model.scale == 3.0
    layer = tiny.blocks[1].attn.v_proj
    a, b = layer.lora_A["default"].weight, layer.lora_B["default"].weight  # [r, in], [out, r]
    expected_weight = original + 3.0 * b @ a
    x = torch.randn(5, 192)
    with torch.no_grad():
        assert torch.allclose(layer(x), x @ expected_weight.t() + layer.base_layer.bias, atol=1e-5)
        merged = model.merge()
    merged_layer = merged.blocks[1].attn.v_proj
    assert type(merged_layer) is nn.Linear
    assert torch.allclose(merged_layer.weight, expected_weight, atol=1e-6)
    assert torch.equal(merged_layer.bias, layer.base_layer.bias)
    assert torch.equal(merged.blocks[1].attn.k_proj.weight, tiny.blocks[1].attn.k_proj.weight)
    assert torch.equal(layer.base_layer.weight, original) and not layer.merged  # model untouched


@pytest.mark.parametrize("variant", list(TARGETS))
def test_merged_backbone_is_plain_and_equivalent(tiny, variant):
    base_count = sum(p.numel() for p in tiny.parameters())
    base_keys = set(tiny.state_dict())
    video = torch.randn(2, 2, 3, 64, 64)
    with torch.no_grad():
        frozen = tiny.encode_frames(video)
    model = randomise_lora_(create_video_text_model("lora", tiny, variant=variant, num_frames=2))
    with torch.no_grad():
        merged = model.merge()
        features = model.encode_video(video)
        plain = merged.encode_frames(video)
    assert not any(isinstance(m, LoraLayer) for m in merged.modules())
    assert not hasattr(merged, "peft_config")
    assert sum(p.numel() for p in merged.parameters()) == base_count
    assert set(merged.state_dict()) == base_keys
    assert not any(p.requires_grad for p in merged.parameters())
    assert torch.allclose(plain.embeddings, features.frames, atol=1e-5)
    assert torch.allclose(plain.patches, features.tokens, atol=1e-5)
    assert not torch.allclose(plain.embeddings, frozen.embeddings, atol=1e-4)  # the deltas matter


def test_one_step_trains_only_lora_and_gradients_reach_all(tiny):
    model = create_video_text_model("lora", tiny, variant="qkvo", num_frames=2)
    video, target = torch.randn(2, 2, 3, 64, 64), torch.randn(2, 192)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    optimizer = torch.optim.SGD([p for _, p in model.trainable_parameters()], lr=0.1)
    (model.encode_video(video).pooled * target).sum().backward()
    optimizer.step()
    optimizer.zero_grad()
    trainable = {n for n, _ in model.trainable_parameters()}
    for name, param in model.named_parameters():
        changed = not torch.equal(param, before[name])
        if name not in trainable:
            assert not changed, f"frozen {name} changed"
        elif "lora_B" in name:
            assert changed, f"{name} did not move"
    (model.encode_video(video).pooled * target).sum().backward()
    for name, param in model.trainable_parameters():
        assert param.grad is not None and torch.count_nonzero(param.grad) > 0, name


def test_lora_parameters_are_added_not_pretrained(tiny):
    """LoRA weights live in the backbone but train at the task's lr, not backbone_lr."""
    model = create_video_text_model("lora", tiny, variant="qv")
    names = [n for n, _ in model.trainable_parameters()]
    assert names and not any(model.is_pretrained_parameter(n) for n in names)
    assert model.is_pretrained_parameter("backbone.clip.visual.ln_post.weight")
    assert model.config()["rank"] == 8 and model.config()["alpha"] == 16.0


def test_delta_state_dict_round_trip(tiny):
    """A checkpoint stores the LoRA weights only; base backbone + delta rebuilds the model."""
    base = copy.deepcopy(tiny)
    model = randomise_lora_(create_video_text_model("lora", tiny, variant="qv", num_frames=2))
    delta = model.delta_state_dict()
    assert sum(t.numel() for t in delta.values()) == model.parameter_counts()["trainable"]
    fresh = create_video_text_model("lora", base, variant="qv", num_frames=2)
    result = fresh.load_state_dict(delta, strict=False)
    assert not result.unexpected_keys and not set(delta) & set(result.missing_keys)
    video = torch.randn(1, 2, 3, 64, 64)
    with torch.no_grad():
        assert torch.equal(fresh.encode_video(video).frames, model.encode_video(video).frames)


def test_bad_arguments(tiny):
    with pytest.raises(ValueError, match="rank must be a positive integer"):
        create_video_text_model("lora", tiny, rank=0)
    with pytest.raises(ValueError, match="dropout must be in"):
        create_video_text_model("lora", tiny, dropout=1.0)
    with pytest.raises(ValueError, match="no variant 'qk'"):
        create_video_text_model("lora", tiny, variant="qk")
    create_video_text_model("lora", tiny)
    with pytest.raises(ValueError, match="already carries LoRA layers"):
        create_video_text_model("lora", tiny)


def test_argument_bounds_are_exact(tiny):
    """rank 1 is the smallest LoRA (accepted); alpha must be strictly positive (0 would scale every
    update to nothing, silently)."""
    model = create_video_text_model("lora", copy.deepcopy(tiny), rank=1, alpha=0.5)
    assert model.parameter_counts()["trainable"] > 0
    for alpha in (0.0, -1.0):
        with pytest.raises(ValueError, match=f"alpha must be positive, got {alpha}"):
            create_video_text_model("lora", copy.deepcopy(tiny), alpha=alpha)
