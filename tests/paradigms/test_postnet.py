"""Post-network tuning: frozen backbone, exact CLIP4Clip parameter counts, temporal heads."""

import pytest
import torch
import torch.nn.functional as F

from zoo.backbones import create_backbone
from zoo.paradigms import create_video_text_model
from zoo.paradigms.layers.temporal import TemporalTransformer


@pytest.fixture(scope="module")
def tiny():
    return create_backbone("tiny", pretrained=False)


def test_seqtransf_vitb16_count_is_clip4clip():
    """4 text blocks (3,152,384 each) + Embedding(77, 512) = 12,648,960 (methods.md §4.6):
    CLIP4Clip overrides the cross config's 128 positions with the CLIP context length, 77."""
    model = create_video_text_model("postnet", "vitb16", variant="seqtransf", backbone_pretrained=False)
    assert model.temporal.position_embedding.shape == (77, 512)
    assert model.parameter_counts()["trainable"] == 4 * 3_152_384 + 77 * 512 == 12_648_960
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
    """Reversing the frames reverses meanP's frame features and leaves its video embedding
    unchanged; seqTransf's positions make each frame's output depend on where it is (random
    weights: the position table is the text tower's, std 0.01, so frame outputs move by ~0.05
    while the meanP video embedding moves by only ~1e-4)."""
    torch.manual_seed(0)
    video = torch.randn(1, 4, 3, 64, 64)
    reverse = video.flip(1)
    meanp = create_video_text_model("postnet", tiny, variant="meanp", num_frames=4)
    seq = create_video_text_model("postnet", tiny, variant="seqtransf", num_frames=4)
    with torch.no_grad():
        forward, backward = meanp.encode_video(video), meanp.encode_video(reverse)
        assert torch.allclose(forward.video, backward.video, atol=1e-6)
        assert torch.allclose(forward.frames, backward.frames.flip(1), atol=1e-6)
        forward, backward = seq.encode_video(video), seq.encode_video(reverse)
        assert not torch.allclose(forward.frames, backward.frames.flip(1), atol=1e-2)


def test_seqtransf_initialised_from_text_tower(tiny):
    model = create_video_text_model("postnet", tiny, variant="seqtransf", num_frames=4)
    for i, block in enumerate(model.temporal.blocks):
        source = tiny.text_blocks[i]
        assert torch.equal(block.attn.q_proj.weight, source.attn.q_proj.weight)
        assert block.attn.q_proj.weight.data_ptr() != source.attn.q_proj.weight.data_ptr()
    # the whole table is a copy of the text positional embedding: tiny's context is 32
    assert model.temporal.position_embedding.shape == (32, 128) == tiny.clip.positional_embedding.shape
    assert torch.equal(model.temporal.position_embedding, tiny.clip.positional_embedding)
    assert model.temporal.position_embedding.data_ptr() != tiny.clip.positional_embedding.data_ptr()


def test_seqtransf_takes_at_most_context_length_frames(tiny):
    create_video_text_model("postnet", tiny, variant="seqtransf", num_frames=32)
    with pytest.raises(ValueError, match="32 frame positions .* fewer than num_frames=33"):
        create_video_text_model("postnet", tiny, variant="seqtransf", num_frames=33)


def test_a_zoo_0_1_table_of_128_rows_loads_and_computes_the_same(tiny):
    """zoo 0.1 stored 128 rows; loading keeps the first 32 (with a warning), the only rows a clip
    of at most 32 frames reads, so the outputs equal the 128-row module's on such clips."""
    torch.manual_seed(0)
    model = create_video_text_model("postnet", tiny, variant="seqtransf", num_frames=8).eval()
    legacy = TemporalTransformer(model.temporal.blocks, 128, 128).eval()
    with torch.no_grad():
        legacy.position_embedding.normal_()
    state = {f"temporal.{k}": v for k, v in legacy.state_dict().items()}
    with pytest.warns(UserWarning, match="128-row seqTransf frame-position table .* 32 rows"):
        model.load_state_dict({**model.state_dict(), **state})
    assert torch.equal(model.temporal.position_embedding, legacy.position_embedding[:32])
    video = torch.randn(2, 8, 3, 64, 64)
    with torch.no_grad():
        frames = tiny.encode_frames(video).embeddings
        assert torch.equal(model.encode_video(video).frames, legacy(frames))
    wrong = {**model.state_dict(), "temporal.position_embedding": torch.zeros(40, 128)}
    with pytest.raises(RuntimeError, match="size mismatch for temporal.position_embedding"):
        model.load_state_dict(wrong)  # only zoo 0.1's exact size is converted


def test_unknown_variant_and_argument(tiny):
    with pytest.raises(ValueError, match="no variant 'transformer'"):
        create_video_text_model("postnet", tiny, variant="transformer")
    with pytest.raises(TypeError, match="does not take"):
        create_video_text_model("postnet", tiny, rank=4)
