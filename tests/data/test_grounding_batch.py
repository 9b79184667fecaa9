"""The batch keys of the grounding and tracking tasks: every window, span duration, QVHighlights
saliency per clip and per sampled frame, query ids, track categories, variable-length videos
padded with ``valid``, and annotations at another frame rate / frame size rescaled."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from zoo.data.datasets import VideoDataset, collate_batch
from zoo.data.records import Track, VideoRecord, frame_lookup, saliency_table
from zoo.data.sampling import ClipLengthSampler, DenseSampler, UniformSegmentSampler

NAN = math.nan


class Frames:
    """An in-memory frame source: frame k is the constant value k (recognisable)."""

    def __init__(self, num_frames: int, fps: float = 2.0, height: int = 8, width: int = 8):
        self.num_frames, self.fps = num_frames, fps
        self.frames = np.broadcast_to(np.arange(num_frames, dtype=np.uint8)[:, None, None, None],
                                      (num_frames, height, width, 3)).copy()

    def get_frames(self, indices):
        return self.frames[list(indices)]


def qvh_record(**kw) -> VideoRecord:
    """A 10-s QVHighlights-style query: two windows, 2-s clips 1, 3, 4 scored by 3 annotators."""
    return VideoRecord("vid", query="a man talks", query_id="42", query_type="declarative",
                       segments=[(2.0, 4.0), (6.0, 10.0)], duration=10.0, clip_length=2.0,
                       saliency_clips=[1, 3, 4], saliency=[(1, 2, 3), (4, 4, 4), (0, 2, 1)], **kw)


def test_windows_saliency_and_duration_of_a_whole_video():
    dataset = VideoDataset([qvh_record()], lambda r: Frames(20), UniformSegmentSampler(5, train=False),
                           None, train=False)
    sample = dataset[0]
    # frames 2, 6, 10, 14, 18 at 2 fps: 1, 3, 5, 7, 9 s -> clips 0, 1, 2, 3, 4
    assert sample["frame_times"].tolist() == [1.0, 3.0, 5.0, 7.0, 9.0]
    assert sample["segments"].tolist() == [2.0, 4.0]
    assert sample["windows"].tolist() == [[2.0, 4.0], [6.0, 10.0]]
    assert sample["window_mask"].tolist() == [True, True]
    assert sample["duration"].item() == 10.0 and sample["clip_length"].item() == 2.0
    torch.testing.assert_close(sample["saliency"], torch.tensor(
        [[NAN] * 3, [1.0, 2, 3], [NAN] * 3, [4.0, 4, 4], [0.0, 2, 1]]), equal_nan=True)
    assert sample["saliency_mask"].tolist() == [False, True, False, True, True]
    assert sample["frame_saliency"].tolist() == [0.0, 2.0, 0.0, 4.0, 1.0]  # annotator means
    assert (sample["query"], sample["query_id"], sample["query_type"]) == \
        ("a man talks", "42", "declarative")


def test_a_span_shifts_windows_and_saliency_clips():
    record = qvh_record(start=4.0, end=10.0)
    first, scores, annotated = saliency_table(record, file_duration=10.0)
    assert first == 2 and annotated == [False, True, True]  # file clips 2, 3, 4
    sample = VideoDataset([record], lambda r: Frames(20), UniformSegmentSampler(3, train=False),
                          None, train=False)[0]
    assert sample["windows"].tolist() == [[0.0, 0.0], [2.0, 6.0]]  # clipped, relative to 4 s
    assert sample["duration"].item() == 6.0
    assert sample["saliency"].shape == (3, 3)
    # frames 8 + floor((j + .5) * 12 / 3) = 10, 14, 18 -> file clips 2, 3, 4
    assert sample["frame_saliency"].tolist() == [0.0, 4.0, 1.0]


def test_collate_pads_windows_saliency_and_variable_length_videos():
    records = [qvh_record(), VideoRecord("short", query="x", segments=[(0.5, 1.0)],
                                         duration=2.0)]
    lengths = {"vid": 20, "short": 4}
    dataset = VideoDataset(records, lambda r: Frames(lengths[r.video_id]),
                           ClipLengthSampler(16, clip_length=1.0, train=False), None, train=False)
    assert "valid" in dataset.keys
    batch = collate_batch([dataset[0], dataset[1]])
    # 20 frames at 2 fps = 10 one-second clips (frame 2j + 1); 4 frames = 2 clips
    assert batch["video"].shape == (2, 10, 3, 8, 8)
    assert batch["valid"].tolist() == [[True] * 10, [True] * 2 + [False] * 8]
    assert batch["video"][1, 2:].abs().sum() == 0  # zero padding
    assert batch["video"][1, :2, 0, 0, 0].tolist() == [1, 3]
    assert batch["frame_times"][1, 2:].isnan().all()
    assert batch["windows"].shape == (2, 2, 2) and batch["window_mask"].tolist() == \
        [[True, True], [True, False]]
    assert batch["saliency"].shape == (2, 5, 3) and batch["saliency_mask"][1].tolist() == [False] * 5
    assert batch["clip_length"][1].isnan() and batch["duration"].tolist() == [10.0, 2.0]
    assert batch["query_id"] == ["42", ""]


def test_video_of_other_lengths_without_valid_still_raises():
    samples = [{"video": torch.zeros(2, 3, 4, 4), "valid": torch.ones(2, dtype=torch.bool)},
               {"video": torch.zeros(3, 3, 5, 4), "valid": torch.ones(3, dtype=torch.bool)}]
    with pytest.raises(ValueError, match="frame dim"):
        collate_batch(samples)


def test_annotations_at_another_fps_and_frame_size_are_rescaled():
    # annotated at 4 fps on 20x40 frames; decoded at 8 fps, 40x80
    record = VideoRecord("v", fps=4.0, frame_size=(20, 40),
                         tube_frames=[0, 1, 2], tube_boxes=[(1, 2, 3, 4), (5, 6, 7, 8), (2, 2, 4, 4)],
                         tracks=[Track(3, "dog", [1], [(10, 5, 20, 10)], category_id=7, novel=True),
                                 Track(4, "cat", [3], [(0, 0, 4, 4)], category_id=2, novel=False)])
    dataset = VideoDataset([record], lambda r: Frames(8, fps=8.0, height=40, width=80),
                           DenseSampler(8, train=False), None, train=False)
    sample = dataset[0]
    assert sample["frame_mask"].tolist() == [True, False, True, False, True, False, False, False]
    assert sample["boxes"][[0, 2, 4]].tolist() == [[2, 4, 6, 8], [10, 12, 14, 16], [4, 4, 8, 8]]
    tracks = sample["tracks"]
    assert tracks["visible"][:, 0].nonzero().flatten().tolist() == [2]
    assert tracks["boxes"][2, 0].tolist() == [20, 10, 40, 20]
    assert tracks["visible"][:, 1].nonzero().flatten().tolist() == [6]
    assert tracks["novel"].tolist() == [True, False]
    assert tracks["category_ids"].tolist() == [7, 2] and tracks["categories"] == ["dog", "cat"]


def test_frame_lookup_keeps_the_nearest_annotation():
    record = VideoRecord("v", fps=16.0)
    # 16 -> 8 fps: frames 1, 2, 3 land at 0.5 -> 1, 1.0 -> 1, 1.5 -> 2; frame 2 is exact at 1
    table = frame_lookup(record, [1, 2, 3], [(1, 1, 2, 2), (2, 2, 3, 3), (3, 3, 4, 4)], 8.0, (8, 8))
    assert table == {1: (2, 2, 3, 3), 2: (3, 3, 4, 4)}
    plain = frame_lookup(VideoRecord("w"), [4], [(0, 1, 2, 3)], 8.0, (8, 8))
    assert plain == {4: (0, 1, 2, 3)}  # no fps / frame_size: read as is
    with pytest.raises(ValueError, match="2 annotated frames but 1 boxes"):
        frame_lookup(record, [1, 2], [(0, 0, 1, 1)], 8.0, (8, 8))


def test_bad_saliency_is_named():
    bad = VideoRecord("v", source="highlight_val.jsonl:3", saliency_clips=[0, 1],
                      saliency=[(1, 2), (3,)], clip_length=2.0)
    with pytest.raises(ValueError, match="highlight_val.jsonl:3.*annotator"):
        saliency_table(bad, 10.0)
    with pytest.raises(ValueError, match="clip_length"):
        saliency_table(VideoRecord("v", saliency_clips=[0], saliency=[(1,)]), 10.0)


def test_a_parsed_qvhighlights_query_matches_the_evaluator_convention(tmp_path):
    from zoo.data.formats.qvhighlights import parse_qvhighlights
    from zoo.metrics.moments import full_saliency_scores

    line = ('{"qid": 87, "query": "Two kids race bikes down a hill", "duration": 126, '
            '"vid": "Zq81_hT0aw_360.0_510.0", "relevant_clip_ids": [0, 1, 10, 11, 12, 62], '
            '"saliency_scores": [[0, 1, 1], [3, 2, 2], [4, 4, 4], [3, 4, 4], [2, 1, 3], [1, 1, 0]], '
            '"relevant_windows": [[0, 4], [20, 26], [124, 126]]}')
    path = tmp_path / "highlight_val_release.jsonl"
    path.write_text(line)
    (record,) = parse_qvhighlights(path)
    # one frame per 2 s: frame j is clip j, so the sampler gives one frame per saliency clip
    dataset = VideoDataset([record], lambda r: Frames(63, fps=0.5),
                           ClipLengthSampler(75, clip_length=2.0, train=False), None, train=False)
    sample = dataset[0]
    assert sample["video"].shape[0] == 63 and sample["valid"].all()
    assert sample["windows"].tolist() == [[0.0, 4.0], [20.0, 26.0], [124.0, 126.0]]
    assert sample["query_id"] == "87" and sample["duration"].item() == 126.0
    reference = full_saliency_scores(record.saliency_clips, record.saliency, 126.0, 2.0)
    torch.testing.assert_close(sample["saliency"].nan_to_num(0.0).double(), reference)
    expected = reference.mean(1).float()
    torch.testing.assert_close(sample["frame_saliency"], expected)
    assert sample["frame_saliency"][[0, 10, 11, 62]].tolist() == pytest.approx([2 / 3, 4, 11 / 3, 2 / 3])
