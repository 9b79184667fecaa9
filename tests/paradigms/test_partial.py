"""Partial fine-tuning: each variant trains exactly its declared subset (names for tiny, counts for
tiny and ViT-B/16), one step moves exactly that subset, arguments are checked."""

import copy
import re

import pytest
import torch

from trainability import block_parameters, check_one_step, video_text_loss
from zoo.backbones import create_backbone
from zoo.paradigms import create_video_text_model

TEXTS = ["a red circle moves left", "a blue square grows"]


@pytest.fixture(scope="module")
def tiny():
    return create_backbone("tiny", pretrained=False)


def expected_names(clip_names, variant, k=2, layers=4, with_text=False):
    """The subset by name rules written from the method descriptions, independent of partial.py."""
    def block(name, prefix):
        match = re.match(prefix + r"transformer\.resblocks\.(\d+)\.", name)
        return int(match.group(1)) if match else None

    keep = set()
    for name in clip_names:
        if variant == "lastk":
            vision = block(name, r"visual\.")
            text = block(name, "")
            if (vision is not None and vision >= layers - k) or name.startswith("visual.ln_post.") \
                    or name == "visual.proj":
                keep.add(name)
            if with_text and ((text is not None and not name.startswith("visual.") and text >= layers - k)
                              or name.startswith("ln_final.") or name in ("text_projection", "logit_scale")):
                keep.add(name)
        elif variant == "bitfit":
            if name.startswith("visual.") and name.endswith(".bias"):
                keep.add(name)
        elif variant == "ln":
            if name.startswith("visual.") and re.search(r"(ln_pre|ln_post|ln_1|ln_2)\.(weight|bias)$", name):
                keep.add(name)
        elif variant == "text":
            if not name.startswith(("visual.", "token_embedding.")) and name != "logit_scale":
                keep.add(name)
    return {f"backbone.clip.{n}" for n in keep}


# tiny: vision width 192, 4 layers, joint dim 128; text width 128, 4 layers, context 32.
TINY_COUNTS = {
    "lastk": 2 * block_parameters(192) + 2 * 192 + 192 * 128,
    "bitfit": 4 * 11 * 192 + 2 * 192,          # per block: q/k/v/out 4C, c_fc 4C, c_proj C, 2 LN C
    "ln": (2 + 2 * 4) * 2 * 192,
    "text": 4 * block_parameters(128) + 32 * 128 + 2 * 128 + 128 * 128,
}


@pytest.mark.parametrize("variant", ["lastk", "bitfit", "ln", "text"])
def test_trainable_subset_is_exact(tiny, variant):
    model = create_video_text_model("partial", tiny, variant=variant, num_frames=2)
    names = {n for n, _ in model.trainable_parameters()}
    assert names == expected_names([n for n, _ in tiny.clip.named_parameters()], variant)
    counts = model.parameter_counts()
    assert counts["trainable"] == TINY_COUNTS[variant] and counts["added"] == 0
    assert model.text_is_trainable == (variant == "text")


def test_tiny_counts_by_hand():
    assert TINY_COUNTS == {"lastk": 914_688, "bitfit": 8_832, "ln": 3_840, "text": 813_824}


@pytest.mark.parametrize("k,with_text", [(1, False), (4, False), (3, True)])
def test_lastk_k_and_clip4clip_text_side(tiny, k, with_text):
    model = create_video_text_model("partial", tiny, num_frames=2, last_blocks=k,
                                    with_text=with_text)
    names = {n for n, _ in model.trainable_parameters()}
    assert names == expected_names([n for n, _ in tiny.clip.named_parameters()], "lastk", k, 4, with_text)
    text = (k * block_parameters(128) + 2 * 128 + 128 * 128 + 1) if with_text else 0
    assert model.parameter_counts()["trainable"] == k * block_parameters(192) + 2 * 192 + 192 * 128 + text
    assert model.extra_config() == {"last_blocks": k, "with_text": with_text}


def test_vitb16_counts():
    backbone = create_backbone("vitb16", pretrained=False)
    expected = {
        "lastk": 2 * block_parameters(768) + 2 * 768 + 768 * 512,
        "bitfit": 12 * 11 * 768 + 2 * 768,
        "ln": (2 + 2 * 12) * 2 * 768,
        "text": 12 * block_parameters(512) + 77 * 512 + 2 * 512 + 512 * 512,
    }
    assert expected == {"lastk": 14_570_496, "bitfit": 102_912, "ln": 39_936, "text": 38_131_200}
    for variant, count in expected.items():
        model = create_video_text_model("partial", backbone, variant=variant)
        assert model.parameter_counts()["trainable"] == count, variant


@pytest.mark.parametrize("variant", ["lastk", "bitfit", "ln", "text"])
def test_one_step_moves_exactly_the_subset(tiny, variant):
    model = create_video_text_model("partial", copy.deepcopy(tiny), variant=variant, num_frames=2)
    check_one_step(model, video_text_loss(model, torch.randn(2, 2, 3, 64, 64), TEXTS))


def test_rebuild_from_config_gives_the_same_subset(tiny):
    model = create_video_text_model("partial", tiny, num_frames=2, last_blocks=3)
    config = model.config()
    rebuilt = create_video_text_model("partial", tiny, variant=config["variant"],
                                      num_frames=config["num_frames"], **model.extra_config())
    assert [n for n, _ in rebuilt.trainable_parameters()] == [n for n, _ in model.trainable_parameters()]
    for variant in ("bitfit", "ln", "text"):
        other = create_video_text_model("partial", tiny, variant=variant, num_frames=2)
        assert create_video_text_model("partial", tiny, variant=variant,
                                       **other.extra_config()).parameter_counts() == other.parameter_counts()


def test_bad_arguments(tiny):
    with pytest.raises(ValueError, match=r"last_blocks must be in 1\.\.4"):
        create_video_text_model("partial", tiny, last_blocks=0)
    with pytest.raises(ValueError, match=r"last_blocks must be in 1\.\.4"):
        create_video_text_model("partial", tiny, last_blocks=5)
    with pytest.raises(ValueError, match="last_blocks only apply to variant 'lastk', not 'bitfit'"):
        create_video_text_model("partial", tiny, variant="bitfit", last_blocks=2)
    with pytest.raises(ValueError, match="with_text only apply to variant 'lastk'"):
        create_video_text_model("partial", tiny, variant="text", with_text=True)
    with pytest.raises(ValueError, match="no variant 'all'"):
        create_video_text_model("partial", tiny, variant="all")


def test_with_text_needs_as_many_text_blocks(tiny):
    """ViT-L/14 has 24 vision blocks but 12 text blocks: last_blocks=13 with the text side has no
    13th text block to train. Shown on tiny with its text tower cut to 2 blocks."""
    short = copy.deepcopy(tiny)
    short.clip.transformer.resblocks = short.clip.transformer.resblocks[:2]
    with pytest.raises(ValueError, match="with_text: last_blocks=3 exceeds the 2 text blocks"):
        create_video_text_model("partial", short, last_blocks=3, with_text=True)
    assert create_video_text_model("partial", copy.deepcopy(short), last_blocks=2, with_text=True).last_blocks == 2
    assert create_video_text_model("partial", copy.deepcopy(short), last_blocks=3).last_blocks == 3
