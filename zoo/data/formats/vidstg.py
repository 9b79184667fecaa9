"""VidSTG (spatio-temporal video grounding) → records, one per sentence.

Two sources (``Guaranteer/VidSTG-Dataset`` README; read together by ``antoyang/TubeDETR :
preproc/preproc_vidstg.py``):

- ``{train,val,test}_annotations.json``: a JSON list of video segments, each
  ``{"vid", "fps", "frame_count", "width", "height", "used_segment": {begin_fid, end_fid},
  "subject/objects": [{tid, category}], "used_relation": {...}, "temporal_gt": {begin_fid,
  end_fid}, "captions": [{description, type, target_id}], "questions": [...]}``. ``captions`` are
  declarative sentences, ``questions`` interrogative ones (there may be none);
- the VidOR annotation of each video, ``<vidor>/{training,validation}/<dir>/<vid>.json`` (VidSTG's
  test split comes from VidOR *validation*): ``{"video_id", "video_path", "frame_count", "fps",
  "width", "height", "subject/objects", "trajectories": [[{tid, bbox: {xmin, ymin, xmax, ymax},
  generated, tracker}, ...] per frame], ...}`` — boxes are an **xyxy dict** in integer pixels.

Frame ids are 0-based indices of the video's frames. ``temporal_gt`` is ``[begin_fid, end_fid)``
(end exclusive, as TubeDETR uses it: it can equal ``frame_count``). ``used_segment.end_fid`` is
read as **inclusive**: in the released val file it is at most ``frame_count - 1``, and in 744 of
3996 entries ``temporal_gt.end_fid = used_segment.end_fid + 1 = frame_count`` (TubeDETR's
exclusive reading would cut the moment's last frame out of the clip).

Records (one per sentence; ``sentences`` picks the kinds): ``video_id`` = ``vid``, ``path`` =
VidOR's ``video_path`` (``"0009/11566930393.mp4"``), ``start`` / ``end`` = the used segment in
seconds (``begin_fid / fps``, ``(end_fid + 1) / fps``), ``segments = [(begin / fps, end / fps)]``
of ``temporal_gt``, ``query`` = the description with runs of whitespace collapsed (the files have
double spaces), ``query_type`` = ``"declarative"`` | ``"interrogative"``, ``query_id`` =
``"<vid>:<entry>:<d|i><k>"``, ``tube_frames`` = the frames of ``temporal_gt`` where the target has
a box, ``tube_boxes`` = those boxes (xyxy as given: TubeDETR's ``w = xmax - xmin``), ``fps``,
``frame_size``, ``duration = frame_count / fps``.

Checks (``AnnotationError(file, "[i]" or a VidOR locator, reason)``): missing or mistyped keys; a
video without a VidOR file; VidSTG and VidOR disagreeing on ``frame_count``, size or fps (> 1 %);
``trajectories`` not one list per frame; ``used_segment`` / ``temporal_gt`` empty, reversed or
beyond the video (frame index beyond the video), the moment outside the used segment; a
``target_id`` not in ``subject/objects``; a missing trajectory for the target id (no box in the
moment), or a moment starting before the target's first box or ending after its last (TubeDETR
asserts both). Boxes follow :class:`~zoo.data.formats.hcstvg.BoxPolicy` (negative size raises,
partly outside → clipped and counted, no area → raise or ``on_empty_box="drop"``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence, Union

from zoo.data.formats.base import AnnotationError, PathLike, locate, read_json, to_float, to_int
from zoo.data.formats.hcstvg import BoxPolicy, frame_size
from zoo.data.records import VideoRecord

__all__ = ["parse_vidstg", "index_vidor", "SENTENCE_KINDS"]

#: VidSTG's two sentence kinds: the annotation key of each.
SENTENCE_KINDS = {"declarative": "captions", "interrogative": "questions"}
_REQUIRED = ("vid", "fps", "frame_count", "width", "height", "used_segment", "temporal_gt",
             "subject/objects", "captions", "questions")


def index_vidor(folder: PathLike) -> dict[str, Path]:
    """``{video id: annotation file}`` of every ``*.json`` under a VidOR annotation folder."""
    folder = Path(folder)
    if not folder.is_dir():
        raise AnnotationError(folder, None, "VidOR annotation folder not found")
    index: dict[str, Path] = {}
    for file in sorted(folder.rglob("*.json")):
        if file.stem in index:
            raise AnnotationError(file, None, f"video {file.stem!r} is annotated twice (also in "
                                  f"{index[file.stem]})")
        index[file.stem] = file
    return index


def parse_vidstg(path: PathLike, vidor: Union[PathLike, Mapping[str, PathLike]],
                 sentences: Sequence[str] = ("declarative", "interrogative"),
                 on_empty_box: str = "raise") -> list[VideoRecord]:
    """Parse a VidSTG ``*_annotations.json`` with the VidOR annotations (a folder, or a mapping
    ``{vid: file}``); module docstring for the format and the checks."""
    unknown = [s for s in sentences if s not in SENTENCE_KINDS]
    if unknown or not sentences:
        raise ValueError(f"sentences must be a non-empty subset of {sorted(SENTENCE_KINDS)}, got "
                         f"{list(sentences)!r}")
    files = index_vidor(vidor) if not isinstance(vidor, Mapping) else dict(vidor)
    data = read_json(path)
    if not isinstance(data, list):
        raise AnnotationError(path, None, "expected a JSON list of annotated video segments")
    boxes = BoxPolicy(path, on_empty_box)
    cache: dict[str, _VidOR] = {}
    records = []
    for i, item in enumerate(data):
        records.extend(_records(item, i, path, files, cache, sentences, boxes))
    boxes.log()
    return records


class _VidOR:
    """One VidOR annotation file, trajectories indexed by tid (``{tid: {frame: raw box}}``)."""

    def __init__(self, file: PathLike, vid: str):
        data = read_json(file)
        self.file = file
        if not isinstance(data, dict):
            raise AnnotationError(file, None, "expected a VidOR annotation object")
        missing = [k for k in ("video_id", "video_path", "frame_count", "fps", "width", "height",
                               "subject/objects", "trajectories") if k not in data]
        if missing:
            raise AnnotationError(file, None, f"missing key(s) {missing}")
        if str(data["video_id"]) != vid:
            raise AnnotationError(file, "video_id", f"is {data['video_id']!r}, expected {vid!r}")
        self.video_path = data["video_path"]
        if not isinstance(self.video_path, str) or not self.video_path:
            raise AnnotationError(file, "video_path", f"must be a path, got {self.video_path!r}")
        self.frame_count = to_int(data["frame_count"], file, "frame_count", "frame_count",
                                  minimum=1)
        self.fps = to_float(data["fps"], file, "fps", "fps")
        self.size = frame_size(data, file, "width/height")
        self.objects = _objects(data["subject/objects"], file, "subject/objects")
        trajectories = data["trajectories"]
        if not isinstance(trajectories, list) or len(trajectories) != self.frame_count:
            n = len(trajectories) if isinstance(trajectories, list) else type(trajectories).__name__
            raise AnnotationError(file, "trajectories", f"must be one list per frame: "
                                  f"{n} for frame_count {self.frame_count}")
        self.tracks: dict[int, dict[int, Any]] = {}
        for fid, frame in enumerate(trajectories):
            if not isinstance(frame, list):
                raise AnnotationError(file, f"trajectories[{fid}]", "must be a list of boxes")
            for k, entry in enumerate(frame):
                where = f"trajectories[{fid}][{k}]"
                if not isinstance(entry, dict) or "tid" not in entry or "bbox" not in entry:
                    raise AnnotationError(file, where, "must be {tid, bbox: {xmin, ymin, xmax, "
                                          f"ymax}}, got {entry!r}")
                tid = to_int(entry["tid"], file, where, "tid")
                if tid not in self.objects:
                    raise AnnotationError(file, where, f"tid {tid} is not in subject/objects")
                track = self.tracks.setdefault(tid, {})
                if fid in track:
                    raise AnnotationError(file, where, f"tid {tid} has two boxes in frame {fid}")
                track[fid] = entry["bbox"]


def _objects(value: Any, file: PathLike, where: str) -> dict[int, str]:
    if not isinstance(value, list):
        raise AnnotationError(file, where, "must be a list of {tid, category}")
    objects: dict[int, str] = {}
    for k, obj in enumerate(value):
        if (not isinstance(obj, dict) or "tid" not in obj
                or not isinstance(obj.get("category"), str)):
            raise AnnotationError(file, f"{where}[{k}]", f"must be {{tid, category}}, got {obj!r}")
        tid = to_int(obj["tid"], file, f"{where}[{k}]", "tid")
        if tid in objects:
            raise AnnotationError(file, f"{where}[{k}]", f"tid {tid} is listed twice")
        objects[tid] = obj["category"]
    return objects


def _span(value: Any, path: PathLike, where: str, what: str) -> tuple[int, int]:
    if not isinstance(value, dict) or "begin_fid" not in value or "end_fid" not in value:
        raise AnnotationError(path, where, f"{what} must be {{begin_fid, end_fid}}, got {value!r}")
    begin = to_int(value["begin_fid"], path, where, f"{what}.begin_fid", minimum=0)
    end = to_int(value["end_fid"], path, where, f"{what}.end_fid", minimum=0)
    return begin, end


def _records(item: Any, i: int, path: PathLike, files: Mapping[str, PathLike],
             cache: dict[str, _VidOR], sentences: Sequence[str],
             boxes: BoxPolicy) -> list[VideoRecord]:
    where = f"[{i}]"
    if not isinstance(item, dict):
        raise AnnotationError(path, where, "an annotated video segment must be an object")
    missing = [k for k in _REQUIRED if k not in item]
    if missing:
        raise AnnotationError(path, where, f"missing key(s) {missing}")
    vid = str(item["vid"])
    if vid not in files:
        raise AnnotationError(path, where, f"video {vid!r} has no VidOR annotation file")
    if vid not in cache:
        cache[vid] = _VidOR(files[vid], vid)
    vidor = cache[vid]
    frame_count = to_int(item["frame_count"], path, where, "frame_count", minimum=1)
    fps = to_float(item["fps"], path, where, "fps")
    size = frame_size(item, path, where)
    if frame_count != vidor.frame_count or size != vidor.size:
        raise AnnotationError(path, where, f"video {vid!r}: frame_count / (height, width) "
                              f"{frame_count} / {size} here but {vidor.frame_count} / "
                              f"{vidor.size} in {vidor.file}")
    if not fps > 0 or abs(fps - vidor.fps) > 0.01 * vidor.fps:
        raise AnnotationError(path, where, f"video {vid!r}: fps {fps} here but {vidor.fps} in "
                              f"{vidor.file}")
    objects = _objects(item["subject/objects"], path, f"{where}.subject/objects")

    used_begin, used_end = _span(item["used_segment"], path, where, "used_segment")
    if used_begin > used_end or used_end >= frame_count:
        raise AnnotationError(path, where, f"used_segment [{used_begin}, {used_end}] (end "
                              f"inclusive) is empty or beyond the video (frames 0-"
                              f"{frame_count - 1})")
    used_stop = used_end + 1  # inclusive end (module doc)
    begin, end = _span(item["temporal_gt"], path, where, "temporal_gt")
    if begin >= end or end > frame_count:
        raise AnnotationError(path, where, f"temporal_gt [{begin}, {end}) is empty or beyond the "
                              f"video ({frame_count} frames)")
    if begin < used_begin or end > used_stop:
        raise AnnotationError(path, where, f"temporal_gt [{begin}, {end}) is outside the "
                              f"used_segment [{used_begin}, {used_end}]")

    tubes: dict[int, tuple[list[int], list]] = {}
    records = []
    for kind in sentences:
        key = SENTENCE_KINDS[kind]
        entries = item[key]
        if not isinstance(entries, list):
            raise AnnotationError(path, where, f"{key} must be a list of sentences")
        for k, sentence in enumerate(entries):
            at = f"{where}.{key}[{k}]"
            if not isinstance(sentence, dict) or "target_id" not in sentence:
                raise AnnotationError(path, at, "a sentence must be {description, type, "
                                      "target_id}")
            text = sentence.get("description")
            if not isinstance(text, str) or not text.strip():
                raise AnnotationError(path, at, f"description must be a non-empty sentence, got "
                                      f"{text!r}")
            target = to_int(sentence["target_id"], path, at, "target_id")
            if target not in objects:
                raise AnnotationError(path, at, f"target_id {target} is not in subject/objects "
                                      f"{sorted(objects)}")
            if target not in tubes:
                tubes[target] = _tube(vidor, target, begin, end, boxes, path, at)
            frames, tube = tubes[target]
            records.append(VideoRecord(
                video_id=vid, path=vidor.video_path, start=used_begin / fps,
                end=used_stop / fps, segments=[(begin / fps, end / fps)],
                query=" ".join(text.split()), query_type=kind,
                query_id=f"{vid}:{i}:{kind[0]}{k}", duration=frame_count / fps,
                tube_frames=list(frames), tube_boxes=list(tube), fps=fps, frame_size=size,
                source=locate(path, at)))
    return records


def _tube(vidor: _VidOR, target: int, begin: int, end: int, boxes: BoxPolicy, path: PathLike,
          where: str) -> tuple[list[int], list]:
    track = vidor.tracks.get(target, {})
    inside = sorted(f for f in track if begin <= f < end)
    if not inside:
        raise AnnotationError(path, where, f"missing trajectory for target_id {target}: no box in "
                              f"temporal_gt [{begin}, {end}) in {vidor.file}")
    first, last = min(track), max(track)
    if begin < first or end - 1 > last:
        raise AnnotationError(path, where, f"temporal_gt [{begin}, {end}) runs outside the "
                              f"trajectory of target_id {target} (frames {first}-{last}) in "
                              f"{vidor.file}")
    height, width = vidor.size
    frames, tube = [], []
    for fid in inside:
        raw = track[fid]
        what = f"target_id {target} box in frame {fid} ({vidor.file})"
        if not isinstance(raw, dict) or any(k not in raw for k in ("xmin", "ymin", "xmax", "ymax")):
            raise AnnotationError(path, where, f"{what} must be {{xmin, ymin, xmax, ymax}}, got "
                                  f"{raw!r}")
        xyxy = boxes.numbers([raw["xmin"], raw["ymin"], raw["xmax"], raw["ymax"]], where, what)
        box = boxes.check(xyxy, width, height, where, what)
        if box is not None:
            frames.append(fid)
            tube.append(box)
    if not frames:
        raise AnnotationError(path, where, f"no box of target_id {target} is left inside the frame")
    return frames, tube
