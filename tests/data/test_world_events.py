"""Event videos (zoo/data/world/events.py): several actors act at different times; the sentence
names the actor that acts during its moment; moments, saliency, tubes and tracks for grounding."""

from __future__ import annotations

import numpy as np
import pytest

from zoo.data.world.events import _moments, num_clips, saliency_scores
from zoo.data.world.language import VERB_PHRASES
from zoo.data.world.synthetic import (ACTIONS, COLOUR_RGB, MIN_SEGMENT, NOVEL_SHAPES, SHAPES,
                                      SyntheticWorld, WorldConfig)
from zoo.data.world.datamodule import WorldVideo

CONFIG = WorldConfig(num_frames=64, min_frames=48, min_events=2, max_events=3,
                     min_distractors=0, max_distractors=2)
N = 40


@pytest.fixture(scope="module")
def world() -> SyntheticWorld:
    return SyntheticWorld("val", size=N, config=CONFIG, seed=1)


@pytest.fixture(scope="module")
def clips(world):
    return [world.clip(i) for i in range(N)]


def test_saliency_scores_hand_computed():
    # clip 1 = [1, 2) is 3/4 inside [1.25, 3.0] -> ceil(3) = 3; clip 2 wholly inside -> 4;
    # clip 3 = [3, 4) touches the end only -> not relevant
    assert saliency_scores((1.25, 3.0), 8.0, 1.0) == ([1, 2], [3, 4])
    assert saliency_scores((0.5, 0.6), 8.0, 1.0) == ([0], [1])  # 10 % inside -> 1
    assert saliency_scores((6.5, 7.875), 8.0, 1.0) == ([6, 7], [2, 4])  # 1/2 -> 2, 7/8 -> 4
    # a 7.5-s video in 2-s clips: the last clip [6, 7.5) is 1.5 s long, wholly inside -> 4
    assert num_clips(7.5, 2.0) == 4 and num_clips(8.0, 2.0) == 4
    assert saliency_scores((5.0, 7.5), 7.5, 2.0) == ([2, 3], [2, 4])


@pytest.mark.parametrize("kwargs, match", [
    (dict(min_events=2), "max_events"),
    (dict(min_frames=20), "max_events"),
    (dict(min_events=0, max_events=2), "min_events"),
    (dict(min_events=3, max_events=5, max_distractors=3), "MAX_OBJECTS"),
    (dict(min_events=1, max_events=2, clip_length=0.0), "clip_length"),
    (dict(min_events=1, max_events=2, moment_fraction=(0.6, 0.5)), "moment_fraction"),
    (dict(min_events=1, max_events=2, num_frames=64, min_frames=4), "span"),
    (dict(min_events=3, max_events=5, num_frames=16, max_distractors=1), "do not fit"),
])
def test_config_validation(kwargs, match):
    with pytest.raises(ValueError, match=match):
        WorldConfig(**kwargs)


def test_moment_layout_over_many_draws():
    overlapping = 0
    for seed in range(400):
        moments = _moments(np.random.default_rng(seed), CONFIG, 3, 7.875, 8.0)
        assert [m[0] for m in moments] == sorted(m[0] for m in moments)
        for k, (a, b) in enumerate(moments):
            assert 0 <= a < b <= 7.875 and 0.8 - 1e-9 <= b - a <= 4.0 + 1e-9
            for c, d in moments[:k]:
                inter = min(b, d) - max(a, c)
                assert inter <= 0.5 * min(b - a, d - c) + 1e-9
                overlapping += inter > 0
    assert 100 < overlapping < 300  # "possibly overlapping": about half of the videos


def test_events_have_their_own_actor_action_colour_and_moment(clips):
    counts = set()
    for clip in clips:
        counts.add(len(clip.events))
        actions = [e.action for e in clip.events]
        assert len(set(actions)) == len(actions), "every event has its own action"
        starts = [e.segment[0] for e in clip.events]
        assert starts == sorted(starts), "events in time order"
        assert (clip.action, clip.segment, clip.actor) == \
            (actions[0], clip.events[0].segment, clip.events[0].actor)
        colours = [o.colour for o in clip.objects]
        changed = [q.answer for q in clip.qa if q.question_type == "colour" and not q.choices
                   and ("turn into" in q.question or "become" in q.question)]
        assert len(set(colours + changed)) == len(colours + changed), "distinct colours"
        duration, span = clip.duration, (clip.num_frames - 1) / clip.fps
        for e in clip.events:
            t0, t1 = e.segment
            assert 0 <= t0 < t1 <= span + 1e-9
            assert max(MIN_SEGMENT, 0.1 * duration) - 1e-9 <= t1 - t0 <= \
                max(MIN_SEGMENT, 0.5 * duration) + 1e-9
            assert clip.objects[e.actor].is_actor and e.label == ACTIONS.index(e.action)
            assert (e.saliency_clips, e.saliency) == saliency_scores(e.segment, duration, 1.0)
        for a in clip.events:  # each moment keeps at least half of itself to itself
            for b in clip.events:
                if a is not b:
                    inter = min(a.segment[1], b.segment[1]) - max(a.segment[0], b.segment[0])
                    shorter = min(a.segment[1] - a.segment[0], b.segment[1] - b.segment[0])
                    assert inter <= 0.5 * shorter + 1e-9
    assert counts == {2, 3}


