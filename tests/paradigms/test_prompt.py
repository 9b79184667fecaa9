"""Prompt tuning: VPT shallow / deep, Ju et al.'s text context + temporal transformer."""

import math

import pytest
import torch
import torch.nn.functional as F

from zoo.backbones import create_backbone
from zoo.paradigms import create_video_text_model
from zoo.paradigms.prompt import default_context_vectors, insert_text_context

TEXTS = ["a video of growing.", "the red square slides to the left while two other shapes drift"]


@pytest.fixture(scope="module")
def tiny():
    return create_backbone("tiny", pretrained=False)


def block_count(width: int) -> int:
    """One CLIP block of ``width``: 4 attention Linears, MLP ratio 4, 2 LayerNorms."""
    return 4 * (width * width + width) + (width * 4 * width + 4 * width) + (4 * width * width + width) + 4 * width


def test_vitb16_counts_by_hand():
    """ViT-B/16: C = 768, 12 layers; text width W = D = 512, 77-token context -> 16 + 16."""
    backbone = create_backbone("vitb16", pretrained=False)
    assert block_count(512) == 3_152_384
    expected = {"vpt": 12 * 8 * 768, "vpt_shallow": 8 * 768,
                "text": 32 * 512 + block_count(512) + 8 * 512,
                "both": 12 * 8 * 768 + 32 * 512 + block_count(512) + 8 * 512}
    assert expected == {"vpt": 73_728, "vpt_shallow": 6_144, "text": 3_172_864, "both": 3_246_592}
    for variant, count in expected.items():
        model = create_video_text_model("prompt", backbone, variant=variant)
        assert model.parameter_counts()["trainable"] == count, variant
    text = create_video_text_model("prompt", backbone, variant="text")
    assert text.temporal.blocks[0].attn.num_heads == 8
    assert text.extra_config() == {"prefix_length": 16, "postfix_length": 16, "temporal_layers": 1}


@pytest.mark.parametrize("variant, names, count", [
    ("vpt", {"visual_prompts"}, 4 * 8 * 192),
    ("vpt_shallow", {"visual_prompts"}, 8 * 192),
    ("text", {"text_prefix", "text_postfix", "temporal"}, 12 * 128 + block_count(128) + 4 * 128),
    ("both", {"visual_prompts", "text_prefix", "text_postfix", "temporal"},
     4 * 8 * 192 + 12 * 128 + block_count(128) + 4 * 128),
])
def test_trainable_set_counts_and_gradients(tiny, variant, names, count):
    model = create_video_text_model("prompt", tiny, variant=variant, num_frames=4)
    trainable = model.trainable_parameters()
    assert {name.split(".")[0] for name, _ in trainable} == names
    assert model.parameter_counts()["trainable"] == count
    assert not any(p.requires_grad for p in model.backbone.parameters())
    assert model.text_is_trainable == (variant in ("text", "both"))

    features = model.encode_video(torch.randn(2, 4, 3, 64, 64))
    text = model.encode_text(TEXTS)
    assert features.video.shape == (2, 128) and features.frames.shape == (2, 4, 128)
    assert features.pooled.shape == (2, model.feature_dim)
    assert model.feature_dim == (128 if variant in ("text", "both") else 192)
    assert features.tokens.shape == (2, 4, 64, 192) and text.shape == (2, 128)
    (F.normalize(features.video, dim=-1) @ F.normalize(text, dim=-1).t()).sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for _, p in trainable)
    assert all(p.grad is None for p in model.backbone.parameters())


def test_vpt_initialisation_range(tiny):
    model = create_video_text_model("prompt", tiny, variant="vpt", num_prompts=5)
    bound = math.sqrt(6.0 / (3 * 8 * 8 + 192))
    prompts = model.visual_prompts
    assert prompts.shape == (4, 5, 192)
    assert prompts.abs().max() <= bound and prompts.abs().max() > 0.9 * bound


@pytest.mark.parametrize("variant", ["vpt", "vpt_shallow"])
def test_vpt_equals_the_hand_built_prompted_tower(tiny, variant):
    """[cls, prompts, patches] after ln_pre; deep replaces the prompt outputs before every block,
    shallow keeps them; prompts are dropped before ln_post; meanP over frames."""
    model = create_video_text_model("prompt", tiny, variant=variant, num_prompts=3, num_frames=2)
    video = torch.randn(1, 2, 3, 64, 64)
    with torch.no_grad():
        x = tiny.embed(video.flatten(0, 1))
        prompts = model.visual_prompts
        x = torch.cat([x[:, :1], prompts[0].expand(2, -1, -1), x[:, 1:]], dim=1)
        for i, block in enumerate(tiny.blocks):
            if variant == "vpt" and i > 0:
                x[:, 1:4] = prompts[i]
            x = block(x)
        x = torch.cat([x[:, :1], x[:, 4:]], dim=1)
        cls, patches = tiny.post(x)
        frames = tiny.project(cls).unflatten(0, (1, 2))
        features = model.encode_video(video)
    assert torch.allclose(features.frames, frames, atol=1e-5)
    assert torch.allclose(features.video, F.normalize(frames, dim=-1).mean(1), atol=1e-6)
    assert torch.allclose(features.pooled, cls.unflatten(0, (1, 2)).mean(1), atol=1e-5)
    assert torch.allclose(features.tokens, patches.unflatten(0, (1, 2)), atol=1e-5)


