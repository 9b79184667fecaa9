"""Zero-shot retention: how much of the image-language alignment a trained model keeps.

After video training, each model classifies static single-object clips by shape through its own
text tower (prompts ensembled as in ``zoo pretrain-backbone``), on shapes never used as a training
label -- all seven, and the two held-out categories (star, ring). FROSTER's concern: fine-tuning
for a video task may cost the foundation model's open vocabulary. The frozen ``tiny`` gets the
same score before any video training. (The base-to-novel protocol over *actions* exists --
``WorldDataModule(zero_shot=True)`` with the text head -- but ``tiny``'s text tower never saw a
motion word, so held-out actions stay at chance for every paradigm and say nothing about them.)
"""

from __future__ import annotations

import torch


def text_encoder(model):
    """``texts -> [N, D]``: the model's own text tower, or -- for a model built without it (a task
    and paradigm that never encode text, so the tower was never trained) -- that backbone's
    pretrained tower, rebuilt and checked against the dropped tower's fingerprint."""
    if model.has_text_tower:
        return model.encode_text
    from zoo.backbones.clip import create_backbone, entries_sha256

    backbone = model.backbone
    if backbone.pretrained is None:
        raise ValueError(f"backbone {backbone.spec.id!r} was built with random weights and without its text tower: "
                         "there is no text tower to measure zero-shot retention with (build it with text_tower=True)")
    rebuilt = create_backbone(backbone.spec.id, pretrained=backbone.pretrained)
    if backbone.text_sha256 is not None and entries_sha256(rebuilt.text_entries()) != backbone.text_sha256:
        raise ValueError(f"the pretrained text tower of {backbone.spec.id!r} ({backbone.pretrained}) is not the "
                         "one this model was built with; zero-shot retention cannot stand in for it")
    device = next(model.parameters()).device
    return rebuilt.to(device).eval().encode_text


@torch.no_grad()
def zero_shot_retention(model, num_stills: int = 350, batch_size: int = 50) -> dict[str, float]:
    """Zero-shot shape top-1 (%) of ``model`` (a ``VideoTextModel``) on static clips: held-out
    single-object stills of the world's test split, each repeated over the model's frames, ranked
    against caption-form prompts of every shape through the model's own text tower."""
    from zoo.backbones.pretrain import attribute_prompts, prompt_classifier
    from zoo.data.transforms import VideoTransform
    from zoo.data.world.synthetic import NOVEL_SHAPES, SyntheticWorld

    model.eval()
    shapes, classifier = prompt_classifier(text_encoder(model), attribute_prompts("shape"))
    transform = VideoTransform(model.preprocess, train=False)
    world = SyntheticWorld("test", size=1)
    correct, novel_correct, novel_total = 0, 0, 0
    for start in range(0, num_stills, batch_size):
        stills = [world.still(i, num_objects=1) for i in range(start, min(num_stills, start + batch_size))]
        frames = torch.stack([transform(torch.as_tensor(s.image)[None]).video[0] for s in stills])
        video = frames[:, None].expand(-1, model.num_frames, -1, -1, -1)
        embedding = torch.nn.functional.normalize(model.encode_video(video).video, dim=-1)
        predicted = (embedding @ classifier.t()).argmax(-1).tolist()
        for still, p in zip(stills, predicted):
            shape = still.objects[0]["shape"]
            hit = shapes[p] == shape
            correct += hit
            if shape in NOVEL_SHAPES:
                novel_total, novel_correct = novel_total + 1, novel_correct + hit
    return {"zero_shot_shape_top1": 100.0 * correct / num_stills,
            "zero_shot_novel_shape_top1": 100.0 * novel_correct / max(novel_total, 1)}
