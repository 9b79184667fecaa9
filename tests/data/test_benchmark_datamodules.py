"""The real benchmarks' datamodules, end to end on the world exported in their formats: batches
come from the video files, and the decoded frames are exactly the frames the world rendered."""

import logging
import shutil
from collections import Counter

import numpy as np
import pytest
import torch

from zoo.data.benchmarks import (CharadesSTADataModule, KineticsDataModule, MSRVTTDataModule,
                                 MSRVTTQADataModule, NExTQADataModule, UCF101DataModule,
                                 readable_class_name)
from zoo.data.datasets import ItemLoadError
from zoo.data.world.synthetic import ACTION_PHRASES, ACTIONS, SyntheticWorld, WorldConfig
from zoo.data.world.export import export_world

CONFIG = WorldConfig(num_frames=8, height=64, width=64, fps=8.0)
SIZES = {"train": 4, "val": 2, "test": 2}
# identity preprocessing (64 px in, 64 px out, mean 0, std 1): video * 255 are the decoded pixels
PREPROCESS = {"mean": [0.0] * 3, "std": [1.0] * 3, "size": 64, "num_frames": 4}


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    out = tmp_path_factory.mktemp("benchmarks")
    manifest = export_world(out, sizes=SIZES, config=CONFIG)
    worlds = {split: SyntheticWorld(split, n, CONFIG) for split, n in SIZES.items()}
    return out, manifest, worlds


def owners(manifest, fmt):
    return {c["ids"][fmt]: (c["split"], c["index"]) for c in manifest["clips"] if fmt in c["ids"]}


def check_frames(batch, owner, worlds):
    """Every sampled frame of the batch equals the world's rendering of that frame."""
    pixels = (batch["video"] * 255).round().to(torch.uint8).permute(0, 1, 3, 4, 2).numpy()
    assert torch.equal(batch["video"] * 255, (batch["video"] * 255).round())
    for i, video_id in enumerate(batch["video_id"]):
        split, index = owner[video_id]
        frames = (batch["frame_times"][i] * CONFIG.fps).round().long().tolist()
        assert np.array_equal(pixels[i], worlds[split].render(index, frames=frames)), video_id


def test_kinetics_batches_labels_and_exact_frames(export):
    out, manifest, worlds = export
    dm = KineticsDataModule(out / "kinetics", label_map="label_map.txt", batch_size=2).connect(PREPROCESS)
    assert dm.dataset_info() == {"class_names": [ACTION_PHRASES[a] for a in ACTIONS]}
    owner = owners(manifest, "kinetics")
    for loader in (dm.train_dataloader(), dm.test_dataloader()):
        batch = next(iter(loader))
        assert batch["video"].shape == (2, 4, 3, 64, 64)
        check_frames(batch, owner, worlds)
        truth = [worlds[owner[v][0]].clip(owner[v][1]).label for v in batch["video_id"]]
        assert batch["label"].tolist() == truth
    assert dm.missing == {}
    # without a label map: mmaction2's sorted(set(train labels))
    train_labels = sorted({ACTION_PHRASES[worlds["train"].clip(i).action] for i in range(4)})
    assert KineticsDataModule(out / "kinetics").dataset_info()["class_names"] == train_labels


def test_kinetics_skips_and_counts_missing_videos(export, tmp_path, caplog):
    out, manifest, _ = export
    root = tmp_path / "kinetics"
    shutil.copytree(out / "kinetics", root)
    gone = next(c["files"]["kinetics"] for c in manifest["clips"] if c["split"] == "train")
    (root / gone.split("/", 1)[1]).unlink()
    dm = KineticsDataModule(root, label_map="label_map.txt")
    with caplog.at_level(logging.WARNING, logger="zoo.data"):
        assert len(dm.records("train")) == SIZES["train"] - 1
    assert [r.path for r in dm.missing["train"]] == [gone.rsplit("/", 1)[1]]
    assert "1 of 4 rows have no video file" in caplog.text and gone.rsplit("/", 1)[1] in caplog.text
    with pytest.raises(FileNotFoundError, match=gone.rsplit("/", 1)[1]):
        KineticsDataModule(root, label_map="label_map.txt", missing_videos="raise").records("train")
    # a wrong video folder is not "everything is missing, skip it all"
    with pytest.raises(FileNotFoundError, match="no video of this split"):
        KineticsDataModule(root, label_map="label_map.txt", train_videos="nowhere").records("train")


