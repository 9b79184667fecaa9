"""Standard records: what every annotation format is parsed into, and what every dataset reads.

A record describes one video (or one clip of a longer video) and the annotations of every task
that the source provides. Parsers in ``zoo/data/formats/`` produce lists of records; the synthetic
world produces them too. Datasets turn a record plus decoded frames into the *standard batch*
(see ``BATCH_KEYS``).

Conventions (DESIGN §3):
- times are float seconds from the start of the video file;
- boxes are ``xyxy`` in pixels of the source frame -- of ``frame_size`` when the record states
  it -- and frame indices count frames at ``fps`` when the record states it; parsers convert
  every other box format (xywh, dicts) here, at the edge, and datasets map boxes to the frame
  the model sees (``zoo.data.transforms``: xyxy pixels of the model input);
- ids are strings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Optional

from zoo.data.video import VideoDecodeError

# Keys of the standard batch (a dict). ``video`` is always present; the others only when the
# source annotates them. Shapes after collation with batch size B, frames T, views V (per-frame
# keys get a V dim after B in multi-view evaluation, like ``video``):
#   video        float [B, T, 3, H, W] normalised with the backbone's mean/std
#                (multi-view evaluation: [B, V, T, 3, H, W]); zeros past a video's end when the
#                sampler gives videos different lengths (then ``valid`` is present)
#   valid        bool [B, T]                    (variable-length sampling only, e.g. the
#                                                ``clip_length`` sampler: True = a real frame,
#                                                False = padding added by collation)
#   video_id     list[str]
#   label        long [B]                       (recognition; -1 = unlabelled)
#   labels       list[list[int]]                (multi-label recognition, e.g. mmaction lists)
#   captions     list[list[str]]                (retrieval / captioning; several per video)
#   question     list[str]; answer list[str]; answer_index long [B]; question_type list[str]
#   choices      list[list[str]]                (multiple choice, ``answer_index`` picks one)
#   question_id  list[str]                      (the benchmark's key for the question)
#   segments     float [B, 2]                   (temporal grounding, seconds: the *first*
#                                                ground-truth window)
#   windows      float [B, S, 2], window_mask bool [B, S]   (every ground-truth window of the
#                                                query, seconds, NaN-padded; QVHighlights has
#                                                several; ``windows[:, 0] == segments``)
#   duration     float [B]                      (seconds of the record's span: heads normalise
#                                                and clamp windows with it)
#   query        list[str]                      (the sentence a segment / tube grounds)
#   boxes        float [B, T, 4] xyxy pixels of the model input (the transformed crop),
#                ``frame_mask`` bool [B, T]
#   frame_times  float [B, T]                   (seconds of each sampled frame)
#   tracks       list[dict]  (per video: boxes [T, K, 4] (xyxy, model-input pixels),
#                             track_ids [K], categories list[str], visible bool [T, K];
#                             from records with ``Track.novel`` set also novel bool [K] (True = a
#                             novel, held-out category; unset = False), and with
#                             ``Track.category_id`` set category_ids long [K] (-1 = none))
#   query_id     list[str]                      (the benchmark's key for the query: QVHighlights
#                                                ``qid``, VidSTG sentence id; from ``query_id``)
#   query_type   list[str]                      (VidSTG "declarative" | "interrogative")
#   saliency     float [B, C, A]                (QVHighlights: annotator scores 0-4 of each of
#                                                the C ``clip_length``-second clips of the span,
#                                                A annotators; NaN = clip not annotated, which the
#                                                reference evaluator scores as 0)
#   saliency_mask bool [B, C]                   (the clip has scores)
#   frame_saliency float [B, T]                 (the mean annotator score of the clip each sampled
#                                                frame falls in, 0 where not annotated: the
#                                                per-frame target of a head over T frames)
#   clip_length  float [B]                      (seconds per saliency clip; NaN when none)
# Records (below) carry what these are built from (``zoo.data.datasets`` documents the rules).
BATCH_KEYS = (
    "video", "video_id", "label", "captions", "question", "answer", "answer_index",
    "question_type", "choices", "segments", "query", "boxes", "frame_mask", "frame_times",
    "tracks", "labels", "question_id", "query_id", "query_type", "saliency", "saliency_mask",
    "windows", "window_mask", "duration", "frame_saliency", "clip_length", "valid",
)


@dataclass
class QuestionAnswer:
    """One question about a video: open-ended when ``choices`` is empty, else multiple choice
    with ``answer`` equal to ``choices[answer_index]``."""

    question: str
    answer: str
    question_type: str = ""
    choices: list[str] = field(default_factory=list)
    answer_index: int = -1
    qid: str = ""  # the benchmark's key for this question (NExT-QA: f"{video}_{qid}")


@dataclass
class Track:
    """One object followed through the video: ``boxes[i]`` is the xyxy box in source frame
    ``frames[i]``.

    ``category_id`` is the benchmark's category id (-1 when it has none); ``novel`` is the
    open-vocabulary split of the category (True = novel / held out, False = base, None = the
    source defines no split)."""

    track_id: int
    category: str
    frames: list[int]
    boxes: list[tuple[float, float, float, float]]
    category_id: int = -1
    novel: Optional[bool] = None


@dataclass
class Category:
    """One category of a large-vocabulary benchmark (TAO / BURST / LV-VIS), for text classifiers
    and base/novel evaluation: ``frequency`` is LVIS' ``"r"`` / ``"c"`` / ``"f"`` ("" when the
    source has none), ``novel`` as in :class:`Track`."""

    id: int
    name: str
    frequency: str = ""
    novel: Optional[bool] = None
    synset: str = ""


@dataclass
class VideoRecord:
    """One annotated video (or a [start, end] clip of a longer file).

    ``source`` says where the record came from (``file:line``) so that errors raised while
    loading the record can name it.
    """

    video_id: str
    path: Optional[str] = None
    start: Optional[float] = None
    end: Optional[float] = None
    label: int = -1
    label_name: str = ""
    captions: list[str] = field(default_factory=list)
    qa: list[QuestionAnswer] = field(default_factory=list)
    segments: list[tuple[float, float]] = field(default_factory=list)
    query: str = ""
    duration: Optional[float] = None
    tube_frames: list[int] = field(default_factory=list)
    tube_boxes: list[tuple[float, float, float, float]] = field(default_factory=list)
    tracks: list[Track] = field(default_factory=list)
    source: str = ""
    labels: list[int] = field(default_factory=list)  # multi-label recognition (``label`` = -1)
    # grounding: the benchmark's key for ``query`` (QVHighlights ``qid``) and its kind (VidSTG
    # "declarative" / "interrogative")
    query_id: str = ""
    query_type: str = ""
    # highlight detection (QVHighlights): clip k = ``saliency_clips[i]`` covers
    # [k * clip_length, (k + 1) * clip_length) s of the file and ``saliency[i]`` holds its scores,
    # one per annotator; clips not listed are not annotated
    saliency_clips: list[int] = field(default_factory=list)
    saliency: list[tuple[int, ...]] = field(default_factory=list)
    clip_length: Optional[float] = None
    # frame-annotated sources: the frame rate the annotation's frame indices assume, the
    # (height, width) of the frames its boxes are in pixels of, and — when the video is a folder
    # of images — the image file of frame index i (relative to ``path``)
    fps: Optional[float] = None
    frame_size: Optional[tuple[int, int]] = None
    frame_files: list[str] = field(default_factory=list)
    # federated (LVIS-style) tracking labels: categories verified absent from the video, and
    # categories present but not exhaustively annotated (TAO / BURST)
    negative_categories: list[str] = field(default_factory=list)
    not_exhaustive_categories: list[str] = field(default_factory=list)

    def where(self) -> str:
        """A human-readable pointer for error messages."""
        return self.source or self.path or self.video_id


# ------------------------------------------------------------------------------------------------
# reading a record's annotations relative to its span (used by ``zoo.data.datasets``)
# ------------------------------------------------------------------------------------------------

def span_limits(record: VideoRecord, file_duration: float) -> tuple[float, float]:
    """``(low, high)``: the seconds of the file the record covers -- ``start`` (0 when unset) to
    the smallest of ``end``, ``duration`` and ``file_duration``."""
    low = record.start or 0.0
    high = min(x for x in (record.end, record.duration, file_duration) if x is not None)
    return low, high


def relative_segments(record: VideoRecord, file_duration: float) -> list[tuple[float, float]]:
    """Every segment of the record, ``(start, end)`` sorted, clipped to the span and made
    relative to its start (seconds), in the record's order."""
    low, high = span_limits(record, file_duration)
    out = []
    for segment in record.segments:
        s, e = sorted(float(x) for x in segment)
        s, e = min(max(s, low), high), min(max(e, low), high)
        out.append((s - low, e - low))
    return out


