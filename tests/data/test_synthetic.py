"""Tests of the synthetic world (zoo/data/world/synthetic.py): determinism, frames on demand, action
semantics, time symmetry, pixels vs boxes, base/novel split, language and stills."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict

import numpy as np
import pytest

from zoo.data.records import VideoRecord
from zoo.data.world.synthetic import (
    ACTION_PHRASES, ACTIONS, ANSWER_VOCAB, COLOUR_RGB, COLOURS, MIN_SEGMENT, NOVEL_ACTIONS,
    NOVEL_SHAPES, ORDER_DEPENDENT_ACTIONS, POSITIONS, QUESTION_TYPES, SHAPES, SIZES,
    TIME_REVERSE, Still, SyntheticWorld, WorldClip, WorldConfig,
)

N_SCAN = 400  # clips scanned to find examples of every action


@pytest.fixture(scope="module")
def world() -> SyntheticWorld:
    return SyntheticWorld("train", size=N_SCAN, seed=0)


@pytest.fixture(scope="module")
def clips(world) -> list[WorldClip]:
    return [world.clip(i) for i in range(N_SCAN)]


@pytest.fixture(scope="module")
def by_action(clips) -> dict[str, list[int]]:
    found = defaultdict(list)
    for clip in clips:
        found[clip.action].append(clip.index)
    assert set(found) == set(ACTIONS), "every action occurs in the scanned clips"
    return found


def _centres(boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return (boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2


def _areas(boxes: np.ndarray) -> np.ndarray:
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


def _phases(clip: WorldClip) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Masks of the frames before, inside and after the action segment."""
    t, (t0, t1) = clip.frame_times, clip.segment
    return t <= t0, (t > t0) & (t < t1), t >= t1


def _fingerprint(world: SyntheticWorld, index: int) -> str:
    clip = world.clip(index)
    digest = hashlib.sha1(world.render(index, frames=[0]).tobytes())
    digest.update(repr((clip.action, clip.segment, clip.captions)).encode())
    return digest.hexdigest()


# --- vocabularies ------------------------------------------------------------------------------

def test_vocabularies():
    assert ACTIONS == ("move_left", "move_right", "move_up", "move_down", "grow", "shrink",
                       "change_colour", "blink", "spin", "bounce")
    assert len(set(ACTION_PHRASES.values())) == len(ACTIONS)
    assert len(ORDER_DEPENDENT_ACTIONS) >= 4 and set(ORDER_DEPENDENT_ACTIONS) <= set(ACTIONS)
    for action in ORDER_DEPENDENT_ACTIONS:  # pairwise time-reverses
        partner = TIME_REVERSE[action]
        assert partner != action and TIME_REVERSE[partner] == action
        assert partner in ORDER_DEPENDENT_ACTIONS
    assert set(NOVEL_ACTIONS) == {"move_down", "shrink"}
    assert len(SHAPES) >= 5 and set(NOVEL_SHAPES) == {"star", "ring"}
    assert len(COLOURS) >= 6 and SIZES == ("small", "medium", "large") and len(POSITIONS) == 9
    rgb = np.array([COLOUR_RGB[c] for c in COLOURS], dtype=float)
    distances = np.linalg.norm(rgb[:, None] - rgb[None], axis=2)
    assert distances[~np.eye(len(COLOURS), dtype=bool)].min() > 75, "colours well separated"
    assert ANSWER_VOCAB == sorted(set(ANSWER_VOCAB))
    for word in (*COLOURS, *SHAPES, *ACTION_PHRASES.values(), "two", "nowhere"):
        assert word in ANSWER_VOCAB


def test_config_validation():
    with pytest.raises(ValueError):
        WorldConfig(num_frames=4, fps=8.0)  # 0.375 s cannot hold a 0.75 s segment
    with pytest.raises(ValueError):
        WorldConfig(novel_shapes=("pentagon",))
    with pytest.raises(ValueError):
        WorldConfig(max_distractors=9)
    with pytest.raises(ValueError):
        SyntheticWorld("validation")


# --- determinism and splits --------------------------------------------------------------------