def test_deep_prompts_reach_later_layers(tiny):
    model = create_video_text_model("prompt", tiny, variant="vpt", num_frames=2).eval()
    video = torch.randn(1, 2, 3, 64, 64)
    with torch.no_grad():
        before = model.encode_video(video).pooled
        model.visual_prompts[3].normal_()
        assert not torch.allclose(before, model.encode_video(video).pooled, atol=1e-4)
    # text encoding is the frozen backbone's for the visual-only variants
    assert torch.equal(model.encode_text(TEXTS), tiny.encode_text(TEXTS))


def test_insert_text_context_layout():
    """Rows coded by value: token j of text n = 100·n + j, prefix i = -(i+1), postfix i = -(10+i)."""
    ctx, p, q = 10, 2, 3
    embeddings = (100 * torch.arange(2)[:, None] + torch.arange(ctx)[None, :]).float()[..., None]
    eot = torch.tensor([3, 4])  # text 0: SOT w1 w2 EOT; text 1: SOT w1 w2 w3 EOT
    prefix = -torch.arange(1, p + 1).float()[:, None]
    postfix = -torch.arange(10, 10 + q).float()[:, None]
    out = insert_text_context(embeddings, eot, prefix, postfix)[..., 0]
    assert out[0].tolist() == [0, -1, -2, 1, 2, -10, -11, -12, 3, 4]
    assert out[1].tolist() == [100, -1, -2, 101, 102, 103, -10, -11, -12, 104]


def test_text_prompt_moves_the_pool_index(tiny):
    model = create_video_text_model("prompt", tiny, variant="text", prefix_length=2, postfix_length=3)
    with torch.no_grad():
        tokens = tiny.tokenize(TEXTS)
        eot = tiny.pool_index(tokens)
        embeddings = tiny.token_embeddings(tokens)
        expected = []
        for n in range(2):
            e = int(eot[n])
            row = torch.cat([embeddings[n, :1], model.text_prefix, embeddings[n, 1:e], model.text_postfix,
                             embeddings[n, e:]])[:32]
            expected.append(tiny.encode_text_embeddings(row[None], eot[n:n + 1] + 5))
        assert torch.allclose(model.encode_text(TEXTS), torch.cat(expected), atol=1e-5)
        assert torch.allclose(model.encode_text(tokens), torch.cat(expected), atol=1e-5)


def test_zero_length_context_is_the_frozen_text_tower(tiny):
    model = create_video_text_model("prompt", tiny, variant="text", prefix_length=0, postfix_length=0)
    assert torch.equal(model.encode_text(TEXTS), tiny.encode_text(TEXTS))


def test_text_variant_temporal_transformer(tiny):
    """Ju et al.: frozen frame embeddings + frame positions -> blocks (no outer residual) -> mean."""
    model = create_video_text_model("prompt", tiny, variant="text", num_frames=3)
    video = torch.randn(2, 3, 3, 64, 64)
    with torch.no_grad():
        frames = tiny.encode_frames(video).embeddings
        x = frames + model.temporal.position_embedding[:3]
        for block in model.temporal.blocks:
            x = block(x)
        features = model.encode_video(video)
    assert torch.allclose(features.video, x.mean(1), atol=1e-5)
    assert torch.equal(features.video, features.pooled)
    assert model.temporal.position_embedding.std() < 0.02  # normal(0.01) as Ju et al.


def test_default_context_lengths(tiny):
    assert default_context_vectors(77) == 16 and default_context_vectors(32) == 6
    model = create_video_text_model("prompt", tiny, variant="both")
    assert model.extra_config() == {"num_prompts": 8, "prefix_length": 6, "postfix_length": 6,
                                    "temporal_layers": 1}
    rebuilt = create_video_text_model("prompt", tiny, variant="both", **model.extra_config())
    assert rebuilt.parameter_counts() == model.parameter_counts()


def test_texts_that_do_not_fit_raise(tiny):
    """The EOT may move up to the last position (31) and no further."""
    eot = int(tiny.pool_index(tiny.tokenize([TEXTS[1]]))[0])
    room = 31 - eot
    fits = create_video_text_model("prompt", tiny, variant="text", prefix_length=room, postfix_length=0)
    assert fits.encode_text(TEXTS).shape == (2, 128)
    over = create_video_text_model("prompt", tiny, variant="text", prefix_length=room, postfix_length=1)
    with pytest.raises(ValueError, match=f"text '{TEXTS[1]}' has {eot + 1} tokens.*32-token context"):
        over.encode_text(TEXTS)
    with pytest.raises(ValueError, match="truncated"):
        fits.encode_text([" ".join(["red"] * 40)])


def test_argument_errors(tiny):
    with pytest.raises(ValueError, match="does not use num_prompts"):
        create_video_text_model("prompt", tiny, variant="text", num_prompts=4)
    with pytest.raises(ValueError, match="does not use prefix_length"):
        create_video_text_model("prompt", tiny, variant="vpt", prefix_length=4)
    with pytest.raises(ValueError, match="num_prompts must be at least 1"):
        create_video_text_model("prompt", tiny, variant="vpt_shallow", num_prompts=0)
    with pytest.raises(ValueError, match="leaves no room"):
        create_video_text_model("prompt", tiny, variant="text", prefix_length=20, postfix_length=20)
