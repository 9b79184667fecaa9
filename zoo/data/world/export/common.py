"""What every benchmark writer of ``zoo.data.world.export`` shares: the clips' identifiers, the
export context, where a clip's media go (``Placement``), the grounded events of a clip, and small
file writers.

A writer is ``write(ctx) -> list[Placement]``: it writes its annotation files under
``ctx.root(<format>)`` and says where each clip's video file (or frame folder) goes; the export
renders every clip once and writes the media (``zoo.data.world.export.media``).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional, Sequence

from zoo.data.world.events import event_frames
from zoo.data.world.synthetic import WorldClip, WorldConfig

__all__ = ["SPLITS", "SPLIT_VALUES", "Ids", "Placement", "Context", "Event", "clip_events",
           "frames_in", "number", "sentence", "pixel_box", "write_csv", "write_lines",
           "write_json", "write_text"]

SPLITS = ("train", "val", "test")
#: The ``split`` values of the Kinetics CSVs and of ``MSRVTT_data.json``.
SPLIT_VALUES = {"train": "train", "val": "validate", "test": "test"}
_ALNUM_UPPER = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ALNUM = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


# ------------------------------------------------------------------------------------------------
# deterministic, collision-free identifiers
# ------------------------------------------------------------------------------------------------


class Ids:
    """Hash-derived identifiers of every clip, assigned once, in split and index order, so that
    they do not depend on the formats exported. Unique per kind: a collision re-hashes with a
    counter. Each kind draws from its own digests, so adding a kind changes no other kind's ids.

    Kinds: ``youtube`` (11 characters of ``[A-Za-z0-9_-]``: Kinetics, MSR-VTT urls, VATEX, MSVD,
    ActivityNet, QVHighlights, HC-STVG share a clip's fictional YouTube video), ``charades``
    (5 of ``[0-9A-Z]``), ``nextqa`` (10 digits: NExT-QA and VidOR / VidSTG video ids), ``sthv2``
    (a number in 1..220847, as a string), ``flickr`` (a DiDeMo Flickr file stem
    ``<nsid>@N0<d>_<photo id>_<secret>``), ``tgif`` (a tumblr GIF name), ``hmdb`` (an HMDB51-style
    title) and ``tao`` (``v_`` + 32 hex digits, a TAO / BURST sequence name).
    """

    KINDS = ("youtube", "charades", "nextqa", "sthv2", "flickr", "tgif", "hmdb", "tao")

    def __init__(self, seed: int, clips: Iterable[WorldClip]):
        self.seed = seed
        clips = list(clips)
        self._ids: dict[tuple[str, str], str] = {}
        for kind in self.KINDS:
            make = getattr(self, f"_{kind}")
            taken: set[str] = set()
            for clip in clips:
                for attempt in range(1000):
                    value = make(self.digest(kind, clip, attempt))
                    if value not in taken:
                        break
                else:  # pragma: no cover (needs ~1000 hash collisions in a row)
                    raise RuntimeError(f"no free {kind} id for {clip.video_id}")
                taken.add(value)
                self._ids[kind, clip.video_id] = value

    def digest(self, kind: str, clip: WorldClip, attempt: int = 0) -> bytes:
        key = f"zoo-world/{kind}/{self.seed}/{clip.split}/{clip.index}/{attempt}"
        return hashlib.sha256(key.encode()).digest()

    @staticmethod
    def _youtube(d: bytes) -> str:
        return base64.urlsafe_b64encode(d).decode()[:11]

    @staticmethod
    def _charades(d: bytes) -> str:
        n = int.from_bytes(d[:8], "big")
        return "".join(_ALNUM_UPPER[(n // 36 ** k) % 36] for k in range(5))

    @staticmethod
    def _nextqa(d: bytes) -> str:
        return str(10 ** 9 + int.from_bytes(d[:8], "big") % (9 * 10 ** 9))

    @staticmethod
    def _sthv2(d: bytes) -> str:
        return str(1 + int.from_bytes(d[:8], "big") % 220847)

    @staticmethod
    def _flickr(d: bytes) -> str:
        nsid = 10 ** 7 + int.from_bytes(d[:4], "big") % (9 * 10 ** 7)
        photo = 10 ** 9 + int.from_bytes(d[4:12], "big") % (9 * 10 ** 9)
        return f"{nsid}@N0{d[12] % 9}_{photo}_{d[13:18].hex()}"

    @staticmethod
    def _tgif(d: bytes) -> str:
        n = int.from_bytes(d[:16], "big")
        return "tumblr_" + "".join(_ALNUM[(n // 62 ** k) % 62] for k in range(17)) + "o1_250"

    @staticmethod
    def _hmdb(d: bytes) -> str:
        n = int.from_bytes(d[:8], "big")
        return "World" + "".join(_ALNUM[10 + (n // 52 ** k) % 52] for k in range(6))

    @staticmethod
    def _tao(d: bytes) -> str:
        return "v_" + d[:16].hex()

    def get(self, kind: str, clip: WorldClip) -> str:
        return self._ids[kind, clip.video_id]

    def youtube(self, clip: WorldClip) -> str:
        """11 characters of ``[A-Za-z0-9_-]``."""
        return self.get("youtube", clip)

    def charades(self, clip: WorldClip) -> str:
        """5 characters of ``[0-9A-Z]``."""
        return self.get("charades", clip)

    def nextqa(self, clip: WorldClip) -> str:
        """10 digits."""
        return self.get("nextqa", clip)

    def number(self, kind: str, clip: WorldClip, modulo: int) -> int:
        """A number in ``[0, modulo)`` (collisions allowed)."""
        return int.from_bytes(self.digest(kind, clip)[:8], "big") % modulo

    def kinetics_name(self, clip: WorldClip) -> tuple[str, int, int]:
        """``(youtube id, time_start, time_end)`` of the clip's Kinetics-style name
        ``<ytid>_<start:06d>_<end:06d>`` (also VATEX's ``videoID`` and, unpadded, MSVD's)."""
        start = self.number("kinetics-start", clip, 290)
        return self.youtube(clip), start, start + max(1, math.ceil(clip.duration))

    def vidor_path(self, clip: WorldClip) -> str:
        """``"<4-digit dir>/<10-digit id>"``: NExT-QA's ``map_vid_vidorID.json`` value and VidOR's
        ``video_path`` without ``.mp4``."""
        return f"{self.number('nextqa-dir', clip, 1204):04d}/{self.nextqa(clip)}"


# ------------------------------------------------------------------------------------------------
# the export context and where media go
# ------------------------------------------------------------------------------------------------


@dataclass
class Placement:
    """A clip's media in a benchmark: ``path`` relative to the export folder and the benchmark's
    id of the clip. A video file's encoding follows its suffix (``zoo.data.world.export.media``);
    with ``frames`` set, ``path`` is a folder and ``frames[i]`` the image file of frame ``i``."""

    clip: WorldClip
    path: str
    benchmark_id: str
    frames: Optional[list[str]] = None


@dataclass
class Context:
    out: Path
    clips: dict[str, list[WorldClip]]
    ids: Ids
    config: WorldConfig = field(default_factory=WorldConfig)
    msrvtt_numbers: dict[str, int] = field(default_factory=dict)

    def root(self, fmt: str) -> Path:
        path = self.out / fmt
        path.mkdir(parents=True, exist_ok=True)
        return path

    def all_clips(self, splits: Sequence[str] = SPLITS) -> list[WorldClip]:
        return [clip for split in splits for clip in self.clips[split]]

    def msrvtt_id(self, clip: WorldClip) -> str:
        """``video<N>``, numbered train, val, then test."""
        if not self.msrvtt_numbers:
            for n, c in enumerate(self.all_clips()):
                self.msrvtt_numbers[c.video_id] = n
        return f"video{self.msrvtt_numbers[clip.video_id]}"


# ------------------------------------------------------------------------------------------------
# grounded events
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """One thing that happens in a clip: ``segment`` in seconds, the ``captions`` that describe
    it, the ``track_id`` of the object doing it (``WorldObject.track_id``) and its ``action``."""

    segment: tuple[float, float]
    captions: tuple[str, ...]
    track_id: int
    action: str


def clip_events(clip: WorldClip) -> list[Event]:
    """The events the grounding writers annotate, in time order.

    A default clip has one: the actor's action over ``clip.segment``, described by every caption.
    An event video (``WorldConfig(max_events=...)``) has one per ``WorldEvent``: its actor, its
    moment and its own sentences (a video's ``captions`` then narrate every event)."""
    if clip.events:
        return [Event(segment=(float(e.segment[0]), float(e.segment[1])),
                      captions=tuple(e.sentences), track_id=clip.objects[e.actor].track_id,
                      action=e.action) for e in clip.events]
    return [Event(segment=(float(clip.segment[0]), float(clip.segment[1])),
                  captions=tuple(clip.captions), track_id=clip.actor_object.track_id,
                  action=clip.action)]


def frames_in(segment: Sequence[float], fps: float, num_frames: int) -> list[int]:
    """The frames ``k`` whose time ``k / fps`` lies in ``[start, end]`` (the world's rule for the
    frames of a moment, ``zoo.data.world.events.event_frames``)."""
    return event_frames(tuple(segment), fps, num_frames)


# ------------------------------------------------------------------------------------------------
# small formatting helpers
# ------------------------------------------------------------------------------------------------


def number(value: float, digits: int = 2):
    """``value`` rounded to ``digits`` decimals, as an ``int`` when it is whole (JSON ``2`` rather
    than ``2.0``, as the releases write whole seconds)."""
    value = round(float(value), digits)
    return int(value) if value.is_integer() else value


def sentence(caption: str) -> str:
    """A world caption written as a sentence: capitalised, ending with ``"."``."""
    return caption[:1].upper() + caption[1:] + "."


def pixel_box(box: Sequence[float]) -> tuple[int, int, int, int]:
    """A float xyxy box in integer pixels (rounded), as the integer-box releases store it."""
    return tuple(int(round(float(v))) for v in box)


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence], delimiter: str = ",",
              newline: str = "\n") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, delimiter=delimiter, lineterminator=newline)
        writer.writerow(header)
        writer.writerows(rows)


def write_lines(path: Path, lines: Iterable[str], newline: str = "\n") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        f.writelines(line + newline for line in lines)


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))


def write_json(path: Path, data, indent: Optional[int] = None, **kwargs) -> None:
    """``json.dumps(data)`` + a final newline."""
    write_text(path, json.dumps(data, indent=indent, **kwargs) + "\n")