def test_deterministic_regardless_of_call_order():
    a, b = SyntheticWorld("val", size=20, seed=3), SyntheticWorld("val", size=20, seed=3)
    forward = [(a.render(i), a.record(i), a.still(i).image) for i in range(8)]
    backward = [(b.render(i), b.record(i), b.still(i).image) for i in reversed(range(8))][::-1]
    for (video_a, record_a, still_a), (video_b, record_b, still_b) in zip(forward, backward):
        assert np.array_equal(video_a, video_b)
        assert record_a == record_b
        assert np.array_equal(still_a, still_b)
    clip_a, clip_b = a.clip(5), b.clip(5)
    for obj_a, obj_b in zip(clip_a.objects, clip_b.objects):
        assert np.array_equal(obj_a.boxes, obj_b.boxes)
        assert np.array_equal(obj_a.visible, obj_b.visible)
    # The world's size does not change its clips.
    assert np.array_equal(SyntheticWorld("val", size=1000, seed=3).render(5), a.render(5))


def test_splits_and_seeds_never_share_a_scene():
    n = 100
    prints = {split: {_fingerprint(SyntheticWorld(split, size=n), i) for i in range(n)}
              for split in ("train", "val", "test")}
    assert all(len(p) == n for p in prints.values())
    assert not prints["train"] & prints["val"]
    assert not prints["train"] & prints["test"]
    assert not prints["val"] & prints["test"]
    other_seed = {_fingerprint(SyntheticWorld("train", size=n, seed=1), i) for i in range(n)}
    assert not other_seed & prints["train"]


def test_index_errors(world):
    for bad in (-1, len(world)):
        with pytest.raises(IndexError):
            world.clip(bad)
        with pytest.raises(IndexError):
            world.render(bad)
    with pytest.raises(IndexError):
        world.render(0, frames=[0, 16])
    with pytest.raises(IndexError):
        world.still(-1)


# --- frames on demand --------------------------------------------------------------------------

def test_frames_rendered_on_demand_are_identical(world, by_action):
    for action in ACTIONS:  # every kind of motion, including rotation and blinking
        for index in by_action[action][:3]:
            full = world.render(index)
            assert full.shape == (16, 64, 64, 3) and full.dtype == np.uint8
            assert np.array_equal(world.render(index, frames=[3, 7]), full[[3, 7]])
            assert np.array_equal(world.render(index, frames=[15, 0, 15]), full[[15, 0, 15]])
            for k in (0, 8, 15):
                assert np.array_equal(world.render(index, frames=[k]), full[k:k + 1])
    assert world.render(0, frames=[]).shape == (0, 64, 64, 3)


def test_custom_clip_geometry():
    config = WorldConfig(num_frames=8, height=48, width=80, fps=4.0, min_distractors=0,
                         max_distractors=5)
    world = SyntheticWorld("test", size=30, config=config)
    for i in range(30):
        video, clip = world.render(i), world.clip(i)
        assert video.shape == (8, 48, 80, 3)
        assert 1 <= len(clip.objects) <= 6
        for obj in clip.objects:
            assert obj.boxes.shape == (8, 4)
            assert obj.boxes[:, :2].min() >= 0 and obj.boxes[:, 2].max() <= 80
            assert obj.boxes[:, 3].max() <= 48
        t0, t1 = clip.segment
        assert 0 <= t0 and t1 <= clip.duration and t1 - t0 >= MIN_SEGMENT - 1e-9


# --- action semantics --------------------------------------------------------------------------

@pytest.mark.parametrize("action, axis, sign", [("move_left", 0, -1), ("move_right", 0, 1),
                                                ("move_up", 1, -1), ("move_down", 1, 1)])
def test_moves_follow_their_direction(clips, by_action, action, axis, sign):
    for index in by_action[action][:10]:
        clip = clips[index]
        centre = _centres(clip.actor_object.boxes)[axis]
        other = _centres(clip.actor_object.boxes)[1 - axis]
        before, during, after = _phases(clip)
        assert np.ptp(centre[before]) < 1e-4 and np.ptp(centre[after]) < 1e-4  # static, holds
        steps = np.diff(centre[before | during | after])
        assert np.all(sign * steps >= -1e-4) and sign * (centre[-1] - centre[0]) > 0.25 * 64
        assert np.all(sign * np.diff(centre[during]) > 0)
        assert np.ptp(other) < 1e-4  # straight along its axis