def saliency_table(record: VideoRecord, file_duration: float
                   ) -> tuple[int, list[list[float]], list[bool]]:
    """The record's saliency over the clips of its span: ``(first, scores, annotated)``.

    With ``c = clip_length``, the span ``[low, high)`` (``span_limits``) meets file clips
    ``first = floor(low / c)`` to ``ceil(high / c) - 1``; row ``j`` of ``scores`` (``C`` rows of
    ``A`` floats, A = the annotators) is file clip ``first + j``, NaN where the clip is not
    annotated, and ``annotated[j]`` says whether it is. Raises ``ValueError`` (naming the record)
    when ``saliency_clips`` / ``saliency`` disagree in length, the annotator counts differ, or
    ``clip_length`` is missing.
    """
    where = record.where()
    if len(record.saliency_clips) != len(record.saliency):
        raise ValueError(f"{where}: {len(record.saliency_clips)} saliency clips but "
                         f"{len(record.saliency)} score tuples")
    if not record.saliency_clips:
        return 0, [], []
    if not record.clip_length or record.clip_length <= 0:
        raise ValueError(f"{where}: saliency needs a positive clip_length, got {record.clip_length}")
    annotators = {len(s) for s in record.saliency}
    if len(annotators) != 1 or 0 in annotators:
        raise ValueError(f"{where}: every saliency tuple needs the same number (>= 1) of "
                         f"annotator scores, got {sorted(annotators)}")
    count = annotators.pop()
    c, eps = float(record.clip_length), 1e-9
    low, high = span_limits(record, file_duration)
    first = math.floor(low / c + eps)
    num = max(math.ceil(high / c - eps) - first, 1)
    scores = [[math.nan] * count for _ in range(num)]
    annotated = [False] * num
    for k, values in zip(record.saliency_clips, record.saliency):
        j = int(k) - first
        if 0 <= j < num:
            scores[j] = [float(v) for v in values]
            annotated[j] = True
    return first, scores, annotated


