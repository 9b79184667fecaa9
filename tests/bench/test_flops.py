"""The FLOP counter against an analytic count of one model (DESIGN §11)."""

import pytest
import torch

from zoo.backbones import create_backbone
from zoo.bench.flops import count_gflops


def analytic_vit_macs(image: int, patch: int, width: int, layers: int, embed_dim: int) -> int:
    """Multiply-adds of a CLIP ViT image encoder: patch embedding, per block the four attention
    projections, QKᵀ and AV, the 4× MLP, then the final projection of the class token."""
    patches = (image // patch) ** 2
    tokens = patches + 1
    patch_embedding = patches * 3 * patch * patch * width
    projections = 4 * tokens * width * width
    attention_matmuls = 2 * tokens * tokens * width
    mlp = 2 * tokens * width * 4 * width
    return patch_embedding + layers * (projections + attention_matmuls + mlp) + width * embed_dim


def test_tiny_image_encoder_matches_analytic_count():
    backbone = create_backbone("tiny", pretrained=False).eval()
    expected = analytic_vit_macs(64, 8, 192, 4, 128)
    assert expected == 123_889_152
    measured = count_gflops(backbone.encode_image, torch.randn(1, 3, 64, 64)) * 1e9
    assert measured == pytest.approx(expected, rel=1e-9)


def test_vitb16_frame_is_about_17_6_gflops():
    """methods.md: CLIP ViT-B/16 costs about 17.6 GFLOPs per 224² frame (fvcore convention)."""
    backbone = create_backbone("vitb16", pretrained=False).eval()
    expected = analytic_vit_macs(224, 16, 768, 12, 512)
    measured = count_gflops(backbone.encode_image, torch.randn(1, 3, 224, 224)) * 1e9
    assert measured == pytest.approx(expected, rel=1e-9)
    assert 17.4 < measured / 1e9 < 17.8
