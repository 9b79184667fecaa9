"""HMDB51 official splits (``test_train_splits.rar``: ``testTrainMulti_7030_splits/``) → records.

The split folder holds ``<class>_test_split{1,2,3}.txt`` for each of the 51 classes. Each line is
``"<video>.avi <flag>"`` — flag ``1`` = train, ``2`` = test, ``0`` = unused in that split — and
lines end with a space before the line break (split on whitespace; LF or CRLF both parse). Each
file should list 70 train and 30 test videos.

Class index: the sorted class names (taken from the split file names of the chosen split), as
mmaction2's ``parse_hmdb51_split`` builds its ``classInd.txt`` (1-based there, 0-based labels
here). Records: ``path = "<class>/<video>.avi"`` (videos live in ``hmdb51_org/<class>/``),
``video_id`` = the file stem, ``label`` / ``label_name`` the class.

A flag other than 0/1/2, a line that is not two fields, a video listed twice in one file, or a
split folder without the 51 x 3 naming raises ``AnnotationError``.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from typing import Optional, Sequence

from zoo.data.formats.base import AnnotationError, PathLike, locate, read_lines, to_int
from zoo.data.records import VideoRecord

__all__ = ["hmdb51_classes", "hmdb51_split_files", "parse_hmdb51", "HMDB51_FLAGS"]

HMDB51_FLAGS = {"train": 1, "test": 2}
_FILE = re.compile(r"^(?P<cls>.+)_test_split(?P<k>[123])\.txt$")


def hmdb51_split_files(split_dir: PathLike, split: int = 1) -> dict[str, Path]:
    """``{class: <class>_test_split<split>.txt}`` in the split folder, sorted by class name."""
    if split not in (1, 2, 3):
        raise ValueError(f"HMDB51 has official splits 1, 2 and 3, got split={split!r}")
    folder = Path(split_dir)
    if not folder.is_dir():
        raise AnnotationError(folder, None, "HMDB51 split folder not found (the contents of "
                              "test_train_splits.rar: <class>_test_split{1,2,3}.txt)")
    files = {}
    for path in folder.iterdir():
        match = _FILE.match(path.name)
        if match and int(match.group("k")) == split:
            files[match.group("cls")] = path
    if not files:
        raise AnnotationError(folder, None, f"no <class>_test_split{split}.txt file here")
    return dict(sorted(files.items()))


def hmdb51_classes(split_dir: PathLike, split: int = 1) -> list[str]:
    """The sorted class names (label = position), mmaction2's class index."""
    return list(hmdb51_split_files(split_dir, split))


def parse_hmdb51(split_dir: PathLike, split: int = 1, subset: str = "train",
                 classes: Optional[Sequence[str]] = None) -> list[VideoRecord]:
    """Records of ``subset`` (``"train"``: flag 1, ``"test"``: flag 2) of official ``split``."""
    if subset not in HMDB51_FLAGS:
        raise ValueError(f"subset must be one of {sorted(HMDB51_FLAGS)}, got {subset!r}")
    files = hmdb51_split_files(split_dir, split)
    names = list(classes) if classes is not None else list(files)
    unknown = sorted(set(files) - set(names))
    if unknown:
        raise AnnotationError(files[unknown[0]], None, f"class {unknown[0]!r} is not one of the "
                              f"{len(names)} classes given")
    wanted = HMDB51_FLAGS[subset]
    records = []
    for label, name in enumerate(names):
        if name not in files:
            raise AnnotationError(split_dir, None, f"no split file {name}_test_split{split}.txt "
                                  "for this class")
        path, seen = files[name], {}
        for line, text in read_lines(path):
            fields = text.split()
            if len(fields) != 2:
                raise AnnotationError(path, line, f"expected '<video>.avi <0|1|2>', got {text!r}")
            video, flag_text = fields
            flag = to_int(flag_text, path, line, "flag")
            if flag not in (0, 1, 2):
                raise AnnotationError(path, line, f"flag must be 0 (unused), 1 (train) or "
                                      f"2 (test), got {flag}")
            if video in seen:
                raise AnnotationError(path, line, f"{video} is listed twice (first at line "
                                      f"{seen[video]})")
            seen[video] = line
            if flag != wanted:
                continue
            rel = PurePosixPath(name) / video
            records.append(VideoRecord(video_id=rel.stem, path=str(rel), label=label,
                                       label_name=name, source=locate(path, line)))
    return records
