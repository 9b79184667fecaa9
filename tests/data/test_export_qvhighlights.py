"""QVHighlights as exported from the world (``zoo.data.world.export.qvhighlights``): the jsonl
files in the released key order (the test file without labels), read back through
``parse_qvhighlights`` and a ``VideoDataset`` over the videos (no QVHighlights datamodule yet):
windows, 2-s clip ids and saliency from the world's moments, frames exact — on default clips and
on event videos (one query per event sentence)."""

import json

import numpy as np
import pytest

from zoo.data.datasets import VideoDataset
from zoo.data.formats.qvhighlights import parse_qvhighlights
from zoo.data.sampling import UniformSegmentSampler
from zoo.data.video import VideoFileSource
from zoo.data.world.events import saliency_scores
from zoo.data.world.export import export_world
from zoo.data.world.export.common import clip_events, sentence
from zoo.data.world.synthetic import SyntheticWorld, WorldConfig

CONFIG = WorldConfig(num_frames=8, height=32, width=32, fps=8.0)
EVENTS = WorldConfig(num_frames=64, height=32, width=32, fps=8.0, min_events=2, max_events=3)
SIZES = {"train": 2, "val": 2, "test": 1}


@pytest.mark.parametrize("config", [CONFIG, EVENTS], ids=["clips", "events"])
def test_queries_windows_saliency_and_frames(tmp_path, config):
    manifest = export_world(tmp_path, formats=["qvhighlights"], sizes=SIZES, seed=13,
                            config=config)
    worlds = {split: SyntheticWorld(split, n, config, seed=13) for split, n in SIZES.items()}
    owner = {c["ids"]["qvhighlights"]: (c["split"], c["index"]) for c in manifest["clips"]}
    root = tmp_path / "qvhighlights"
    qids = []
    for split in ("train", "val", "test"):
        path = root / "data" / f"highlight_{split}_release.jsonl"
        lines = path.read_text().split("\n")
        assert not path.read_bytes().endswith(b"\n")
        keys = ["qid", "query", "duration", "vid"] + (
            [] if split == "test" else ["relevant_clip_ids", "saliency_scores", "relevant_windows"])
        assert all(list(json.loads(line)) == keys for line in lines)
        assert all(isinstance(json.loads(line)["duration"], int) for line in lines)
        records = parse_qvhighlights(path)
        expected = [(clip.video_id, sentence(c), e.segment) for i in range(SIZES[split])
                    for clip in [worlds[split].clip(i)] for e in clip_events(clip)
                    for c in e.captions]
        got = [(worlds[split].clip(owner[r.video_id][1]).video_id, r.query) for r in records]
        assert got == [(v, q) for v, q, _ in expected]
        qids += [int(r.query_id) for r in records]
        for record, (_, _, segment) in zip(records, expected):
            if split == "test":
                assert record.segments == [] and record.saliency == []
                continue
            assert record.segments[0] == pytest.approx(segment, abs=0.005)
            ids, scores = saliency_scores(segment, config.duration, 2.0)
            assert record.saliency_clips == ids and [s[0] for s in record.saliency] == scores
            assert all(len(s) == 3 and max(s) <= 4 for s in record.saliency)
    assert qids == list(range(len(qids)))
    records = parse_qvhighlights(root / "data" / "highlight_val_release.jsonl")
    dataset = VideoDataset(records, VideoFileSource(root / "videos"),
                           UniformSegmentSampler(config.num_frames, train=False), None, train=False)
    for k in range(len(dataset)):
        sample, record = dataset[k], dataset.record(k)
        split, index = owner[record.video_id]
        video = sample["video"].permute(0, 2, 3, 1).numpy()
        assert np.array_equal(video, worlds[split].render(index))
        assert sample["segments"].tolist() == pytest.approx(record.segments[0], abs=1e-6)
