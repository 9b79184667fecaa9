"""Every shipped checkpoint of ``checkpoints/index.json`` loads offline through torch.hub from this
checkout and gives the outputs and test metrics recorded when it was exported
(``shipped_outputs.json``, ``shipped_reference.py``; to 1e-5, the last-bit differences of float32
sums across thread counts and CPUs): its files match the index, and a code change that moves any
number of any shipped model is caught."""

import hashlib
import json
import math

import pytest
import torch
from shipped_reference import RECORD, outputs

from zoo.hub.index import load_index
from zoo.hub.paths import REPO_ROOT

SHIPPED = [entry for entry in load_index(REPO_ROOT / "checkpoints" / "index.json")["models"] if entry["folder"]]
MAX_BYTES = 20 * 2 ** 20
# The one shipped file allowed more, and why: FROSTER's student trains its token embedding, and
# the caption decoder's output layer is that table, so every one of its 49,408 rows trains (a row
# delta cannot shrink it; zoo.hub.row_delta): 8.8 M stored parameters, 33.7 MiB.
LARGER = {"distill_captioning_tiny.world_8f": 36 * 2 ** 20}


def moment_numbers(results: list[dict]) -> torch.Tensor:
    """Every number of a tgrounding ``predict_batch`` result, in order: duration, moments
    (start, end, score), saliency (times, scores)."""
    numbers = []
    for result in results:
        numbers.append(result["duration"])
        numbers += [m[k] for m in result["moments"] for k in ("start", "end", "score")]
        numbers += result["saliency"]["times"] + result["saliency"]["scores"]
    return torch.tensor(numbers, dtype=torch.float64)


def tube_numbers(results: list[dict]) -> torch.Tensor:
    """Every number of an stgrounding ``predict_batch`` result, in order: segment, score, image
    size, then time and box of every frame of the tube."""
    numbers = []
    for result in results:
        numbers += result["segment"] + [result["score"]] + result["image_size"]
        numbers += [x for frame in result["frames"] for x in [frame["time"], *frame["box"]]]
    return torch.tensor(numbers, dtype=torch.float64)


def track_numbers(results: list[dict]) -> torch.Tensor:
    """Every number of a tracking ``predict_batch`` result, in order: image size, frame times,
    then each track's category score, times, boxes and detection scores."""
    numbers = []
    for result in results:
        numbers += result["image_size"] + result["frame_times"]
        for track in result["tracks"]:
            numbers += [track["category_score"], *track["times"], *track["scores"]]
            numbers += [x for box in track["boxes"] for x in box]
    return torch.tensor(numbers, dtype=torch.float64)


@pytest.mark.parametrize("entry", SHIPPED, ids=[entry["name"] for entry in SHIPPED])
def test_shipped_files_match_the_index(entry):
    folder = REPO_ROOT / "checkpoints" / entry["folder"]
    for name, recorded in entry["files"].items():
        data = (folder / name).read_bytes()
        assert len(data) == recorded["size"], name
        assert hashlib.sha256(data).hexdigest() == recorded["sha256"], name
    assert entry["files"]["model.safetensors"]["size"] < LARGER.get(entry["name"], MAX_BYTES)
    assert (REPO_ROOT / entry["card"]).read_text() == (folder / "README.md").read_text()


@pytest.mark.parametrize("entry", SHIPPED, ids=[entry["name"] for entry in SHIPPED])
def test_torch_hub_load_gives_exactly_the_recorded_outputs(entry):
    task = torch.hub.load(str(REPO_ROOT), entry["arch"], source="local", pretrained=True,
                          tag=entry["tag"], trust_repo=True)
    assert (task.task, task.model.paradigm, task.model.variant) == (entry["task"], entry["paradigm"], entry["variant"])
    assert task.parameter_counts()["trainable"] == entry["parameters"]["trainable"]
    recorded = json.loads(RECORD.read_text())[entry["name"]]
    assert recorded["sha256"] == entry["files"]["model.safetensors"]["sha256"], \
        "the checkpoint was re-exported: record its outputs again (tests/hub/shipped_reference.py)"
    actual = outputs(task, entry)
    assert set(actual) == set(recorded)
    for key, value in recorded.items():
        if key in ("probs", "video", "text"):  # float32 sums differ in the last bit across thread
            # counts and CPUs; anything a code change would cause is far larger
            assert torch.allclose(torch.tensor(actual[key]), torch.tensor(value), rtol=0, atol=1e-5), key
        elif key == "moments":  # predict_batch rounds to 4 decimals: a last-bit difference
            # may move the 4th decimal, anything a code change would cause moves more
            assert [(m["video_id"], m["query"]) for m in actual[key]] == [(m["video_id"], m["query"]) for m in value]
            assert torch.allclose(moment_numbers(actual[key]), moment_numbers(value), rtol=0, atol=2e-4), key
        elif key == "tubes":  # predict_batch rounds boxes to 0.01 pixel, times to 4 decimals
            assert [(t["video_id"], t["query"], len(t["frames"])) for t in actual[key]] == \
                [(t["video_id"], t["query"], len(t["frames"])) for t in value]
            assert torch.allclose(tube_numbers(actual[key]), tube_numbers(value), rtol=0, atol=2e-2), key
        elif key == "tracks":  # predict_batch rounds boxes to 0.01 pixel, scores to 4 decimals
            assert [(r["video_id"], [(t["track_id"], t["category"], t["frames"]) for t in r["tracks"]])
                    for r in actual[key]] == \
                [(r["video_id"], [(t["track_id"], t["category"], t["frames"]) for t in r["tracks"]])
                 for r in value]
            assert torch.allclose(track_numbers(actual[key]), track_numbers(value), rtol=0, atol=2e-2), key
        elif key == "metrics":
            assert actual[key].keys() == value.keys()
            assert all(abs(actual[key][k] - v) < 1e-6 for k, v in value.items()), (actual[key], value)
        else:
            assert actual[key] == value, key
    reported = {f"test/{name}" for name in entry["evaluation"]["metrics"]}
    assert set(recorded["metrics"]) <= reported and all(math.isfinite(v) for v in recorded["metrics"].values())
