"""MSR-VTT: the official release's two JSON files (``train_val_videodatainfo.json`` +
``test_videodatainfo.json``) read together, and the splits they cover (captioning and "full"
retrieval). The schema is ``MSRVTT_data.json``'s (``/work/shared/reference/datasets.md`` §2.1:
note the space in ``"start time"``); no real copy is small enough for the index, so the content
is our own."""

from __future__ import annotations

import json

import pytest

from zoo.data.formats.base import AnnotationError
from zoo.data.formats.msrvtt import parse_msrvtt, parse_msrvtt_jsfusion


def release(tmp_path, first, last, split_of, name):
    videos = [{"category": 3, "url": f"https://www.youtube.com/watch?v=yt{i}", "video_id":
               f"video{i}", "start time": 1.5, "end time": 11.5, "split": split_of(i), "id": i}
              for i in range(first, last)]
    sentences = [{"caption": f"clip {i} caption {k}", "video_id": f"video{i}", "sen_id": 2 * i + k}
                 for i in range(first, last) for k in range(2)]
    path = tmp_path / name
    path.write_text(json.dumps({"info": {"year": "2016"}, "videos": videos,
                                "sentences": sentences}))
    return path


def test_official_pair_of_files(tmp_path):
    train_val = release(tmp_path, 0, 4, lambda i: "train" if i < 3 else "validate",
                        "train_val_videodatainfo.json")
    test = release(tmp_path, 4, 6, lambda i: "test", "test_videodatainfo.json")
    both = [train_val, test]
    assert [r.video_id for r in parse_msrvtt(both, split="test")] == ["video4", "video5"]
    assert [r.video_id for r in parse_msrvtt(both, split="validate")] == ["video3"]
    records = parse_msrvtt(both, split="train", unfold=True)
    assert len(records) == 6 and records[1].captions == ["clip 0 caption 1"]
    assert records[0].source == f"{train_val}:videos[0]"
    split = tmp_path / "MSRVTT_train.7k.csv"
    split.write_text("video_id\nvideo5\nvideo0\n")
    assert [r.video_id for r in parse_msrvtt(both, split)] == ["video5", "video0"]
    with pytest.raises(AnnotationError, match=r"videos\[0\]: video 'video0' appears twice"):
        parse_msrvtt([train_val, train_val])


def _raises(path, line, call):
    with pytest.raises(AnnotationError) as info:
        call()
    assert (info.value.file, info.value.line) == (str(path), line), str(info.value)
    return info.value


@pytest.mark.parametrize("drop", ["videos", "sentences"])
def test_json_without_videos_or_sentences(tmp_path, drop):
    path = release(tmp_path, 0, 2, lambda i: "train", "MSRVTT_data.json")
    data = json.loads(path.read_text())
    del data[drop]
    path.write_text(json.dumps(data))
    error = _raises(path, None, lambda: parse_msrvtt(path))
    assert error.reason == "expected an object with 'videos' and 'sentences'"


@pytest.mark.parametrize("key, value", [
    ("sentences", {"0": {"caption": "a clip", "video_id": "video0", "sen_id": 0}}),
    ("sentences", "a clip"),
    ("videos", {"video0": {"video_id": "video0"}}),
])
def test_videos_and_sentences_must_be_lists(tmp_path, key, value):
    path = release(tmp_path, 0, 2, lambda i: "train", "MSRVTT_data.json")
    data = json.loads(path.read_text())
    data[key] = value
    path.write_text(json.dumps(data))
    error = _raises(path, None, lambda: parse_msrvtt(path))
    assert error.reason == "'videos' and 'sentences' must be lists"


def test_jsfusion_row_with_empty_video_id(tmp_path):
    path = tmp_path / "MSRVTT_JSFUSION_test.csv"
    path.write_text("key,vid_key,video_id,sentence\n"
                    "ret0,msr9770,video9770,a person is connecting something to system\n"
                    "ret1,msr7606,,a little girl does gymnastics\n")
    error = _raises(path, 3, lambda: parse_msrvtt_jsfusion(path))
    assert error.reason == "empty video_id"
    assert str(error) == f"{path}:3: empty video_id"
