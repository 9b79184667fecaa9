"""The closed vocabularies of the synthetic world: actions, shapes, colours, sizes, positions and
the answers its questions can have.

Everything the world can say or draw is listed here, so that the renderer
(``zoo/data/world/render.py``), the language generator (``zoo/data/world/language.py``) and the
world itself (``zoo/data/world/synthetic.py``, which re-exports these names as the public API) agree on
one spelling. All names are lower-case British English (``colour``, ``centre``).
"""

from __future__ import annotations

# --- actions ----------------------------------------------------------------------------------

#: Every action the actor of a clip can perform; a clip's ``label`` indexes this tuple.
ACTIONS: tuple[str, ...] = (
    "move_left", "move_right", "move_up", "move_down", "grow", "shrink",
    "change_colour", "blink", "spin", "bounce",
)

#: Short readable phrases, used as class names in text prompts ("a video of a shape moving left")
#: and as the answers of ``action`` questions. All distinct.
ACTION_PHRASES: dict[str, str] = {
    "move_left": "moving left",
    "move_right": "moving right",
    "move_up": "moving up",
    "move_down": "moving down",
    "grow": "growing",
    "shrink": "shrinking",
    "change_colour": "changing colour",
    "blink": "blinking",
    "spin": "spinning",
    "bounce": "bouncing",
}

#: Actions that no single frame can tell apart: they come in pairs that are exact time-reverses
#: of each other (``TIME_REVERSE``), and the world samples both members of a pair from the same
#: distribution of start/end states, so every frame of one is equally likely under the other.
ORDER_DEPENDENT_ACTIONS: tuple[str, ...] = (
    "move_left", "move_right", "move_up", "move_down", "grow", "shrink",
)

#: The action a clip becomes when played backwards (actions absent here are their own reverse,
#: in distribution: ``change_colour`` A->B reversed is B->A, ``blink`` and ``bounce`` are
#: symmetric; ``spin`` reversed starts rotated, which the world never samples).
TIME_REVERSE: dict[str, str] = {
    "move_left": "move_right", "move_right": "move_left",
    "move_up": "move_down", "move_down": "move_up",
    "grow": "shrink", "shrink": "grow",
}

#: Actions held out for zero-shot recognition (``WorldConfig.novel_actions`` default).
NOVEL_ACTIONS: tuple[str, ...] = ("move_down", "shrink")

# --- objects ----------------------------------------------------------------------------------

#: Object categories (the ``category`` of tracks). ``NOVEL_SHAPES`` are held out.
SHAPES: tuple[str, ...] = ("circle", "square", "triangle", "diamond", "cross", "star", "ring")

#: Categories held out for open-vocabulary tracking / detection.
NOVEL_SHAPES: tuple[str, ...] = ("star", "ring")

#: Colour names, in a fixed order; ``COLOUR_RGB`` gives their uint8 RGB values.
COLOURS: tuple[str, ...] = ("red", "green", "blue", "yellow", "purple", "orange", "white")

#: RGB of each colour: saturated and at least ~80 apart (Euclidean, 0-255) from each other and
#: from the grey backgrounds, so a colour name is never ambiguous in pixels.
COLOUR_RGB: dict[str, tuple[int, int, int]] = {
    "red": (220, 40, 40),
    "green": (40, 180, 60),
    "blue": (40, 90, 230),
    "yellow": (240, 220, 40),
    "purple": (150, 60, 200),
    "orange": (245, 140, 20),
    "white": (245, 245, 245),
}

#: Size categories, smallest first.
SIZES: tuple[str, ...] = ("small", "medium", "large")

#: Radius range (``[low, high)`` pixels at 64 x 64; scaled with ``min(height, width) / 64``) of
#: each size. The ranges do not overlap, so a radius names exactly one size, and neighbouring
#: sizes differ by at least 25 % in radius (grow / shrink change the area by more than half). The radius is the
#: shape's scale: a circle of radius ``r`` has pixel radius ``0.9 r``, every shape lies within
#: ``1.25 r`` of its centre (see ``world_render.SHAPE_EXTENT``).
SIZE_RADII: dict[str, tuple[float, float]] = {
    "small": (5.0, 6.0),
    "medium": (7.5, 8.5),
    "large": (10.75, 11.75),
}

#: Position names: the cell of a 3 x 3 grid over the frame that holds an object's centre, row by
#: row from the top left.
POSITIONS: tuple[str, ...] = (
    "top left", "top", "top right",
    "left", "centre", "right",
    "bottom left", "bottom", "bottom right",
)

#: How captions place an object at each position ("a red square at the top left").
POSITION_PHRASES: dict[str, str] = {
    "top left": "at the top left", "top": "at the top", "top right": "at the top right",
    "left": "on the left", "centre": "in the centre", "right": "on the right",
    "bottom left": "at the bottom left", "bottom": "at the bottom",
    "bottom right": "at the bottom right",
}

# --- questions --------------------------------------------------------------------------------

#: The ``question_type`` strings of the world's QA pairs.
QUESTION_TYPES: tuple[str, ...] = ("colour", "shape", "action", "direction", "count")

#: Answers of ``direction`` questions ("which direction does the red square move in?"):
#: ``move_*`` -> its direction, ``bounce`` -> "up and down", every other action -> "nowhere"
#: (the actor stays in place).
DIRECTIONS: tuple[str, ...] = ("left", "right", "up", "down", "up and down", "nowhere")

#: Direction of each action (the answer of its ``direction`` question).
ACTION_DIRECTION: dict[str, str] = {
    "move_left": "left", "move_right": "right", "move_up": "up", "move_down": "down",
    "bounce": "up and down",
    "grow": "nowhere", "shrink": "nowhere", "change_colour": "nowhere", "blink": "nowhere",
    "spin": "nowhere",
}

#: Spelled numbers, answers of ``count`` questions; a scene holds at most ``MAX_OBJECTS``.
NUMBER_WORDS: tuple[str, ...] = ("one", "two", "three", "four", "five", "six")

#: Most objects in one scene (actor + distractors, or the objects of a still).
MAX_OBJECTS: int = len(NUMBER_WORDS)

#: Every possible open-ended answer, sorted: the output vocabulary of open-ended QA heads.
ANSWER_VOCAB: list[str] = sorted(
    set(COLOURS) | set(SHAPES) | set(ACTION_PHRASES.values()) | set(DIRECTIONS)
    | set(NUMBER_WORDS)
)

assert len(set(ACTION_PHRASES.values())) == len(ACTIONS)
assert len(ANSWER_VOCAB) == (len(COLOURS) + len(SHAPES) + len(ACTIONS) + len(DIRECTIONS)
                             + len(NUMBER_WORDS)), "answer vocabularies overlap"
