"""Language of the synthetic world: captions, questions and still-image captions.

Everything here is a pure function of its arguments and of the numpy ``Generator`` it is given,
so the world stays deterministic. Sentences are lower case without a final full stop (as in
MSR-VTT); questions end with "?". Video captions describe the actor by colour and shape and say
what it does; still captions describe colour, shape, size and position only -- never motion.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from zoo.data.records import QuestionAnswer
from zoo.data.world.vocab import (
    ACTION_DIRECTION, ACTION_PHRASES, COLOURS, DIRECTIONS, NUMBER_WORDS, POSITION_PHRASES,
)

#: Verb phrases per action (present tense, subject "a red square"). ``{new}`` is the colour a
#: ``change_colour`` actor turns into. Captions use distinct phrases, so they are paraphrases.
VERB_PHRASES: dict[str, tuple[str, ...]] = {
    "move_left": ("moves to the left", "slides left", "is moving towards the left side",
                  "travels leftwards", "heads to the left"),
    "move_right": ("moves to the right", "slides right", "is moving towards the right side",
                   "travels rightwards", "heads to the right"),
    "move_up": ("moves up", "slides upwards", "is moving towards the top",
                "rises", "travels up the frame"),
    "move_down": ("moves down", "slides downwards", "is moving towards the bottom",
                  "sinks", "travels down the frame"),
    "grow": ("grows", "gets bigger", "is growing larger", "expands", "increases in size"),
    "shrink": ("shrinks", "gets smaller", "is shrinking", "contracts", "decreases in size"),
    "change_colour": ("changes colour to {new}", "turns {new}", "becomes {new}",
                      "switches its colour to {new}", "is changing colour to {new}"),
    "blink": ("blinks", "disappears and reappears", "vanishes for a moment and comes back",
              "briefly disappears", "fades out and back in"),
    "spin": ("spins", "rotates", "turns around", "spins half a turn", "is rotating"),
    "bounce": ("bounces", "jumps up and comes back down", "hops up and lands again",
               "bounces up and down", "leaps up and falls back"),
}
assert set(VERB_PHRASES) == set(ACTION_PHRASES)

#: Question templates per type; ``{phrase}`` is the action phrase, ``{subject}`` "red square".
QUESTION_TEMPLATES: dict[str, tuple[str, ...]] = {
    "colour": ("what colour is the object that is {phrase}?",
               "which colour is the shape that is {phrase}?"),
    "colour_change": ("what colour does the {subject} turn into?",
                      "what colour does the {subject} become?"),
    "shape": ("what shape is the object that is {phrase}?",
              "which shape is {phrase}?"),
    "action": ("what is the {subject} doing?", "what does the {subject} do?"),
    "direction": ("which direction does the {subject} move in?",
                  "where does the {subject} move?"),
    "count": ("how many objects are there?", "how many shapes are in the video?"),
}

NUM_CHOICES = 5
NUM_CAPTIONS = 4

_STILL_PREFIXES = ("", "there is ", "a picture of ")


def _pick(rng: np.random.Generator, options: Sequence[str]) -> str:
    return options[int(rng.integers(len(options)))]


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def clip_captions(rng: np.random.Generator, colour: str, shape: str, action: str,
                  new_colour: str, position: str, num_others: int) -> list[str]:
    """``NUM_CAPTIONS`` distinct paraphrases describing what the actor does.

    Three use distinct verb phrases with a definite or indefinite subject ("the red square
    slides left"); the fourth adds context: where the actor starts ("a red square at the top
    left moves to the left") or the drifting distractors ("... while two other shapes drift").

    Args:
        colour, shape: the actor's (initial) colour and shape.
        action: one of ``ACTIONS``; ``new_colour`` is used by ``change_colour`` only.
        position: one of ``POSITIONS``, where the actor is in the first frame.
        num_others: the number of distractors.
    """
    phrases = VERB_PHRASES[action]
    order = rng.permutation(len(phrases))
    captions = []
    for k in range(NUM_CAPTIONS):
        verb = phrases[order[k]].format(new=new_colour)
        subject = f"{_pick(rng, (_article(colour), 'the'))} {colour} {shape}"
        if k < NUM_CAPTIONS - 1:
            captions.append(f"{subject} {verb}")
        elif num_others > 0 and rng.random() < 0.5:
            others = ("another shape drifts" if num_others == 1
                      else f"{NUMBER_WORDS[num_others - 1]} other shapes drift")
            captions.append(f"{subject} {verb} while {others}")
        else:
            captions.append(f"{subject} {POSITION_PHRASES[position]} {verb}")
    return captions


def _choices(rng: np.random.Generator, answer: str, candidates: Sequence[str],
             fallback: Sequence[str]) -> tuple[list[str], int]:
    """``NUM_CHOICES`` distinct choices: the answer and others of the same kind, drawn uniformly
    from ``candidates`` (then ``fallback`` if too few), in random order."""
    others = [c for c in dict.fromkeys(candidates) if c != answer]
    picked = [others[i] for i in rng.permutation(len(others))[:NUM_CHOICES - 1]]
    for extra in fallback:
        if len(picked) == NUM_CHOICES - 1:
            break
        if extra != answer and extra not in picked:
            picked.append(extra)
    choices = [answer] + picked
    order = rng.permutation(len(choices))
    choices = [choices[i] for i in order]
    return choices, int(np.argmax(order == 0))


def clip_questions(rng: np.random.Generator, colour: str, shape: str, action: str,
                   new_colour: str, num_objects: int, shape_vocab: Sequence[str],
                   action_vocab: Sequence[str], all_shapes: Sequence[str],
                   all_actions: Sequence[str]) -> list[QuestionAnswer]:
    """One open-ended and one 5-way multiple-choice question of each of ``QUESTION_TYPES``.

    - ``colour``: the colour of the object doing the action (for ``change_colour``: the colour
      it turns into);
    - ``shape``: the shape of the object doing the action;
    - ``action``: what the actor (named by colour and shape) does -> its ``ACTION_PHRASES``;
    - ``direction``: where the actor moves -> one of ``DIRECTIONS`` ("nowhere" for in-place
      actions, "up and down" for ``bounce``);
    - ``count``: how many objects the clip holds -> a spelled number.

    Multiple-choice distractors are other answers of the same type, drawn uniformly; shapes
    and actions come from ``shape_vocab`` / ``action_vocab`` (the clip's allowed ones, so a
    base-only split never offers a novel category), topped up from ``all_*`` if too few.
    Open-ended and multiple-choice versions of a type share the same question text.
    """
    subject = f"{colour} {shape}"
    phrase = ACTION_PHRASES[action]
    items: list[tuple[str, str, str, Sequence[str], Sequence[str]]] = []
    if action == "change_colour":
        question = _pick(rng, QUESTION_TEMPLATES["colour_change"]).format(subject=subject)
        items.append(("colour", question, new_colour, COLOURS, ()))
    else:
        question = _pick(rng, QUESTION_TEMPLATES["colour"]).format(phrase=phrase)
        items.append(("colour", question, colour, COLOURS, ()))
    items.append(("shape", _pick(rng, QUESTION_TEMPLATES["shape"]).format(phrase=phrase), shape,
                  shape_vocab, all_shapes))
    items.append(("action", _pick(rng, QUESTION_TEMPLATES["action"]).format(subject=subject),
                  phrase, [ACTION_PHRASES[a] for a in action_vocab],
                  [ACTION_PHRASES[a] for a in all_actions]))
    items.append(("direction",
                  _pick(rng, QUESTION_TEMPLATES["direction"]).format(subject=subject),
                  ACTION_DIRECTION[action], DIRECTIONS, ()))
    items.append(("count", _pick(rng, QUESTION_TEMPLATES["count"]),
                  NUMBER_WORDS[num_objects - 1], NUMBER_WORDS, ()))
    qa = [QuestionAnswer(question=q, answer=a, question_type=t) for t, q, a, _, _ in items]
    for qtype, question, answer, candidates, fallback in items:
        choices, index = _choices(rng, answer, candidates, fallback)
        qa.append(QuestionAnswer(question=question, answer=answer, question_type=qtype,
                                 choices=choices, answer_index=index))
    return qa


def still_caption(rng: np.random.Generator, objects: Sequence[dict]) -> str:
    """A caption naming each object's size, colour, shape and position, e.g. "a large red
    square at the top left and a small blue circle in the centre"; objects in the given order,
    joined as an English list, optionally prefixed ("there is ...", "a picture of ...")."""
    parts = [f"{_article(o['size'])} {o['size']} {o['colour']} {o['shape']} "
             f"{POSITION_PHRASES[o['position']]}" for o in objects]
    if len(parts) == 1:
        body = parts[0]
    elif len(parts) == 2:
        body = f"{parts[0]} and {parts[1]}"
    else:
        body = ", ".join(parts[:-1]) + f" and {parts[-1]}"
    return _pick(rng, _STILL_PREFIXES) + body


#: Paraphrased sentences per event of an event video.
NUM_EVENT_SENTENCES = 3


def event_sentences(rng: np.random.Generator, colour: str, shape: str, action: str,
                    new_colour: str, count: int = NUM_EVENT_SENTENCES) -> list[str]:
    """``count`` paraphrases of one event, each naming the actor by colour and shape and saying
    what it does with a distinct verb phrase ("the red square slides left", "a red square moves
    to the left", ...): the grounding queries of an event video. ``new_colour`` is the colour a
    ``change_colour`` actor turns into."""
    phrases = VERB_PHRASES[action]
    if not 1 <= count <= len(phrases):
        raise ValueError(f"count must lie in [1, {len(phrases)}], got {count}")
    order = rng.permutation(len(phrases))
    return [f"{_pick(rng, (_article(colour), 'the'))} {colour} {shape} "
            f"{phrases[order[k]].format(new=new_colour)}" for k in range(count)]


def narrations(sentences: Sequence[Sequence[str]],
               segments: Sequence[tuple[float, float]]) -> list[str]:
    """Video captions of an event video: paraphrase ``p`` joins sentence ``p`` of every event
    (events in time order) with ", then " when the next event starts after the previous one
    ends and " while " when they overlap: "the red square slides left, then a blue circle grows".
    """
    count = min(len(s) for s in sentences)
    out = []
    for p in range(count):
        text = sentences[0][p]
        for k in range(1, len(sentences)):
            joint = ", then " if segments[k][0] >= segments[k - 1][1] else " while "
            text += joint + sentences[k][p]
        out.append(text)
    return out
