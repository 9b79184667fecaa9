"""The synthetic world exported as video files plus annotation files in the real benchmarks' formats.

``export_world(out_dir)`` renders every clip of the train / val / test splits once (all frames),
writes it **losslessly** (``write_video(..., lossless=True)``, H.264 RGB, ``crf=0``) at the
world's fps, and lays it out as each benchmark distributes its data, so that the real parsers
(``zoo.data.formats``) and the real datamodules (``zoo.data.benchmarks``) read it end to end and
decode exactly the frames the world rendered. Command line: ``zoo export-world --out DIR``.

Layout (each ``<format>/`` folder is the ``root`` of its datamodule)::

    out_dir/
      manifest.json                  world seed / config / sizes, and every clip's ids and files
      videos/world-<split>-<index>.mp4    one master file per clip
      kinetics/      annotations/{train,val,test}.csv     {train,val,test}/<ytid>_<s:06d>_<e:06d>.mp4
                     label_map.txt   (mmaction2's label_map_k400.txt style: line k = class k - 1)
      ucf101/        ucfTrainTestlist/{classInd,trainlist01,testlist01}.txt (CRLF)
                     UCF-101/<Class>/v_<Class>_g<GG>_c<CC>.avi
      msrvtt/        msrvtt_data/{MSRVTT_data.json, MSRVTT_train.9k.csv, MSRVTT_JSFUSION_test.csv}
                     videos/all/video<N>.mp4
      charades_sta/  charades_sta_{train,test}.txt, Charades_duration.json
                     Charades_v1_480/<vid>.mp4
      nextqa/        dataset/nextqa/{train,val,test}.csv, dataset/nextqa/map_vid_vidorID.json
                     NExTVideo/<dir>/<video>.mp4
      msrvtt_qa/     {train,val,test}_qa.json             videos/all/video<N>.mp4

Video files. Every benchmark's file is a **hard link** to the clip's master file (a copy where the
file system refuses links), so a clip is encoded once and deleting one benchmark's file leaves the
others intact. The exception is UCF101: its files are real AVI containers (the same lossless
H.264 stream, encoded a second time from the same rendered frames), as the real ``.avi`` files are.

Splits. Benchmarks with train / val / test files get the world's three splits. UCF101 (official
split 1) and Charades-STA have train and test only: they get the world's train and test clips, not
its val clips. MSR-VTT gets all three in ``MSRVTT_data.json`` (``"split"``: ``train`` /
``validate`` / ``test``), with ``video<N>`` numbered train, then val, then test (as the official
0-6512 / 6513-7009 / 7010-9999); the 9k-style train list holds the train clips, the 1k-A-style
JSFusion test list holds the test clips with their first caption. (The real 9k list also holds the
validate videos; here the world's splits stay disjoint.) MSRVTT-QA uses the same ``video<N>``.

Per-benchmark names and the choices made (all deterministic in ``(seed, split, index)``):

- **Kinetics**: CSV header ``label,youtube_id,time_start,time_end,split`` (the 2017 release,
  split values ``train`` / ``validate`` / ``test``, like the sample ``validate.csv``), labels are
  the world's action phrases (``moving left``), every split labelled. ``youtube_id`` is 11
  characters of ``[A-Za-z0-9_-]`` from a hash; ``time_start`` an integer in [0, 290),
  ``time_end = time_start + ceil(duration)``. Files use the downloaders' naming, one folder per
  split (the cvdfoundation layout). ``label_map.txt`` lists all classes in the world's label order
  (a tiny train split may not contain every class, so ``sorted(set(train labels))`` would not):
  give ``KineticsDataModule(label_map="label_map.txt")`` / ``--data.init_args.label_map label_map.txt``.
- **UCF101**: class names are the action phrases in CamelCase (``moving left`` -> ``MovingLeft``,
  see ``ucf_class_name``), ids in the world's label order. Group ``GG`` and clip ``CC`` number a
  class's clips in blocks of 7 (train first, then test), so names never collide; the real
  benchmark's rule "test = groups 1-7" is not reproduced.
- **MSR-VTT**: ``"start time"`` / ``"end time"`` (with the space) place the clip in a fictional
  YouTube video (``url`` from the Kinetics-style id), ``end time - start time`` = clip duration;
  ``category`` = world label; 4 captions per video (the real data has 20).
- **Charades-STA**: one line per caption of a clip, all with the clip's action segment (as the
  real file has several sentences per segment), times with 2 decimals (the real files use one),
  sentences end with ``"."``. ``vid`` is 5 characters of ``[0-9A-Z]``.
- **NExT-QA**: the world's multiple-choice questions (5 per clip, ``qid`` 0-4), text verbatim;
  the world's question types map to NExT-QA types (``NEXTQA_TYPES``: colour / shape -> DO,
  action -> TC, direction -> DL, count -> DC). ``video`` is a 10-digit id, mapped to
  ``"<4-digit dir>/<video>"`` by ``map_vid_vidorID.json``.
- **MSRVTT-QA**: the world's open-ended questions; ``category_id`` is the index of the world's
  question type in ``QUESTION_TYPES``; ``id`` numbers questions within each file.
"""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import json
import math
import os
import shutil
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Mapping, Optional, Sequence, Union

