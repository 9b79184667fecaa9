"""Full fine-tuning (ViFi-CLIP): what trains, learning-rate groups, one step, ViFi-CLIP pooling."""

import copy

import pytest
import torch

from trainability import block_parameters, check_one_step, video_text_loss
from zoo.backbones import create_backbone
from zoo.paradigms import create_video_text_model
from zoo.factory import create_model

TEXTS = ["a red circle moves left", "a blue square grows"]

# tiny (zoo/backbones/model_configs/zoo-tiny.json): vision 64 px / patch 8, width 192, 4 layers;
# text width 128, 4 layers, context 32; joint dimension 128.
TINY_VISUAL = (3 * 8 * 8 * 192 + 192 + 65 * 192 + 2 * 192 + 4 * block_parameters(192)
               + 2 * 192 + 192 * 128)
TINY_TEXT_WITHOUT_TOKENS = 4 * block_parameters(128) + 32 * 128 + 2 * 128 + 128 * 128


@pytest.fixture(scope="module")
def tiny():
    return create_backbone("tiny", pretrained=False)


def video(b=2, t=2):
    return torch.randn(b, t, 3, 64, 64)


def test_both_trains_everything_but_the_token_embedding(tiny):
    model = create_video_text_model("full", tiny, num_frames=2)
    assert model.variant == "both"
    expected = {f"backbone.clip.{n}" for n, _ in tiny.clip.named_parameters()
                if not n.startswith("token_embedding.")}
    assert {n for n, _ in model.trainable_parameters()} == expected
    assert model.logit_scale.requires_grad and model.text_is_trainable
    assert model.parameter_counts() == {"trainable": TINY_VISUAL + TINY_TEXT_WITHOUT_TOKENS + 1,
                                        "total": TINY_VISUAL + TINY_TEXT_WITHOUT_TOKENS + 1 + 49408 * 128,
                                        "added": 0}
    assert TINY_VISUAL + TINY_TEXT_WITHOUT_TOKENS + 1 == 2_668_161


def test_image_trains_the_image_tower_only(tiny):
    model = create_video_text_model("full", tiny, variant="image", num_frames=2)
    expected = {f"backbone.clip.{n}" for n, _ in tiny.clip.named_parameters() if n.startswith("visual.")}
    assert {n for n, _ in model.trainable_parameters()} == expected
    assert model.parameter_counts()["trainable"] == TINY_VISUAL == 1_854_336
    assert not model.logit_scale.requires_grad and not model.text_is_trainable


def test_vitb16_counts_are_vifi_clip():
    """ViFi-CLIP ``USE: both`` trains its ViFiCLIP module: CLIP ViT-B/16 (149,620,737) without the
    token embedding (49,408 × 512); ``USE: image`` trains ``visual.*``."""
    backbone = create_backbone("vitb16", pretrained=False)
    visual = 3 * 16 * 16 * 768 + 768 + 197 * 768 + 2 * 768 + 12 * block_parameters(768) + 2 * 768 + 768 * 512
    text = 12 * block_parameters(512) + 77 * 512 + 2 * 512 + 512 * 512
    image = create_video_text_model("full", backbone, variant="image").parameter_counts()["trainable"]
    assert image == visual == 86_192_640
    both = create_video_text_model("full", backbone, variant="both").parameter_counts()
    assert both["trainable"] == visual + text + 1 == 124_323_841
    assert both["total"] == 149_620_737 and both["added"] == 0


@pytest.mark.parametrize("variant", ["both", "image"])
def test_one_step_moves_exactly_the_trainable_parameters(tiny, variant):
    model = create_video_text_model("full", copy.deepcopy(tiny), variant=variant, num_frames=2)
    check_one_step(model, video_text_loss(model, video(), TEXTS))


def test_pooling_is_vifi_clip_mean_of_frame_embeddings(tiny):
    model = create_video_text_model("full", tiny, num_frames=3)
    clip = video(2, 3)
    with torch.no_grad():
        features = model.encode_video(clip)
        frames = torch.stack([tiny.encode_image(clip[:, t]) for t in range(3)], dim=1)
    assert torch.allclose(features.frames, frames, atol=1e-5)
    assert torch.allclose(features.video, frames.mean(dim=1), atol=1e-5)


@pytest.mark.parametrize("variant,head", [("both", "linear"), ("image", "text")])
def test_parameter_groups_pretrained_get_backbone_lr(variant, head):
    task = create_model("full_recognition_tiny", variant=variant, num_frames=2, class_names=["red", "blue", "green"], head=head,
                           lr=1e-3, backbone_lr=2e-5)
    groups = task.parameter_groups()
    by_lr = {}
    for group in groups:
        by_lr.setdefault(group["lr"], set()).update(id(p) for p in group["params"])
    backbone = {id(p) for _, p in task.model.trainable_parameters()}
    head_params = {id(p) for p in task.head.parameters()} if task.head is not None else set()
    assert by_lr.pop(2e-5) == backbone
    assert by_lr == ({1e-3: head_params} if head_params else {})
    assert sum(len(g["params"]) for g in groups) == len(backbone) + len(head_params)
    if variant == "both":  # logit_scale trains, at backbone_lr, without weight decay
        no_decay = {id(p) for g in groups if g["weight_decay"] == 0 for p in g["params"]}
        assert id(task.model.logit_scale) in no_decay & backbone


def test_unknown_variant(tiny):
    with pytest.raises(ValueError, match="no variant 'text'"):
        create_video_text_model("full", tiny, variant="text")


def test_head_lr_applies_to_the_linear_head_only():
    task = create_model("full_recognition_tiny", variant="image", num_frames=2, class_names=["red", "blue", "green"],
                           lr=1e-4, backbone_lr=2e-5, head_lr=3e-3)
    by_lr = {}
    for group in task.parameter_groups():
        by_lr.setdefault(group["lr"], set()).update(id(p) for p in group["params"])
    assert by_lr[3e-3] == {id(p) for p in task.head.parameters()}
    assert by_lr[2e-5] == {id(p) for _, p in task.model.trainable_parameters()}
    assert 1e-4 not in by_lr  # nothing else is added by the full paradigm
