"""Appearance labels: a second labelling of the world that a single frame decides.

The world's actions are defined by motion (Something-Something-like: no single frame tells
``move_left`` from ``move_right``). Themed scenes (``WorldConfig(appearance=True)``) add an
*object-and-scene* category per clip, Kinetics-like, that any one frame decides:

- **theme shape** -- every object of the clip (actor and distractors) has the same shape, so the
  shape shows in every frame whichever object is acting;
- **tone** -- the background is ``dark`` (grey level 55-75) or ``light`` (105-125) instead of
  today's 70-110: the same texture (three faint gratings + noise) at another mean level; after
  the +-8 per-channel tint the two tones' means stay 14 grey levels apart in every channel
  (dark <= 83 < 97 <= light), and every object colour stays farther (>= 78, Euclidean RGB) from
  a tone's mean than from today's (>= 65).

Classes: ``APPEARANCE_CLASSES`` = shape x tone in ``SHAPES`` x ``TONES`` order, 7 x 2 = **14**
(chance 1/14 = 7.1 %); a base-only world (``base_only`` / ``base_shapes_only``) draws the
**10** base classes (chance 10 %) and the 4 classes of the novel shapes (star, ring) are the
zero-shot ones. Names read as prompts: ``"squares on a dark background"``.

Balance: clip ``i`` takes class ``perm_b[i mod C]`` of the ``C`` allowed classes, where ``perm_b``
is a permutation drawn for block ``b = i // C`` from the appearance stream -- every block of ``C``
consecutive clips holds every class exactly once, in a random order.

The actions are today's, with one restriction: a round theme (circle, ring) never ``spin`` s (a
spinning circle looks still), so spin is 1/8 rarer overall in a themed world.

Default clips are untouched: themed scenes are drawn only when ``appearance=True``, and the
class comes from its own seed stream (``APPEARANCE_STREAM``).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from zoo.data.world.config import APPEARANCE_STREAM, SPLITS
from zoo.data.world.render import ROUND_SHAPES
from zoo.data.world.vocab import NUMBER_WORDS, SHAPES

__all__ = ["TONES", "TONE_LEVELS", "APPEARANCE_CLASSES", "APPEARANCE_NAMES", "plural",
           "appearance_name", "allowed_classes", "draw_appearance", "theme_actions",
           "appearance_captions"]

#: Background tones of themed scenes.
TONES: tuple[str, ...] = ("dark", "light")

#: Grey-level range (``[low, high)``, 0-255, before the +-8 per-channel tint) of each tone;
#: today's backgrounds use 70-110.
TONE_LEVELS: dict[str, tuple[float, float]] = {"dark": (55.0, 75.0), "light": (105.0, 125.0)}

#: Every appearance class, ``(shape, tone)``; an appearance label indexes this tuple.
APPEARANCE_CLASSES: tuple[tuple[str, str], ...] = tuple((s, t) for s in SHAPES for t in TONES)

_PLURALS = {"cross": "crosses"}


def plural(shape: str) -> str:
    """``"square" -> "squares"``, ``"cross" -> "crosses"``."""
    return _PLURALS.get(shape, shape + "s")


def appearance_name(shape: str, tone: str) -> str:
    """The readable class name (and text prompt): ``"squares on a dark background"``."""
    return f"{plural(shape)} on a {tone} background"


#: Class names in label order.
APPEARANCE_NAMES: tuple[str, ...] = tuple(appearance_name(s, t) for s, t in APPEARANCE_CLASSES)
assert len(set(APPEARANCE_NAMES)) == len(APPEARANCE_CLASSES)


def allowed_classes(shapes: Sequence[str]) -> list[int]:
    """Labels of the classes whose shape is in ``shapes`` (a world's allowed shapes)."""
    return [k for k, (s, _) in enumerate(APPEARANCE_CLASSES) if s in shapes]


def draw_appearance(seed: int, split: str, index: int, allowed: Sequence[int]) -> int:
    """The appearance label of clip ``index``: balanced over ``allowed`` in blocks (module doc),
    deterministic by ``(seed, split, index)``."""
    block, position = divmod(int(index), len(allowed))
    entropy = [int(seed), SPLITS[split], APPEARANCE_STREAM, 0, block]
    order = np.random.default_rng(np.random.SeedSequence(entropy)).permutation(len(allowed))
    return int(allowed[int(order[position])])


def theme_actions(actions: Sequence[str], theme: str) -> tuple[str, ...]:
    """The actions a clip of ``theme`` may show: all of ``actions`` but ``spin`` for round
    shapes."""
    return tuple(a for a in actions if a != "spin" or theme not in ROUND_SHAPES)


def appearance_captions(rng: np.random.Generator, theme: str, tone: str,
                        colours: Sequence[str]) -> list[str]:
    """Four captions that the first frame decides: the objects' shape (plural), count and
    colours (first-frame colours, in object order) and the background tone -- never what moves.

    e.g. ``"three squares on a dark background"``, ``"red, blue and green squares on a dark
    background"``, ``"a dark scene with three squares"``, ``"squares in red, blue and green
    against a dark backdrop"`` (the order of the four is drawn from ``rng``).
    """
    count = NUMBER_WORDS[len(colours) - 1]
    noun = theme if len(colours) == 1 else plural(theme)
    if len(colours) == 1:
        listed = colours[0]
    else:
        listed = ", ".join(colours[:-1]) + f" and {colours[-1]}"
    captions = [f"{count} {noun} on a {tone} background",
                f"{listed} {noun} on a {tone} background",
                f"a {tone} scene with {count} {noun}",
                f"{noun} in {listed} against a {tone} backdrop"]
    return [captions[i] for i in rng.permutation(len(captions))]
