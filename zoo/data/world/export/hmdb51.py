"""HMDB51 (official split files): ``hmdb51/``.

``testTrainMulti_7030_splits/<class>_test_split{1,2,3}.txt`` — one line per video of the class,
``"<video>.avi <flag> "`` (flag 1 = train, 2 = test, 0 = unused; a space before the LF line
break, as released) — and ``hmdb51_org/<class>/<video>.avi`` (real AVI containers). Classes are
the action phrases in HMDB51's spelling (``moving left`` -> ``moving_left``); the class index is
their sorted order (the parser's and mmaction2's rule), not the world's label order.

Flags: world train -> 1, test -> 2, val -> 0 ("unused"), identical in the three official splits
(the world has one partition). Video names follow HMDB51's
``<title>_<class>_<body>_<camera>_np<N>_<view>_<quality>_<k>`` pattern: a hashed title,
``u_nm``, ``np<number of objects>``, ``fr_goo`` and ``k = 0``.
"""

from __future__ import annotations

from zoo.data.world.export.common import Context, Placement, write_lines
from zoo.data.world.synthetic import ACTION_PHRASES, ACTIONS, WorldClip

__all__ = ["write", "hmdb51_class_name"]

_FLAGS = {"train": 1, "test": 2, "val": 0}


def hmdb51_class_name(phrase: str) -> str:
    """An action phrase as an HMDB51 class folder: ``"moving left"`` -> ``"moving_left"``."""
    return phrase.replace(" ", "_")


def _stem(ctx: Context, clip: WorldClip, cls: str) -> str:
    return f"{ctx.ids.get('hmdb', clip)}_{cls}_u_nm_np{len(clip.objects)}_fr_goo_0"


def write(ctx: Context) -> list[Placement]:
    root, placements = ctx.root("hmdb51"), []
    lines: dict[str, list[str]] = {hmdb51_class_name(ACTION_PHRASES[a]): [] for a in ACTIONS}
    for split in ("train", "test", "val"):
        for clip in ctx.clips[split]:
            cls = hmdb51_class_name(ACTION_PHRASES[clip.action])
            stem = _stem(ctx, clip, cls)
            lines[cls].append(f"{stem}.avi {_FLAGS[split]} ")
            placements.append(Placement(clip, f"hmdb51/hmdb51_org/{cls}/{stem}.avi", stem))
    folder = root / "testTrainMulti_7030_splits"
    for cls, rows in sorted(lines.items()):
        for k in (1, 2, 3):
            write_lines(folder / f"{cls}_test_split{k}.txt", rows)
    return placements
