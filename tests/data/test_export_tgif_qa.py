"""TGIF-QA as exported from the world (``zoo.data.world.export.tgif_qa``): the four TAB-separated,
CRLF task files (Train / Test / Total), read back through ``parse_tgif_qa`` and
``TGIFQADataModule``; the GIFs decode (PyAV) to the rendered frames as a GIF stores them."""

import numpy as np
import pytest
import torch

from zoo.data.benchmarks import TGIFQADataModule
from zoo.data.formats.tgif_qa import parse_tgif_qa
from zoo.data.video import VideoReader
from zoo.data.world.export import export_world
from zoo.data.world.export.media import gif_frames
from zoo.data.world.export.tgif_qa import FRAMEQA_TYPE_OF, TGIF_HEADERS
from zoo.data.world.synthetic import SyntheticWorld, WorldConfig

CONFIG = WorldConfig(num_frames=8, height=32, width=32, fps=8.0)
SIZES = {"train": 3, "val": 1, "test": 2}
PREPROCESS = {"mean": [0.0] * 3, "std": [1.0] * 3, "size": 32, "num_frames": 4}


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    out = tmp_path_factory.mktemp("tgif")
    manifest = export_world(out, formats=["tgif_qa"], sizes=SIZES, seed=12, config=CONFIG)
    worlds = {split: SyntheticWorld(split, n, CONFIG, seed=12) for split, n in SIZES.items()}
    owner = {c["ids"]["tgif_qa"]: (c["split"], c["index"]) for c in manifest["clips"]
             if "tgif_qa" in c["ids"]}
    return out / "tgif_qa", owner, worlds


def truth(worlds, split, task):
    out = []
    for i in range(SIZES[split]):
        qa = worlds[split].clip(i).qa
        if task in ("action", "transition"):
            qtype = "action" if task == "action" else "direction"
            out += [(q.question, q.choices, q.answer_index) for q in qa
                    if q.choices and q.question_type == qtype]
        elif task == "frameqa":
            out += [(q.question, q.answer, FRAMEQA_TYPE_OF[q.question_type]) for q in qa
                    if not q.choices and q.question_type in FRAMEQA_TYPE_OF]
        else:
            out += [(q.question, str(len(worlds[split].clip(i).objects))) for q in qa
                    if not q.choices and q.question_type == "count"]
    return out


def test_task_files_as_released(export):
    root, owner, worlds = export
    assert len(owner) == SIZES["train"] + SIZES["test"]  # no val: TGIF-QA has none
    for task, header in TGIF_HEADERS.items():
        raw = (root / "dataset" / f"Train_{task}_question.csv").read_bytes()
        assert raw.startswith("\t".join(header).encode() + b"\r\n")
        assert raw.count(b"\r\n") == raw.count(b"\n")
        train, test, total = (parse_tgif_qa(root / "dataset" / f"{p}_{task}_question.csv")
                              for p in ("Train", "Test", "Total"))
        assert [r.qa[0].qid for r in total] == [r.qa[0].qid for r in train + test]
        for records, split in ((train, "train"), (test, "test")):
            assert all(owner[r.video_id][0] == split for r in records)
            if task in ("action", "transition"):
                got = [(r.qa[0].question, r.qa[0].choices, r.qa[0].answer_index) for r in records]
            elif task == "frameqa":
                got = [(r.qa[0].question, r.qa[0].answer, r.qa[0].question_type) for r in records]
            else:
                got = [(r.qa[0].question, r.qa[0].answer) for r in records]
            assert got == truth(worlds, split, task)


def test_gifs_and_batches(export):
    root, owner, worlds = export
    for gif, (split, index) in owner.items():
        with VideoReader(root / "gifs" / f"{gif}.gif", backend="pyav") as video:
            assert np.array_equal(video.get_frames(range(CONFIG.num_frames)),
                                  gif_frames(worlds[split].render(index)))
    for task in ("action", "count"):
        dm = TGIFQADataModule(root, task=task, batch_size=2, video_backend="pyav").connect(PREPROCESS)
        batch = next(iter(dm.test_dataloader()))
        pixels = (batch["video"] * 255).round().to(torch.uint8).permute(0, 1, 3, 4, 2).numpy()
        for i, gif in enumerate(batch["video_id"]):
            split, index = owner[gif]
            with VideoReader(root / "gifs" / f"{gif}.gif", backend="pyav") as video:
                fps = video.fps  # whole-centisecond delays: about the world's fps
            frames = (batch["frame_times"][i] * fps).round().long().tolist()
            assert np.array_equal(pixels[i], gif_frames(worlds[split].render(index, frames=frames)))
        if task == "count":
            assert batch["answer"] == [a for _, a in truth(worlds, "test", "count")]