from zoo.data.world.synthetic import ACTION_PHRASES, ACTIONS, QUESTION_TYPES, SyntheticWorld, WorldClip, WorldConfig
from zoo.data.video import write_video

__all__ = ["FORMATS", "NEXTQA_TYPES", "export_world", "ucf_class_name", "add_arguments", "run"]

FORMATS = ("kinetics", "ucf101", "msrvtt", "charades_sta", "nextqa", "msrvtt_qa")
SPLITS = ("train", "val", "test")

#: World question type -> NExT-QA question type (descriptive other / temporal current /
#: descriptive location / descriptive count).
NEXTQA_TYPES = {"colour": "DO", "shape": "DO", "action": "TC", "direction": "DL", "count": "DC"}
assert set(NEXTQA_TYPES) == set(QUESTION_TYPES)

#: The ``split`` values of the Kinetics CSVs and of ``MSRVTT_data.json``.
_SPLIT_VALUES = {"train": "train", "val": "validate", "test": "test"}
#: Clips per split when none are given (``export_world`` and ``zoo export-world``).
DEFAULT_SIZES = {"train": 100, "val": 20, "test": 50}
_UCF_GROUP_SIZE = 7
_ALNUM_UPPER = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def ucf_class_name(phrase: str) -> str:
    """An action phrase as a UCF101 class folder name: ``"moving left"`` -> ``"MovingLeft"``."""
    return "".join(word[:1].upper() + word[1:] for word in phrase.split())


# ------------------------------------------------------------------------------------------------
# deterministic, collision-free identifiers
# ------------------------------------------------------------------------------------------------


class _Ids:
    """Hash-derived identifiers of every clip, assigned once, in split and index order, so that
    they do not depend on the formats exported. Unique per kind: a collision re-hashes with a
    counter."""

    KINDS = ("youtube", "charades", "nextqa")

    def __init__(self, seed: int, clips: Iterable[WorldClip]):
        self.seed = seed
        self._ids: dict[tuple[str, str], str] = {}
        makers = {"youtube": self._youtube, "charades": self._charades, "nextqa": self._nextqa}
        for kind, make in makers.items():
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

    def youtube(self, clip: WorldClip) -> str:
        """11 characters of ``[A-Za-z0-9_-]``."""
        return self._ids["youtube", clip.video_id]

    def charades(self, clip: WorldClip) -> str:
        """5 characters of ``[0-9A-Z]``."""
        return self._ids["charades", clip.video_id]

    def nextqa(self, clip: WorldClip) -> str:
        """10 digits."""
        return self._ids["nextqa", clip.video_id]

    def number(self, kind: str, clip: WorldClip, modulo: int) -> int:
        """A number in ``[0, modulo)`` (collisions allowed)."""
        return int.from_bytes(self.digest(kind, clip)[:8], "big") % modulo


# ------------------------------------------------------------------------------------------------
# one writer per benchmark: annotation files, and where each clip's video goes
# ------------------------------------------------------------------------------------------------


@dataclass
class _Placement:
    """A clip's file in a benchmark: ``path`` relative to the export folder, the benchmark's id."""

    clip: WorldClip
    path: str
    benchmark_id: str


@dataclass
class _Context:
    out: Path
    clips: dict[str, list[WorldClip]]
    ids: _Ids
    msrvtt_numbers: dict[str, int] = field(default_factory=dict)

    def root(self, fmt: str) -> Path:
        path = self.out / fmt
        path.mkdir(parents=True, exist_ok=True)
        return path

    def msrvtt_id(self, clip: WorldClip) -> str:
        """``video<N>``, numbered train, val, then test."""
        if not self.msrvtt_numbers:
            n = 0
            for split in SPLITS:
                for c in self.clips[split]:
                    self.msrvtt_numbers[c.video_id] = n
                    n += 1
        return f"video{self.msrvtt_numbers[clip.video_id]}"


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _write_lines(path: Path, lines: Iterable[str], newline: str = "\n") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        f.writelines(line + newline for line in lines)


