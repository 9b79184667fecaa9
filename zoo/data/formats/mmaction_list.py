"""mmaction2's generic video list → records.

One video per line: ``"<relative/path.mp4> <label>"`` with 0-based integer labels.

- ``delimiter``: a space by default (then any run of whitespace separates fields); UniFormer,
  VideoMAE and Video-FocalNets lists use ``","``.
- a line with the path only is unlabelled test data (label -1);
- ``multi_label=True``: ``"<path> l1 l2 ..."`` → ``record.labels = [l1, l2, ...]`` (``label``
  stays -1). Without it, more than one label on a line raises.

``record.path`` is the path as written (joined onto the video root by the source);
``video_id`` is that path without its extension, which stays unique when stems repeat across
folders. mmaction2's rawframe lists (``"<frame_dir> <total_frames> <label>"``) are not supported
(zoo has no frame-folder source yet).
"""

from __future__ import annotations

from pathlib import PurePosixPath

from zoo.data.formats.base import AnnotationError, PathLike, locate, read_lines, to_int
from zoo.data.records import VideoRecord

__all__ = ["parse_video_list"]


def parse_video_list(path: PathLike, delimiter: str = " ",
                     multi_label: bool = False) -> list[VideoRecord]:
    """Parse an mmaction2-style video list (module docstring)."""
    if not delimiter:
        raise ValueError("delimiter must be a non-empty string")
    records = []
    for line, text in read_lines(path):
        fields = text.split() if delimiter == " " else [f.strip() for f in text.split(delimiter)]
        video = fields[0]
        if not video:
            raise AnnotationError(path, line, f"empty video path in {text!r}")
        labels = [to_int(f, path, line, "label", minimum=0) for f in fields[1:]]
        if len(labels) > 1 and not multi_label:
            raise AnnotationError(path, line, f"{len(labels)} labels on one line ({text!r}); "
                                  "pass multi_label=True for multi-label lists")
        rel = PurePosixPath(video.replace("\\", "/"))
        record = VideoRecord(video_id=str(rel.with_suffix("")), path=video,
                             source=locate(path, line))
        if multi_label:
            record.labels = labels
        elif labels:
            record.label = labels[0]
        records.append(record)
    return records
