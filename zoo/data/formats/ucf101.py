"""UCF101 official splits (``ucfTrainTestlist/``) → records.

- ``classInd.txt``: ``"<1-based id> <ClassName>"`` per line (CRLF). Ids must run 1..N in order.
- ``trainlist0k.txt``: ``"<ClassName>/v_<ClassName>_gGG_cCC.avi <1-based id>"`` (CRLF); the id
  must agree with the class folder.
- ``testlist0k.txt``: ``"<ClassName>/v_<ClassName>_gGG_cCC.avi"`` without an id: the label comes
  from the folder name through classInd (case-sensitive, e.g. ``YoYo``).

Labels are 0-based (file id - 1). ``record.path`` is the relative path in the list (videos live
under ``UCF-101/``); ``video_id`` is the file stem (``v_ApplyEyeMakeup_g08_c01``).
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Sequence, Union

from zoo.data.formats.base import AnnotationError, PathLike, locate, read_lines, to_int
from zoo.data.records import VideoRecord

__all__ = ["read_class_index", "parse_ucf101"]


def read_class_index(path: PathLike) -> list[str]:
    """``classInd.txt`` → class names, position = 0-based label."""
    names: list[str] = []
    for line, text in read_lines(path):
        fields = text.split()
        if len(fields) != 2:
            raise AnnotationError(path, line, f"expected '<id> <ClassName>', got {text!r}")
        number = to_int(fields[0], path, line, "class id")
        if number != len(names) + 1:
            raise AnnotationError(path, line, f"class id {number} out of order: expected "
                                  f"{len(names) + 1} (ids run 1..N)")
        if fields[1] in names:
            raise AnnotationError(path, line, f"class {fields[1]!r} is listed twice")
        names.append(fields[1])
    if not names:
        raise AnnotationError(path, None, "empty class index")
    return names


def parse_ucf101(list_path: PathLike,
                 class_index: Union[PathLike, Sequence[str]]) -> list[VideoRecord]:
    """Parse a train or test list. ``class_index`` is ``classInd.txt`` or its list of names."""
    if isinstance(class_index, (list, tuple)):
        names = list(class_index)
    else:
        names = read_class_index(class_index)
    index = {name: i for i, name in enumerate(names)}

    records = []
    for line, text in read_lines(list_path):
        fields = text.split()
        if len(fields) not in (1, 2):
            raise AnnotationError(list_path, line, f"expected '<Class>/<video>.avi [<id>]', "
                                  f"got {text!r}")
        rel = PurePosixPath(fields[0].replace("\\", "/"))
        if len(rel.parts) != 2:
            raise AnnotationError(list_path, line, f"expected '<ClassName>/<video file>', got "
                                  f"{fields[0]!r}")
        folder = rel.parts[0]
        if folder not in index:
            raise AnnotationError(list_path, line, f"class folder {folder!r} is not in the class "
                                  "index (names are case-sensitive)")
        label = index[folder]
        if len(fields) == 2:
            number = to_int(fields[1], list_path, line, "label", minimum=1)
            if number > len(names):
                raise AnnotationError(list_path, line, f"label {number} > {len(names)} classes")
            if number - 1 != label:
                raise AnnotationError(list_path, line, f"label {number} ({names[number - 1]}) "
                                      f"disagrees with the folder {folder!r} (id {label + 1})")
        records.append(VideoRecord(video_id=rel.stem, path=str(rel), label=label,
                                   label_name=folder, source=locate(list_path, line)))
    return records