def test_the_sentence_names_the_object_that_acts_during_the_moment(clips):
    for clip in clips:
        times = clip.frame_times
        for e in clip.events:
            actor = clip.objects[e.actor]
            named = f"{actor.colour} {actor.shape}"
            assert len(e.sentences) >= 2 and len(set(e.sentences)) == len(e.sentences)
            assert sum(f"{o.colour} {o.shape}" == named for o in clip.objects) == 1
            for sentence in e.sentences:
                assert named in sentence
                verbs = [v.split("{")[0].strip() for v in VERB_PHRASES[e.action]]
                assert any(v in sentence for v in verbs)
            # the actor is still before its moment and holds its final state after it
            t0, t1 = e.segment
            before, after = times <= t0, times >= t1
            assert np.allclose(actor.boxes[before], actor.boxes[0], atol=1e-4)
            assert np.allclose(actor.boxes[after], actor.boxes[-1], atol=1e-4)
            assert actor.visible[before | after].all()
            during = ~before & ~after
            if e.action == "blink":
                assert not actor.visible[during].all()
            elif e.action not in ("change_colour", "spin"):  # a spin may keep its box: pixels
                assert np.abs(actor.boxes[during] - actor.boxes[0]).max() > 0.5
        assert clip.captions[0].startswith(clip.events[0].sentences[0])
        assert all(e.sentences[0] in clip.captions[0] for e in clip.events)


def test_the_actor_is_drawn_where_its_box_says_during_its_moment(world, clips):
    checked = 0
    for clip in clips[:12]:
        for e in clip.events:
            actor = clip.objects[e.actor]
            if e.action in ("spin", "change_colour"):  # pixels change inside the box
                first = int(np.ceil(e.segment[0] * clip.fps))
                last = int(np.floor(e.segment[1] * clip.fps))
                x0, y0, x1, y1 = (int(v) for v in actor.boxes[first])
                video = world.render(clip.index, frames=[first, last])
                assert not np.array_equal(video[0, y0:y1 + 1, x0:x1 + 1],
                                          video[1, y0:y1 + 1, x0:x1 + 1])
            if e.action in ("blink", "change_colour") or actor.shape == "ring":
                continue
            k = int(round((e.segment[0] + e.segment[1]) / 2 * clip.fps))
            frame = world.render(clip.index, frames=[k])[0]
            x0, y0, x1, y1 = actor.boxes[k]
            patch = frame[int(y0):int(np.ceil(y1)), int(x0):int(np.ceil(x1))]
            near = np.linalg.norm(patch - np.array(COLOUR_RGB[actor.colour]), axis=-1) < 30
            assert near.sum() >= 4
            checked += 1
    assert checked >= 10


def test_lengths_vary_and_frames_render_on_demand(world, clips):
    lengths = {clip.num_frames for clip in clips}
    assert min(lengths) >= 48 and max(lengths) <= 64 and len(lengths) > 5
    clip = clips[3]
    video = world.render(3)
    assert video.shape == (clip.num_frames, 64, 64, 3) == (world.frame_count(3), 64, 64, 3)
    assert np.array_equal(world.render(3, frames=[5, 0, 5]), video[[5, 0, 5]])
    assert WorldVideo(world, 3).num_frames == clip.num_frames
    with pytest.raises(IndexError):
        world.render(3, frames=[clip.num_frames])
    again = SyntheticWorld("val", size=N, config=CONFIG, seed=1)
    assert again.grounding_records(7) == world.grounding_records(7)
    assert np.array_equal(again.render(7, frames=[9]), world.render(7, frames=[9]))


def test_grounding_records(world, clips):
    clip = clips[0]
    records = world.grounding_records(0)
    assert len(records) == len(clip.events)
    assert [r.query_id for r in records] == [f"{clip.video_id}/{k}" for k in range(len(records))]
    for record, e in zip(records, clip.events):
        actor = clip.objects[e.actor]
        assert record.query == e.sentences[0] and record.captions == e.sentences
        assert record.segments == [e.segment] and record.label == ACTIONS.index(e.action)
        assert record.duration == clip.duration and record.clip_length == 1.0
        assert record.saliency_clips == e.saliency_clips
        assert record.saliency == [(s,) for s in e.saliency]
        assert record.query_type == "declarative" and record.qa == []
        t0, t1 = e.segment
        assert record.tube_frames and all(t0 - 1e-9 <= f / clip.fps <= t1 + 1e-9
                                          for f in record.tube_frames)
        for f, box in zip(record.tube_frames, record.tube_boxes):
            assert np.allclose(box, actor.boxes[f]) and actor.visible[f]
        assert [t.track_id for t in record.tracks] == [o.track_id for o in clip.objects]
        assert [t.novel for t in record.tracks] == [o.shape in NOVEL_SHAPES for o in clip.objects]
        assert [t.category_id for t in record.tracks] == [SHAPES.index(o.shape) for o in clip.objects]
    everything = world.grounding_records(0, queries="all")
    assert len(everything) == sum(len(e.sentences) for e in clip.events)
    assert everything[1].query_id == f"{clip.video_id}/0.1"
    assert everything[1].query == clip.events[0].sentences[1]
    with pytest.raises(ValueError, match="event video"):
        SyntheticWorld("val", size=1).grounding_records(0)


def test_questions_ask_about_every_event_and_count_once(clips):
    for clip in clips[:10]:
        types = [q.question_type for q in clip.qa]
        assert types.count("count") == 2  # one open-ended, one multiple choice
        actions = [q.answer for q in clip.qa if q.question_type == "action" and not q.choices]
        assert len(actions) == len(clip.events)
        assert [q.qid for q in clip.qa] == [str(k) for k in range(len(clip.qa))]
