"""TGIF-QA: ``tgif_qa/``.

``dataset/{Train,Test,Total}_{action,transition,frameqa,count}_question.csv`` — TAB-separated
despite the name, CRLF, a header, standard CSV quoting, per-task columns in the released order
(``gif_name, question, a1..a5, answer, vid_id, key`` / ``gif_name, question, answer, type,
vid_id, key, description`` / ``gif_name, question, answer, vid_id, key``); ``Total`` = ``Train``
+ ``Test`` rows — and ``gifs/<gif_name>.gif``, real animated GIFs (``media.write_gif``: exact for
frames of at most 256 colours, the rarest colours of larger palettes mapped to the nearest kept
one; decord cannot open GIFs, so ``video_backend="auto"`` falls back to PyAV with a warning).

Splits: world train -> ``Train``, test -> ``Test`` (TGIF-QA has no validation files; the world's
val clips are not exported). What the world's questions become:

- ``action`` (5-way): the world's multiple-choice ``action`` questions ("what is the red square
  doing?", the choices are action phrases);
- ``transition`` (5-way): the world's multiple-choice ``direction`` questions — the world asks
  no before / after question (TGIF's "what does X do after Y?");
- ``frameqa``: the world's open-ended ``colour`` (type 2), ``shape`` (0, object) and ``count``
  (1, number: a word, as TGIF's) questions, ``description`` = the clip's first caption;
- ``count``: the world's ``count`` question with the number of objects as an integer.

``gif_name`` is a tumblr-style name from a hash; ``vid_id`` is ``ACTION<n>`` / ``TRANS<n>`` /
``FRAMEQA<n>`` / ``COUNT<n>``, numbered over Train then Test so that ``Total`` keeps them
unique; ``key`` is the GIF's number, shared by its questions.
"""

from __future__ import annotations

from zoo.data.world.export.common import Context, Placement, write_csv

__all__ = ["write", "TGIF_HEADERS", "FRAMEQA_TYPE_OF"]

_MC = ("gif_name", "question", "a1", "a2", "a3", "a4", "a5", "answer", "vid_id", "key")
TGIF_HEADERS = {"action": _MC, "transition": _MC,
                "frameqa": ("gif_name", "question", "answer", "type", "vid_id", "key",
                            "description"),
                "count": ("gif_name", "question", "answer", "vid_id", "key")}
#: World question type -> frameqa ``type`` (0 object, 1 number, 2 color, 3 location).
FRAMEQA_TYPE_OF = {"colour": "2", "shape": "0", "count": "1"}
_PREFIX = {"action": "ACTION", "transition": "TRANS", "frameqa": "FRAMEQA", "count": "COUNT"}


def write(ctx: Context) -> list[Placement]:
    root, placements = ctx.root("tgif_qa"), []
    rows = {(split, task): [] for split in ("train", "test") for task in TGIF_HEADERS}
    counters = dict.fromkeys(TGIF_HEADERS, 0)

    def vid_id(task: str) -> str:
        counters[task] += 1
        return f"{_PREFIX[task]}{counters[task]}"

    key = 0
    for split in ("train", "test"):
        for clip in ctx.clips[split]:
            gif = ctx.ids.get("tgif", clip)
            for task, qtype in (("action", "action"), ("transition", "direction")):
                for q in (q for q in clip.qa if q.choices and q.question_type == qtype):
                    rows[split, task].append((gif, q.question, *q.choices, q.answer_index,
                                              vid_id(task), key))
            for q in clip.qa:
                if not q.choices and q.question_type in FRAMEQA_TYPE_OF:
                    rows[split, "frameqa"].append((gif, q.question, q.answer,
                                                   FRAMEQA_TYPE_OF[q.question_type],
                                                   vid_id("frameqa"), key, clip.captions[0]))
            for q in (q for q in clip.qa if not q.choices and q.question_type == "count"):
                rows[split, "count"].append((gif, q.question, len(clip.objects), vid_id("count"),
                                             key))
            placements.append(Placement(clip, f"tgif_qa/gifs/{gif}.gif", gif))
            key += 1
    for task, header in TGIF_HEADERS.items():
        files = {"Train": rows["train", task], "Test": rows["test", task],
                 "Total": rows["train", task] + rows["test", task]}
        for prefix, task_rows in files.items():
            write_csv(root / "dataset" / f"{prefix}_{task}_question.csv", header, task_rows,
                      delimiter="\t", newline="\r\n")
    return placements
