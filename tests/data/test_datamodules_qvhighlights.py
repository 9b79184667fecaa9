"""QVHighlights datamodule: the real release's lines read end to end (one frame per 2-s clip,
several windows, 3 annotators' saliency, query ids), val standing in for the unlabelled test
file, a missing video skipped and counted, and the exported world evaluated by the tgrounding
task with the highlight metrics."""

from __future__ import annotations

import logging
import math

import numpy as np
import pytest
import torch

from zoo.data.benchmarks import QVHighlightsDataModule
from zoo.data.formats.base import AnnotationError
from zoo.data.video import write_video

PREPROCESS = {"mean": [0.0] * 3, "std": [1.0] * 3, "size": 16, "num_frames": 75}

# the first two lines of the real data/highlight_val_release.jsonl (jayleicn/moment_detr @
# b7e553ac3b0c898ee6b85e03ee507c064eab89ca), then one whose video is missing
VAL = "\n".join([
    '{"qid": 2579, "query": "A girl and her mother cooked while talking with each other on facetime.", '
    '"duration": 150, "vid": "NUsG9BgSes0_210.0_360.0", "relevant_clip_ids": [41, 42, 43, 44, 45, 46, '
    '47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, '
    '72, 73, 74], "saliency_scores": [[1, 1, 2], [1, 1, 3], [1, 1, 3], [1, 1, 3], [1, 1, 3], [1, 1, 2], '
    '[1, 1, 3], [2, 1, 4], [2, 1, 4], [2, 1, 4], [2, 2, 4], [2, 2, 3], [3, 2, 2], [4, 2, 2], [4, 2, 2], '
    '[4, 2, 2], [3, 2, 2], [3, 2, 3], [3, 2, 3], [4, 2, 3], [3, 2, 3], [3, 2, 3], [3, 2, 3], [3, 2, 3], '
    '[3, 2, 2], [3, 2, 2], [3, 2, 2], [3, 2, 3], [3, 2, 4], [3, 2, 3], [3, 2, 4], [3, 2, 4], [3, 1, 3], '
    '[3, 1, 4]], "relevant_windows": [[82, 150]]}',
    '{"qid": 5071, "query": "A woman sitting in front of a desk wearing headphones and using her laptop", '
    '"duration": 150, "vid": "NUsG9BgSes0_60.0_210.0", "relevant_clip_ids": [59, 60, 61, 62, 63, 64, 65, '
    '66, 67], "saliency_scores": [[3, 3, 3], [3, 3, 3], [3, 3, 3], [3, 4, 3], [3, 4, 3], [3, 4, 3], '
    '[3, 4, 3], [3, 4, 3], [3, 1, 3]], "relevant_windows": [[118, 136]]}',
    '{"qid": 9, "query": "gone from youtube", "duration": 150, "vid": "missing_0.0_150.0", '
    '"relevant_clip_ids": [0], "saliency_scores": [[1, 1, 1]], "relevant_windows": [[0, 2]]}',
])
TEST = ('{"qid": 77, "query": "A man walks his dog.", "duration": 150, '
        '"vid": "NUsG9BgSes0_210.0_360.0"}')


@pytest.fixture(scope="module")
def qvhighlights(tmp_path_factory):
    root = tmp_path_factory.mktemp("qvhighlights")
    (root / "data").mkdir()
    (root / "data" / "highlight_train_release.jsonl").write_text(VAL)
    (root / "data" / "highlight_val_release.jsonl").write_text(VAL)
    (root / "data" / "highlight_test_release.jsonl").write_text(TEST)
    (root / "videos").mkdir()
    for vid, level in (("NUsG9BgSes0_210.0_360.0", 60), ("NUsG9BgSes0_60.0_210.0", 120)):
        frames = np.full((150, 16, 16, 3), level, np.uint8)  # 150 s at 1 fps
        frames[:, 0, 0, 0] = np.arange(150)  # frame k is recognisable
        write_video(root / "videos" / f"{vid}.mp4", frames, fps=1)
    return root


