"""MSVD / YouTube2Text: ``msvd/``.

- ``AllVideoDescriptions.txt``: a ``#`` header, then ``"<clip id> <description>"`` per line (the
  world's captions, in clip order);
- ``msvd_data/raw-captions.json``: the same captions as CLIP4Clip's ``raw-captions.pkl`` holds
  them — ``{clip id: [[token, ...], ...]}`` — converted to JSON (zoo never reads pickles);
- ``msvd_data/{train,val,test}_list.txt``: the world's splits, one clip id per line (CLIP4Clip);
- ``youtube_mapping.txt``: ``"<clip id> vid<N>"``, with the standard split's numbering scaled to
  the world's sizes: train clips are vid1.., val vid1201.., test vid1301.., so the mapping's vid
  ranges (1-1200 / 1201-1300 / 1301-1970) give the world's splits too. Splits larger than 1200
  / 100 / 670 clips are numbered consecutively instead (with a warning: the mapping's ranges
  then no longer match the lists). MSVD-QA uses the same ``vid<N>``;
- ``YouTubeClips/<clip id>.avi`` (real AVI containers).

Clip ids are ``<youtube id>_<start>_<end>`` in whole seconds: the clip's Kinetics-style name
without the zero padding.
"""

from __future__ import annotations

import warnings

from zoo.data.formats.msvd import MSVD_SPLITS
from zoo.data.world.export.common import SPLITS, Context, Placement, write_json, write_lines
from zoo.data.world.synthetic import WorldClip

__all__ = ["write", "msvd_clip_id", "msvd_numbers"]

_HEADER = ["#" * 60, "# MSVD-style English descriptions of the zoo synthetic world",
           "# (zoo export-world). One description per line: <clip id> <description>", "#" * 60]


def msvd_clip_id(ctx: Context, clip: WorldClip) -> str:
    youtube_id, start, end = ctx.ids.kinetics_name(clip)
    return f"{youtube_id}_{start}_{end}"


def msvd_numbers(ctx: Context) -> dict[str, int]:
    """World video id -> N of ``vid<N>`` (module docstring)."""
    fits = all(len(ctx.clips[s]) <= MSVD_SPLITS[s][1] - MSVD_SPLITS[s][0] + 1 for s in SPLITS)
    if not fits:
        warnings.warn("the world's splits exceed MSVD's 1200 / 100 / 670 clips: vid<N> numbers "
                      "are consecutive, and youtube_mapping.txt's vid ranges no longer give the "
                      "world's splits (the split lists still do)", stacklevel=3)
    numbers, n = {}, 1
    for split in SPLITS:
        if fits:
            n = MSVD_SPLITS[split][0]
        for clip in ctx.clips[split]:
            numbers[clip.video_id] = n
            n += 1
    return numbers


def write(ctx: Context) -> list[Placement]:
    root, placements = ctx.root("msvd"), []
    numbers = msvd_numbers(ctx)
    descriptions, tokens, mapping = list(_HEADER), {}, []
    for split in SPLITS:
        ids = []
        for clip in ctx.clips[split]:
            clip_id = msvd_clip_id(ctx, clip)
            ids.append(clip_id)
            descriptions.extend(f"{clip_id} {caption}" for caption in clip.captions)
            tokens[clip_id] = [caption.split() for caption in clip.captions]
            mapping.append(f"{clip_id} vid{numbers[clip.video_id]}")
            placements.append(Placement(clip, f"msvd/YouTubeClips/{clip_id}.avi", clip_id))
        write_lines(root / "msvd_data" / f"{split}_list.txt", ids)
    write_lines(root / "AllVideoDescriptions.txt", descriptions)
    write_json(root / "msvd_data" / "raw-captions.json", tokens)
    write_lines(root / "youtube_mapping.txt", mapping)
    return placements