def _write_json(path: Path, data, indent: Optional[int] = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=indent) + "\n", encoding="utf-8")


def _kinetics(ctx: _Context) -> list[_Placement]:
    root, placements = ctx.root("kinetics"), []
    _write_lines(root / "label_map.txt", [ACTION_PHRASES[a] for a in ACTIONS])
    for split in SPLITS:
        rows = []
        for clip in ctx.clips[split]:
            youtube_id = ctx.ids.youtube(clip)
            start = ctx.ids.number("kinetics-start", clip, 290)
            end = start + max(1, math.ceil(clip.duration))
            rows.append((ACTION_PHRASES[clip.action], youtube_id, start, end,
                         _SPLIT_VALUES[split]))
            name = f"{youtube_id}_{start:06d}_{end:06d}"
            placements.append(_Placement(clip, f"kinetics/{split}/{name}.mp4", name))
        _write_csv(root / "annotations" / f"{split}.csv",
                   ("label", "youtube_id", "time_start", "time_end", "split"), rows)
    return placements


def _ucf101(ctx: _Context) -> list[_Placement]:
    root, placements = ctx.root("ucf101"), []
    classes = [ucf_class_name(ACTION_PHRASES[a]) for a in ACTIONS]
    lists = root / "ucfTrainTestlist"
    _write_lines(lists / "classInd.txt", [f"{i + 1} {name}" for i, name in enumerate(classes)],
                 newline="\r\n")
    counters: dict[str, int] = defaultdict(int)
    for split, list_name in (("train", "trainlist01.txt"), ("test", "testlist01.txt")):
        lines = []
        for clip in ctx.clips[split]:
            name = classes[clip.label]
            k = counters[name]
            counters[name] += 1
            stem = f"v_{name}_g{k // _UCF_GROUP_SIZE + 1:02d}_c{k % _UCF_GROUP_SIZE + 1:02d}"
            rel = f"{name}/{stem}.avi"
            lines.append(f"{rel} {clip.label + 1}" if split == "train" else rel)
            placements.append(_Placement(clip, f"ucf101/UCF-101/{rel}", stem))
        _write_lines(lists / list_name, lines, newline="\r\n")
    return placements


def _msrvtt(ctx: _Context) -> list[_Placement]:
    root, placements = ctx.root("msrvtt"), []
    videos, sentences = [], []
    for split in SPLITS:
        for clip in ctx.clips[split]:
            vid = ctx.msrvtt_id(clip)
            start = ctx.ids.number("msrvtt-start", clip, 1200) * 0.25
            videos.append({"category": clip.label,
                           "url": f"https://www.youtube.com/watch?v={ctx.ids.youtube(clip)}",
                           "video_id": vid, "start time": start, "end time": start + clip.duration,
                           "split": _SPLIT_VALUES[split], "id": len(videos)})
            for caption in clip.captions:
                sentences.append({"caption": caption, "video_id": vid, "sen_id": len(sentences)})
            placements.append(_Placement(clip, f"msrvtt/videos/all/{vid}.mp4", vid))
    data = root / "msrvtt_data"
    _write_json(data / "MSRVTT_data.json", {
        "info": {"contributor": "zoo synthetic world (zoo export-world)", "version": "1.0"},
        "videos": videos, "sentences": sentences})
    _write_csv(data / "MSRVTT_train.9k.csv", ("video_id",),
               [(ctx.msrvtt_id(c),) for c in ctx.clips["train"]])
    rows = []
    for i, clip in enumerate(ctx.clips["test"]):
        vid = ctx.msrvtt_id(clip)
        rows.append((f"ret{i}", f"msr{vid[len('video'):]}", vid, clip.captions[0]))
    _write_csv(data / "MSRVTT_JSFUSION_test.csv", ("key", "vid_key", "video_id", "sentence"), rows)
    return placements