def test_grow_and_shrink_change_area(clips, by_action):
    for action, sign in (("grow", 1), ("shrink", -1)):
        for index in by_action[action][:10]:
            clip = clips[index]
            area = _areas(clip.actor_object.boxes)
            before, during, after = _phases(clip)
            assert np.ptp(area[before]) < 1e-3 and np.ptp(area[after]) < 1e-3
            assert np.all(sign * np.diff(area[during]) > 0)
            assert sign * (area[-1] - area[0]) > 0.5 * min(area[0], area[-1])
            assert clip.actor_object.size != ("large" if action == "grow" else "small")


def test_other_actions(world, clips, by_action):
    for index in by_action["blink"][:10]:
        visible = clips[index].actor_object.visible
        assert visible[0] and visible[-1] and not visible.all()
        hidden = np.flatnonzero(~visible)
        assert np.all(np.diff(hidden) == 1)  # one gap: disappears, then reappears
    for index in by_action["bounce"][:10]:
        clip = clips[index]
        cy = _centres(clip.actor_object.boxes)[1]
        assert abs(cy[0] - cy[-1]) < 1e-4 and cy.min() < cy[0] - 0.2 * 64  # up and back
    for index in by_action["spin"][:10]:
        clip = clips[index]
        assert clip.actor_object.shape not in ("circle", "ring")
        video = world.render(index)
        assert not np.array_equal(video[0], video[np.argmax(_phases(clip)[1])])
    for index in by_action["change_colour"][:10]:
        clip = clips[index]
        video = world.render(index)
        old, new = clip.actor_object.colour, clip.qa[0].answer
        assert old != new and new not in [o.colour for o in clip.objects]
        for frame, colour in ((0, old), (-1, new)):
            x0, y0, x1, y1 = clip.actor_object.boxes[frame]
            patch = video[frame, int(y0):int(np.ceil(y1)), int(x0):int(np.ceil(x1))]
            near = np.linalg.norm(patch - np.array(COLOUR_RGB[colour]), axis=-1) < 30
            assert near.sum() >= 4
    for clip in clips:  # distractors drift at a small constant velocity the whole time
        for obj in clip.objects:
            if obj.is_actor:
                continue
            velocity = np.diff(np.stack(_centres(obj.boxes), axis=1), axis=0)
            assert np.allclose(velocity, velocity[0], atol=1e-3)
            assert np.linalg.norm(velocity[0]) * clip.fps <= 4.0 + 1e-3


def test_segments(clips):
    for clip in clips:
        t0, t1 = clip.segment
        assert 0.0 <= t0 < t1 <= clip.duration and t1 - t0 >= MIN_SEGMENT
        assert clip.label == ACTIONS.index(clip.action)
        assert clip.video_id == f"world-train-{clip.index:06d}"
        assert sum(o.is_actor for o in clip.objects) == 1 and clip.actor_object.is_actor
        assert sorted(o.track_id for o in clip.objects) == list(range(1, len(clip.objects) + 1))
        assert 2 <= len(clip.objects) <= 4
        assert len({o.colour for o in clip.objects}) == len(clip.objects)


# --- time symmetry -----------------------------------------------------------------------------

def test_clip_played_backwards_is_the_partner_action(world, by_action):
    """The exact time-reverse of an order-dependent clip renders its frames in reverse order,
    is a clip of the partner action, and is a valid scene of the world."""
    for action in ORDER_DEPENDENT_ACTIONS:
        for index in by_action[action][:3]:
            scene, _ = world._scene(index)
            back, rng = world._scene(index, reverse=True)
            assert back.action == TIME_REVERSE[action]
            forward_video = world._draw(scene).astype(int)
            backward_video = world._draw(back)[::-1].astype(int)
            difference = np.abs(forward_video - backward_video)
            assert difference.max() <= 1 and (difference > 0).mean() < 0.01  # float rounding
            clip, reversed_clip = world.clip(index), world._annotate(index, back, rng)
            t0, t1 = reversed_clip.segment
            assert 0 <= t0 and t1 <= clip.duration and t1 - t0 >= MIN_SEGMENT - 1e-9
            for obj, rev in zip(clip.objects, reversed_clip.objects):
                assert np.allclose(obj.boxes, rev.boxes[::-1], atol=1e-3)


