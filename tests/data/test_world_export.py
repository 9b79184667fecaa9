"""The synthetic world exported in the real benchmarks' formats: the export's layout, media and
command, and the original six formats (every file parses with the real parser, the records carry
the world's annotations, the videos decode to the rendered frames). The other formats have one
``test_export_<format>.py`` each."""

import json
import os
import re
from pathlib import Path

import av
import numpy as np
import pytest

from zoo.commands import main
from zoo.data.formats import (PARSERS, parse_charades_sta, parse_kinetics, parse_msrvtt,
                              parse_msrvtt_jsfusion, parse_msrvtt_qa, parse_nextqa, parse_ucf101)
from zoo.data.world.synthetic import ACTION_PHRASES, ACTIONS, QUESTION_TYPES, SyntheticWorld, WorldConfig
from zoo.data.video import VideoReader, decord_available
from zoo.data.world.export import FORMATS, NEXTQA_TYPES, export_world, ucf_class_name
from zoo.data.world.export.media import gif_frames, read_png, write_gif

CONFIG = WorldConfig(num_frames=8, height=64, width=64, fps=8.0)
SIZES = {"train": 4, "val": 2, "test": 2}
SEED = 3


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    out = tmp_path_factory.mktemp("world_export")
    manifest = export_world(out, sizes=SIZES, seed=SEED, config=CONFIG)
    worlds = {split: SyntheticWorld(split, n, CONFIG, seed=SEED) for split, n in SIZES.items()}
    return out, manifest, worlds


def clips_by_id(manifest, fmt):
    """benchmark id -> (split, index) of the world clip."""
    return {c["ids"][fmt]: (c["split"], c["index"]) for c in manifest["clips"] if fmt in c["ids"]}


TRAIN_TEST_ONLY = {"ucf101", "charades_sta", "tgif_qa"}  # formats without a val split
FRAME_FOLDERS = {"tao", "burst"}


def test_layout_manifest_and_hard_links(export):
    out, manifest, worlds = export
    assert manifest["sizes"] == SIZES and manifest["formats"] == list(FORMATS)
    assert FORMATS[:6] == ("kinetics", "ucf101", "msrvtt", "charades_sta", "nextqa", "msrvtt_qa")
    assert len(manifest["clips"]) == sum(SIZES.values())
    for clip in manifest["clips"]:
        master = out / clip["video"]
        expected = set(FORMATS) - (TRAIN_TEST_ONLY if clip["split"] == "val" else set())
        assert set(clip["files"]) == expected
        first = {}  # one encode per container, hard-linked everywhere else
        for fmt, rel in clip["files"].items():
            target = out / rel
            if fmt in FRAME_FOLDERS:
                assert target.is_dir() and len(list(target.iterdir())) == CONFIG.num_frames
                target = target / "frame0001.png"
            assert target.is_file()
            if target.suffix == ".mp4":
                assert os.path.samefile(master, target)
            assert os.path.samefile(first.setdefault(target.suffix, target), target), rel
        assert set(first) == {".mp4", ".avi", ".webm", ".png"} | ({".gif"} if clip["split"] != "val" else set())
    assert json.loads((out / "manifest.json").read_text())["clips"] == manifest["clips"]


def test_kinetics_csv_and_names(export):
    out, manifest, worlds = export
    root = out / "kinetics"
    lines = (root / "annotations" / "val.csv").read_text().splitlines()
    assert lines[0] == "label,youtube_id,time_start,time_end,split"
    assert all(line.endswith(",validate") for line in lines[1:])
    owners = clips_by_id(manifest, "kinetics")
    for split in ("train", "val", "test"):
        records = parse_kinetics(root / "annotations" / f"{split}.csv", classes=root / "label_map.txt")
        assert len(records) == SIZES[split]
        for record in records:
            assert re.fullmatch(r"[A-Za-z0-9_-]{11}_\d{6}_\d{6}", record.video_id)
            owner_split, index = owners[record.video_id]
            clip = worlds[owner_split].clip(index)
            assert owner_split == split and (root / split / record.path).is_file()
            assert record.label == clip.label and record.label_name == ACTION_PHRASES[clip.action]