def _charades_sta(ctx: _Context) -> list[_Placement]:
    root, placements, durations = ctx.root("charades_sta"), [], {}
    for split in ("train", "test"):
        lines = []
        for clip in ctx.clips[split]:
            vid = ctx.ids.charades(clip)
            durations[vid] = clip.duration
            start, end = clip.segment
            lines.extend(f"{vid} {start:.2f} {end:.2f}##{caption}." for caption in clip.captions)
            placements.append(_Placement(clip, f"charades_sta/Charades_v1_480/{vid}.mp4", vid))
        _write_lines(root / f"charades_sta_{split}.txt", lines)
    _write_json(root / "Charades_duration.json", durations)
    return placements


def _nextqa(ctx: _Context) -> list[_Placement]:
    root, placements, video_map = ctx.root("nextqa"), [], {}
    data = root / "dataset" / "nextqa"
    header = ("video", "frame_count", "width", "height", "question", "answer", "qid", "type",
              "a0", "a1", "a2", "a3", "a4")
    for split in SPLITS:
        rows = []
        for clip in ctx.clips[split]:
            video = ctx.ids.nextqa(clip)
            video_map[video] = f"{ctx.ids.number('nextqa-dir', clip, 1204):04d}/{video}"
            questions = [qa for qa in clip.qa if qa.choices]
            for qid, qa in enumerate(questions):
                rows.append((video, clip.num_frames, clip.width, clip.height, qa.question,
                             qa.answer_index, qid, NEXTQA_TYPES[qa.question_type], *qa.choices))
            placements.append(_Placement(clip, f"nextqa/NExTVideo/{video_map[video]}.mp4", video))
        _write_csv(data / f"{split}.csv", header, rows)
    _write_json(data / "map_vid_vidorID.json", video_map)
    return placements


def _msrvtt_qa(ctx: _Context) -> list[_Placement]:
    root, placements = ctx.root("msrvtt_qa"), []
    for split in SPLITS:
        items = []
        for clip in ctx.clips[split]:
            vid = ctx.msrvtt_id(clip)
            for qa in clip.qa:
                if not qa.choices:
                    items.append({"answer": qa.answer, "category_id":
                                  QUESTION_TYPES.index(qa.question_type), "id": len(items),
                                  "question": qa.question, "video_id": int(vid[len("video"):])})
            placements.append(_Placement(clip, f"msrvtt_qa/videos/all/{vid}.mp4", vid))
        _write_json(root / f"{split}_qa.json", items)
    return placements


_WRITERS: dict[str, Callable[[_Context], list[_Placement]]] = {
    "kinetics": _kinetics, "ucf101": _ucf101, "msrvtt": _msrvtt, "charades_sta": _charades_sta,
    "nextqa": _nextqa, "msrvtt_qa": _msrvtt_qa,
}
assert tuple(_WRITERS) == FORMATS


# ------------------------------------------------------------------------------------------------
# the export
# ------------------------------------------------------------------------------------------------


