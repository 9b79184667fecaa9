"""Real backbones offline (issue 10, item 12): weights that cannot be downloaded say so in one
line, with how to use a local copy; a local copy of OpenAI weights gets OpenAI's activation."""

import logging

import pytest
from huggingface_hub import constants

from zoo.backbones.clip import BackboneWeightsUnavailableError, create_backbone, quick_gelu_for
from zoo.backbones.specs import get_spec


@pytest.fixture
def offline_empty_cache(tmp_path, monkeypatch):
    """The Hub offline and an empty cache: nothing can be downloaded, nothing is cached."""
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_missing_openai_weights_say_how_to_point_at_a_local_file(offline_empty_cache, caplog):
    with caplog.at_level(logging.ERROR), pytest.raises(BackboneWeightsUnavailableError) as raised:
        create_backbone("vitb32")
    message = str(raised.value)
    assert "\n" not in message and isinstance(raised.value, FileNotFoundError)
    assert message.startswith("backbone 'vitb32' needs the 'openai' weights of ViT-B-32")
    assert str(offline_empty_cache) in message and "HF_HUB_OFFLINE=1 is set" in message
    assert "backbone_pretrained='/path/to/open_clip_model.safetensors'" in message
    assert not [r for r in caplog.records if "Failed to download" in r.getMessage()]


def test_missing_hub_weights_say_the_same(offline_empty_cache):
    with pytest.raises(BackboneWeightsUnavailableError, match="needs the weights hf-hub:someone/clip"):
        create_backbone("vitb32", pretrained="hf-hub:someone/clip")


def test_a_local_file_of_the_default_weights_gets_their_activation():
    spec = get_spec("vitb16")
    assert quick_gelu_for(spec, "/weights/open_clip_model.safetensors")  # OpenAI CLIP: QuickGELU
    assert quick_gelu_for(spec, None) and quick_gelu_for(spec, "openai")
    assert not quick_gelu_for(spec, "laion2b_s34b_b88k")  # a LAION tag says GELU
    assert not quick_gelu_for(get_spec("tiny"), "/weights/tiny.safetensors")
