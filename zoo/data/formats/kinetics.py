"""Kinetics-400/600/700 split CSVs (``train.csv`` / ``kinetics_val.csv`` ...) → records.

Columns are read **by header name**: ``youtube_id``, ``time_start``, ``time_end`` are required;
``label`` is optional (missing column or empty cell → label -1, as in test CSVs); ``split`` and
``is_cc`` are ignored. Both variants in the wild parse:
``label,youtube_id,time_start,time_end,split`` (``validate``, unquoted labels) and the crawler/cvdf one with quoted labels and a trailing
``is_cc``. Times are seconds into the YouTube video (floats accepted; file names use
``int(float(x))`` as mmaction2 does).

Class index: ``classes`` is a list of names (index = position), a label-map file (one class per
line, line ``k`` = class ``k - 1``; mmaction2's ``label_map_k400.txt``), or ``None`` for
``sorted(set(labels))`` of the file being parsed — pass ``kinetics_classes(train_csv)`` when
parsing val/test so that the ids follow the train split. A label outside ``classes`` raises.

Video files: downloaded clips are ``{youtube_id}_{start:06d}_{end:06d}.mp4`` (``trimmed=True``,
the record is the whole file), optionally inside a ``{label}/`` folder whose name has spaces
replaced by ``_`` and quotes removed (``label_folders=True``). With ``trimmed=False`` the record
points to the full video ``{youtube_id}.mp4`` and samples only ``[time_start, time_end]``.

Rows whose video was never downloaded are still records here: the dataset's ``on_error="skip"``
counts and reports them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence, Union

from zoo.data.formats.base import (AnnotationError, PathLike, locate, read_csv, read_lines,
                                   to_float)
from zoo.data.records import VideoRecord

__all__ = ["parse_kinetics", "kinetics_classes", "read_label_map", "kinetics_video_name",
           "kinetics_label_folder"]


def kinetics_video_name(youtube_id: str, time_start: float, time_end: float,
                        ext: str = ".mp4") -> str:
    """``{youtube_id}_{start:06d}_{end:06d}{ext}`` (the downloaders' naming)."""
    return f"{youtube_id}_{int(time_start):06d}_{int(time_end):06d}{ext}"


def kinetics_label_folder(label: str) -> str:
    """The class folder name: spaces → ``_``, quotes removed."""
    return label.replace('"', "").replace(" ", "_")


def _clean(label: str) -> str:
    return label.strip().strip('"').strip()


def kinetics_classes(path: PathLike) -> list[str]:
    """``sorted(set(labels))`` of a (train) CSV: the class list mmaction2 uses."""
    labels = {_clean(row.get("label", "")) for _, row in read_csv(path, ("youtube_id",))}
    labels.discard("")
    if not labels:
        raise AnnotationError(path, None, "no labels in this file: cannot build a class index")
    return sorted(labels)


def read_label_map(path: PathLike) -> list[str]:
    """A label map: one class name per line, the (1-based) line number minus 1 is its id."""
    names: list[str] = []
    for number, text in read_lines(path):
        if number != len(names) + 1:
            raise AnnotationError(path, number - 1, "blank line inside a label map (ids are line "
                                  "numbers, so a gap would shift every later class)")
        name = _clean(text)
        if name in names:
            raise AnnotationError(path, number, f"class {name!r} is listed twice")
        names.append(name)
    if not names:
        raise AnnotationError(path, None, "empty label map")
    return names


def parse_kinetics(path: PathLike, classes: Union[Sequence[str], PathLike, None] = None,
                   trimmed: bool = True, label_folders: bool = False,
                   ext: str = ".mp4") -> list[VideoRecord]:
    """Parse a Kinetics split CSV into records (module docstring for every option)."""
    if classes is None:
        names = kinetics_classes(path)
    elif isinstance(classes, (str, Path)):
        names = read_label_map(classes)
    else:
        names = [_clean(c) for c in classes]
    index = {name: i for i, name in enumerate(names)}

    records = []
    for line, row in read_csv(path, ("youtube_id", "time_start", "time_end")):
        youtube_id = row["youtube_id"]
        if not youtube_id:
            raise AnnotationError(path, line, "empty youtube_id")
        start = to_float(row["time_start"], path, line, "time_start")
        end = to_float(row["time_end"], path, line, "time_end")
        if start < 0 or end <= start:
            raise AnnotationError(path, line, f"time_start {start} / time_end {end}: need "
                                  "0 <= time_start < time_end")
        label_name = _clean(row.get("label", ""))
        if label_name and label_name not in index:
            raise AnnotationError(path, line, f"label {label_name!r} is not one of the "
                                  f"{len(names)} classes")
        label = index[label_name] if label_name else -1
        video_id = kinetics_video_name(youtube_id, start, end, ext="")
        if trimmed:
            file = video_id + ext
            if label_folders and label_name:
                file = f"{kinetics_label_folder(label_name)}/{file}"
            record = VideoRecord(video_id=video_id, path=file)
        else:
            record = VideoRecord(video_id=video_id, path=youtube_id + ext, start=start, end=end)
        record.label, record.label_name = label, label_name
        record.source = locate(path, line)
        records.append(record)
    return records