def test_pairs_are_indistinguishable_frame_by_frame(clips, by_action):
    """In distribution, the first frame of an action looks like the last frame of its partner:
    actor position and area have the same mean (two-sample z < 4), while the first frames of
    the two members of a pair differ (so the test has power)."""
    def stats(indices, frame):
        boxes = np.stack([clips[i].actor_object.boxes[frame] for i in indices])
        cx, cy = _centres(boxes)
        return np.stack([cx, cy, _areas(boxes)], axis=1).astype(float)  # [N, 3]

    def z(a, b):
        return np.abs(a.mean(0) - b.mean(0)) / np.sqrt(a.var(0) / len(a) + b.var(0) / len(b))

    for action, feature in (("move_left", 0), ("move_up", 1), ("grow", 2)):
        partner = by_action[TIME_REVERSE[action]]
        assert np.all(z(stats(by_action[action], 0), stats(partner, -1)) < 4), action
        assert z(stats(by_action[action], 0), stats(partner, 0))[feature] > 4, action


# --- pixels vs boxes ---------------------------------------------------------------------------

def test_boxes_match_pixels(world, clips):
    yy, xx = np.mgrid[0:64, 0:64] + 0.5
    for clip in clips[:40]:
        video = world.render(clip.index).astype(float)
        for obj in clip.objects:
            for k in range(clip.num_frames):
                colour = obj.colour
                if obj.is_actor and clip.action == "change_colour" and \
                        clip.frame_times[k] >= sum(clip.segment) / 2:
                    colour = clip.qa[0].answer
                near = np.linalg.norm(video[k] - COLOUR_RGB[colour], axis=-1) < 30
                x0, y0, x1, y1 = obj.boxes[k]
                inside = (xx > x0 - 1) & (xx < x1 + 1) & (yy > y0 - 1) & (yy < y1 + 1)
                assert not (near & ~inside).any(), (clip.video_id, obj.track_id, k)
                if obj.is_actor:  # the actor is drawn on top: it shows whenever visible
                    assert (near.sum() >= 4) == bool(obj.visible[k]), (clip.video_id, k)


# --- base / novel ------------------------------------------------------------------------------

def test_base_only_never_uses_novel_categories():
    world = SyntheticWorld("train", size=200, config=WorldConfig(base_only=True))
    novel_words = set(NOVEL_SHAPES) | {ACTION_PHRASES[a] for a in NOVEL_ACTIONS}
    actions = set()
    for i in range(200):
        clip = world.clip(i)
        actions.add(clip.action)
        assert clip.action not in NOVEL_ACTIONS
        assert all(o.shape not in NOVEL_SHAPES for o in clip.objects)
        for qa in clip.qa:
            assert not novel_words & {qa.answer, *qa.choices}
        assert all(o["shape"] not in NOVEL_SHAPES for o in world.still(i).objects)
    assert actions == set(ACTIONS) - set(NOVEL_ACTIONS)
    assert world.novel_labels == [ACTIONS.index(a) for a in NOVEL_ACTIONS]
    full = SyntheticWorld("train", size=100)
    assert {o.shape for i in range(100) for o in full.clip(i).objects} == set(SHAPES)


# --- language ----------------------------------------------------------------------------------

def test_captions_and_questions(clips):
    for clip in clips:
        actor = clip.actor_object
        assert len(set(clip.captions)) == len(clip.captions) >= 3
        for caption in clip.captions:
            assert f"{actor.colour} {actor.shape}" in caption
        types = [(qa.question_type, bool(qa.choices)) for qa in clip.qa]
        assert sorted(types) == sorted((t, mc) for t in QUESTION_TYPES for mc in (False, True))
        for qa in clip.qa:
            assert qa.answer in ANSWER_VOCAB and qa.question.endswith("?")
            if qa.choices:
                assert len(qa.choices) == len(set(qa.choices)) == 5
                assert qa.choices[qa.answer_index] == qa.answer
                assert set(qa.choices) <= set(ANSWER_VOCAB)
        answers = {qa.question_type: qa.answer for qa in clip.qa}
        assert answers["action"] == ACTION_PHRASES[clip.action]
        assert answers["shape"] == actor.shape
        assert answers["count"] == ("two", "three", "four")[len(clip.objects) - 2]
        if clip.action != "change_colour":
            assert answers["colour"] == actor.colour
        if clip.action.startswith("move_"):
            assert answers["direction"] == clip.action[len("move_"):]
    # Multiple-choice answers are not always in the same slot.
    assert len({qa.answer_index for clip in clips for qa in clip.qa if qa.choices}) == 5


