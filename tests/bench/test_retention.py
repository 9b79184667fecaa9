"""Zero-shot retention (``zoo.bench.retention``): a model built without its text tower is measured
with the pretrained tower it left out -- the same numbers as the same model holding the tower."""

import pytest
import torch

from zoo import create_model
from zoo.bench.retention import text_encoder, zero_shot_retention


def _postnet(**overrides):
    torch.manual_seed(0)
    return create_model("postnet_recognition_tiny", backbone_pretrained=True, num_classes=3, **overrides).model


def test_a_model_without_its_text_tower_is_measured_with_the_pretrained_one():
    kept, dropped = _postnet(text_tower=True), _postnet(text_tower=False)
    assert kept.has_text_tower and not dropped.has_text_tower
    prompts = ["a photo of a star", "a photo of a ring"]
    with torch.no_grad():
        assert torch.allclose(text_encoder(dropped)(prompts), kept.encode_text(prompts), atol=1e-6)
    assert zero_shot_retention(dropped, num_stills=20, batch_size=10) == \
        zero_shot_retention(kept, num_stills=20, batch_size=10)


def test_random_weights_without_a_text_tower_are_refused():
    torch.manual_seed(0)
    model = create_model("postnet_recognition_tiny", num_classes=3, text_tower=False).model
    with pytest.raises(ValueError, match="random weights and without its text tower"):
        text_encoder(model)
