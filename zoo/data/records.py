"""Standard records: what every annotation format is parsed into, and what every dataset reads.

A record describes one video (or one clip of a longer video) and the annotations of every task
that the source provides. Parsers in ``zoo/data/formats/`` produce lists of records; the synthetic
world produces them too. Datasets turn a record plus decoded frames into the *standard batch*
(see ``BATCH_KEYS``).

Conventions (DESIGN §3):
- times are float seconds from the start of the video file;
- boxes are ``xyxy`` in pixels of the source frame (datasets rescale them to the sampled frame);
- ids are strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

# Keys of the standard batch (a dict). ``video`` is always present; the others only when the
# source annotates them. Shapes after collation with batch size B, frames T, views V:
#   video        float [B, T, 3, H, W] normalised with the backbone's mean/std
#                (multi-view evaluation: [B, V, T, 3, H, W])
#   video_id     list[str]
#   label        long [B]                       (recognition; -1 = unlabelled)
#   labels       list[list[int]]                (multi-label recognition, e.g. mmaction lists)
#   captions     list[list[str]]                (retrieval / captioning; several per video)
#   question     list[str]; answer list[str]; answer_index long [B]; question_type list[str]
#   choices      list[list[str]]                (multiple choice, ``answer_index`` picks one)
#   question_id  list[str]                      (the benchmark's key for the question)
#   segments     float [B, 2]                   (temporal grounding, seconds)
#   query        list[str]                      (the sentence a segment / tube grounds)
#   boxes        float [B, T, 4] xyxy pixels of the sampled frame, ``frame_mask`` bool [B, T]
#   frame_times  float [B, T]                   (seconds of each sampled frame)
#   tracks       list[dict]  (per video: boxes [T, K, 4], track_ids [K], categories list[str],
#                             visible bool [T, K]; from records with ``Track.novel`` set also
#                             novel bool [K], True = a novel (held-out) category)
#   query_id     list[str]                      (the benchmark's key for the query: QVHighlights
#                                                ``qid``, VidSTG sentence id; from ``query_id``)
#   query_type   list[str]                      (VidSTG "declarative" | "interrogative")
#   saliency     float [B, C, A]                (QVHighlights: annotator scores 0-4 of each of
#                                                the C ``clip_length``-second clips of the span,
#                                                A annotators; NaN = clip not annotated, which the
#                                                reference evaluator scores as 0)
#   saliency_mask bool [B, C]                   (the clip has scores)
# Records (below) carry what these are built from; ``query_id``, ``query_type``, ``saliency`` and
# ``saliency_mask`` are produced by datasets once they read those record fields.
BATCH_KEYS = (
    "video", "video_id", "label", "captions", "question", "answer", "answer_index",
    "question_type", "choices", "segments", "query", "boxes", "frame_mask", "frame_times",
    "tracks", "labels", "question_id", "query_id", "query_type", "saliency", "saliency_mask",
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
