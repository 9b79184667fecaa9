"""The contract types: ``VideoFeatures`` view reductions and ``encode_text_tokens``."""

import pytest
import torch

from zoo.interfaces import VideoFeatures
from zoo.paradigms import create_video_text_model


def test_view_reductions_group_adjacent_views():
    video = torch.arange(12.0).reshape(6, 2)  # B = 3 videos x V = 2 views, views adjacent
    features = VideoFeatures(video=video, frames=video[:, None], tokens=None, grid=(1, 1),
                             pooled=video, views=2)
    assert features.num_videos == 3
    assert torch.equal(features.by_video(video)[1], torch.tensor([[4.0, 5.0], [6.0, 7.0]]))
    assert torch.equal(features.view_mean(video), torch.tensor([[1.0, 2.0], [5.0, 6.0], [9.0, 10.0]]))
    assert torch.equal(features.per_view(torch.tensor([1, 2, 3])), torch.tensor([1, 1, 2, 2, 3, 3]))


@pytest.mark.parametrize("paradigm, variant", [("postnet", "meanp"), ("prompt", "text")])
def test_text_tokens_pool_to_encode_text(paradigm, variant):
    model = create_video_text_model(paradigm, "tiny", variant=variant, num_frames=2,
                                    backbone_pretrained=False).eval()
    texts = ["a red square moves left", "a blue circle"]
    with torch.no_grad():
        tokens, pooled = model.encode_text_tokens(texts), model.encode_text(texts)
    assert tokens.tokens.shape == (2, model.backbone.context_length, model.text_width)
    assert torch.allclose(tokens.pooled, pooled, atol=1e-6)
    # the mask covers start .. end token: the second text is two words shorter than the first
    assert int(tokens.mask[0].sum()) == int(tokens.mask[1].sum()) + 2
    assert bool(tokens.mask[:, 0].all()) and not bool(tokens.mask[:, -1].any())