def test_real_lines_give_windows_saliency_and_one_frame_per_clip(qvhighlights, caplog):
    dm = QVHighlightsDataModule(qvhighlights, sampling="clip_length", batch_size=2,
                                video_backend="pyav").connect(PREPROCESS)
    assert dm.dataset_info() == {"clip_length": 2.0, "max_duration": 150.0}
    with caplog.at_level(logging.WARNING, logger="zoo.data"):
        batch = next(iter(dm.test_dataloader()))
    assert "1 of 3 rows have no video file" in caplog.text
    assert [r.query_id for r in dm.missing["test"]] == ["9"]
    assert batch["query_id"] == ["2579", "5071"] and batch["video"].shape == (2, 75, 3, 16, 16)
    # clip j covers frames [2j, 2j + 2): its centre frame 2j + 1, at 2j + 1 s
    assert batch["frame_times"][0].tolist() == [2.0 * j + 1 for j in range(75)]
    assert (batch["video"][0, :, 0, 0, 0] * 255).round().tolist() == [2.0 * j + 1 for j in range(75)]
    assert batch["valid"].all() and batch["duration"].tolist() == [150.0, 150.0]
    assert batch["windows"].tolist() == [[[82.0, 150.0]], [[118.0, 136.0]]]
    assert batch["clip_length"].tolist() == [2.0, 2.0]
    assert batch["saliency"].shape == (2, 75, 3)
    assert batch["saliency"][0, 41].tolist() == [1.0, 1.0, 2.0] and batch["saliency"][0, :41].isnan().all()
    assert batch["frame_saliency"][1, 62].item() == pytest.approx(10 / 3)  # [3, 4, 3]
    assert batch["frame_saliency"][1, 58].item() == 0.0  # not a relevant clip


def test_test_split_is_the_val_file_unless_the_unlabelled_file_is_asked_for(qvhighlights):
    dm = QVHighlightsDataModule(qvhighlights)
    assert [r.query_id for r in dm.parse("test")] == [r.query_id for r in dm.parse("val")]
    unlabelled = QVHighlightsDataModule(qvhighlights, test_jsonl="data/highlight_test_release.jsonl")
    (record,) = unlabelled.parse("test")
    assert record.query_id == "77" and record.segments == [] and record.saliency == []
    (qvhighlights / "data" / "empty.jsonl").write_text("")
    with pytest.raises(AnnotationError, match="empty.jsonl.*no record"):
        QVHighlightsDataModule(qvhighlights, val_jsonl="data/empty.jsonl").parsed("val")
    with pytest.raises(ValueError, match="on_outside"):
        QVHighlightsDataModule(qvhighlights, on_outside="drop")


def test_the_exported_world_is_evaluated_with_the_highlight_metrics(tmp_path):
    import zoo
    from zoo.data.world.export import export_world
    from zoo.data.world.synthetic import WorldConfig

    config = WorldConfig(num_frames=64, height=32, width=32, fps=8.0, min_events=2, max_events=2)
    export_world(tmp_path, formats=["qvhighlights"], sizes={"train": 1, "val": 1, "test": 1},
                 seed=3, config=config)
    torch.manual_seed(0)
    task = zoo.create_model("postnet_tgrounding_tiny", variant="meanp", num_frames=8,
                            hidden_dim=32, num_heads=2, ffn_dim=64).eval()
    dm = QVHighlightsDataModule(tmp_path / "qvhighlights", sampling="uniform",
                                batch_size=8).connect(task.preprocess)
    records = dm.records("val")
    batch = next(iter(dm.val_dataloader()))
    assert len(batch["query"]) == len(records) >= 2 and batch["duration"].tolist() == [8.0] * len(records)
    for k, record in enumerate(records):
        assert batch["windows"][k, 0].tolist() == pytest.approx(record.segments[0])
    assert batch["saliency"].shape[1:] == (4, 3)  # four 2-s clips, 3 annotators
    metrics = task.make_metrics()
    with torch.no_grad():
        task.update_metrics(metrics, batch, "test")
    values = task.compute_metrics(metrics)
    assert {"r1_iou0.5", "map_avg", "hl_map", "hl_hit1"} <= set(values)
    assert all(0.0 <= float(v) <= 1.0 and math.isfinite(float(v)) for v in values.values())
