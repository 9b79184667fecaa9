"""Something-Something v2: ``sthv2/``.

``labels/something-something-v2-labels.json`` (``{"<template without brackets>":"<index>"}``, one
class per line, string indices in the world's label order), ``labels/something-something-v2-
{train,validation,test}.json`` (``[`` + one compact object per line + ``]``: train and validation
``{"id","label","template","placeholders"}``, test ``{"id"}`` only, as released) and
``20bn-something-something-v2/<id>.webm``. ``id`` is a numeric string (1..220847, from a hash).

Each world action has a template (``STHV2_TEMPLATES``, several of them real SSv2 templates); its
one placeholder is the actor (``"red square"``) and ``label`` is the template filled in, first
letter lower-cased (``"moving red square from right to left"``). Splits: world train ->
train.json, val -> validation.json, test -> test.json (no labels, as the real test list; the
datamodule tests on validation by default).

Videos are VP9 lossless ``.webm`` (WebM cannot hold H.264; the datamodule reads ``<id>.webm``
only), so they decode to the exact rendered frames with PyAV and decord.
"""

from __future__ import annotations

import json

from zoo.data.world.export.common import Context, Placement, write_text
from zoo.data.world.synthetic import ACTIONS, WorldClip

__all__ = ["write", "STHV2_TEMPLATES", "sthv2_label"]

#: World action -> SSv2-style template (``[something]`` = the actor).
STHV2_TEMPLATES = {
    "move_left": "Moving [something] from right to left",
    "move_right": "Moving [something] from left to right",
    "move_up": "Moving [something] up",
    "move_down": "Moving [something] down",
    "grow": "Making [something] bigger",
    "shrink": "Making [something] smaller",
    "change_colour": "Changing the colour of [something]",
    "blink": "[Something] disappearing and reappearing",
    "spin": "Spinning [something] that quickly stops spinning",
    "bounce": "[Something] bouncing up and down",
}
assert set(STHV2_TEMPLATES) == set(ACTIONS)
_FILES = {"train": "train", "val": "validation", "test": "test"}


def _placeholder(clip: WorldClip) -> str:
    actor = clip.actor_object
    return f"{actor.colour} {actor.shape}"


def sthv2_label(template: str, placeholders: list[str]) -> str:
    """The template filled in with ``placeholders`` in order, first letter lower-cased."""
    text = template
    for value in placeholders:
        start = text.index("[")
        text = text[:start] + value + text[text.index("]", start) + 1:]
    return text[:1].lower() + text[1:]


def _array(items: list[dict]) -> str:
    return "[\n" + ",\n".join(json.dumps(i, separators=(",", ":")) for i in items) + "\n]\n"


def write(ctx: Context) -> list[Placement]:
    root, placements = ctx.root("sthv2"), []
    labels = root / "labels"
    classes = [STHV2_TEMPLATES[a].replace("[", "").replace("]", "") for a in ACTIONS]
    write_text(labels / "something-something-v2-labels.json",
               "{\n" + ",\n".join(f" {json.dumps(name)}:\"{i}\"" for i, name in enumerate(classes))
               + "\n}\n")
    for split, name in _FILES.items():
        items = []
        for clip in ctx.clips[split]:
            video_id = ctx.ids.get("sthv2", clip)
            if split == "test":
                items.append({"id": video_id})
            else:
                template = STHV2_TEMPLATES[clip.action]
                placeholders = [_placeholder(clip)]
                items.append({"id": video_id, "label": sthv2_label(template, placeholders),
                              "template": template, "placeholders": placeholders})
            placements.append(Placement(clip, f"sthv2/20bn-something-something-v2/{video_id}.webm",
                                        video_id))
        write_text(labels / f"something-something-v2-{name}.json", _array(items))
    return placements
