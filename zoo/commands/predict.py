"""``zoo predict``: one video (and texts) through a trained model, printed as a table, written as
JSON, optionally drawn.

    zoo predict --model postnet_recognition_tiny.world_8f clip.mp4               # top-5 classes
    zoo predict --model postnet_recognition_tiny.world_8f clip.mp4 "moving left" "growing"   # zero-shot among these
    zoo predict --model adapter_retrieval_tiny.world_8f clip.mp4 "a red square moves left" "a blue star grows"
    zoo predict --model adapter_captioning_tiny.world_8f clip.mp4 --out caption.json
    zoo predict --model adapter_qa_tiny.world_8f clip.mp4 "what colour is the shape?"
    zoo predict --model checkpoints/<arch>.<tag> clip.mp4 "the red square" --picture tube.gif
    zoo predict --model <arch>.<tag> clip.mp4 "the red square moves left" --picture moments.png --truth '{"windows": [[2, 4.5]]}'

``--model`` takes what :func:`zoo.from_pretrained` takes: a published ``arch.tag`` (or ``arch``),
a local pretrained folder, or ``hf-hub:org/name[@rev]``. The video is sampled and transformed
with the checkpoint's own preprocessing at test time (``VideoTask.prediction_batch``); the texts
mean what the task says (``prediction_inputs``: class names, texts to rank, a question and its
choices, a query). ``--out`` writes the result as JSON (``-``: standard output), ``--picture``
draws it where the task can (``render``: PNG, GIF or MP4 by suffix), with ``--truth`` (JSON)
beside it. Batch prediction over a
datamodule is LightningCLI's ``zoo predict --config ... --ckpt_path ...``.

In Python: ``zoo.predict(model_or_name, "clip.mp4", *texts, **options)`` (:func:`predict`), or
``model.predict("clip.mp4", texts, **options)`` on a loaded model, which avoids reloading it.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any, Union

from zoo.hub.load import from_pretrained

EPILOG = """Batch prediction over a datamodule stays LightningCLI's:
  zoo predict --config run/config.yaml --ckpt_path run/checkpoints/last.ckpt
