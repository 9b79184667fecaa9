"""CIDEr-D against hand-computed cases, coco-caption's own output, and its edge cases."""

import math
import random

import pytest
import torch

from zoo.metrics.caption_text import caption_tokens, normalize_caption
from zoo.metrics.cider import CIDErD, cider_d, ngram_counts, penalty_length

LN2 = math.log(2)
PENALTY_1 = math.exp(-1 / 72)  # exp(-delta^2 / (2 sigma^2)) with delta = 1, sigma = 6


def test_tokenisation_lowercases_and_strips_punctuation():
    assert caption_tokens("The cat's T-shirt, RED!  ok...") == ["the", "cats", "tshirt", "red", "ok"]
    assert caption_tokens("left,right") == ["left", "right"]
    assert caption_tokens("...") == []
    assert normalize_caption(" A  Dog. ") == "a dog"
    with pytest.raises(TypeError, match="caption must be a string"):
        caption_tokens(None)


def test_two_videos_by_hand():
    """Video A: hyp "a cat", ref "a cat sits"; video B: hyp = ref = "a dog runs".

    V = 2 videos, log V = ln 2. Document frequencies over the references:
      df(a) = 2 (both videos), every other n-gram ("cat", "sits", "a cat", "cat sits",
      "a cat sits", "dog", "runs", "a dog", "dog runs", "a dog runs") df = 1.
    idf = log V - log max(1, df):  idf(a) = ln2 - ln2 = 0;  all others ln2 - 0 = ln2.
    tf-idf = tf * idf (every tf is 1 here).

    Video A, n = 1: hyp {a: 0, cat: ln2}, |hyp| = ln2
                    ref {a: 0, cat: ln2, sits: ln2}, |ref| = sqrt(2) ln2
                    clipped dot = min(0,0)*0 + min(ln2,ln2)*ln2 = ln2^2 -> cos = 1/sqrt(2)
             n = 2: hyp {"a cat": ln2}; ref {"a cat": ln2, "cat sits": ln2} -> 1/sqrt(2)
             n = 3: the hyp has no trigram, |hyp| = 0 -> 0;  n = 4: 0
             length = number of bigrams: hyp 1, ref 2 -> delta = -1 -> penalty exp(-1/72)
             score = 10 * mean_n(...) / 1 ref = 10 * (2/sqrt(2)) / 4 * exp(-1/72) = 3.4867
    Video B: identical vectors for n = 1..3 -> cos 1 each (the "a" entries weigh 0); no
             4-grams in a 3-word sentence -> 0; delta 0 -> penalty 1.
             score = 10 * (1 + 1 + 1 + 0) / 4 = 7.5
    """
    score, per_video = cider_d({"A": "a cat", "B": "a dog runs"},
                               {"A": ["a cat sits"], "B": ["a dog runs"]})
    expected_a = 10 * (2 / math.sqrt(2)) / 4 * PENALTY_1
    assert per_video["A"] == pytest.approx(expected_a, rel=1e-12)
    assert expected_a == pytest.approx(3.48677, abs=1e-5)
    assert per_video["B"] == pytest.approx(7.5, rel=1e-12)
    assert score == pytest.approx((expected_a + 7.5) / 2, rel=1e-12)


def test_several_references_average_by_hand():
    """As above but video A has references ["a cat sits", "a cat"]. The union of A's reference
    n-grams is unchanged, so df and idf are the same. Against "a cat sits": n = 1, 2 give
    1/sqrt(2) each, penalty exp(-1/72) (as above). Against "a cat" (= hyp): n = 1, 2 give 1,
    n = 3, 4 give 0, penalty 1. Per n, sum over references, then mean over n, / 2 refs, * 10:
    10 * [(sqrt(2) exp(-1/72) + 2) / 4] / 2."""
    _, per_video = cider_d({"A": "a cat", "B": "a dog runs"},
                           {"A": ["a cat sits", "a cat"], "B": ["a dog runs"]})
    assert per_video["A"] == pytest.approx(10 * ((math.sqrt(2) * PENALTY_1 + 2) / 4) / 2, rel=1e-12)
    assert per_video["B"] == pytest.approx(7.5, rel=1e-12)


