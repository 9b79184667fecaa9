"""zoo's box convention (xyxy pixels of the model input): every spatial step of ``VideoTransform``
-- resize (shortest / squash, scale jitter), centre / random / three crops, horizontal flip --
moves boxes with the pixels, and ``inverse_transform_boxes`` undoes it exactly."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from zoo.data.transforms import (CropParams, VideoTransform, from_normalized_cxcywh,
                                 inverse_transform_boxes, to_normalized_cxcywh, transform_boxes)

PRE = {"mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5], "size": 32, "interpolation": "bilinear"}
#: A box near the centre of a 60 x 100 frame: inside every crop any configuration below takes.
BOX = (44.0, 24.0, 56.0, 36.0)


def white_box_frames(t=2, h=60, w=100, box=BOX):
    """Black frames with a white ``box`` (xyxy, whole pixels)."""
    clip = np.zeros((t, h, w, 3), np.uint8)
    x1, y1, x2, y2 = (int(v) for v in box)
    clip[:, y1:y2, x1:x2] = 255
    return clip


CONFIGS = {
    "centre": (dict(), dict(train=False)),
    "three_crops": (dict(), dict(train=False, crops=3)),
    "squash": (dict(resize_mode="squash"), dict(train=False)),
    "rectangular": (dict(size=(24, 40)), dict(train=False)),
    "random_crop": (dict(), dict(train=True, scale_range=(1.0, 1.6))),
    "random_crop_flip": (dict(), dict(train=True, flip=True, scale_range=(1.0, 1.3))),
}


def analytic(box, params: CropParams, size, source=(60, 100)):
    """The box in crop pixels by hand: scale, shift by the crop offset, mirror if flipped."""
    sy, sx = params.resized[0] / source[0], params.resized[1] / source[1]
    x1, y1, x2, y2 = box[0] * sx - params.left, box[1] * sy - params.top, \
        box[2] * sx - params.left, box[3] * sy - params.top
    if params.flip:
        x1, x2 = size[1] - x2, size[1] - x1
    return [x1, y1, x2, y2]


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_boxes_follow_the_pixels_and_invert_exactly(name):
    pre, kwargs = CONFIGS[name]
    transform = VideoTransform({**PRE, **pre}, **kwargs)
    clip = white_box_frames()
    boxes = torch.tensor([[BOX]] * 2)  # [T, K=1, 4]
    h, w = transform.size
    checked = 0
    for seed in range(20 if kwargs["train"] else 1):
        rng = np.random.default_rng(seed) if kwargs["train"] else None
        out = transform(clip, boxes=boxes, rng=rng)
        video = out.video if out.video.ndim == 5 else out.video[None]
        moved = out.boxes if out.video.ndim == 5 else out.boxes[None]
        for crop, params, b in zip(video, out.params, moved):
            x1, y1, x2, y2 = expected = analytic(BOX, params, (h, w))
            if not (x1 >= 0 and y1 >= 0 and x2 <= w and y2 <= h):
                clipped = [min(max(x1, 0), w), min(max(y1, 0), h), min(max(x2, 0), w),
                           min(max(y2, 0), h)]
                torch.testing.assert_close(b[0, 0], torch.tensor(clipped), atol=1e-4, rtol=0)
                continue
            checked += 1
            torch.testing.assert_close(b[0, 0], torch.tensor(expected), atol=1e-4, rtol=0)
            # the box holds the white pixels: bright inside, dark just outside it
            image = crop[0].mean(0)  # [h, w], normalised: white = 1, black = -1
            assert image[int(y1) + 1:int(y2) - 1, int(x1) + 1:int(x2) - 1].min() > 0.5
            middle = int((y1 + y2) / 2)
            if x1 >= 2:
                assert image[middle, int(x1) - 2] < -0.5
            if x2 <= w - 3:
                assert image[middle, int(x2) + 2] < -0.5
            back = inverse_transform_boxes(b, (60, 100), params, transform.size)
            torch.testing.assert_close(back, boxes, atol=1e-4, rtol=0)
    assert checked >= (3 if kwargs["train"] else 1)
    if kwargs.get("flip"):
        assert any(transform.get_params((60, 100), np.random.default_rng(s))[0].flip
                   for s in range(20))


def test_flip_hand_computed_and_inverted():
    # 60x100 source, resized to 30x50 (scale 1/2), a 20x20 window at (top 5, left 10), flipped
    params = CropParams(resized=(30, 50), top=5, left=10, flip=True)
    box = torch.tensor([44.0, 24.0, 56.0, 36.0])
    # scale: (22, 12, 28, 18); minus offsets: (12, 7, 18, 13); flip in a 20-wide crop: x -> 20 - x
    out, valid = transform_boxes(box, (60, 100), params, (20, 20))
    assert out.tolist() == [2.0, 7.0, 8.0, 13.0] and bool(valid)
    torch.testing.assert_close(inverse_transform_boxes(out, (60, 100), params, (20, 20)), box)


def test_a_clipped_box_comes_back_clipped():
    params = CropParams(resized=(30, 50), top=5, left=10)
    out, _ = transform_boxes(torch.tensor([0.0, 24.0, 30.0, 36.0]), (60, 100), params, (20, 20))
    assert out.tolist() == [0.0, 7.0, 5.0, 13.0]  # x1 = 0/2 - 10 clipped to 0
    assert inverse_transform_boxes(out, (60, 100), params, (20, 20)).tolist() == \
        [20.0, 24.0, 30.0, 36.0]


def test_normalized_cxcywh_round_trip():
    boxes = torch.tensor([[[4.0, 8.0, 12.0, 24.0]], [[0.0, 0.0, 32.0, 16.0]]])  # [2, 1, 4]
    normalised = to_normalized_cxcywh(boxes, (16, 32))  # h=16, w=32
    torch.testing.assert_close(normalised, torch.tensor([[[0.25, 1.0, 0.25, 1.0]],
                                                         [[0.5, 0.5, 1.0, 1.0]]]))
    torch.testing.assert_close(from_normalized_cxcywh(normalised, (16, 32)), boxes)


def test_inverse_checks_the_shape():
    with pytest.raises(ValueError, match="xyxy"):
        inverse_transform_boxes(torch.zeros(3), (10, 10), CropParams((10, 10), 0, 0), (10, 10))