(any of --config, --recipe, --ckpt_path, --print_config or a --trainer./--data./--model. flag
routes `zoo predict` there)."""
#: Rows of a table printed before the rest is left to --out.
MAX_ROWS = 20
HIDDEN = ("video", "video_id", "frame_times")


def predict(model: Any, video: Union[str, os.PathLike, Any], *texts: str, **options: Any) -> dict:
    """The readable prediction of ``model`` for one ``video`` (a file, or decoded uint8 frames
    ``[N, H, W, 3]`` with ``fps=``) and ``texts``: ``VideoTask.predict``.

    ``model`` is a loaded task, or anything :func:`zoo.from_pretrained` takes (loaded on every
    call: keep the model to predict several videos). ``options``: ``clips`` / ``crops`` (test
    views, default 1 × 1), ``fps`` (for frames) and the task's own (e.g. ``choices=`` for
    multiple-choice QA, ``beam_size=`` for captioning).
    """
    task = from_pretrained(os.fspath(model)) if isinstance(model, (str, os.PathLike)) else model
    return task.predict(video, list(texts), **options)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True,
                        help="a published arch.tag (zoo list --pretrained), a pretrained folder or hf-hub:org/name")
    parser.add_argument("video", help="the video file")
    parser.add_argument("texts", nargs="*", metavar="TEXT",
                        help="what the task reads: class names to choose among (recognition), texts to "
                             "rank (retrieval), a question then its choices (qa), a query (grounding)")
    parser.add_argument("--choices", nargs="+", metavar="ANSWER", help="multiple-choice QA: the answers")
    parser.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                        help="a task option, VALUE read as JSON when it parses (e.g. beam_size=3); repeatable")
    parser.add_argument("--clips", type=int, default=1, help="temporal views (default 1)")
    parser.add_argument("--crops", type=int, default=1, choices=(1, 3), help="spatial views (default 1)")
    parser.add_argument("--out", help="write the result as JSON to this file (- for standard output)")
    parser.add_argument("--picture", help="draw the prediction into this .png / .gif / .mp4 (tasks that can)")
    parser.add_argument("--truth", metavar="JSON",
                        help="with --picture: the true answer drawn beside the prediction, as JSON or a "
                             ".json file (tgrounding: {\"windows\": [[start, end], ...]} seconds; "
                             "stgrounding / tracking: a result of the same form)")


def parse_options(pairs: list[str]) -> dict[str, Any]:
    """``["beam_size=3", "name=x"]`` -> ``{"beam_size": 3, "name": "x"}``."""
    options = {}
    for pair in pairs:
        key, eq, value = pair.partition("=")
        if not eq or not key.isidentifier():
            raise ValueError(f"--option {pair!r}: expected KEY=VALUE with KEY a name, e.g. beam_size=3")
        try:
            options[key] = json.loads(value)
        except json.JSONDecodeError:
            options[key] = value
    return options


def run(args: argparse.Namespace) -> int:
    options = parse_options(args.option)
    if args.choices:
        options["choices"] = args.choices
    if args.picture and Path(args.picture).suffix.lower() not in (".png", ".gif", ".mp4"):
        raise ValueError(f"--picture {args.picture}: the file name must end in .png, .gif or .mp4")
    truth = read_truth(args.truth) if args.truth is not None else None
    if truth is not None and not args.picture:
        raise ValueError("--truth is drawn into the picture: give --picture too")
    task = from_pretrained(args.model)
    render = getattr(task, "render", None)
    if args.picture and render is None:
        raise ValueError(f"--picture: {task.task} models draw no picture; the result is the text "
                         "printed (and --out's JSON)")
    batch = task.prediction_batch(args.video, clips=args.clips, crops=args.crops)
    result = task.predict_from_batch(batch, args.texts, **options)
    name = (getattr(task, "pretrained_config", None) or {}).get("name", args.model)
    print("\n".join(describe(result, name, task.task)))
    if args.out:
        text = json.dumps({"model": name, "task": task.task, **result}, indent=2, ensure_ascii=False)
        if args.out == "-":
            print(text)
        else:
            Path(args.out).write_text(text + "\n", encoding="utf-8")
            print(f"\nresult: {args.out}")
    if args.picture:
        extra = {"truth": truth} if truth is not None else {}
        path = render(task.display_frames(batch), task.display_times(batch), result, args.picture, **extra)
        print(f"picture: {path}")
    return 0


def read_truth(value: str) -> dict:
    """``--truth``: a JSON object, inline or in a ``.json`` file."""
    path = Path(value)
    if not value.lstrip().startswith(("{", "[")) and path.is_file():
        value = path.read_text(encoding="utf-8")
    try:
        truth = json.loads(value)
    except json.JSONDecodeError:
        raise ValueError(f"--truth {value!r}: neither a JSON object nor a file") from None
    if not isinstance(truth, dict):
        raise ValueError(f"--truth must be a JSON object, got {type(truth).__name__}")
    return truth


# ---------------------------------------------------------------------- the printed result
def describe(result: dict, name: str, task: str) -> list[str]:
    """The printed form of one prediction: a header (model, video, frames), then every field
    of ``result`` (lists of records as tables)."""
    times = result.get("frame_times") or []
    span = f"{len(times)} frames, {times[0]:g}-{times[-1]:g} s" if times else "no frames"
    lines = [f"{name} ({task}) on {result.get('video') or result.get('video_id')}: {span}", ""]
    return lines + format_fields({k: v for k, v in result.items() if k not in HIDDEN})


def format_fields(fields: dict, indent: str = "") -> list[str]:
    lines = []
    for key, value in fields.items():
        if _is_table(value):
            lines.append(f"{indent}{key}:")
            lines += [f"{indent}  {row}" for row in format_table(value)]
        elif isinstance(value, dict):
            lines.append(f"{indent}{key}:")
            lines += format_fields(value, indent + "  ")
        else:
            lines.append(f"{indent}{key}: {format_cell(value)}")
    return lines


def _is_table(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def format_cell(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) < 1e4 else f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        shown = ", ".join(format_cell(v) for v in value[:6])
        return f"[{shown}{f', ... ({len(value)} values)' if len(value) > 6 else ''}]"
    return str(value)


def format_table(rows: list[dict]) -> list[str]:
    """Rows of records as an aligned table (numbers right-aligned), at most ``MAX_ROWS``."""
    columns = list(dict.fromkeys(k for row in rows for k in row))
    cells = [[format_cell(row.get(c, "")) for c in columns] for row in rows[:MAX_ROWS]]
    numeric = [all(isinstance(row.get(c), (int, float)) and not isinstance(row.get(c), bool)
                   for row in rows if c in row) for c in columns]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]

    def line(values: list[str]) -> str:
        return "  ".join(v.rjust(w) if num else v.ljust(w)
                         for v, w, num in zip(values, widths, numeric)).rstrip()

    out = [line(columns)] + [line(r) for r in cells]
    if len(rows) > MAX_ROWS:
        out.append(f"... and {len(rows) - MAX_ROWS} more (all of them in --out)")
    return out
