"""Post-network tuning: frozen backbone, exact CLIP4Clip parameter counts, temporal heads."""

import pytest
import torch
import torch.nn.functional as F

from zoo.backbones import create_backbone
from zoo.paradigms import create_video_text_model


@pytest.fixture(scope="module")
def tiny():
    return create_backbone("tiny", pretrained=False)


def test_seqtransf_vitb16_count_is_clip4clip():
    """4 text blocks (3,152,384 each) + Embedding(128, 512) = 12,675,072 (methods.md §4.6)."""
    model = create_video_text_model("postnet", "vitb16", variant="seqtransf", backbone_pretrained=False)
    assert model.parameter_counts()["trainable"] == 12_675_072
    assert all(name.startswith("temporal.") for name, _ in model.trainable_parameters())


@pytest.mark.parametrize("variant", ["meanp", "seqtransf", "mit", "lstm"])
def test_backbone_frozen_and_shapes(tiny, variant):
    model = create_video_text_model("postnet", tiny, variant=variant, num_frames=4)
    assert not any(p.requires_grad for p in model.backbone.parameters())
    video = torch.randn(2, 4, 3, 64, 64)
    features = model.encode_video(video)
    assert features.video.shape == (2, model.embed_dim) == features.pooled.shape
    assert features.frames.shape == (2, 4, model.embed_dim)
    assert features.tokens.shape == (2, 4, 64, model.token_dim) and features.grid == (8, 8)
    if variant == "meanp":
        assert model.parameter_counts()["trainable"] == 0
    else:
        features.video.sum().backward()
        assert all(p.grad is not None for _, p in model.trainable_parameters())


def test_meanp_is_mean_of_normalised_frames(tiny):
    model = create_video_text_model("postnet", tiny, variant="meanp", num_frames=3)
    video = torch.randn(1, 3, 3, 64, 64)
    with torch.no_grad():
        frames = torch.stack([tiny.encode_image(video[:, t]) for t in range(3)], dim=1)
        expected = F.normalize(frames, dim=-1).mean(dim=1)
        assert torch.allclose(model.encode_video(video).video, expected, atol=1e-6)


def test_meanp_is_order_invariant_and_seqtransf_is_not(tiny):
    video = torch.randn(1, 4, 3, 64, 64)
    reverse = video.flip(1)
    meanp = create_video_text_model("postnet", tiny, variant="meanp", num_frames=4)
    seq = create_video_text_model("postnet", tiny, variant="seqtransf", num_frames=4)
    with torch.no_grad():
        assert torch.allclose(meanp.encode_video(video).video, meanp.encode_video(reverse).video, atol=1e-6)
        assert not torch.allclose(seq.encode_video(video).video, seq.encode_video(reverse).video, atol=1e-4)


def test_seqtransf_initialised_from_text_tower(tiny):
    model = create_video_text_model("postnet", tiny, variant="seqtransf", num_frames=4)
    for i, block in enumerate(model.temporal.blocks):
        source = tiny.text_blocks[i]
        assert torch.equal(block.attn.q_proj.weight, source.attn.q_proj.weight)
        assert block.attn.q_proj.weight.data_ptr() != source.attn.q_proj.weight.data_ptr()
    rows = tiny.clip.positional_embedding.shape[0]
    assert torch.equal(model.temporal.position_embedding[:rows], tiny.clip.positional_embedding)


def test_unknown_variant_and_argument(tiny):
    with pytest.raises(ValueError, match="no variant 'transformer'"):
        create_video_text_model("postnet", tiny, variant="transformer")
    with pytest.raises(TypeError, match="does not take"):
        create_video_text_model("postnet", tiny, rank=4)
