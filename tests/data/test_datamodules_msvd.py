"""MSVD and MSVD-QA datamodules end to end on tiny clips: captions from
``AllVideoDescriptions.txt``, CLIP4Clip's split lists or ``youtube_mapping.txt``'s vid ranges,
a pickle refused with conversion advice, and MSVD-QA's ``vid<N>`` videos either renamed
(``video/vid<N>.avi``) or found through the mapping (``YouTubeClips/<clip>.avi``)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from zoo.data.benchmarks import MSVDDataModule, MSVDQADataModule
from zoo.data.formats.base import AnnotationError
from zoo.data.video import write_video

PREPROCESS = {"mean": [0.0] * 3, "std": [1.0] * 3, "size": 32, "num_frames": 2}
CLIPS = {"-a_B-c1_2_9": 30, "x9_Yz-0w_0_4": 60, "Qq_1_22": 90}


def clip(path, level):
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".mp4")
    write_video(tmp, np.full((4, 32, 32, 3), level, np.uint8), fps=4)
    tmp.rename(path)


def levels(batch):
    return [int(v.flatten()[0]) for v in (batch["video"] * 255).round()]


@pytest.fixture
def msvd(tmp_path):
    (tmp_path / "AllVideoDescriptions.txt").write_text(
        "# MSVD English descriptions\n#\n" + "".join(
            f"{c} caption {k} of {c}\n" for c in CLIPS for k in range(2)))
    (tmp_path / "youtube_mapping.txt").write_text(
        "".join(f"{c} vid{n}\n" for n, c in zip((1, 1201, 1301), CLIPS)))
    lists = tmp_path / "msvd_data"
    lists.mkdir()
    for split, clips in (("train", list(CLIPS)[:2]), ("val", ["Qq_1_22"]), ("test", ["Qq_1_22"])):
        (lists / f"{split}_list.txt").write_text("".join(f"{c}\n" for c in clips))
    for c, level in CLIPS.items():
        clip(tmp_path / "YouTubeClips" / f"{c}.avi", level)
    return tmp_path


def test_msvd_retrieval_batches(msvd):
    dm = MSVDDataModule(msvd, batch_size=2, video_backend="pyav").connect(PREPROCESS)
    batch = next(iter(dm.train_dataloader()))
    assert levels(batch) == [CLIPS[v] for v in batch["video_id"]]
    assert all(caps == [f"caption 0 of {v}", f"caption 1 of {v}"]
               for v, caps in zip(batch["video_id"], batch["captions"]))
    assert len(MSVDDataModule(msvd, unfold_train=True).records("train")) == 4
    by_mapping = MSVDDataModule(msvd, split_lists=None)
    assert [r.video_id for r in by_mapping.records("val")] == ["x9_Yz-0w_0_4"]  # vid1201
    assert [r.video_id for r in by_mapping.records("test")] == ["Qq_1_22"]  # vid1301
    (msvd / "raw-captions.pkl").write_bytes(b"\x80\x04")
    with pytest.raises(AnnotationError, match="raw-captions.pkl: a pickle is not read"):
        MSVDDataModule(msvd, captions="raw-captions.pkl").records("train")
    (msvd / "raw-captions.json").write_text(json.dumps({c: [["a", "clip"]] for c in CLIPS}))
    assert MSVDDataModule(msvd, captions="raw-captions.json").records("test")[0].captions == [
        "a clip"]


def test_msvd_qa_videos_renamed_or_mapped(msvd):
    qa = [{"answer": "dog", "id": 7, "question": "what is running?", "video_id": 1},
          {"answer": "onion", "id": 8, "question": "what is sliced?", "video_id": 1201}]
    for split in ("train", "val", "test"):
        (msvd / f"{split}_qa.json").write_text(json.dumps(qa))
    for n, level in ((1, 30), (1201, 60)):
        clip(msvd / "video" / f"vid{n}.avi", level)
    renamed = MSVDQADataModule(msvd, batch_size=2, video_backend="pyav").connect(PREPROCESS)
    batch = next(iter(renamed.test_dataloader()))
    assert batch["video_id"] == ["vid1", "vid1201"] and batch["answer"] == ["dog", "onion"]
    assert levels(batch) == [30, 60] and batch["question_id"] == ["7", "8"]
    assert renamed.dataset_info()["answer_vocab"] == ["dog", "onion"]
    mapped = MSVDQADataModule(msvd, video_dir="YouTubeClips",
                              youtube_mapping="youtube_mapping.txt", video_backend="pyav")
    assert [r.path for r in mapped.records("test")] == ["-a_B-c1_2_9.avi", "x9_Yz-0w_0_4.avi"]
    (msvd / "test_qa.json").write_text(json.dumps(qa + [dict(qa[0], id=9, video_id=5)]))
    with pytest.raises(AnnotationError, match=r"test_qa\.json:\[2\]: video_id 5 \(vid5\) is not in"):
        MSVDQADataModule(msvd, youtube_mapping="youtube_mapping.txt").records("test")
