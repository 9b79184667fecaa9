"""VideoTransform: shapes, normalisation, crop positions and boxes that follow the crop."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torchvision.transforms.v2 import functional as F

from zoo.data.transforms import CropParams, VideoTransform, transform_boxes

PRE = {"mean": [0.48145466, 0.4578275, 0.40821073], "std": [0.26862954, 0.26130258, 0.27577711],
       "size": 20, "interpolation": "bicubic", "resize_mode": "shortest"}


def frames(t=3, h=40, w=80, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (t, h, w, 3), dtype=np.uint8)


def denormalise(video):
    mean, std = torch.tensor(PRE["mean"]), torch.tensor(PRE["std"])
    return video * std[:, None, None] + mean[:, None, None]


def test_shapes_train_test_and_three_crops():
    clip = frames(t=5)
    assert VideoTransform(PRE, train=True)(clip, rng=np.random.default_rng(0)).video.shape == \
        (5, 3, 20, 20)
    out = VideoTransform(PRE, train=False)(clip)
    assert out.video.shape == (5, 3, 20, 20) and out.video.dtype == torch.float32
    assert out.boxes is None and out.valid is None
    assert VideoTransform(PRE, train=False, crops=3)(clip).video.shape == (3, 5, 3, 20, 20)
    rect = VideoTransform({**PRE, "size": (16, 24)}, train=False)(clip).video
    assert rect.shape == (5, 3, 16, 24)


def test_normalisation_of_a_constant_frame():
    value = np.array([200, 100, 50], np.uint8)
    clip = np.broadcast_to(value, (2, 30, 50, 3)).copy()
    video = VideoTransform(PRE, train=False)(clip).video
    expected = (torch.tensor(value / 255.0) - torch.tensor(PRE["mean"])) / torch.tensor(PRE["std"])
    torch.testing.assert_close(video, expected.float()[None, :, None, None].expand_as(video))


def test_centre_crop_matches_resize_then_crop():
    clip = frames()
    out = VideoTransform({**PRE, "interpolation": "bilinear"}, train=False)(clip)
    resized = F.resize(torch.from_numpy(clip).permute(0, 3, 1, 2), [20, 40],
                       interpolation=F.InterpolationMode.BILINEAR, antialias=True)
    assert out.params == (CropParams((20, 40), 0, 10),)
    torch.testing.assert_close(denormalise(out.video) * 255, resized[..., 10:30].float(),
                               atol=1e-3, rtol=0)


def test_three_crops_left_centre_right_and_top_centre_bottom():
    landscape = VideoTransform(PRE, train=False, crops=3)(frames(h=40, w=80))
    assert [(p.top, p.left) for p in landscape.params] == [(0, 0), (0, 10), (0, 20)]
    resized = F.resize(torch.from_numpy(frames(h=40, w=80)).permute(0, 3, 1, 2), [20, 40],
                       interpolation=F.InterpolationMode.BICUBIC, antialias=True).float()
    for crop, left in zip(landscape.video, (0, 10, 20)):
        torch.testing.assert_close(denormalise(crop) * 255, resized[..., left:left + 20],
                                   atol=1e-3, rtol=0)
    portrait = VideoTransform(PRE, train=False, crops=3)(frames(h=60, w=30))
    assert [(p.top, p.left) for p in portrait.params] == [(0, 0), (10, 0), (20, 0)]


def test_boxes_hand_computed():
    # 40x80 source → resized 20x40 (scale 1/2) → centre crop at left=10
    boxes = torch.tensor([[30.0, 10, 50, 30],    # inside: (15,5,25,15) - 10 → (5,5,15,15)
                          [0.0, 0, 10, 10],      # left of the crop → invalid
                          [10.0, 0, 30, 20],     # straddles the left edge → clipped
                          [float("nan")] * 4])   # not annotated → invalid
    out = VideoTransform(PRE, train=False)(frames(t=1), boxes=boxes[None])
    torch.testing.assert_close(out.boxes[0], torch.tensor([[5.0, 5, 15, 15], [0, 0, 0, 0],
                                                           [0, 0, 5, 10], [0, 0, 0, 0]]))
    assert out.valid[0].tolist() == [True, False, True, False]


def test_box_round_trip_through_crop_params():
    params = CropParams(resized=(30, 45), top=4, left=7)
    source = torch.tensor([[12.0, 8.0, 40.0, 28.0]])  # in a 40x60 frame
    out, valid = transform_boxes(source, (40, 60), params, (20, 24))
    torch.testing.assert_close(out, torch.tensor([[2.0, 2.0, 23.0, 17.0]]))
    sx, sy = 45 / 60, 30 / 40
    back = torch.stack([(out[:, 0] + 7) / sx, (out[:, 1] + 4) / sy,
                        (out[:, 2] + 7) / sx, (out[:, 3] + 4) / sy], -1)
    torch.testing.assert_close(back, source)
    assert valid.tolist() == [True]


def test_three_crops_move_boxes_per_crop():
    out = VideoTransform(PRE, train=False, crops=3)(frames(t=2), boxes=torch.tensor(
        [[[30.0, 10, 50, 30]]] * 2))
    assert out.boxes.shape == (3, 2, 1, 4) and out.valid.shape == (3, 2, 1)
    assert out.boxes[:, 0, 0, 0].tolist() == [15.0, 5.0, 0.0]


def test_train_is_reproducible_and_needs_rng():
    transform = VideoTransform(PRE, train=True, scale_range=(1.0, 1.5))
    a = transform(frames(), rng=np.random.default_rng(7))
    b = transform(frames(), rng=np.random.default_rng(7))
    assert a.params == b.params
    torch.testing.assert_close(a.video, b.video)
    params = {transform.get_params((40, 80), np.random.default_rng(s))[0] for s in range(20)}
    assert len(params) > 5 and all(p.resized[0] >= 20 for p in params)
    with pytest.raises(ValueError, match="rng"):
        transform(frames())


def test_flip_is_off_unless_asked():
    clip = frames()
    boxes = torch.tensor([[[20.0, 0, 40, 10]]] * 3)
    plain = VideoTransform(PRE, train=True)
    assert not any(plain.get_params((40, 80), np.random.default_rng(s))[0].flip
                   for s in range(30))
    flipping = VideoTransform(PRE, train=True, flip=True)
    seed = next(s for s in range(30)
                if flipping.get_params((40, 80), np.random.default_rng(s))[0].flip)
    flipped = flipping(clip, boxes=boxes, rng=np.random.default_rng(seed))
    unflipped = plain(clip, boxes=boxes, rng=np.random.default_rng(seed))
    left = flipped.params[0].left
    assert unflipped.params[0].left == left
    torch.testing.assert_close(flipped.video, unflipped.video.flip(-1))
    x1, x2 = unflipped.boxes[0, 0, 0], unflipped.boxes[0, 0, 2]
    assert flipped.boxes[0, 0, [0, 2]].tolist() == [20 - x2, 20 - x1]


def test_squash_mode_resizes_to_the_size():
    out = VideoTransform({**PRE, "resize_mode": "squash"}, train=False)(
        frames(t=1), boxes=torch.tensor([[[0.0, 0, 80, 40]]]))
    assert out.params[0] == CropParams((20, 20), 0, 0)
    assert out.boxes[0, 0].tolist() == [0, 0, 20, 20]


def test_preprocess_validation():
    with pytest.raises(KeyError, match="mean"):
        VideoTransform({"std": [1, 1, 1], "size": 8}, train=False)
    with pytest.raises(ValueError, match="interpolation"):
        VideoTransform({**PRE, "interpolation": "lanczos"}, train=False)
    with pytest.raises(ValueError, match="resize_mode"):
        VideoTransform({**PRE, "resize_mode": "longest"}, train=False)
    with pytest.raises(ValueError, match="crops"):
        VideoTransform(PRE, train=True, crops=3)
    with pytest.raises(ValueError, match="crops"):
        VideoTransform(PRE, train=False, crops=2)
    with pytest.raises(ValueError, match="frames"):
        VideoTransform(PRE, train=False)(np.zeros((2, 8, 8, 3), np.float32))
    # optional keys default to open_clip's; unknown keys are ignored
    transform = VideoTransform({"mean": PRE["mean"], "std": PRE["std"], "size": 8, "fps": 4},
                               train=False)
    assert (transform.interpolation, transform.resize_mode) == ("bicubic", "shortest")
