"""VideoDataset + collate_batch: standard-batch keys, spans, views, errors (raise / skip)."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch

from torch.utils.data import DataLoader

from zoo.data.datasets import EpochSampler, ItemLoadError, VideoDataset, collate_batch
from zoo.data.records import QuestionAnswer, Track, VideoRecord
from zoo.data.sampling import DenseSampler, UniformSegmentSampler
from zoo.data.transforms import VideoTransform
from zoo.data.video import VideoFileSource, write_video

PRE = {"mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25], "size": 16}
FPS = 8


def stamped(num_frames, height=24, width=32, base=0):
    """Frame k is the constant value 5 + 10 * k (+ base): recognisable after any resize."""
    values = (5 + base + 10 * np.arange(num_frames)).astype(np.uint8)
    return np.broadcast_to(values[:, None, None, None], (num_frames, height, width, 3)).copy()


def frame_ids(video: torch.Tensor, base=0) -> list[int]:
    """Invert ``stamped`` on an untransformed uint8 [T, 3, H, W] clip."""
    return [(int(f[0, 0, 0]) - 5 - base) // 10 for f in video]


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    root = tmp_path_factory.mktemp("videos")
    for k in range(3):
        write_video(root / f"v{k}.mp4", stamped(16, base=k), fps=FPS)
    (root / "corrupt.mp4").write_bytes(b"\x00not a video" * 100)
    return root


def rec(k, **kw):
    return VideoRecord(video_id=f"v{k}", path=f"v{k}.mp4", source=f"list.txt:{k + 1}", **kw)


def test_sample_keys_frames_and_collate(videos):
    records = [rec(k, label=k, captions=[f"caption {k}", "another"]) for k in range(3)]
    source = VideoFileSource(videos)
    raw = VideoDataset(records, source, UniformSegmentSampler(4, train=False), None, train=False)
    sample = raw[1]
    assert frame_ids(sample["video"], base=1) == [2, 6, 10, 14]
    assert sample["frame_times"].tolist() == [0.25, 0.75, 1.25, 1.75]
    assert raw.keys == ("video", "video_id", "frame_times", "label", "captions")

    dataset = VideoDataset(records, source, UniformSegmentSampler(4, train=False),
                           VideoTransform(PRE, train=False), train=False)
    batch = collate_batch([dataset[i] for i in range(3)])
    assert set(batch) == {"video", "video_id", "frame_times", "label", "captions"}
    assert batch["video"].shape == (3, 4, 3, 16, 16) and batch["video"].dtype == torch.float32
    assert batch["video_id"] == ["v0", "v1", "v2"]
    assert batch["label"].tolist() == [0, 1, 2] and batch["label"].dtype == torch.long
    assert batch["captions"][2] == ["caption 2", "another"]
    assert batch["frame_times"].shape == (3, 4)
    # normalised constant frames: (value / 255 - 0.5) / 0.25
    value = (5 + 2 + 10 * 14) / 255
    torch.testing.assert_close(batch["video"][2, 3], torch.full((3, 16, 16), (value - 0.5) / 0.25))


def test_multi_view_clips_times_crops(videos):
    dataset = VideoDataset([rec(0, label=0)], VideoFileSource(videos),
                           UniformSegmentSampler(4, clips=2, train=False),
                           VideoTransform(PRE, train=False, crops=3), train=False)
    sample = dataset[0]
    assert sample["video"].shape == (6, 4, 3, 16, 16)
    assert sample["frame_times"].shape == (6, 4)
    # clip-major: the three crops of clip 0 share its times, then clip 1
    assert sample["frame_times"][:3].unique(dim=0).tolist() == [[0.125, 0.625, 1.125, 1.625]]
    assert sample["frame_times"][3:].unique(dim=0).tolist() == [[0.375, 0.875, 1.375, 1.875]]
    assert collate_batch([sample, sample])["video"].shape == (2, 6, 4, 3, 16, 16)


def test_on_error_raise_names_record_and_reason(videos):
    records = [rec(0), VideoRecord("gone", path="gone.mp4", source="list.txt:7"), rec(2)]
    dataset = VideoDataset(records, VideoFileSource(videos), UniformSegmentSampler(2, train=False),
                           None, train=False)
    with pytest.raises(ItemLoadError, match="list.txt:7") as info:
        dataset[1]
    assert "gone.mp4" in str(info.value) and "not found" in info.value.reason
    dataset.records[1] = VideoRecord("bad", path="corrupt.mp4", source="list.txt:8")
    with pytest.raises(ItemLoadError, match="list.txt:8.*corrupt.mp4"):
        dataset[1]


def test_on_error_skip_counts_and_returns_next_valid_item(videos, caplog):
    records = [rec(0), VideoRecord("gone", path="gone.mp4", source="list.txt:7"),
               VideoRecord("bad", path="corrupt.mp4", source="list.txt:8"), rec(2)]
    dataset = VideoDataset(records, VideoFileSource(videos), UniformSegmentSampler(2, train=False),
                           None, train=False, on_error="skip")
    with caplog.at_level(logging.WARNING, logger="zoo.data"):
        assert dataset[1]["video_id"] == "v2"  # 1 and 2 are unreadable → item 3
    assert [(s.index, s.where) for s in dataset.skipped] == [(1, "list.txt:7"), (2, "list.txt:8")]
    assert dataset.skipped[0].path.endswith("gone.mp4") and dataset.skipped[1].reason
    assert "list.txt:7" in caplog.text and "corrupt.mp4" in caplog.text
    assert dataset[2]["video_id"] == "v2" and len(dataset.skipped) == 2  # counted once
    assert dataset[0]["video_id"] == "v0"

    broken = VideoDataset(records[1:3], VideoFileSource(videos),
                          UniformSegmentSampler(2, train=False), None, train=False,
                          on_error="skip")
    with pytest.raises(ItemLoadError, match="no item"):
        broken[0]
    with pytest.raises(IndexError):
        broken[5]


def test_train_randomness_is_per_seed_epoch_index(videos):
    records = [rec(k) for k in range(3)]

    def make(seed=0):
        return VideoDataset(records, VideoFileSource(videos), UniformSegmentSampler(4),
                            VideoTransform(PRE, train=True, scale_range=(1, 2)), train=True,
                            seed=seed)

    a, b = make(), make()
    first = [a[i]["frame_times"] for i in range(3)]
    # another copy (another worker) draws the same, in any order
    assert all(torch.equal(b[i]["frame_times"], first[i]) for i in (2, 0, 1))
    torch.testing.assert_close(a[1]["video"], b[1]["video"])
    a.set_epoch(1)
    assert any(not torch.equal(a[i]["frame_times"], first[i]) for i in range(3))
    assert any(not torch.equal(make(seed=5)[i]["frame_times"], first[i]) for i in range(3))


def test_epoch_sampler_reaches_persistent_workers(videos):
    records = [rec(k) for k in range(3)]
    dataset = VideoDataset(records, VideoFileSource(videos), UniformSegmentSampler(4),
                           VideoTransform(PRE, train=True), train=True)
    sampler = EpochSampler(len(dataset), shuffle=True, seed=3)
    assert len(sampler) == 3 and sorted(i for _, i in sampler) == [0, 1, 2]
    loader = DataLoader(dataset, batch_size=3, sampler=sampler, num_workers=1,
                        persistent_workers=True, collate_fn=collate_batch)
    seen = []
    for epoch in range(2):
        sampler.set_epoch(epoch)  # Lightning does this before every epoch
        order = [i for _, i in sampler]
        (batch,) = list(loader)
        assert batch["video_id"] == [f"v{i}" for i in order]
        expected = torch.stack([dataset[(epoch, i)]["frame_times"] for i in order])
        assert torch.equal(batch["frame_times"], expected)  # the worker used this epoch
        seen.append(dict(zip(order, batch["frame_times"])))
    assert any(not torch.equal(seen[0][i], seen[1][i]) for i in range(3))
    assert [i for _, i in EpochSampler(3, shuffle=False)] == [0, 1, 2]


def test_record_span_segments_and_times(videos):
    # frames with 0.5 <= i / 8 < 1.5 → 4..11; four uniform frames → 5, 7, 9, 11
    clip = VideoRecord("v0_clip", path="v0.mp4", start=0.5, end=1.5,
                       segments=[(0.2, 2.0)], query="something happens", source="k.csv:2")
    whole = VideoRecord("v1", path="v1.mp4", segments=[(1.0, 0.25)], query="")
    dataset = VideoDataset([clip, whole], VideoFileSource(videos),
                           UniformSegmentSampler(4, train=False), None, train=False)
    sample = dataset[0]
    assert frame_ids(sample["video"]) == [5, 7, 9, 11]
    assert sample["frame_times"].tolist() == [0.125, 0.375, 0.625, 0.875]  # relative to start
    assert sample["segments"].tolist() == [0.0, 1.0]  # clipped to the span, relative to start
    assert sample["query"] == "something happens"
    assert dataset[1]["segments"].tolist() == [0.25, 1.0]  # reversed pair sorted
    batch = collate_batch([dataset[0], dataset[1]])
    assert batch["segments"].shape == (2, 2) and batch["query"] == ["something happens", ""]

    outside = VideoRecord("late", path="v0.mp4", start=5.0, end=6.0, source="k.csv:9")
    dataset = VideoDataset([outside], VideoFileSource(videos),
                           UniformSegmentSampler(4, train=False), None, train=False)
    with pytest.raises(ItemLoadError, match="k.csv:9.*outside the video"):
        dataset[0]


class MemorySource:
    """An in-memory FrameSource (what the synthetic world provides), counting closes."""

    closed = 0

    def __init__(self, frames, fps=4.0):
        self.frames, self.fps = frames, fps

    @property
    def num_frames(self):
        return len(self.frames)

    def get_frames(self, indices):
        return self.frames[list(indices)]

    def close(self):
        MemorySource.closed += 1


def test_tube_boxes_tracks_with_a_memory_source():
    frames = stamped(8, height=40, width=80)
    record = VideoRecord(
        "synthetic-0", tube_frames=[1, 3, 5], tube_boxes=[(30, 10, 50, 30), (0, 0, 10, 10),
                                                          (20, 0, 40, 20)],
        tracks=[Track(7, "cube", [1, 3], [(30, 10, 50, 30), (40, 0, 60, 20)]),
                Track(9, "ball", [5, 7], [(50, 20, 70, 40), (0, 0, 5, 5)])])
    MemorySource.closed = 0
    dataset = VideoDataset([record], lambda r: MemorySource(frames),
                           UniformSegmentSampler(4, train=False), VideoTransform(PRE, train=False),
                           train=False)
    sample = dataset[0]  # frames 1, 3, 5, 7; 40x80 → 16x32, centre crop at x=8; scale 0.4
    assert MemorySource.closed == 1
    assert sample["frame_mask"].tolist() == [True, False, True, False]  # frame 3 leaves the crop
    torch.testing.assert_close(sample["boxes"], torch.tensor(
        [[4.0, 4, 12, 12], [0, 0, 0, 0], [0, 0, 8, 8], [0, 0, 0, 0]]))
    tracks = sample["tracks"]
    assert tracks["track_ids"].tolist() == [7, 9] and tracks["categories"] == ["cube", "ball"]
    assert tracks["boxes"].shape == (4, 2, 4)
    assert tracks["boxes"][2, 1].tolist() == [12.0, 8.0, 16.0, 16.0]  # clipped at the right edge
    assert tracks["visible"].tolist() == [[True, False], [True, False], [False, True],
                                          [False, False]]
    batch = collate_batch([sample, dataset[0]])
    assert batch["boxes"].shape == (2, 4, 4) and batch["frame_mask"].shape == (2, 4)
    assert isinstance(batch["tracks"], list) and len(batch["tracks"]) == 2


def test_questions_first_expand_or_drawn_in_training():
    frames = stamped(8)
    qa = lambda q, k: QuestionAnswer(q, "yes", "CW", ["no", "yes"], 1, qid=f"{k}_{q}")  # noqa: E731
    records = [VideoRecord("a", qa=[qa("q0", "a"), qa("q1", "a")]),
               VideoRecord("b", qa=[qa("q2", "b"), qa("q3", "b"), qa("q4", "b")]),
               VideoRecord("c")]
    source = lambda r: MemorySource(frames)  # noqa: E731
    evaluation = VideoDataset(records, source, UniformSegmentSampler(2, train=False), None,
                              train=False, qa="expand")
    assert len(evaluation) == 6
    batch = collate_batch([evaluation[i] for i in range(6)])
    assert batch["question"] == ["q0", "q1", "q2", "q3", "q4", ""]
    assert batch["question_id"][:2] == ["a_q0", "a_q1"]
    assert batch["answer_index"].tolist() == [1, 1, 1, 1, 1, -1]
    assert batch["choices"][0] == ["no", "yes"] and batch["choices"][5] == []

    training = VideoDataset(records, source, UniformSegmentSampler(2), None, train=True)
    assert len(training) == 3
    drawn = set()
    for epoch in range(8):
        training.set_epoch(epoch)
        drawn.add(training[1]["question"])
    assert drawn <= {"q2", "q3", "q4"} and len(drawn) > 1
    first = VideoDataset(records, source, UniformSegmentSampler(2, train=False), None,
                         train=False)  # evaluation default: one item per record, first question
    assert len(first) == 3 and first[1]["question"] == "q2"


def test_dense_sampler_in_dataset_short_video():
    dataset = VideoDataset([VideoRecord("short")], lambda r: MemorySource(stamped(3)),
                           DenseSampler(5, train=False), None, train=False)
    assert frame_ids(dataset[0]["video"]) == [0, 1, 2, 2, 2]


def test_collate_pads_variable_lengths_and_checks_keys():
    samples = [{"video": torch.zeros(2, 3, 4, 4), "x": torch.ones(2), "m": torch.ones(2).bool(),
                "n": torch.tensor([1, 2]), "s": "a"},
               {"video": torch.zeros(2, 3, 4, 4), "x": torch.ones(3), "m": torch.ones(3).bool(),
                "n": torch.tensor([3, 4, 5]), "s": "b"}]
    batch = collate_batch(samples)
    assert batch["x"][0].isnan().tolist() == [False, False, True]
    assert batch["m"].tolist() == [[True, True, False], [True, True, True]]
    assert batch["n"].tolist() == [[1, 2, -1], [3, 4, 5]] and batch["s"] == ["a", "b"]
    samples[1]["video"] = torch.zeros(3, 3, 4, 4)
    with pytest.raises(ValueError, match="video"):
        collate_batch(samples)
    with pytest.raises(ValueError, match="different keys"):
        collate_batch([{"video": torch.zeros(1)}, {"video": torch.zeros(1), "label": 1}])


def test_argument_validation():
    with pytest.raises(ValueError, match="on_error"):
        VideoDataset([], None, UniformSegmentSampler(2), None, train=False, on_error="ignore")
    with pytest.raises(ValueError, match="qa"):
        VideoDataset([], None, UniformSegmentSampler(2), None, train=False, qa="all")


def test_keys_leave_out_what_the_consumer_never_reads():
    """``keys`` (a task's ``batch_keys``) keeps video, video_id, frame_times and the named keys,
    with the same values as the full sample; the others (and their box work) are left out."""
    frames = stamped(8, height=40, width=80)
    record = VideoRecord(
        "synthetic-0", label=3, segments=[(0.5, 1.5)], query="the cube moves",
        tube_frames=[1, 3], tube_boxes=[(30, 10, 50, 30), (0, 0, 10, 10)],
        tracks=[Track(7, "cube", [1, 3], [(30, 10, 50, 30), (40, 0, 60, 20)])])

    def dataset(keys=None):
        return VideoDataset([record], lambda r: MemorySource(frames), UniformSegmentSampler(4, train=False),
                            VideoTransform(PRE, train=False), train=False, keys=keys)

    full = dataset()[0]
    assert {"boxes", "frame_mask", "tracks", "segments", "query", "label"} <= set(full)
    label_only = dataset(["label", "captions"])  # a key the records lack stays absent
    assert label_only.keys == ("video", "video_id", "frame_times", "label")
    sample = label_only[0]
    assert set(sample) == {"video", "video_id", "frame_times", "label"}
    for key in sample:
        assert torch.equal(sample[key], full[key]) if key != "video_id" else sample[key] == full[key]
    boxes_only = dataset(["boxes", "frame_mask"])[0]
    assert set(boxes_only) == {"video", "video_id", "frame_times", "boxes", "frame_mask"}
    assert torch.equal(boxes_only["boxes"], full["boxes"]) and torch.equal(boxes_only["frame_mask"], full["frame_mask"])
    tracks_only = dataset(["tracks"])[0]
    assert "boxes" not in tracks_only and torch.equal(tracks_only["tracks"]["boxes"], full["tracks"]["boxes"])
