"""The outputs of every shipped checkpoint on fixed world clips, and their test metrics: recorded
into ``shipped_outputs.json`` when a checkpoint is (re-)exported, compared by ``test_shipped.py``.

    python tests/hub/shipped_reference.py            # re-record every shipped checkpoint
    python tests/hub/shipped_reference.py NAME ...   # re-record these, keep the others' records

A refactor must reproduce them exactly; a re-exported checkpoint (new sha256) is re-recorded.
"""

import json
import sys
from pathlib import Path

import lightning as L
import torch

RECORD = Path(__file__).with_name("shipped_outputs.json")


def outputs(task, entry: dict) -> dict:
    """Forward outputs on the first test batch of 8 world clips × 2 views, and the test metrics."""
    from zoo.data.world import WorldDataModule

    mode = getattr(task, "mode", None) if entry["task"] == "qa" else None
    # grounding: the event videos of configs/tasks/{tgrounding,stgrounding}.yaml (8 s at 4 fps,
    # 2-3 events)
    events = dict(grounding=True, world_frames=32, fps=4.0, min_events=2, max_events=3) \
        if entry["task"] in ("tgrounding", "stgrounding") else {}
    # tracking: the recipe's protocol (all seven shapes at test); one view, as predict_batch takes
    if entry["task"] == "tracking":
        events = dict(tracking=True)
    data = WorldDataModule(train_size=1, val_size=1, test_size=8, batch_size=8,
                           test_clips=1 if entry["task"] == "tracking" else 2,
                           num_frames=entry["evaluation"]["num_frames"], qa_format=mode, **events)
    data.connect(task.preprocess)
    batch = next(iter(data.test_dataloader()))
    with torch.no_grad():
        if entry["task"] == "recognition":
            result = {"probs": task(batch["video"]).tolist()}
        elif entry["task"] == "retrieval":
            result = {"video": task(batch["video"]).tolist(),
                      "text": task.embed_texts([c[0] for c in batch["captions"]]).tolist()}
        elif entry["task"] == "captioning":
            result = {"captions": task.generate(batch["video"])}
        elif entry["task"] == "qa":
            result = {"probs": task(batch["video"], batch["question"], batch.get("choices")).tolist()}
        elif entry["task"] == "tgrounding":
            result = {"moments": task.predict_batch(batch)}
        elif entry["task"] == "stgrounding":
            result = {"tubes": task.predict_batch(batch)}
        elif entry["task"] == "tracking":
            result = {"tracks": task.predict_batch(batch)}
        else:
            raise NotImplementedError(f"no recorded outputs for task {entry['task']!r} yet")
    trainer = L.Trainer(accelerator="cpu", logger=False, enable_progress_bar=False,
                        enable_model_summary=False, enable_checkpointing=False)
    result["metrics"] = {k: float(v) for k, v in trainer.test(task, datamodule=data, verbose=False)[0].items()}
    result["sha256"] = entry["files"]["model.safetensors"]["sha256"]
    return result


def main(names: list[str]) -> None:
    import zoo
    from zoo.hub.index import load_index
    from zoo.hub.paths import REPO_ROOT

    torch.set_num_threads(2)
    shipped = {entry["name"]: entry for entry in load_index(REPO_ROOT / "checkpoints" / "index.json")["models"]
               if entry["folder"]}
    unknown = sorted(set(names) - set(shipped))
    if unknown:
        raise SystemExit(f"not shipped checkpoints of the index: {unknown}")
    recorded = json.loads(RECORD.read_text()) if names else {}
    for name in names or shipped:
        recorded[name] = outputs(zoo.from_pretrained(name), shipped[name])
    recorded = {name: recorded[name] for name in shipped if name in recorded}  # index order
    RECORD.write_text(json.dumps(recorded, indent=1) + "\n")
    print(f"recorded {len(names or shipped)} checkpoints in {RECORD}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