def test_ucf101_lists_are_crlf_with_1_based_ids(export):
    out, manifest, worlds = export
    lists = out / "ucf101" / "ucfTrainTestlist"
    raw = (lists / "classInd.txt").read_bytes()
    assert raw.count(b"\r\n") == len(ACTIONS) == raw.count(b"\n")
    assert raw.startswith(b"1 MovingLeft\r\n2 MovingRight\r\n")
    assert ucf_class_name("changing colour") == "ChangingColour"
    owners = clips_by_id(manifest, "ucf101")
    for name, split in (("trainlist01.txt", "train"), ("testlist01.txt", "test")):
        text = (lists / name).read_bytes().decode()
        assert text.count("\r\n") == SIZES[split] == text.count("\n")
        records = parse_ucf101(lists / name, lists / "classInd.txt")
        for record in records:
            assert re.fullmatch(r"([A-Za-z]+)/v_\1_g\d\d_c\d\d\.avi", record.path)
            clip = worlds[split].clip(owners[record.video_id][1])
            assert record.label == clip.label and record.label_name == ucf_class_name(ACTION_PHRASES[clip.action])
    assert all(len(line.split()) == 1 for line in (lists / "testlist01.txt").read_text().splitlines())
    some = next(c["files"]["ucf101"] for c in manifest["clips"] if "ucf101" in c["files"])
    with av.open(str(out / some)) as container:
        assert "avi" in container.format.name  # a real AVI container, not a renamed MP4


def test_msrvtt_json_splits_and_jsfusion(export):
    out, manifest, worlds = export
    data = out / "msrvtt" / "msrvtt_data"
    raw = json.loads((data / "MSRVTT_data.json").read_text())
    assert {"start time", "end time", "split", "category", "url", "id"} <= set(raw["videos"][0])
    assert [v["video_id"] for v in raw["videos"]] == [f"video{n}" for n in range(sum(SIZES.values()))]
    owners = clips_by_id(manifest, "msrvtt")
    train = parse_msrvtt(data / "MSRVTT_data.json", data / "MSRVTT_train.9k.csv")
    assert [r.video_id for r in train] == ["video0", "video1", "video2", "video3"]
    for json_split, split in (("train", "train"), ("validate", "val"), ("test", "test")):
        records = parse_msrvtt(data / "MSRVTT_data.json", split=json_split)
        assert len(records) == SIZES[split]
        for record in records:
            clip = worlds[split].clip(owners[record.video_id][1])
            assert record.captions == clip.captions
            assert record.duration == pytest.approx(clip.duration)
    test = parse_msrvtt_jsfusion(data / "MSRVTT_JSFUSION_test.csv")
    assert [r.video_id for r in test] == ["video6", "video7"]  # row i <-> test video i
    assert [r.captions for r in test] == [[worlds["test"].clip(i).captions[0]] for i in range(2)]
    assert (data / "MSRVTT_JSFUSION_test.csv").read_text().splitlines()[1].startswith("ret0,msr6,video6,")


def test_charades_sta_queries_segments_and_durations(export):
    out, manifest, worlds = export
    root = out / "charades_sta"
    owners = clips_by_id(manifest, "charades_sta")
    for split in ("train", "test"):
        records = parse_charades_sta(root / f"charades_sta_{split}.txt",
                                     durations=root / "Charades_duration.json", on_reversed="raise")
        assert len(records) == SIZES[split] * 4  # one query per caption
        for record in records:
            assert re.fullmatch(r"[0-9A-Z]{5}", record.video_id) and record.path == record.video_id + ".mp4"
            clip = worlds[split].clip(owners[record.video_id][1])
            assert record.query[:-1] in clip.captions and record.query.endswith(".")
            assert record.segments[0] == pytest.approx(clip.segment, abs=0.005)  # 2 decimals
            assert record.duration == clip.duration


def test_nextqa_multiple_choice(export):
    out, manifest, worlds = export
    data = out / "nextqa" / "dataset" / "nextqa"
    header = (data / "train.csv").read_text().splitlines()[0]
    assert header == "video,frame_count,width,height,question,answer,qid,type,a0,a1,a2,a3,a4"
    owners = clips_by_id(manifest, "nextqa")
    for split in ("train", "val", "test"):
        records = parse_nextqa(data / f"{split}.csv", video_map=data / "map_vid_vidorID.json")
        assert len(records) == SIZES[split] * len(QUESTION_TYPES)
        for record in records:
            clip = worlds[split].clip(owners[record.video_id][1])
            qa = record.qa[0]
            k = int(qa.qid.rsplit("_", 1)[1])
            truth = [q for q in clip.qa if q.choices][k]
            assert (qa.question, qa.choices, qa.answer_index, qa.answer) == \
                (truth.question, truth.choices, truth.answer_index, truth.answer)
            assert qa.question_type == NEXTQA_TYPES[truth.question_type]
            assert re.fullmatch(r"\d{4}/\d{10}\.mp4", record.path)
            assert (out / "nextqa" / "NExTVideo" / record.path).is_file()


