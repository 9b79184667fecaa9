"""Clip samplers: exact indices on hand-computed cases, reproducible training, short videos."""

from __future__ import annotations

import numpy as np
import pytest

from zoo.data.sampling import ClipLengthSampler, DenseSampler, UniformSegmentSampler, make_sampler


def rng(seed=0):
    return np.random.default_rng(seed)


# -- uniform segments (TSN) ----------------------------------------------------------------------

def test_uniform_test_takes_segment_centres():
    assert UniformSegmentSampler(8, train=False)(16) == [[1, 3, 5, 7, 9, 11, 13, 15]]
    # n=10, T=4: segments of 2.5 frames, centres at 1.25, 3.75, 6.25, 8.75
    assert UniformSegmentSampler(4, train=False)(10) == [[1, 3, 6, 8]]
    assert UniformSegmentSampler(1, train=False)(7) == [[3]]


def test_uniform_test_multi_clip_offsets():
    # clips=2: offsets 0.25 and 0.75 of each 2-frame segment
    assert UniformSegmentSampler(8, clips=2, train=False)(16) == [
        [0, 2, 4, 6, 8, 10, 12, 14], [1, 3, 5, 7, 9, 11, 13, 15]]
    # clips=3 on 4-frame segments: offsets 1/6, 1/2, 5/6 → +0, +2, +3
    assert UniformSegmentSampler(2, clips=3, train=False)(8) == [[0, 4], [2, 6], [3, 7]]


def test_uniform_test_needs_no_rng_and_is_deterministic():
    sampler = UniformSegmentSampler(8, clips=4, train=False)
    assert sampler(37) == sampler(37, rng(1)) == sampler(37, rng(2))
    assert sampler.num_views == 4 and sampler.num_frames == 8


def test_uniform_train_one_random_frame_per_segment_reproducible():
    sampler = UniformSegmentSampler(8, train=True)
    views = sampler(50, rng(3))
    assert views == sampler(50, rng(3))  # same generator state, same clip
    assert len(views) == 1 and len(views[0]) == 8
    for j, index in enumerate(views[0]):
        assert j * 50 // 8 <= index < (j + 1) * 50 // 8
    draws = {tuple(sampler(50, rng(seed))[0]) for seed in range(20)}
    assert len(draws) > 10  # it does vary


def test_uniform_train_clips_are_independent():
    views = UniformSegmentSampler(4, clips=3, train=True)(400, rng(0))
    assert len(views) == 3 and len({tuple(v) for v in views}) == 3


def test_uniform_short_video_repeats_frames_in_order():
    assert UniformSegmentSampler(8, train=False)(4) == [[0, 0, 1, 1, 2, 2, 3, 3]]
    assert UniformSegmentSampler(4, train=False)(1) == [[0, 0, 0, 0]]
    for seed in range(5):
        (view,) = UniformSegmentSampler(8, train=True)(3, rng(seed))
        assert view == sorted(view) and set(view) == {0, 1, 2}


# -- dense ---------------------------------------------------------------------------------------

def test_dense_test_centred_clip():
    assert DenseSampler(8, train=False)(16) == [[4, 5, 6, 7, 8, 9, 10, 11]]
    # stride 2: span 15 of 16 frames, the two possible starts 0 and 1 → centred start 1
    assert DenseSampler(8, stride=2, train=False)(16) == [[1, 3, 5, 7, 9, 11, 13, 15]]


def test_dense_test_evenly_spaced_clips():
    # span 7 → starts 0..9; three clips at floor((v + 0.5) * 10 / 3) = 1, 5, 8
    assert DenseSampler(4, stride=2, clips=3, train=False)(16) == [
        [1, 3, 5, 7], [5, 7, 9, 11], [8, 10, 12, 14]]


def test_dense_train_random_start_reproducible():
    sampler = DenseSampler(4, stride=3, train=True)
    assert sampler.span == 10
    (view,) = sampler(30, rng(5))
    assert sampler(30, rng(5)) == [view]
    assert 0 <= view[0] <= 20 and np.all(np.diff(view) == 3)
    starts = {sampler(30, rng(seed))[0][0] for seed in range(30)}
    assert len(starts) > 5


def test_dense_short_video_repeat_last_or_loop():
    assert DenseSampler(8, train=False)(5) == [[0, 1, 2, 3, 4, 4, 4, 4]]
    assert DenseSampler(8, train=False, pad="loop")(5) == [[0, 1, 2, 3, 4, 0, 1, 2]]
    assert DenseSampler(4, stride=2, train=False)(5) == [[0, 2, 4, 4]]
    assert DenseSampler(4, stride=2, train=False, pad="loop")(5) == [[0, 2, 4, 1]]
    assert DenseSampler(4, stride=2, train=True)(5, rng(0)) == [[0, 2, 4, 4]]
    assert DenseSampler(3, clips=2, train=False)(1) == [[0, 0, 0], [0, 0, 0]]


