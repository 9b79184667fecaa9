"""MSVD / YouTube2Text (retrieval and captioning) → records, one per video clip.

Clip ids are ``<youtube id>_<start>_<end>`` in whole seconds (``-4wsuPCjDBc_5_15``); the YouTube
id may itself contain ``_`` and ``-``. Videos: ``YouTubeClips/<clip id>.avi``.

Captions, in either text form (never a pickle):

- ``AllVideoDescriptions.txt`` (the corpus page's English descriptions): a header of lines
  starting with ``#`` (documentation, not data; a ``#`` line after the first description is
  an error), then one description per line,
  ``"<clip id> <description>"`` — ``read_msvd_descriptions``; about 40 per clip, file order kept.
- a JSON object ``{clip id: [caption, ...]}`` where a caption is a string or a list of tokens
  (joined with spaces, as CLIP4Clip joins ``raw-captions.pkl``'s token lists) —
  ``read_msvd_caption_json``.

CLIP4Clip's ``msvd_data.zip`` ships its captions as ``raw-captions.pkl``, a pickle: unpickling
runs arbitrary code, so zoo refuses it (``AnnotationError`` with these instructions). Convert a
copy you trust once, in a throw-away interpreter:
``python -c "import json,pickle; json.dump(pickle.load(open('raw-captions.pkl','rb')),
open('raw-captions.json','w'))"``, and pass ``raw-captions.json``, or use
``AllVideoDescriptions.txt``.

Splits (the standard 1200 / 100 / 670 clips of Venugopalan et al., used by CLIP4Clip):

- ``train_list.txt`` / ``val_list.txt`` / ``test_list.txt`` (CLIP4Clip): one clip id per line —
  ``read_video_ids``; or
- ``youtube_mapping.txt`` (``"<clip id> vid<N>"`` per line, N = 1..1970): the split is by N —
  vid1-1200 train, vid1201-1300 val, vid1301-1970 test (``MSVD_SPLITS``). The same mapping names
  MSVD-QA's videos (``vid<N>``).

``parse_msvd`` gives one record per clip of the split, in list order, with all its captions
(``unfold=True``: one record per (clip, caption)). A listed clip without any caption raises,
naming the list file and line.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Mapping, Optional, Union

from zoo.data.formats.base import AnnotationError, PathLike, locate, read_json, read_lines
from zoo.data.records import VideoRecord

__all__ = ["read_msvd_descriptions", "read_msvd_caption_json", "read_youtube_mapping",
           "read_video_ids", "load_msvd_captions", "parse_msvd", "MSVD_SPLITS",
           "PICKLE_ADVICE"]

#: The standard split as ranges of youtube_mapping.txt's vid numbers (inclusive).
MSVD_SPLITS = {"train": (1, 1200), "val": (1201, 1300), "test": (1301, 1970)}
PICKLE_ADVICE = ("a pickle is not read (unpickling runs arbitrary code): convert a trusted copy "
                 "to JSON once with python -c \"import json,pickle; json.dump(pickle.load("
                 "open('raw-captions.pkl','rb')), open('raw-captions.json','w'))\" and pass "
                 "raw-captions.json, or use AllVideoDescriptions.txt")
_CLIP = re.compile(r"^.+_\d+_\d+$")
_VID = re.compile(r"^vid(\d+)$")


def _check_clip(clip: str, path: PathLike, line, what: str = "clip id") -> str:
    if not _CLIP.match(clip):
        raise AnnotationError(path, line, f"{what} {clip!r} is not '<youtube id>_<start>_<end>'")
    return clip


def read_msvd_descriptions(path: PathLike) -> dict[str, list[str]]:
    """``AllVideoDescriptions.txt`` → ``{clip id: [description, ...]}`` in file order."""
    out: dict[str, list[str]] = {}
    for line, text in read_lines(path):
        if not out and text.lstrip().startswith("#"):
            continue  # the file's documentation header (only before the first description)
        fields = text.strip().split(None, 1)
        if len(fields) != 2:
            raise AnnotationError(path, line, f"expected '<clip id> <description>', got {text!r}")
        clip = _check_clip(fields[0], path, line)
        out.setdefault(clip, []).append(fields[1].strip())
    if not out:
        raise AnnotationError(path, None, "no description in this file")
    return out


def read_msvd_caption_json(path: PathLike) -> dict[str, list[str]]:
    """``{clip id: [caption | [token, ...], ...]}`` (a JSON copy of ``raw-captions.pkl``)."""
    data = read_json(path)
    if not isinstance(data, dict) or not data:
        raise AnnotationError(path, None, "expected a non-empty object {clip id: [captions]}")
    out = {}
    for clip, captions in data.items():
        where = repr(clip)
        if not isinstance(captions, list) or not captions:
            raise AnnotationError(path, where, f"expected a non-empty list of captions, got "
                                  f"{captions!r}")
        texts = []
        for k, caption in enumerate(captions):
            if isinstance(caption, list) and all(isinstance(t, str) for t in caption):
                caption = " ".join(caption)
            if not isinstance(caption, str) or not caption.strip():
                raise AnnotationError(path, f"{where}[{k}]", f"a caption must be a non-empty "
                                      f"string or list of tokens, got {caption!r}")
            texts.append(caption.strip())
        out[clip] = texts
    return out


def load_msvd_captions(path: PathLike) -> dict[str, list[str]]:
    """Captions from ``AllVideoDescriptions.txt`` (any text file) or a ``.json`` copy."""
    suffix = Path(path).suffix.lower()
    if suffix in (".pkl", ".pickle"):
        raise AnnotationError(path, None, PICKLE_ADVICE)
    if suffix == ".json":
        return read_msvd_caption_json(path)
    return read_msvd_descriptions(path)


def read_youtube_mapping(path: PathLike) -> dict[str, int]:
    """``youtube_mapping.txt`` (``"<clip id> vid<N>"``) → ``{clip id: N}``; both sides unique."""
    out: dict[str, int] = {}
    numbers: dict[int, int] = {}
    for line, text in read_lines(path):
        fields = text.split()
        if len(fields) != 2:
            raise AnnotationError(path, line, f"expected '<clip id> vid<N>', got {text!r}")
        clip = _check_clip(fields[0], path, line)
        match = _VID.match(fields[1])
        if not match:
            raise AnnotationError(path, line, f"expected 'vid<N>', got {fields[1]!r}")
        number = int(match.group(1))
        if clip in out or number in numbers:
            raise AnnotationError(path, line, f"{clip} / vid{number} is mapped twice")
        out[clip], numbers[number] = number, line
    if not out:
        raise AnnotationError(path, None, "empty mapping")
    return out


def read_video_ids(path: PathLike) -> list[tuple[int, str]]:
    """``(line, clip id)`` of a ``{train,val,test}_list.txt`` (one id per line, unique)."""
    out, seen = [], {}
    for line, text in read_lines(path):
        fields = text.split()
        if len(fields) != 1:
            raise AnnotationError(path, line, f"expected one clip id per line, got {text!r}")
        clip = _check_clip(fields[0], path, line)
        if clip in seen:
            raise AnnotationError(path, line, f"{clip} is listed twice (first at line "
                                  f"{seen[clip]})")
        seen[clip] = line
        out.append((line, clip))
    return out


def parse_msvd(captions: Union[PathLike, Mapping[str, list[str]]],
               split_list: Optional[PathLike] = None,
               youtube_mapping: Union[PathLike, Mapping[str, int], None] = None,
               split: Optional[str] = None, unfold: bool = False,
               ext: str = ".avi") -> list[VideoRecord]:
    """Records of one split (module docstring): the clips of ``split_list``, or of ``split``
    (``train`` / ``val`` / ``test``) by ``youtube_mapping``'s vid numbers."""
    caption_file = None if isinstance(captions, Mapping) else captions
    table = captions if isinstance(captions, Mapping) else load_msvd_captions(captions)
    if split_list is not None:
        rows = [(split_list, line, clip) for line, clip in read_video_ids(split_list)]
    else:
        if split not in MSVD_SPLITS or youtube_mapping is None:
            raise ValueError("give split_list, or split in ('train', 'val', 'test') with "
                             "youtube_mapping")
        mapping = (youtube_mapping if isinstance(youtube_mapping, Mapping)
                   else read_youtube_mapping(youtube_mapping))
        low, high = MSVD_SPLITS[split]
        chosen = sorted((n, clip) for clip, n in mapping.items() if low <= n <= high)
        where = youtube_mapping if not isinstance(youtube_mapping, Mapping) else "youtube_mapping"
        rows = [(where, f"vid{n}", clip) for n, clip in chosen]
    records = []
    for file, line, clip in rows:
        if clip not in table:
            source = f" in {caption_file}" if caption_file is not None else ""
            raise AnnotationError(file, line, f"clip {clip!r} has no caption{source}")
        source = locate(file, line)
        if unfold:
            records.extend(VideoRecord(video_id=clip, path=clip + ext, captions=[c],
                                       source=source) for c in table[clip])
        else:
            records.append(VideoRecord(video_id=clip, path=clip + ext,
                                       captions=list(table[clip]), source=source))
    return records