def frame_lookup(record: VideoRecord, frames: list[int], boxes: list, decoded_fps: float,
                 decoded_size: tuple[int, int]) -> dict[int, tuple[float, float, float, float]]:
    """Annotated boxes by **decoded** frame index: ``{frame: xyxy box in decoded pixels}``.

    Annotation frame ``f`` (at ``record.fps``, when set and different from ``decoded_fps``) is
    decoded frame ``round(f * decoded_fps / record.fps)``; when several annotation frames land on
    one decoded frame, the one nearest in time wins (the later on a tie, as for repeated frames). Boxes in pixels of ``record.frame_size``
    ``(h, w)`` (when set and different from ``decoded_size``) are scaled by ``W / w`` in x and
    ``H / h`` in y. Records without ``fps`` / ``frame_size`` are read as they are.
    """
    if len(frames) != len(boxes):
        raise ValueError(f"{record.where()}: {len(frames)} annotated frames but {len(boxes)} boxes")
    ratio = decoded_fps / record.fps if record.fps and record.fps != decoded_fps else None
    sx = sy = 1.0
    if record.frame_size and tuple(record.frame_size) != tuple(decoded_size):
        (h, w), (big_h, big_w) = record.frame_size, decoded_size
        sx, sy = big_w / w, big_h / h
    if ratio is None and sx == sy == 1.0:
        return {int(f): tuple(b) for f, b in zip(frames, boxes)}
    table: dict[int, tuple[float, float, float, float]] = {}
    error: dict[int, float] = {}
    for f, b in zip(frames, boxes):
        exact = float(f) * ratio if ratio is not None else float(f)
        i = math.floor(exact + 0.5)
        if i not in error or abs(exact - i) <= error[i]:  # ties: the later annotation
            error[i] = abs(exact - i)
            table[i] = (b[0] * sx, b[1] * sy, b[2] * sx, b[3] * sy)
    return table


def span_frames(record: VideoRecord, num_frames: int, fps: float) -> tuple[int, int]:
    """Frames ``[first, stop)`` of the record's span in a video of ``num_frames`` at ``fps``:
    ``start <= i / fps < end``. Raises ``VideoDecodeError`` for an empty span or one outside the
    video."""
    if num_frames <= 0:
        raise VideoDecodeError(record.path or record.video_id, "the video has zero frames")
    if record.start is None and record.end is None:
        return 0, num_frames
    duration = num_frames / fps
    start = max(record.start or 0.0, 0.0)
    end = record.end if record.end is not None else duration
    if start >= duration or end <= start:
        raise VideoDecodeError(
            record.path or record.video_id,
            f"span [{record.start}, {record.end}] s is empty or lies outside the video "
            f"({num_frames} frames at {fps:g} fps = {duration:.3f} s)")
    eps = 1e-6
    first = min(max(math.ceil(start * fps - eps), 0), num_frames - 1)
    stop = min(max(math.ceil(end * fps - eps), first + 1), num_frames)
    return first, stop