def test_kinetics_unreadable_video_follows_on_error(export, tmp_path):
    out, manifest, _ = export
    root = tmp_path / "kinetics"
    shutil.copytree(out / "kinetics", root)
    bad = next(c["files"]["kinetics"] for c in manifest["clips"] if c["split"] == "val")
    target = root / bad.split("/", 1)[1]
    target.unlink()  # the export hard-links: replace the file, do not write through the link
    target.write_bytes(b"not a video")
    strict = KineticsDataModule(root, label_map="label_map.txt", batch_size=2).connect(PREPROCESS)
    with pytest.raises(ItemLoadError, match=target.name):
        next(iter(strict.val_dataloader()))
    lenient = KineticsDataModule(root, label_map="label_map.txt", batch_size=2,
                                 on_error="skip").connect(PREPROCESS)
    lenient.setup("validate")
    dataset = lenient.datasets["val"]
    samples = [dataset[i] for i in range(len(dataset))]
    assert len(dataset.skipped) == 1 and dataset.skipped[0].path == str(target)
    assert all(s["video_id"] != target.stem for s in samples)


def test_ucf101_split_names_and_frames(export):
    out, manifest, worlds = export
    dm = UCF101DataModule(out / "ucf101", batch_size=2).connect(PREPROCESS)
    assert dm.dataset_info()["class_names"] == [ACTION_PHRASES[a] for a in ACTIONS]
    assert UCF101DataModule(out / "ucf101", readable_names=False).dataset_info()["class_names"][0] == "MovingLeft"
    assert [r.video_id for r in dm.records("val")] == [r.video_id for r in dm.records("test")]
    owner = owners(manifest, "ucf101")
    batch = next(iter(dm.test_dataloader()))
    check_frames(batch, owner, worlds)
    assert batch["label"].tolist() == [worlds["test"].clip(owner[v][1]).label for v in batch["video_id"]]
    with pytest.raises(ValueError, match="splits 1, 2 and 3"):
        UCF101DataModule(out / "ucf101", split=4)
    with pytest.raises(Exception, match="trainlist02.txt"):  # the export writes split 1 only
        UCF101DataModule(out / "ucf101", split=2).records("train")


def test_readable_class_names():
    """UCF101's spellings (classInd.txt) as words for text prompts."""
    cases = {"ApplyEyeMakeup": "apply eye makeup", "YoYo": "yo yo", "HandstandPushups": "handstand pushups",
             "PlayingDaf": "playing daf", "TaiChi": "tai chi", "MovingLeft": "moving left", "TV": "tv"}
    assert {name: readable_class_name(name) for name in cases} == cases


def test_msrvtt_protocols_captions_and_missing_videos(export, tmp_path):
    out, manifest, worlds = export
    owner = owners(manifest, "msrvtt")
    dm = MSRVTTDataModule(out / "msrvtt", batch_size=4).connect(PREPROCESS)
    batch = next(iter(dm.train_dataloader()))
    check_frames(batch, owner, worlds)
    assert all(caps == worlds["train"].clip(owner[v][1]).captions
               for v, caps in zip(batch["video_id"], batch["captions"]))
    test = next(iter(dm.test_dataloader()))  # 1k-A: one caption per video, in list order
    assert test["video_id"] == ["video6", "video7"]
    assert test["captions"] == [[worlds["test"].clip(i).captions[0]] for i in range(2)]
    assert [r.video_id for r in dm.records("val")] == test["video_id"]
    official = MSRVTTDataModule(out / "msrvtt", protocol="official")
    assert [r.video_id for r in official.records("val")] == ["video4", "video5"]
    assert len(official.records("test")[0].captions) == 4
    root = tmp_path / "msrvtt"
    shutil.copytree(out / "msrvtt", root)
    (root / "videos" / "all" / "video2.mp4").unlink()
    with pytest.raises(FileNotFoundError, match="video2.mp4"):
        MSRVTTDataModule(root).records("train")
    (root / "videos" / "all" / "video3.mp4").rename(root / "videos" / "all" / "video3.webm")
    kept = MSRVTTDataModule(root, missing_videos="skip").records("train")  # CLIP4Clip's .webm fallback
    assert [r.video_id for r in kept] == ["video0", "video1", "video3"]