def test_record(world, clips):
    for clip in clips[:20]:
        record = world.record(clip.index)
        assert isinstance(record, VideoRecord)
        assert record.path is None and record.source == f"world:train:{clip.index}"
        assert (record.label, record.label_name) == (clip.label, clip.action)
        assert record.segments == [clip.segment] and record.query in clip.captions
        assert record.duration == pytest.approx(2.0) and record.captions == clip.captions
        actor = clip.actor_object
        assert record.tube_frames == np.flatnonzero(actor.visible).tolist()
        assert np.allclose(record.tube_boxes, actor.boxes[actor.visible])
        assert [t.category for t in record.tracks] == [o.shape for o in clip.objects]
        assert [t.track_id for t in record.tracks] == [o.track_id for o in clip.objects]


# --- stills ------------------------------------------------------------------------------------

MOTION_WORDS = re.compile(r"mov|slid|grow|shrink|spin|rotat|turn|bounc|blink|chang|drift|"
                          r"travel|rise|sink|jump|hop|leap|appear|fade|expand|contract")


def test_stills(world):
    counts = set()
    for i in range(200):
        still = world.still(i)
        assert isinstance(still, Still)
        assert still.image.shape == (64, 64, 3) and still.image.dtype == np.uint8
        assert not MOTION_WORDS.search(still.caption), still.caption
        counts.add(len(still.objects))
        for obj in still.objects:
            assert obj["colour"] in COLOURS and obj["shape"] in SHAPES
            assert obj["size"] in SIZES and obj["position"] in POSITIONS
            phrase = f"{obj['size']} {obj['colour']} {obj['shape']}"
            assert phrase in still.caption
            x0, y0, x1, y1 = obj["box"]
            col, row = int(3 * (x0 + x1) / 2 / 64), int(3 * (y0 + y1) / 2 / 64)
            assert POSITIONS[3 * row + col] == obj["position"]
            near = np.linalg.norm(still.image.astype(float) - COLOUR_RGB[obj["colour"]],
                                  axis=-1) < 30
            assert near.sum() >= 4
    assert counts == {1, 2, 3}
    single = [world.still(i, num_objects=1) for i in range(50)]
    assert all(len(s.objects) == 1 for s in single)
    assert {s.objects[0]["size"] for s in single} == set(SIZES)
    assert np.array_equal(world.still(7, num_objects=1).image,
                          world.still(7, num_objects=1).image)
    # A separate stream: the same index gives a different scene from the clip's frames.
    assert not np.array_equal(world.still(3).image, world.render(3, frames=[0])[0])


def test_still_shape_twins_differ_only_in_shape():
    world = SyntheticWorld("train", size=1)
    original = world.still(11, num_objects=1)
    other = next(s for s in world.shapes if s != original.objects[0]["shape"])
    twin = world.still(11, num_objects=1, shape=other)
    a, b = original.objects[0], twin.objects[0]
    assert b["shape"] == other
    assert (a["colour"], a["size"], a["position"]) == (b["colour"], b["size"], b["position"])
    assert other in twin.caption and a["shape"] not in twin.caption.split()
    # outside both objects' boxes the two images are the same pixels (same background)
    mask = np.ones(original.image.shape[:2], bool)
    for box in (a["box"], b["box"]):
        x0, y0, x1, y1 = (int(v) for v in box)
        mask[max(y0 - 1, 0):y1 + 2, max(x0 - 1, 0):x1 + 2] = False
    assert np.array_equal(original.image[mask], twin.image[mask])
    with pytest.raises(ValueError, match="num_objects=1"):
        world.still(11, shape="circle")
    with pytest.raises(ValueError, match="num_objects=1"):
        world.still(11, num_objects=1, shape="blob")
