"""TGIF-QA (``YunseokJANG/tgif-qa/dataset``) ``{Train,Test,Total}_{task}_question.csv`` → records.

The files are **TAB-separated** despite the ``.csv`` name, with CRLF line endings, a header row,
and standard CSV quoting (a field holding a double quote is itself quoted, with the inner
quote doubled — the transition files have a few). Columns differ per task and are read by header
name:

============== ====================================================================== ==========
task           columns                                                                answer
============== ====================================================================== ==========
``action``     ``gif_name, question, a1..a5, answer, vid_id, key``                    0-based
``transition`` (same)                                                                 index a1..a5
``frameqa``    ``gif_name, question, answer, type, vid_id, key, description``         a word
``count``      ``gif_name, question, answer, vid_id, key``                            an integer
============== ====================================================================== ==========

Records (one per question):

- action / transition: 5-way multiple choice, ``choices = [a1..a5]``, ``answer_index`` = the
  ``answer`` column, ``answer`` = that choice's text;
- frameqa: open-ended, ``answer`` = the word, ``question_type`` = ``type`` as written
  (0 object, 1 number, 2 color, 3 location; ``FRAMEQA_TYPES`` names them);
- count: a **regression** — ``answer`` is the count as a decimal string (``"3"``; the real
  files hold 0..10), ``answer_index`` -1, no choices; ``question_type = "count"``. The metric is
  the mean squared error of the predicted number (``float(answer)``), not accuracy.

``qa.qid`` is ``vid_id`` (``ACTION4``, ``FRAMEQA1159``, ...), unique per question; ``key`` is the
GIF's index and repeats across questions of the same GIF. ``video_id`` is ``gif_name``
(``tumblr_nk172bbdPI1u1lr18o1_250``, without extension) and ``path`` is ``<gif_name>.gif``.

The task is taken from the file name (``Test_frameqa_question.csv`` → ``frameqa``) unless given.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

from zoo.data.formats.base import AnnotationError, PathLike, locate, read_csv, to_int
from zoo.data.records import QuestionAnswer, VideoRecord

__all__ = ["parse_tgif_qa", "tgif_task", "TGIF_TASKS", "FRAMEQA_TYPES", "TGIF_COUNT_RANGE"]

TGIF_TASKS = ("action", "transition", "frameqa", "count")
FRAMEQA_TYPES = {"0": "object", "1": "number", "2": "color", "3": "location"}
#: The counts that occur in the released files (Train/Test/Total_count_question.csv).
TGIF_COUNT_RANGE = (0, 10)
_CHOICES = ("a1", "a2", "a3", "a4", "a5")
_NAME = re.compile(r"^(Train|Test|Total)_(action|transition|frameqa|count)_question\.csv$")


def tgif_task(path: PathLike) -> str:
    """The task of a ``{Train,Test,Total}_{task}_question.csv`` file name."""
    match = _NAME.match(Path(path).name)
    if not match:
        raise AnnotationError(path, None, "cannot tell the TGIF-QA task from the file name "
                              "(expected {Train,Test,Total}_{action,transition,frameqa,count}_"
                              "question.csv); pass task=")
    return match.group(2)


def parse_tgif_qa(path: PathLike, task: Optional[str] = None,
                  ext: str = ".gif") -> list[VideoRecord]:
    """Parse one TGIF-QA question file (module docstring)."""
    task = task or tgif_task(path)
    if task not in TGIF_TASKS:
        raise ValueError(f"task must be one of {TGIF_TASKS}, got {task!r}")
    required = {"action": ("gif_name", "question", *_CHOICES, "answer", "vid_id"),
                "transition": ("gif_name", "question", *_CHOICES, "answer", "vid_id"),
                "frameqa": ("gif_name", "question", "answer", "type", "vid_id"),
                "count": ("gif_name", "question", "answer", "vid_id")}[task]
    records, seen = [], {}
    for line, row in read_csv(path, required, delimiter="\t"):
        gif, question, qid = row["gif_name"], row["question"], row["vid_id"]
        for column in ("gif_name", "question", "vid_id"):
            if not row[column]:
                raise AnnotationError(path, line, f"empty {column}")
        if qid in seen:
            raise AnnotationError(path, line, f"vid_id {qid!r} repeats (first at line {seen[qid]})")
        seen[qid] = line
        if task in ("action", "transition"):
            choices = [row[c] for c in _CHOICES]
            empty = [c for c, text in zip(_CHOICES, choices) if not text]
            if empty:
                raise AnnotationError(path, line, f"empty answer choice(s) {empty}")
            index = to_int(row["answer"], path, line, "answer", minimum=0)
            if index >= len(_CHOICES):
                raise AnnotationError(path, line, f"answer {index} is not an index into a1..a5")
            qa = QuestionAnswer(question=question, answer=choices[index], question_type=task,
                                choices=choices, answer_index=index, qid=qid)
        elif task == "frameqa":
            if not row["answer"]:
                raise AnnotationError(path, line, "empty answer")
            if row["type"] not in FRAMEQA_TYPES:
                raise AnnotationError(path, line, f"type {row['type']!r} is not one of "
                                      f"{sorted(FRAMEQA_TYPES)} ({FRAMEQA_TYPES})")
            qa = QuestionAnswer(question=question, answer=row["answer"],
                                question_type=row["type"], qid=qid)
        else:
            count = to_int(row["answer"], path, line, "answer (a count)", minimum=0)
            qa = QuestionAnswer(question=question, answer=str(count), question_type="count",
                                qid=qid)
        records.append(VideoRecord(video_id=gif, path=gif + ext, qa=[qa],
                                   source=locate(path, line)))
    return records
