"""``zoo predict`` and ``VideoTask.predict``: one video through a shipped checkpoint, offline.

The video is a lossless MP4 of a world clip (16 frames of 64 x 64 at 8 fps), so decoding it
gives back exactly the rendered frames.
"""

import json

import numpy as np
import pytest
import torch

import zoo
from zoo.commands import main
from zoo.data.clip_transforms import create_transforms
from zoo.data.video import write_video
from zoo.data.world import SyntheticWorld
from zoo.tasks.recognition import RecognitionTask

RECOGNITION = "postnet_recognition_tiny.world_8f"
FPS = 8.0


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """(path of the lossless MP4, its frames uint8 [16, 64, 64, 3])."""
    world = SyntheticWorld("test", size=8)
    frames = world.render(3)
    assert frames.shape == (16, 64, 64, 3)
    path = tmp_path_factory.mktemp("video") / "clip.mp4"
    write_video(path, frames, fps=FPS)
    return path, frames


@pytest.fixture(scope="module")
def recognition():
    return zoo.from_pretrained(RECOGNITION)


def table_rows(text: str, header: str) -> list[list[str]]:
    """The rows printed under a table header (whitespace-split), up to the next blank / field."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split() == header.split())
    rows = []
    for line in lines[start + 1:]:
        if not line.startswith("  ") or not line.strip():
            break
        rows.append(line.split())
    return rows


def test_cli_prints_top5_and_writes_json(clip, recognition, tmp_path, capsys):
    path, _ = clip
    out = tmp_path / "result.json"
    assert main(["predict", "--model", RECOGNITION, str(path), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.splitlines()[0] == f"{RECOGNITION} (recognition) on {path}: 8 frames, 0.125-1.875 s"
    rows = table_rows(printed, "class probability")
    result = json.loads(out.read_text())
    assert result["model"] == RECOGNITION and result["task"] == "recognition" and result["video"] == str(path)
    top = result["top"]
    assert len(top) == len(rows) == 5
    assert [" ".join(r[:-1]) for r in rows] == [t["class"] for t in top]
    assert [float(r[-1]) for r in rows] == [t["probability"] for t in top]
    probabilities = [t["probability"] for t in top]
    assert probabilities == sorted(probabilities, reverse=True) and 0 < sum(probabilities) <= 1.0001
    assert {t["class"] for t in top} <= set(recognition.class_names)
    # 16 frames, 8 TSN segments, test sampling: the centre frame 2j + 1 of each, at 8 fps
    assert result["frame_times"] == [(2 * j + 1) / FPS for j in range(8)]


def test_python_api_file_frames_and_name_agree(clip, recognition):
    path, frames = clip
    from_file = recognition.predict(path)
    from_frames = recognition.predict(frames, fps=FPS)
    from_name = zoo.predict(RECOGNITION, str(path))
    assert from_file["top"] == from_frames["top"] == from_name["top"]
    assert from_frames["video"] is None and from_file["video"] == str(path)
    assert json.loads(json.dumps(from_file)) == from_file  # JSON-able as it is


def test_prediction_uses_the_checkpoints_own_preprocessing(clip, recognition):
    path, frames = clip
    batch = recognition.prediction_batch(path, clips=2, crops=3)
    expected = create_transforms(recognition, clips=2, crops=3)(frames)
    assert batch["video"].shape == (1, 6, 8, 3, 64, 64)
    assert torch.equal(batch["video"][0], expected)
    assert float(batch["duration"][0]) == 16 / FPS
    single = recognition.prediction_batch(path)
    # the frames shown are the ones the model saw: the sampled frames (64 px: the crop is the frame)
    assert np.array_equal(recognition.display_frames(single), frames[1::2])
    assert recognition.display_times(single) == [(2 * j + 1) / FPS for j in range(8)]


def test_predict_leaves_the_mode_and_keeps_no_graph(clip, recognition):
    path, _ = clip
    recognition.train()
    try:
        result = recognition.predict(path)
        assert recognition.training and result["top"]
    finally:
        recognition.eval()


def test_bad_videos_say_what_is_wrong(clip, recognition, tmp_path):
    _, frames = clip
    with pytest.raises(FileNotFoundError, match="no such video file"):
        recognition.predict(tmp_path / "missing.mp4")
    with pytest.raises(ValueError, match=r"call the model itself: model\(video\[None\]\)"):
        recognition.predict(torch.zeros(8, 3, 64, 64))
    with pytest.raises(ValueError, match="pass fps="):
        recognition.predict(frames)
    with pytest.raises(ValueError, match="recognition takes no prediction options"):
        recognition.predict(frames, fps=FPS, beam_size=2)


def test_cli_user_errors_exit_2(clip, tmp_path, capsys):
    path, _ = clip
    assert main(["predict", "--model", RECOGNITION, str(tmp_path / "missing.mp4")]) == 2
    assert "zoo: error: " in capsys.readouterr().err
    assert main(["predict", "--model", RECOGNITION, str(path), "--option", "no-equals"]) == 2
    assert "expected KEY=VALUE" in capsys.readouterr().err
    assert main(["predict", "--model", RECOGNITION, str(path), "--picture", str(tmp_path / "p.png")]) == 2
    assert "recognition models draw no picture" in capsys.readouterr().err
    assert main(["predict", "--model", RECOGNITION, str(path), "--picture", str(tmp_path / "p.jpg")]) == 2
    assert ".png, .gif or .mp4" in capsys.readouterr().err


def test_cli_picture_renders_the_frames_the_model_saw(clip, tmp_path, capsys, monkeypatch):
    path, frames = clip
    calls = []

    def render(self, frames, frame_times, result, picture, truth=None):
        calls.append((frames, list(frame_times), result))
        picture = tmp_path / picture
        picture.write_bytes(b"drawn")
        return picture

    monkeypatch.setattr(RecognitionTask, "render", render, raising=False)
    assert main(["predict", "--model", RECOGNITION, str(path), "--picture", "p.png"]) == 0
    (shown, times, result), = calls
    assert shown.dtype == np.uint8 and np.array_equal(shown, frames[1::2])
    assert times == [(2 * j + 1) / FPS for j in range(8)] and len(result["top"]) == 5
    assert f"picture: {tmp_path / 'p.png'}" in capsys.readouterr().out


def test_cli_truth_reaches_the_picture(clip, tmp_path, capsys, monkeypatch):
    path, _ = clip
    truths = []

    def render(self, frames, frame_times, result, picture, truth=None):
        truths.append(truth)
        return tmp_path / picture

    monkeypatch.setattr(RecognitionTask, "render", render, raising=False)
    truth = {"windows": [[2.0, 4.5]]}
    assert main(["predict", "--model", RECOGNITION, str(path), "--picture", "p.png",
                 "--truth", json.dumps(truth)]) == 0
    (tmp_path / "truth.json").write_text(json.dumps(truth))
    assert main(["predict", "--model", RECOGNITION, str(path), "--picture", "p.png",
                 "--truth", str(tmp_path / "truth.json")]) == 0
    assert truths == [truth, truth]
    capsys.readouterr()
    assert main(["predict", "--model", RECOGNITION, str(path), "--truth", json.dumps(truth)]) == 2
    assert "give --picture too" in capsys.readouterr().err
    assert main(["predict", "--model", RECOGNITION, str(path), "--picture", "p.png", "--truth", "[1]"]) == 2
    assert "must be a JSON object" in capsys.readouterr().err
    assert main(["predict", "--model", RECOGNITION, str(path), "--picture", "p.png", "--truth", "nope.json"]) == 2
    assert "neither a JSON object nor a file" in capsys.readouterr().err


def test_cli_zero_shot_names_and_options(clip, tmp_path, capsys):
    path, _ = clip
    names = ["moving up", "spinning", "growing"]
    assert main(["predict", "--model", RECOGNITION, str(path), *names, "--out", "-"]) == 0
    printed = capsys.readouterr().out
    result = json.loads(printed[printed.index("{"):])
    assert sorted(t["class"] for t in result["top"]) == sorted(names) and result["zero_shot"] is True
    assert sum(t["probability"] for t in result["top"]) == pytest.approx(1, abs=1e-3)


def test_captioning_writes_a_caption_with_decoding_options(clip, capsys):
    path, frames = clip
    name = "postnet_captioning_tiny.world_8f"
    assert main(["predict", "--model", name, str(path), "--option", "beam_size=2", "--out", "-"]) == 0
    printed = capsys.readouterr().out
    result = json.loads(printed[printed.index("{"):])
    assert isinstance(result["caption"], str) and result["caption"].strip()
    assert f"caption: {result['caption']}" in printed
    model = zoo.from_pretrained(name)
    assert model.predict(frames, fps=FPS, beam_size=2)["caption"] == result["caption"]
    with pytest.raises(ValueError, match="takes no texts"):
        model.predict(path, ["a caption"])
    with pytest.raises(ValueError, match="beam_size= and max_length= only"):
        model.predict(path, temperature=0.5)
    with pytest.raises(ValueError, match="positive integers"):
        model.predict(path, max_length=0)


def test_sampling_in_seconds_follows_the_stored_clip_length(clip):
    """A checkpoint that samples one frame per ``clip_length`` seconds (grounding) predicts on
    those frames: 16 frames at 8 fps in 0.5 s clips are 4 clips, centre frames 2, 6, 10, 14."""
    _, frames = clip
    task = zoo.create_model("postnet_recognition_tiny", variant="meanp", num_frames=8, num_classes=3)
    stored = {**task.preprocess, "sampling": "clip_length", "clip_length": 0.5}
    task.pretrained_config = {"preprocessing": stored}
    batch = task.prediction_batch(frames, fps=FPS)
    assert torch.equal(batch["video"][0], create_transforms(stored)(frames, fps=FPS)[0])
    assert task.display_times(batch) == [0.25, 0.75, 1.25, 1.75] and batch["valid"][0].all()
    assert np.array_equal(task.display_frames(batch), frames[[2, 6, 10, 14]])
    assert task.predict(frames, fps=FPS)["frame_times"] == [0.25, 0.75, 1.25, 1.75]
