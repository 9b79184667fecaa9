"""VidSTG as exported from the world (``zoo.data.world.export.vidstg``): the sentence files plus
the VidOR trajectory files, read back through ``parse_vidstg`` and a ``VideoDataset`` over
``video/<dir>/<vid>.mp4`` (no VidSTG datamodule yet): declarative and interrogative sentences,
the moment in frames (end exclusive), the target's tube — on default clips and event videos."""

import json

import numpy as np
import pytest

from zoo.data.datasets import VideoDataset
from zoo.data.formats.vidstg import parse_vidstg
from zoo.data.sampling import UniformSegmentSampler
from zoo.data.video import VideoFileSource
from zoo.data.world.export import export_world
from zoo.data.world.export.common import clip_events, frames_in, pixel_box
from zoo.data.world.export.vidstg import VIDOR_FOLDERS
from zoo.data.world.synthetic import ACTION_PHRASES, SyntheticWorld, WorldConfig

CONFIG = WorldConfig(num_frames=16, height=32, width=32, fps=8.0)
EVENTS = WorldConfig(num_frames=48, height=32, width=32, fps=8.0, min_events=2, max_events=3)
SIZES = {"train": 2, "val": 1, "test": 2}


@pytest.mark.parametrize("config", [CONFIG, EVENTS], ids=["clips", "events"])
def test_sentences_tubes_and_samples(tmp_path, config):
    manifest = export_world(tmp_path, formats=["vidstg"], sizes=SIZES, seed=15, config=config)
    worlds = {split: SyntheticWorld(split, n, config, seed=15) for split, n in SIZES.items()}
    owner = {c["ids"]["vidstg"]: (c["split"], c["index"]) for c in manifest["clips"]}
    root = tmp_path / "vidstg"
    vidor = json.loads(next((root / "vidor" / "validation").rglob("*.json")).read_text())
    assert list(vidor)[:3] == ["version", "video_id", "video_path"]
    for split in ("train", "val", "test"):
        path = root / "annotations" / f"{split}_annotations.json"
        assert list(json.loads(path.read_text())[0]) == [
            "vid", "fps", "frame_count", "used_segment", "width", "height", "subject/objects",
            "used_relation", "temporal_gt", "captions", "questions"]
        records = parse_vidstg(path, root / "vidor" / VIDOR_FOLDERS[split])
        expected = []
        for i in range(SIZES[split]):
            clip = worlds[split].clip(i)
            for event in clip_events(clip):
                frames = frames_in(event.segment, config.fps, clip.num_frames)
                target = next(o for o in clip.objects if o.track_id == event.track_id)
                tube = (frames, [pixel_box(target.boxes[f]) for f in frames])
                segment = (frames[0] / config.fps, (frames[-1] + 1) / config.fps)
                expected += [(clip.video_id, "declarative", f"{c}.", segment, tube)
                             for c in event.captions]
                expected += [(clip.video_id, "interrogative", q.question, segment, tube)
                             for q in clip.qa if q.question_type == "shape" and not q.choices
                             and ACTION_PHRASES[event.action] in q.question]
        got = [(worlds[split].clip(owner[r.video_id][1]).video_id, r.query_type, r.query,
                r.segments[0], (r.tube_frames, r.tube_boxes)) for r in records]
        assert sorted(got, key=repr) == sorted(expected, key=repr)
        assert {r.query_type for r in records} == {"declarative", "interrogative"}
        assert all((r.start, r.end) == (0.0, config.duration) for r in records)
    dataset = VideoDataset(records, VideoFileSource(root / "video"),
                           UniformSegmentSampler(config.num_frames, train=False), None, train=False)
    sample, record = dataset[0], dataset.record(0)
    assert np.array_equal(sample["video"].permute(0, 2, 3, 1).numpy(),
                          worlds["test"].render(owner[record.video_id][1]))
    assert sample["frame_mask"].tolist() == [k in record.tube_frames
                                             for k in range(config.num_frames)]
