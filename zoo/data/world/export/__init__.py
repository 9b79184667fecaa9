"""The synthetic world exported as video files plus annotation files in the real benchmarks' formats.

``export_world(out_dir)`` renders every clip of the train / val / test splits once (all frames),
writes it **losslessly** at the world's fps (``zoo.data.world.export.media``) and lays it out as
each benchmark distributes its data, so that the real parsers (``zoo.data.formats``) and the real
datamodules (``zoo.data.benchmarks``) read it end to end and decode exactly the frames the world
rendered. Command line: ``zoo export-world --out DIR [--formats ...] [--events MIN MAX]``.

Each ``<format>/`` folder is the ``root`` of its datamodule; one writer module per format says
what it writes and the choices it makes (all deterministic in ``(seed, split, index)``)::

    out_dir/
      manifest.json            world seed / config / sizes, and every clip's ids and files
      videos/world-<split>-<index>.mp4    one master file per clip
      kinetics/ ucf101/ hmdb51/ sthv2/ mmaction_list/                      recognition
      msrvtt/ msvd/ didemo/ vatex/ activitynet_captions/            retrieval, captioning
      msrvtt_qa/ msvd_qa/ nextqa/ nextqa_oe/ tgif_qa/ activitynet_qa/                 QA
      charades_sta/ qvhighlights/ hcstvg/ vidstg/             temporal / spatio-temporal grounding
      tao/ burst/                          tracking (annotation files + PNG frame folders)

Media. Every ``.mp4`` of a benchmark is a **hard link** to the clip's master file (a copy where
the file system refuses links); a clip is encoded once more per other container it needs
(``.avi``: UCF101, HMDB51, MSVD, MSVD-QA; ``.webm``: Something-Something v2; ``.gif``: TGIF-QA;
a PNG frame folder: TAO, BURST), and the files of one container are hard links to each other.

Splits. Benchmarks with train / val / test files get the world's three splits; those with fewer
say in their module where the world's splits go (UCF101, Charades-STA, TGIF-QA: train and test
only; test lists without labels — Something-Something, TAO, QVHighlights — are written without
them, as released).

Grounding formats annotate ``common.clip_events(clip)``: one event per default clip (the actor's
action segment and tube), one per ``WorldEvent`` of an event video (``WorldConfig(max_events=...)``,
``--events``), each with its own moment, sentences and target.
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from collections import defaultdict
from dataclasses import asdict
from pathlib import Path
from typing import Callable, Mapping, Optional, Sequence, Union

from zoo.data.world.export import (activitynet_captions, activitynet_qa, burst, charades_sta,
                                   didemo, hcstvg, hmdb51, kinetics, mmaction_list, msrvtt,
                                   msrvtt_qa, msvd, msvd_qa, nextqa, nextqa_oe, qvhighlights,
                                   sthv2, tao, tgif_qa, ucf101, vatex, vidstg)
from zoo.data.world.export.common import SPLITS, Context, Ids, Placement, write_json
from zoo.data.world.export.media import link, write_frames, write_media
from zoo.data.world.export.nextqa import NEXTQA_TYPES
from zoo.data.world.export.ucf101 import ucf_class_name
from zoo.data.world.synthetic import SyntheticWorld, WorldConfig

__all__ = ["FORMATS", "NEXTQA_TYPES", "DEFAULT_SIZES", "export_world", "ucf_class_name",
           "add_arguments", "run"]

#: Format name (= its folder) -> writer. The first six are the original export.
WRITERS: dict[str, Callable[[Context], list[Placement]]] = {
    "kinetics": kinetics.write, "ucf101": ucf101.write, "msrvtt": msrvtt.write,
    "charades_sta": charades_sta.write, "nextqa": nextqa.write, "msrvtt_qa": msrvtt_qa.write,
    "sthv2": sthv2.write, "hmdb51": hmdb51.write, "mmaction_list": mmaction_list.write,
    "msvd": msvd.write, "didemo": didemo.write, "vatex": vatex.write,
    "activitynet_captions": activitynet_captions.write, "msvd_qa": msvd_qa.write,
    "tgif_qa": tgif_qa.write, "activitynet_qa": activitynet_qa.write,
    "nextqa_oe": nextqa_oe.write, "qvhighlights": qvhighlights.write, "hcstvg": hcstvg.write,
    "vidstg": vidstg.write, "tao": tao.write, "burst": burst.write,
}
FORMATS = tuple(WRITERS)
#: Clips per split when none are given (``export_world`` and ``zoo export-world``).
DEFAULT_SIZES = {"train": 100, "val": 20, "test": 50}


def _check_sizes(sizes: Mapping[str, int]) -> dict[str, int]:
    unknown = sorted(set(sizes) - set(SPLITS))
    if unknown:
        raise ValueError(f"sizes has unknown split(s) {unknown}; use {list(SPLITS)}")
    out = {split: int(sizes.get(split, 0)) for split in SPLITS}
    bad = {k: v for k, v in out.items() if v < 0}
    if bad:
        raise ValueError(f"sizes must be >= 0, got {bad}")
    return out


def _write_clip_media(out: Path, master: Path, frames, fps: float,
                      placements: Sequence[Placement]) -> None:
    """Every benchmark file of one clip: ``.mp4`` links to the master; each other container
    (and the PNG frame folders) encoded once, the rest linked to that first file."""
    first: dict[str, Path] = {".mp4": master}
    first_frames: Optional[tuple[Path, list[str]]] = None
    for placement in placements:
        target = out / placement.path
        if placement.frames is not None:
            if first_frames is None:
                write_frames(target, placement.frames, frames)
                first_frames = (target, placement.frames)
            else:
                folder, names = first_frames
                for name, source in zip(placement.frames, names):
                    link(folder / source, target / name)
            continue
        suffix = target.suffix.lower()
        if suffix in first:
            link(first[suffix], target)
        else:
            write_media(target, frames, fps)
            first[suffix] = target


def _progress(total: int, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="exporting the world", unit="clip", disable=not enabled, dynamic_ncols=True)


def export_world(out_dir: Union[str, os.PathLike], formats: Sequence[str] = FORMATS,
                 sizes: Optional[Mapping[str, int]] = None, seed: int = 0,
                 config: WorldConfig = WorldConfig(), overwrite: bool = False,
                 progress: bool = False) -> dict:
    """Write the world's ``train`` / ``val`` / ``test`` clips in the benchmarks' formats.

    Args:
        out_dir: the folder to write (layout in the module docstring).
        formats: a subset of ``FORMATS`` (default: all).
        sizes: clips per split, e.g. ``{"train": 100, "val": 20, "test": 50}`` (default 100 /
            20 / 50; a missing split gets 0).
        seed: the world's seed (``SyntheticWorld(seed=...)``; the same clips as a
            ``WorldDataModule(world_seed=seed)`` with the same config).
        config: the world's ``WorldConfig`` (frames, size, fps, ...).
        overwrite: replace a previous export in ``out_dir`` (only the paths an export writes are
            removed); otherwise an existing export raises ``FileExistsError``.
        progress: show a progress bar (clips written, rate, ETA) on stderr.

    Returns:
        The manifest (also written to ``out_dir/manifest.json``): ``seed``, ``config``,
        ``sizes``, ``formats``, ``seconds``, and ``clips``: per world clip its ``split``,
        ``index``, ``video_id``, master ``video`` and, per format, ``files`` (paths relative to
        ``out_dir``: a video file, or the frame folder of TAO / BURST) and ``ids`` (the
        benchmark's id of the clip).
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
    ctx = Context(out, clips, Ids(seed, [c for split in SPLITS for c in clips[split]]), config)
    by_clip: dict[str, list[tuple[str, Placement]]] = defaultdict(list)
    for fmt in formats:
        for placement in WRITERS[fmt](ctx):
            by_clip[placement.clip.video_id].append((fmt, placement))

    entries = []
    bar = _progress(sum(len(c) for c in clips.values()), progress)
    for split in SPLITS:
        for clip in clips[split]:
            bar.update(1)
            frames = worlds[split].render(clip.index)
            master = out / "videos" / f"{clip.video_id}.mp4"
            master.parent.mkdir(parents=True, exist_ok=True)
            write_media(master, frames, config.fps)
            placed = by_clip[clip.video_id]
            _write_clip_media(out, master, frames, config.fps, [p for _, p in placed])
            entry = {"split": split, "index": clip.index, "video_id": clip.video_id,
                     "video": master.relative_to(out).as_posix(), "files": {}, "ids": {}}
            for fmt, placement in placed:
                entry["files"][fmt] = placement.path
                entry["ids"][fmt] = placement.benchmark_id
            entries.append(entry)
    bar.close()

    manifest = {"generator": "zoo.data.world.export", "seed": seed, "config": asdict(config),
                "sizes": sizes, "formats": list(formats),
                "seconds": round(time.perf_counter() - started, 3), "clips": entries}
    write_json(out / "manifest.json", manifest, indent=1)
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
    parser.add_argument("--events", type=int, nargs=2, default=None, metavar=("MIN", "MAX"),
                        help="event videos for grounding: MIN-MAX events per clip (default: one "
                             "action per clip)")
    parser.add_argument("--min-frames", type=int, default=None,
                        help="event videos: each clip draws its length in [MIN_FRAMES, --frames]")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing export")


def run(args: argparse.Namespace) -> int:
    events = {}
    if args.events:
        events = {"min_events": args.events[0], "max_events": args.events[1],
                  "min_frames": args.min_frames}
    elif args.min_frames is not None:
        raise SystemExit("zoo export-world: --min-frames needs --events MIN MAX")
    config = WorldConfig(num_frames=args.frames, height=args.height, width=args.width,
                         fps=args.fps, **events)
    manifest = export_world(args.out, formats=args.formats, seed=args.seed, config=config,
                            sizes={split: getattr(args, split) for split in SPLITS},
                            overwrite=args.overwrite, progress=True)
    count, seconds = len(manifest["clips"]), manifest["seconds"]
    print(f"exported {count} clips ({', '.join(manifest['formats'])}) to {args.out} in "
          f"{seconds:.1f} s ({count / max(seconds, 1e-9):.1f} clips/s)")
    return 0