def test_repeated_word_is_clipped_by_hand():
    """Video A: refs ["a cat"], hyp "cat cat cat"; video B: hyp = ref = "a dog".
    idf(a) = 0, idf(cat) = idf("a cat") = ln2; "cat cat" and "cat cat cat" are in no reference:
    df = 0 -> log max(1, 0) = 0 -> idf ln2.
    n = 1: hyp {cat: 3 ln2}, |hyp| = 3 ln2; ref {a: 0, cat: ln2}, |ref| = ln2.
           clipped dot = min(3 ln2, ln2) * ln2 = ln2^2 -> 1/3   (plain cosine would give 1)
    n = 2: hyp {"cat cat": 2 ln2} shares nothing with ref {"a cat": ln2} -> 0;  n = 3, 4: 0
    length: hyp 2 bigrams, ref 1 -> penalty exp(-1/72).  score = 10 * (1/3) / 4 * exp(-1/72).
    The single word "cat" scores 10 * 1 / 4 * exp(-1/72) (cos 1 at n = 1; delta = 0 - 1): more."""
    refs = {"A": ["a cat"], "B": ["a dog"]}
    _, repeated = cider_d({"A": "cat cat cat", "B": "a dog"}, refs)
    _, single = cider_d({"A": "cat", "B": "a dog"}, refs)
    assert repeated["A"] == pytest.approx(10 * (1 / 3) / 4 * PENALTY_1, rel=1e-12)
    assert single["A"] == pytest.approx(10 / 4 * PENALTY_1, rel=1e-12)
    assert repeated["A"] < single["A"]


def test_identical_hypothesis_and_reference_scores_ten():
    """No n-gram shared between the two videos: every idf is ln2, every n gives cosine 1
    (4 words, so 4-grams exist), delta = 0: 10 * (1 + 1 + 1 + 1) / 4 = 10."""
    refs = {"A": ["the red square moves"], "B": ["one blue circle grows"]}
    score, per_video = cider_d({"A": "The red square moves.", "B": "one blue circle grows"}, refs)
    assert per_video == pytest.approx({"A": 10.0, "B": 10.0}, rel=1e-12)
    assert score == pytest.approx(10.0, rel=1e-12)


def test_empty_prediction_scores_zero_without_crashing():
    refs = {"A": ["a cat sits"], "B": ["a dog runs"]}
    score, per_video = cider_d({"A": "", "B": "a dog runs"}, refs)
    assert per_video["A"] == 0.0 and per_video["B"] == pytest.approx(7.5)
    assert score == pytest.approx(3.75)
    assert cider_d({"A": "!?", "B": "a dog runs"}, refs)[1]["A"] == 0.0


def test_single_video_scores_zero_as_in_coco_caption():
    """V = 1: idf = log 1 - log 1 = 0 for every reference n-gram, so all reference vectors vanish."""
    assert cider_d({"A": "a cat"}, {"A": ["a cat"]}) == (0.0, {"A": 0.0})


def test_length_is_the_bigram_count():
    """The reference's quirk: length = number of bigrams = max(0, words - 1)."""
    assert penalty_length(ngram_counts(["a", "b", "c", "d"])) == 3
    assert penalty_length(ngram_counts(["a"])) == 0
    assert penalty_length(ngram_counts([])) == 0
    assert penalty_length(ngram_counts(["x", "x", "x"])) == 2


def test_matches_coco_caption_output():
    """Golden values from coco-caption's own scorer (``pycocoevalcap`` 1.2,
    ``Cider().compute_score(refs, {k: [v]})`` on these already-tokenised strings)."""
    refs = {
        "v0": ["a red square moves to the left", "the red square slides left", "a red square heads to the left"],
        "v1": ["a blue circle grows", "the blue circle gets bigger", "a blue circle is growing larger"],
        "v2": ["the green triangle spins", "a green triangle rotates", "the green triangle turns around"],
        "v3": ["a yellow star bounces", "the yellow star jumps up and comes back down"],
        "v4": ["the red circle shrinks", "a red circle gets smaller", "the red circle is shrinking"],
        "v5": ["a blue square blinks"],
    }
    hyps = {"v0": "a red square moves to the left", "v1": "a blue circle moves to the left",
            "v2": "green green green green triangle", "v3": "",
            "v4": "the red circle gets smaller and smaller", "v5": "a square"}
    score, per_video = cider_d(hyps, refs)
    assert score == pytest.approx(2.065325019063032, rel=1e-12)
    assert per_video == pytest.approx({"v0": 5.417779275896669, "v1": 1.743663419988232,
                                       "v2": 1.0936326736008162, "v3": 0.0, "v4": 3.0413485804333056,
                                       "v5": 1.0955261644591698}, rel=1e-12)


def test_missing_prediction_names_the_video():
    with pytest.raises(ValueError, match=r"no hypothesis for video\(s\) \['clip_7'\]"):
        cider_d({"clip_1": "a cat"}, {"clip_1": ["a cat"], "clip_7": ["a dog"]})
    with pytest.raises(ValueError, match="without references: \\['stray'\\]"):
        cider_d({"A": "a", "stray": "b"}, {"A": ["a"]})
    with pytest.raises(ValueError, match="video 'A' has no reference"):
        cider_d({"A": "a"}, {"A": []})


def test_one_hypothesis_per_video():
    refs = {"A": ["a cat"], "B": ["a dog"]}
    assert cider_d({"A": ["a cat"], "B": ["a dog"]}, refs) == cider_d({"A": "a cat", "B": "a dog"}, refs)
    with pytest.raises(ValueError, match="video 'A': coco-caption scores exactly one hypothesis per video, got 2"):
        cider_d({"A": ["a cat", "a dog"], "B": "a dog"}, refs)


