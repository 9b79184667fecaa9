"""MSRVTT-QA / MSVD-QA (Xu et al. 2017) ``{train,val,test}_qa.json`` → records, one per question.

Each file is a JSON list of ``{"answer": str, "id": int, "question": str, "video_id": int}``;
MSRVTT-QA records may also carry ``"category_id"`` (the question type, kept as a string in
``question_type``). Questions are open-ended: ``choices`` is empty and ``answer_index`` is -1 (the
task maps answers to its top-1000 vocabulary; this parser keeps every question).

Video files: MSRVTT-QA ``video_id`` N → ``video{N}.mp4`` (``dataset="msrvtt"``, ids 0..9999);
MSVD-QA N → ``vid{N}.avi`` (``dataset="msvd"``, ids 1..1970). ``qa.qid`` is the question ``id``.
"""

from __future__ import annotations

from zoo.data.formats.base import AnnotationError, PathLike, locate, read_json, to_int
from zoo.data.records import QuestionAnswer, VideoRecord

__all__ = ["parse_msrvtt_qa", "QA_VIDEO_NAMES"]

# dataset -> (video id prefix, file extension)
QA_VIDEO_NAMES = {"msrvtt": ("video", ".mp4"), "msvd": ("vid", ".avi")}


def parse_msrvtt_qa(path: PathLike, dataset: str = "msrvtt") -> list[VideoRecord]:
    """Parse a ``*_qa.json`` file of MSRVTT-QA (or MSVD-QA with ``dataset="msvd"``)."""
    if dataset not in QA_VIDEO_NAMES:
        raise ValueError(f"dataset must be one of {sorted(QA_VIDEO_NAMES)}, got {dataset!r}")
    prefix, ext = QA_VIDEO_NAMES[dataset]
    data = read_json(path)
    if not isinstance(data, list):
        raise AnnotationError(path, None, "expected a JSON list of questions")
    records = []
    for i, item in enumerate(data):
        where = f"[{i}]"
        if not isinstance(item, dict):
            raise AnnotationError(path, where, "a question must be an object")
        missing = [k for k in ("question", "answer", "video_id") if k not in item]
        if missing:
            raise AnnotationError(path, where, f"missing key(s) {missing}")
        question, answer = item["question"], item["answer"]
        if not isinstance(question, str) or not question.strip():
            raise AnnotationError(path, where, f"question must be a non-empty string, got "
                                  f"{question!r}")
        if not isinstance(answer, str) or not answer.strip():
            raise AnnotationError(path, where, f"answer must be a non-empty string, got {answer!r}")
        number = to_int(item["video_id"], path, where, "video_id", minimum=0)
        video_id = f"{prefix}{number}"
        category = item.get("category_id")
        qa = QuestionAnswer(question=question.strip(), answer=answer.strip(),
                            question_type="" if category is None else str(category),
                            qid=str(item.get("id", i)))
        records.append(VideoRecord(video_id=video_id, path=video_id + ext, qa=[qa],
                                   source=locate(path, where)))
    return records