# -- one frame per clip of clip_length seconds -------------------------------------------------

def test_clip_length_test_takes_clip_centres():
    # 40 frames at 8 fps, 1-s clips: clips [0, 8), [8, 16), ... centres 4, 12, 20, 28, 36
    assert ClipLengthSampler(8, clip_length=1.0, train=False)(40, fps=8) == [[4, 12, 20, 28, 36]]
    # 37 frames: the last clip [32, 37) is partial, its centre 36 stays inside it
    assert ClipLengthSampler(8, clip_length=1.0, train=False)(37, fps=8) == [[4, 12, 20, 28, 36]]
    # two views at offsets 1/4 and 3/4 of each clip
    assert ClipLengthSampler(8, clip_length=1.0, clips=2, train=False)(16, fps=8) == \
        [[2, 10], [6, 14]]
    # 2-s clips at 3 fps: L = 6 frames per clip
    assert ClipLengthSampler(8, clip_length=2.0, train=False)(13, fps=3) == [[3, 9, 12]]


def test_clip_length_fractional_clips_and_train_draws():
    # 1.5 frames per clip: clips start at ceil(1.5 j) = 0, 2, 3, 5, 6, 8, 9 (10 frames)
    views = ClipLengthSampler(8, clip_length=0.5, train=True)(10, rng(0), fps=3)
    starts, ends = [0, 2, 3, 5, 6, 8, 9], [2, 3, 5, 6, 8, 9, 10]
    assert len(views[0]) == 7
    assert all(s <= i < e for i, s, e in zip(views[0], starts, ends))
    assert views == ClipLengthSampler(8, clip_length=0.5, train=True)(10, rng(0), fps=3)


def test_clip_length_falls_back_to_uniform_past_num_frames():
    # 10 clips > 4 frames: TSN over the 80 frames
    assert ClipLengthSampler(4, clip_length=1.0, train=False)(80, fps=8) == \
        UniformSegmentSampler(4, train=False)(80)


def test_clip_length_needs_fps_and_is_variable_length():
    sampler = make_sampler("clip_length", num_frames=8, clip_length=2.0, train=False)
    assert isinstance(sampler, ClipLengthSampler) and sampler.variable_length
    assert not UniformSegmentSampler(4).variable_length
    with pytest.raises(ValueError, match="fps"):
        sampler(16)
    with pytest.raises(ValueError, match="clip_length"):
        ClipLengthSampler(8, clip_length=0.0)


# -- contract ------------------------------------------------------------------------------------

@pytest.mark.parametrize("sampler", [UniformSegmentSampler(8), DenseSampler(8)])
def test_train_requires_a_generator(sampler):
    with pytest.raises(ValueError, match="rng"):
        sampler(16)


@pytest.mark.parametrize("sampler", [UniformSegmentSampler(8, train=False),
                                     DenseSampler(8, train=False)])
def test_empty_video_rejected(sampler):
    with pytest.raises(ValueError, match="at least one frame"):
        sampler(0)


def test_outputs_are_python_ints_in_range():
    for sampler in (UniformSegmentSampler(8, clips=2, train=True), DenseSampler(8, stride=2)):
        for view in sampler(11, rng(0)):
            assert all(type(i) is int and 0 <= i < 11 for i in view)


def test_make_sampler_factory():
    assert make_sampler("uniform", num_frames=8, train=False)(16) == [[1, 3, 5, 7, 9, 11, 13, 15]]
    assert isinstance(make_sampler("tsn", num_frames=2), UniformSegmentSampler)
    dense = make_sampler("dense", num_frames=4, stride=2, clips=2, train=False)
    assert isinstance(dense, DenseSampler) and dense.num_views == 2
    with pytest.raises(ValueError, match="unknown sampler"):
        make_sampler("random", num_frames=8)


@pytest.mark.parametrize("kwargs", [dict(num_frames=0), dict(num_frames=4, clips=0)])
def test_invalid_arguments(kwargs):
    with pytest.raises(ValueError):
        UniformSegmentSampler(**kwargs)
    with pytest.raises(ValueError):
        DenseSampler(**kwargs)
    with pytest.raises(ValueError, match="stride"):
        DenseSampler(4, stride=0)
    with pytest.raises(ValueError, match="pad"):
        DenseSampler(4, pad="mirror")