def test_metric_accumulates_batches_like_the_function():
    refs = {"A": ["a cat sits", "a cat"], "B": ["a dog runs"], "C": ["two birds fly away"]}
    hyps = {"A": "a cat", "B": "a dog", "C": "birds fly"}
    metric = CIDErD()
    metric.update([hyps["A"]], [refs["A"]], ["A"])
    metric.update([hyps["B"], hyps["C"]], [refs["B"], refs["C"]], video_ids=["B", "C"])
    value = metric.compute()
    assert value.dtype == torch.float64
    assert value.item() == pytest.approx(cider_d(hyps, refs)[0], rel=1e-12)
    metric.reset()
    with pytest.raises(RuntimeError, match="before any update"), pytest.warns(UserWarning):
        metric.compute()
    with pytest.raises(ValueError, match="2 predictions but 1 reference lists"):
        metric.update(["a", "b"], [["a"]])


def test_metric_counts_padded_duplicates_once_and_rejects_conflicts():
    refs = {"A": ["a cat sits"], "B": ["a dog runs"]}
    metric = CIDErD()
    metric.update(["a cat", "a dog runs", "a cat"], [refs["A"], refs["B"], refs["A"]], ["A", "B", "A"])
    assert metric.compute().item() == pytest.approx(cider_d({"A": "a cat", "B": "a dog runs"}, refs)[0])
    metric.update(["a bird"], [refs["A"]], ["A"])
    with pytest.raises(ValueError, match="video 'A' was given twice with different predictions"):
        metric.compute()


def test_metric_gathers_string_states_across_ranks(monkeypatch):
    """DDP: ``_sync_dist`` must gather the string lists of every rank (torchmetrics would leave
    them per-rank). Simulate rank 0 of 2 whose peer scored video B."""
    import torch.distributed as dist

    peer = (["B"], ["a dog runs"], [["a dog runs"]])

    def all_gather_object(output, obj, group=None):
        output[0], output[1] = obj, peer

    monkeypatch.setattr(dist, "get_world_size", lambda group=None: 2)
    monkeypatch.setattr(dist, "all_gather_object", all_gather_object)
    metric = CIDErD()
    metric.update(["a cat"], [["a cat sits"]], ["A"])
    metric._sync_dist()
    assert metric.video_ids == ["A", "B"]
    expected = cider_d({"A": "a cat", "B": "a dog runs"}, {"A": ["a cat sits"], "B": ["a dog runs"]})[0]
    assert metric.compute().item() == pytest.approx(expected)


def test_metric_syncs_through_a_real_process_group(tmp_path):
    """One-rank gloo group: the metric's sync path runs against a real backend."""
    import torch.distributed as dist

    dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'store'}", rank=0, world_size=1)
    try:
        metric = CIDErD()
        metric.update(["a cat", "a dog"], [["a cat sits"], ["a dog runs"]], ["A", "B"])
        metric.sync()
        assert metric.video_ids == ["A", "B"] and metric.hypotheses == ["a cat", "a dog"]
        metric.unsync()
        assert metric.compute().item() == pytest.approx(
            cider_d({"A": "a cat", "B": "a dog"}, {"A": ["a cat sits"], "B": ["a dog runs"]})[0])
    finally:
        dist.destroy_process_group()


def test_equals_pycocoevalcap_on_random_corpora():
    """Optional (pycocoevalcap is not a dependency): 100 random corpora of 2-8 videos from a
    16-word vocabulary (shared n-grams across videos, repeated words, empty hypotheses and
    references); coco-caption's ``Cider`` scores the same strings. Equal to 1e-12 (its float sums
    run in another order), corpus and per video."""
    cider_module = pytest.importorskip("pycocoevalcap.cider.cider")
    rng = random.Random(1)
    vocab = "a the man woman dog cat runs sits on in red blue ball is playing with".split()

    def sentence(shortest, longest):
        return " ".join(rng.choice(vocab) for _ in range(rng.randint(shortest, longest)))

    for _ in range(100):
        videos = [f"v{i}" for i in range(rng.randint(2, 8))]
        refs = {v: [sentence(0 if rng.random() < 0.05 else 1, 12) for _ in range(rng.randint(1, 5))]
                for v in videos}
        hyps = {v: sentence(0, rng.choice([3, 12])) for v in videos}
        reference, reference_per_video = cider_module.Cider().compute_score(refs, {v: [h] for v, h in hyps.items()})
        score, per_video = cider_d(hyps, refs)
        assert score == pytest.approx(float(reference), rel=1e-12, abs=1e-12)
        assert [per_video[v] for v in refs] == pytest.approx(list(reference_per_video), rel=1e-12, abs=1e-12)
