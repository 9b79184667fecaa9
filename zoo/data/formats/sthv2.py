"""Something-Something v2 (recognition) JSON files → records.

Files (the 20BN release; short names ``labels.json`` / ``train.json`` / ``validation.json`` /
``test.json`` also circulate):

- ``something-something-v2-labels.json``: an object mapping each of the 174 templates **with the
  brackets removed** to its class index as a **string**: ``{"Approaching something with your
  camera":"0", ...}`` → ``read_sthv2_labels`` returns the names in index order (indices must be
  0..N-1, each once).
- ``something-something-v2-{train,validation}.json``: a list of
  ``{"id":"74225","label":"spinning cube that quickly stops spinning","template":"Spinning
  [something] that quickly stops spinning","placeholders":["cube"]}`` — ``id`` is a string,
  ``label`` the filled-in sentence, ``template`` the class with ``[...]`` placeholders (also
  ``[Something]``, ``[something in it]``, ``[number of]``, ``[part]``, ``[somewhere]``,
  ``[one of many similar things on the table]``). The class is
  ``labels[template.replace("[", "").replace("]", "")]`` — mmaction2's ``parse_sthv2_splits``
  rule; a template that is not in the label file raises.
- ``something-something-v2-test.json``: a list of ``{"id": "1420"}`` only → label -1.

Records: ``video_id`` = ``id`` (a string; an integer id is accepted and converted),
``path`` = ``<id>.webm`` (videos live in ``20bn-something-something-v2/``), ``label`` the class
index, ``label_name`` the bracket-free template.
"""

from __future__ import annotations

from typing import Sequence, Union

from zoo.data.formats.base import AnnotationError, PathLike, locate, read_json, to_int
from zoo.data.records import VideoRecord

__all__ = ["read_sthv2_labels", "parse_sthv2", "sthv2_class_name"]


def sthv2_class_name(template: str) -> str:
    """A template with its placeholder brackets removed (the key of ``labels.json``)."""
    return template.replace("[", "").replace("]", "")


def read_sthv2_labels(path: PathLike) -> list[str]:
    """``labels.json`` → class names, position = class index."""
    data = read_json(path)
    if not isinstance(data, dict) or not data:
        raise AnnotationError(path, None, 'expected a non-empty object {"<template>": "<index>"}')
    by_index: dict[int, str] = {}
    for name, value in data.items():
        index = to_int(value, path, repr(name), "class index", minimum=0)
        if index in by_index:
            raise AnnotationError(path, repr(name), f"class index {index} is also "
                                  f"{by_index[index]!r}")
        by_index[index] = name
    gaps = sorted(set(range(len(by_index))) - set(by_index))
    if gaps:
        raise AnnotationError(path, None, f"class indices must run 0..{len(by_index) - 1}; "
                              f"missing {gaps[:5]}")
    return [by_index[i] for i in range(len(by_index))]


def parse_sthv2(path: PathLike, labels: Union[PathLike, Sequence[str]],
                ext: str = ".webm") -> list[VideoRecord]:
    """Parse a train / validation / test list (module docstring); ``labels`` is
    ``labels.json`` or its list of class names."""
    names = list(labels) if isinstance(labels, (list, tuple)) else read_sthv2_labels(labels)
    index = {name: i for i, name in enumerate(names)}
    data = read_json(path)
    if not isinstance(data, list):
        raise AnnotationError(path, None, "expected a JSON list of videos")
    records, seen = [], {}
    for i, item in enumerate(data):
        where = f"[{i}]"
        if not isinstance(item, dict) or "id" not in item:
            raise AnnotationError(path, where, "an entry must be an object with an 'id'")
        raw = item["id"]
        if isinstance(raw, bool) or not isinstance(raw, (str, int)) or not str(raw).strip():
            raise AnnotationError(path, where, f"id must be a non-empty string, got {raw!r}")
        video_id = str(raw).strip()
        if video_id in seen:
            raise AnnotationError(path, where, f"id {video_id!r} repeats (first at "
                                  f"{seen[video_id]})")
        seen[video_id] = where
        record = VideoRecord(video_id=video_id, path=video_id + ext, source=locate(path, where))
        if "template" in item:
            template = item["template"]
            if not isinstance(template, str) or not template.strip():
                raise AnnotationError(path, where, f"template must be a non-empty string, got "
                                      f"{template!r}")
            name = sthv2_class_name(template).strip()
            if name not in index:
                raise AnnotationError(path, where, f"template {template!r} ({name!r} without "
                                      f"brackets) is not one of the {len(names)} classes of the "
                                      "label file")
            placeholders = item.get("placeholders", [])
            if not isinstance(placeholders, list) or not all(isinstance(p, str)
                                                             for p in placeholders):
                raise AnnotationError(path, where, f"placeholders must be a list of strings, got "
                                      f"{placeholders!r}")
            record.label, record.label_name = index[name], name
        elif "label" in item:
            raise AnnotationError(path, where, "an entry with a 'label' needs its 'template' "
                                  "(the class comes from the template)")
        records.append(record)
    return records