def test_msrvtt_qa_open_ended(export):
    out, manifest, worlds = export
    owners = clips_by_id(manifest, "msrvtt_qa")
    for split in ("train", "val", "test"):
        records = parse_msrvtt_qa(out / "msrvtt_qa" / f"{split}_qa.json")
        expected = [(qa.question, qa.answer, str(QUESTION_TYPES.index(qa.question_type)))
                    for i in range(SIZES[split]) for qa in worlds[split].clip(i).qa if not qa.choices]
        assert [(r.qa[0].question, r.qa[0].answer, r.qa[0].question_type) for r in records] == expected
        assert all(owners[r.video_id][0] == split for r in records)
        assert [r.qa[0].qid for r in records] == [str(i) for i in range(len(records))]


@pytest.mark.parametrize("backend", ["pyav", "decord"])
def test_videos_decode_to_the_rendered_frames(export, backend):
    if backend == "decord" and not decord_available():
        pytest.skip("decord is not installed")
    out, manifest, worlds = export
    for clip in manifest["clips"][::3]:
        expected = worlds[clip["split"]].render(clip["index"])
        files = {fmt: rel for fmt, rel in clip["files"].items() if fmt not in FRAME_FOLDERS}
        if backend == "decord":  # decord cannot open GIFs (the "auto" backend falls back to PyAV)
            files.pop("tgif_qa", None)
        for fmt, rel in [("master", clip["video"]), *files.items()]:
            with VideoReader(out / rel, backend=backend) as video:
                frames = video.get_frames(range(CONFIG.num_frames))
                if fmt == "tgif_qa":  # whole-centisecond delays; <= 256 colours per frame
                    assert video.num_frames == CONFIG.num_frames
                    assert video.fps == pytest.approx(CONFIG.fps, rel=0.05)
                    assert np.array_equal(frames, gif_frames(expected)), rel
                    continue
                assert (video.num_frames, video.fps) == (CONFIG.num_frames, CONFIG.fps), rel
                assert np.array_equal(frames, expected), rel
        for fmt in FRAME_FOLDERS:
            folder = out / clip["files"][fmt]
            pngs = [read_png(folder / f"frame{k + 1:04d}.png") for k in range(CONFIG.num_frames)]
            assert np.array_equal(np.stack(pngs), expected), folder


def test_gif_keeps_256_colours_per_frame_and_maps_the_rest_to_the_nearest(tmp_path):
    rng = np.random.default_rng(0)
    few = rng.integers(0, 256, (1, 16, 16, 3), dtype=np.uint8)  # 256 pixels: <= 256 colours
    many = np.zeros((1, 24, 24, 3), np.uint8)
    many[0, :, :, 0] = np.arange(24)[:, None] * 10  # 576 colours: 24 x 24 grid of (r, g)
    many[0, :, :, 1] = np.arange(24)[None, :] * 10
    many[0, :12] = [200, 30, 30]  # the top half one colour: 1 + 288 colours
    assert np.array_equal(gif_frames(few), few)
    stored = gif_frames(many)
    assert len(np.unique(stored.reshape(-1, 3), axis=0)) == 256
    changed = np.any(stored != many, axis=-1)
    assert changed.sum() == 289 - 256  # the rarest (ties: the last) colours take the nearest kept
    assert np.abs(stored.astype(int) - many).max() == 20 and not changed[0, :12].any()
    for frames in (few, many):
        path = write_gif(tmp_path / f"{len(frames[0])}.gif", np.repeat(frames, 3, axis=0), 8.0)
        with VideoReader(path, backend="pyav") as video:
            assert np.array_equal(video.get_frames(range(3)), np.repeat(gif_frames(frames), 3, 0))


def test_identifiers_and_files_do_not_depend_on_the_formats(export, tmp_path):
    out, manifest, _ = export
    alone = export_world(tmp_path / "nextqa_only", formats=["nextqa"], sizes=SIZES, seed=SEED, config=CONFIG)
    assert [c["ids"] for c in alone["clips"]] == [{"nextqa": c["ids"]["nextqa"]} for c in manifest["clips"]]
    for name in ("train.csv", "map_vid_vidorID.json"):
        rel = Path("nextqa", "dataset", "nextqa", name)
        assert (tmp_path / "nextqa_only" / rel).read_bytes() == (out / rel).read_bytes()
    other_seed = export_world(tmp_path / "seed", formats=["nextqa"], sizes=SIZES, seed=SEED + 1, config=CONFIG)
    assert [c["ids"] for c in other_seed["clips"]] != [c["ids"] for c in alone["clips"]]