def test_nextqa_multiple_choice_batches(export):
    out, manifest, worlds = export
    dm = NExTQADataModule(out / "nextqa", batch_size=3).connect(PREPROCESS)
    info = dm.dataset_info()
    assert info["question_types"] == ["CW", "CH", "TN", "TP", "TC", "DC", "DL", "DO"]
    assert info["question_type_groups"]["T"] == ["TN", "TC", "TP"]
    owner = owners(manifest, "nextqa")
    batch = next(iter(dm.val_dataloader()))
    check_frames(batch, owner, worlds)
    for i, video in enumerate(batch["video_id"]):
        split, index = owner[video]
        k = int(batch["question_id"][i].rsplit("_", 1)[1])
        truth = [q for q in worlds[split].clip(index).qa if q.choices][k]
        assert batch["choices"][i] == truth.choices and batch["answer_index"][i] == truth.answer_index
    assert len(dm.records("test")) == SIZES["test"] * 5


def test_msrvtt_qa_answer_vocabulary_and_batches(export):
    out, manifest, worlds = export
    dm = MSRVTTQADataModule(out / "msrvtt_qa", batch_size=5, answer_vocab_size=3).connect(PREPROCESS)
    answers = Counter(q.answer for i in range(4) for q in worlds["train"].clip(i).qa if not q.choices)
    info = dm.dataset_info()
    assert info["answer_vocab"] == [a for a, _ in answers.most_common(3)]
    assert info["question_types"] == ["0", "1", "2", "3", "4"]
    batch = next(iter(dm.test_dataloader()))
    check_frames(batch, owners(manifest, "msrvtt_qa"), worlds)
    truth = [q for q in worlds["test"].clip(0).qa if not q.choices]
    assert batch["answer"] == [q.answer for q in truth] and batch["choices"] == [[]] * 5
    with pytest.raises(ValueError, match="answer_vocab_size"):
        MSRVTTQADataModule(out / "msrvtt_qa", answer_vocab_size=0)


def test_charades_sta_grounding_batches(export):
    out, manifest, worlds = export
    dm = CharadesSTADataModule(out / "charades_sta", batch_size=4).connect(PREPROCESS)
    owner = owners(manifest, "charades_sta")
    batch = next(iter(dm.train_dataloader()))
    check_frames(batch, owner, worlds)
    assert batch["segments"].shape == (4, 2)
    for i, vid in enumerate(batch["video_id"]):
        clip = worlds["train"].clip(owner[vid][1])
        assert batch["segments"][i].tolist() == pytest.approx(clip.segment, abs=0.005)
        assert batch["query"][i][:-1] in clip.captions
    assert len(dm.records("val")) == SIZES["test"] * 4  # validation reads the test file
    assert all(r.duration == CONFIG.duration for r in dm.records("train"))


def test_bad_arguments_are_named(export, tmp_path):
    out, _, _ = export
    with pytest.raises(FileNotFoundError, match="root"):
        KineticsDataModule(tmp_path / "nowhere")
    with pytest.raises(ValueError, match="missing_videos"):
        MSRVTTDataModule(out / "msrvtt", missing_videos="ignore")
    with pytest.raises(ValueError, match="protocol"):
        MSRVTTDataModule(out / "msrvtt", protocol="7k")
    with pytest.raises(ValueError, match="video_backend"):
        NExTQADataModule(out / "nextqa", video_backend="opencv")
    with pytest.raises(ValueError, match="split must be one of"):
        NExTQADataModule(out / "nextqa").records("validation")