def _link(master: Path, target: Path) -> None:
    """``target`` as a hard link to ``master`` (a copy where links are refused)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(master, target)
    except OSError:
        shutil.copyfile(master, target)


def _check_sizes(sizes: Mapping[str, int]) -> dict[str, int]:
    unknown = sorted(set(sizes) - set(SPLITS))
    if unknown:
        raise ValueError(f"sizes has unknown split(s) {unknown}; use {list(SPLITS)}")
    out = {split: int(sizes.get(split, 0)) for split in SPLITS}
    bad = {k: v for k, v in out.items() if v < 0}
    if bad:
        raise ValueError(f"sizes must be >= 0, got {bad}")
    return out


def export_world(out_dir: Union[str, os.PathLike], formats: Sequence[str] = FORMATS,
                 sizes: Optional[Mapping[str, int]] = None, seed: int = 0,
                 config: WorldConfig = WorldConfig(), overwrite: bool = False) -> dict:
    """Write the world's ``train`` / ``val`` / ``test`` clips in the benchmarks' formats.

    Args:
        out_dir: the folder to write (layout in the module docstring).
        formats: a subset of ``FORMATS``.
        sizes: clips per split, e.g. ``{"train": 100, "val": 20, "test": 50}`` (default 100 /
            20 / 50; a missing split gets 0).
        seed: the world's seed (``SyntheticWorld(seed=...)``; the same clips as a
            ``WorldDataModule(world_seed=seed)`` with the same config).
        config: the world's ``WorldConfig`` (frames, size, fps, ...).
        overwrite: replace a previous export in ``out_dir`` (only the paths an export writes are
            removed); otherwise an existing export raises ``FileExistsError``.

    Returns:
        The manifest (also written to ``out_dir/manifest.json``): ``seed``, ``config``,
        ``sizes``, ``formats``, ``seconds``, and ``clips``: per world clip its ``split``,
        ``index``, ``video_id``, master ``video`` and, per format, ``files`` (paths relative to
        ``out_dir``) and ``ids`` (the benchmark's id of the clip).
    """
    formats = tuple(formats)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise ValueError(f"formats must be a non-empty subset of {list(FORMATS)}, got {list(formats)}")
    sizes = _check_sizes(DEFAULT_SIZES if sizes is None else sizes)
    out = Path(out_dir)
    ours = [out / "manifest.json", out / "videos", *(out / f for f in FORMATS)]
    existing = [p for p in ours if p.exists()]
    if existing:
        if not overwrite:
            raise FileExistsError(f"{out} already holds an export ({existing[0].name}); pass "
                                  "overwrite=True (--overwrite) to replace it")
        for path in existing:
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    out.mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    worlds = {split: SyntheticWorld(split, sizes[split], config, seed=seed) for split in SPLITS}
    clips = {split: [world.clip(i) for i in range(len(world))] for split, world in worlds.items()}
    ctx = _Context(out, clips, _Ids(seed, [c for split in SPLITS for c in clips[split]]))
    by_clip: dict[str, list[tuple[str, _Placement]]] = defaultdict(list)
    for fmt in formats:
        for placement in _WRITERS[fmt](ctx):
            by_clip[placement.clip.video_id].append((fmt, placement))

    entries = []
    for split in SPLITS:
        for clip in clips[split]:
            frames = worlds[split].render(clip.index)
            master = out / "videos" / f"{clip.video_id}.mp4"
            master.parent.mkdir(parents=True, exist_ok=True)
            write_video(master, frames, fps=config.fps, lossless=True)
            entry = {"split": split, "index": clip.index, "video_id": clip.video_id,
                     "video": master.relative_to(out).as_posix(), "files": {}, "ids": {}}
            for fmt, placement in by_clip[clip.video_id]:
                target = out / placement.path
                if target.suffix == ".mp4":
                    _link(master, target)
                else:  # UCF101: a real AVI container of the same frames
                    target.parent.mkdir(parents=True, exist_ok=True)
                    write_video(target, frames, fps=config.fps, lossless=True)
                entry["files"][fmt] = placement.path
                entry["ids"][fmt] = placement.benchmark_id
            entries.append(entry)

    manifest = {"generator": "zoo.data.world.export", "seed": seed, "config": asdict(config),
                "sizes": sizes, "formats": list(formats),
                "seconds": round(time.perf_counter() - started, 3), "clips": entries}
    _write_json(out / "manifest.json", manifest, indent=1)
    return manifest


# ------------------------------------------------------------------------------------------------
# zoo export-world
# ------------------------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = WorldConfig()
    parser.add_argument("--out", required=True, help="the folder to write")
    parser.add_argument("--formats", nargs="+", default=list(FORMATS), choices=FORMATS,
                        metavar="FORMAT", help=f"benchmarks to write (default: all of {', '.join(FORMATS)})")
    for split in SPLITS:
        parser.add_argument(f"--{split}", type=int, default=DEFAULT_SIZES[split],
                            help=f"{split} clips (default {DEFAULT_SIZES[split]})")
    parser.add_argument("--seed", type=int, default=0, help="the world's seed (default 0)")
    parser.add_argument("--frames", type=int, default=defaults.num_frames, help="frames per clip")
    parser.add_argument("--height", type=int, default=defaults.height)
    parser.add_argument("--width", type=int, default=defaults.width)
    parser.add_argument("--fps", type=float, default=defaults.fps)
    parser.add_argument("--overwrite", action="store_true", help="replace an existing export")


def run(args: argparse.Namespace) -> int:
    config = WorldConfig(num_frames=args.frames, height=args.height, width=args.width, fps=args.fps)
    manifest = export_world(args.out, formats=args.formats, seed=args.seed, config=config,
                            sizes={split: getattr(args, split) for split in SPLITS},
                            overwrite=args.overwrite)
    count, seconds = len(manifest["clips"]), manifest["seconds"]
    print(f"exported {count} clips ({', '.join(manifest['formats'])}) to {args.out} in "
          f"{seconds:.1f} s ({count / max(seconds, 1e-9):.1f} clips/s)")
    return 0