def test_bad_arguments_and_existing_exports(export, tmp_path):
    out, _, _ = export
    with pytest.raises(ValueError, match="kinetics700"):
        export_world(tmp_path / "x", formats=["kinetics700"])
    with pytest.raises(ValueError, match="unknown split"):
        export_world(tmp_path / "x", sizes={"validation": 2})
    with pytest.raises(ValueError, match=">= 0"):
        export_world(tmp_path / "x", sizes={"train": -1})
    with pytest.raises(FileExistsError, match="overwrite"):
        export_world(out, sizes=SIZES, seed=SEED, config=CONFIG)


def test_cli_export_world(tmp_path, capsys):
    args = ["export-world", "--out", str(tmp_path), "--formats", "msrvtt", "kinetics", "--train", "2",
            "--val", "0", "--test", "1", "--frames", "8", "--height", "32", "--width", "48"]
    assert main(args) == 0
    assert re.search(r"exported 3 clips \(msrvtt, kinetics\) .* clips/s\)", capsys.readouterr().out)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["config"]["width"] == 48 and set(manifest["clips"][0]["files"]) == {"msrvtt", "kinetics"}
    assert not (tmp_path / "ucf101").exists()
    with VideoReader(tmp_path / manifest["clips"][2]["files"]["msrvtt"], backend="pyav") as video:
        assert (video.height, video.width, video.num_frames) == (32, 48, 8)
    assert main(args) == 2  # an existing output folder is a one-line user error
    assert main(args + ["--overwrite"]) == 0
    events = ["export-world", "--out", str(tmp_path / "events"), "--formats", "qvhighlights",
              "--train", "1", "--val", "0", "--test", "0", "--frames", "48", "--height", "16",
              "--width", "16", "--events", "2", "3", "--min-frames", "40"]
    assert main(events) == 0
    config = json.loads((tmp_path / "events" / "manifest.json").read_text())["config"]
    assert (config["min_events"], config["max_events"], config["min_frames"]) == (2, 3, 40)


def test_event_videos_of_varying_length_export_in_every_format(tmp_path):
    """``WorldConfig(max_events=...)``: the grounding formats get one moment per event (and one
    query per event sentence), every other format still parses, and each file decodes to its
    clip's own number of frames."""
    config = WorldConfig(num_frames=40, min_frames=24, height=32, width=32, fps=8.0,
                         min_events=2, max_events=3)
    sizes = {"train": 2, "val": 1, "test": 1}
    manifest = export_world(tmp_path, sizes=sizes, config=config)
    world = SyntheticWorld("train", 2, config)
    clips = [world.clip(i) for i in range(2)]
    assert all(len(c.events) >= 2 for c in clips) and len({c.num_frames for c in clips}) == 2
    sentences = sum(len(e.sentences) for c in clips for e in c.events)
    events = sum(len(c.events) for c in clips)
    charades = parse_charades_sta(tmp_path / "charades_sta" / "charades_sta_train.txt")
    assert len(charades) == sentences
    assert {tuple(r.segments[0]) for r in charades} == {
        tuple(round(t, 2) for t in e.segment) for c in clips for e in c.events}
    anet = PARSERS["activitynet_captions"](
        tmp_path / "activitynet_captions" / "captions" / "train.json", granularity="sentence")
    assert len(anet) == events
    assert len(PARSERS["qvhighlights"](
        tmp_path / "qvhighlights" / "data" / "highlight_train_release.jsonl")) == sentences
    assert len(PARSERS["didemo"](tmp_path / "didemo" / "data" / "train_data.json",
                                 granularity="sentence")) == sentences
    vidstg = PARSERS["vidstg"](tmp_path / "vidstg" / "annotations" / "train_annotations.json",
                               tmp_path / "vidstg" / "vidor" / "training", sentences=["declarative"])
    assert len(vidstg) == sentences
    assert len(PARSERS["hcstvg"](tmp_path / "hcstvg" / "anno" / "train.json",
                                 video_seconds=config.duration)) == 2  # one sentence per video
    for clip in manifest["clips"][:2]:
        frames = SyntheticWorld(clip["split"], sizes[clip["split"]], config).clip(clip["index"]).num_frames
        for fmt in ("sthv2", "hmdb51", "vatex"):
            with VideoReader(tmp_path / clip["files"][fmt], backend="pyav") as video:
                assert video.num_frames == frames
