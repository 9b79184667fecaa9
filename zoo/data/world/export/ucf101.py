"""UCF101 (official split 1): ``ucf101/``.

``ucfTrainTestlist/{classInd,trainlist01,testlist01}.txt`` (CRLF, 1-based class ids, the test
list without labels) and ``UCF-101/<Class>/v_<Class>_g<GG>_c<CC>.avi`` — real AVI containers.
Class names are the action phrases in CamelCase (``moving left`` -> ``MovingLeft``,
``ucf_class_name``), ids in the world's label order. Group ``GG`` and clip ``CC`` number a class's
clips in blocks of 7 (train first, then test), so names never collide; the real benchmark's rule
"test = groups 1-7" is not reproduced. The world's train and test clips only (no val list).
"""

from __future__ import annotations

from collections import defaultdict

from zoo.data.world.export.common import Context, Placement, write_lines
from zoo.data.world.synthetic import ACTION_PHRASES, ACTIONS

__all__ = ["write", "ucf_class_name"]

_UCF_GROUP_SIZE = 7


def ucf_class_name(phrase: str) -> str:
    """An action phrase as a UCF101 class folder name: ``"moving left"`` -> ``"MovingLeft"``."""
    return "".join(word[:1].upper() + word[1:] for word in phrase.split())


def write(ctx: Context) -> list[Placement]:
    root, placements = ctx.root("ucf101"), []
    classes = [ucf_class_name(ACTION_PHRASES[a]) for a in ACTIONS]
    lists = root / "ucfTrainTestlist"
    write_lines(lists / "classInd.txt", [f"{i + 1} {name}" for i, name in enumerate(classes)],
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
            placements.append(Placement(clip, f"ucf101/UCF-101/{rel}", stem))
        write_lines(lists / list_name, lines, newline="\r\n")
    return placements
