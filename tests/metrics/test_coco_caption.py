"""coco-caption BLEU-1..4 and ROUGE-L against hand-computed cases (n-gram counts written out),
plus an optional cross-check against pycocoevalcap itself when it is installed."""

import math
import random

import pytest
import torch

from zoo.metrics.caption_text import normalize_caption
from zoo.metrics.coco_caption import (PAPER_SCALE, CocoBLEU, CocoROUGEL, bleu_statistics,
                                      closest_reference_length, coco_bleu, coco_rouge_l, lcs_length,
                                      rouge_l_sentence)

T, S = 1e-15, 1e-9  # coco-caption's tiny (numerators) and small (denominators)


def p(correct, guess):
    """One smoothed modified precision, as bleu_scorer writes it."""
    return (correct + T) / (guess + S)


def brevity(hyp_len, ref_len):
    ratio = (hyp_len + T) / (ref_len + S)
    return math.exp(1 - 1 / ratio) if ratio < 1 else 1.0


# ----------------------------------------------------------------------------- BLEU
def test_two_video_corpus_by_hand():
    """Video A: hyp "a cat sits on the mat" (6 words); refs "a cat is on the mat now" (7) and
    "the cat sat on mat" (5). |7 - 6| = |5 - 6| = 1: a tie, coco-caption takes the shorter, 5.
      1-grams a cat sits on the mat: all but "sits" in a reference            -> correct 5 / guess 6
      2-grams a_cat cat_sits sits_on on_the the_mat: a_cat on_the the_mat     -> 3 / 5
      3-grams a_cat_sits cat_sits_on sits_on_the on_the_mat: on_the_mat       -> 1 / 4
      4-grams a_cat_sits_on cat_sits_on_the sits_on_the_mat: none             -> 0 / 3
    Video B (3 words): hyp "a dog runs"; refs "a dog runs fast" (4), "the dog runs" (3) -> 3.
      a dog runs 3/3; a_dog dog_runs 2/2; a_dog_runs 1/1; no 4-gram 0/0.
    Corpus sums: hyp length 9, reference length 8 (no brevity penalty), correct 8 5 2 0,
    guess 9 7 5 3."""
    hyps = {"A": "a cat sits on the mat", "B": "a dog runs"}
    refs = {"A": ["a cat is on the mat now", "the cat sat on mat"], "B": ["a dog runs fast", "the dog runs"]}
    assert bleu_statistics(hyps["A"].split(), [r.split() for r in refs["A"]]) == (6, 5, [6, 5, 4, 3], [5, 3, 1, 0])
    corpus, per_video = coco_bleu(hyps, refs)
    p1, p2, p3, p4 = p(8, 9), p(5, 7), p(2, 5), p(0, 3)
    expected = [p1, (p1 * p2) ** (1 / 2), (p1 * p2 * p3) ** (1 / 3), (p1 * p2 * p3 * p4) ** (1 / 4)]
    assert corpus == pytest.approx(expected, rel=1e-12)
    # rounded: 8/9, sqrt(40/63), (16/63)^(1/3), (16/63 * 1e-15 / 3)^(1/4)
    assert corpus[:3] == pytest.approx([0.888889, 0.796819, 0.633276], abs=1e-6)
    assert corpus[3] == pytest.approx(9.592e-5, rel=1e-3)
    # per video A: BLEU-3 = (5/6 * 3/5 * 1/4)^(1/3) = (1/8)^(1/3) = 1/2, no penalty (6 > 5)
    assert per_video["A"][2] == pytest.approx(0.5, rel=1e-9)
    # per video B: 1-3 are 1 (times the penalty of ratio (3 + T)/(3 + S) < 1, about 1 - 3e-10);
    # BLEU-4 = (1 * 1 * 1 * (0 + T)/(0 + S))^(1/4) = (1e-6)^(1/4) = 0.0316
    b_penalty = brevity(3, 3)
    assert b_penalty < 1 and b_penalty == pytest.approx(1 - 1e-9 / 3, abs=1e-15)
    assert per_video["B"] == pytest.approx([b_penalty * x for x in (1, 1, 1, 1e-6 ** 0.25)], rel=1e-9)


def test_reference_length_tie_takes_the_shorter():
    """hyp "man rides a horse" (4); refs "a man rides a brown horse" (6) and "a horse" (2):
    both 2 away, coco-caption takes 2 (the *second* reference), so no brevity penalty
    (taking the first, 6, would multiply by exp(1 - 6/4) = exp(-1/2)).
      1-grams man rides a horse 4/4; 2-grams man_rides rides_a a_horse 3/3;
      3-grams man_rides_a (ref 1) but not rides_a_horse 1/2; 4-gram 0/1."""
    assert closest_reference_length(4, [6, 2]) == 2
    assert closest_reference_length(4, [2, 6]) == 2
    assert closest_reference_length(4, [7, 3, 5]) == 3
    assert closest_reference_length(4, [9, 4, 3]) == 4
    corpus, _ = coco_bleu({"v": "man rides a horse"}, {"v": ["a man rides a brown horse", "a horse"]})
    p1, p2, p3, p4 = p(4, 4), p(3, 3), p(1, 2), p(0, 1)
    assert corpus == pytest.approx([p1, (p1 * p2) ** 0.5, (p1 * p2 * p3) ** (1 / 3),
                                    (p1 * p2 * p3 * p4) ** 0.25], rel=1e-12)
    assert corpus[2] == pytest.approx(0.5 ** (1 / 3), rel=1e-9)  # 0.7937, not 0.7937 * exp(-1/2)


def test_short_hypothesis_brevity_penalty_and_smoothing():
    """hyp "a cat" (2) vs "a cat sits here" (4): ratio 1/2 -> penalty exp(1 - 2) = 1/e.
    correct 2 1 0 0 of guess 2 1 0 0: the empty 3- and 4-gram counts give (0 + T)/(0 + S) = 1e-6."""
    corpus, _ = coco_bleu({"v": "a cat"}, {"v": ["a cat sits here"]})
    penalty = brevity(2, 4)
    assert penalty == pytest.approx(math.exp(-1), rel=1e-9)
    p1, p2, p3, p4 = p(2, 2), p(1, 1), p(0, 0), p(0, 0)
    expected = [p1, (p1 * p2) ** 0.5, (p1 * p2 * p3) ** (1 / 3), (p1 * p2 * p3 * p4) ** 0.25]
    assert corpus == pytest.approx([penalty * x for x in expected], rel=1e-12)
    assert corpus[2] == pytest.approx(0.01 / math.e, rel=1e-6)   # (1e-6)^(1/3) / e
    assert corpus[3] == pytest.approx(0.001 / math.e, rel=1e-6)  # (1e-12)^(1/4) / e


def test_one_word_hypothesis():
    """hyp "cat" = ref "cat": correct 1 0 0 0 of guess 1 0 0 0; BLEU-2 = (1 * 1e-6)^(1/2) = 1e-3,
    BLEU-4 = (1e-18)^(1/4) = 10^-4.5."""
    corpus, _ = coco_bleu({"v": "cat"}, {"v": ["cat"]})
    assert corpus == pytest.approx([1, 1e-3, 1e-4, 10 ** -4.5], rel=1e-6)


def test_clipping_by_the_reference_that_uses_a_word_most():
    """hyp "the the the the" (4); refs "the cat" (2), "the the dog" (3) -> closest 3.
      "the" x4, at most 2 in a reference (ref 2) -> 2/4; "the the" x3, at most 1 -> 1/3;
      "the the the" x2 -> 0/2; 4-gram 0/1. No penalty (4 > 3)."""
    assert bleu_statistics(["the"] * 4, [["the", "cat"], ["the", "the", "dog"]]) == (4, 3, [4, 3, 2, 1], [2, 1, 0, 0])
    corpus, _ = coco_bleu({"v": "the the the the"}, {"v": ["the cat", "the the dog"]})
    assert corpus[:2] == pytest.approx([0.5, math.sqrt(0.5 / 3)], rel=1e-9)


def test_exact_match_and_empty_hypothesis():
    corpus, _ = coco_bleu({"v": "a man is playing a guitar"}, {"v": ["a man is playing a guitar"]})
    assert corpus == pytest.approx([1, 1, 1, 1], abs=1e-9)
    # empty hypothesis: ratio = T / (2 + S) -> exp(1 - 2e15) = 0.0 exactly
    corpus, per_video = coco_bleu({"v": "", "w": "a dog"}, {"v": ["a cat"], "w": ["a dog"]})
    assert per_video["v"] == [0.0, 0.0, 0.0, 0.0]
    # the corpus still counts the empty video's reference length: c = 2, r = 4 -> penalty 1/e
    assert corpus[0] == pytest.approx(math.exp(-1), rel=1e-9)


def test_tokenisation_is_applied_to_both_sides():
    corpus, _ = coco_bleu({"v": "A Cat, sits!"}, {"v": ["a cat sits."]})
    assert corpus[:3] == pytest.approx([1, 1, 1], abs=1e-9)


# ----------------------------------------------------------------------------- ROUGE-L
def test_lcs_length_by_hand():
    assert lcs_length("a cat sits on the mat".split(), "a cat is on the mat now".split()) == 5
    assert lcs_length("a cat sits on the mat".split(), "the cat sat on mat".split()) == 3  # cat on mat
    assert lcs_length(["a", "b"], ["c"]) == 0
    assert lcs_length(["x", "y", "x"], ["y", "x", "x"]) == 2


def test_rouge_l_by_hand():
    """hyp "a cat sits on the mat" (6): ref 1 (7 words) LCS 5 -> P 5/6, R 5/7; ref 2 (5 words)
    LCS 3 -> P 3/6, R 3/5. Max P = 5/6, max R = 5/7.
    F = (1 + 1.44) (5/6)(5/7) / (5/7 + 1.44 * 5/6) = (61/42) / (67/35) = 2135/2814."""
    score = rouge_l_sentence("a cat sits on the mat".split(),
                             ["a cat is on the mat now".split(), "the cat sat on mat".split()])
    assert score == pytest.approx(2135 / 2814, rel=1e-12)


def test_rouge_l_takes_max_precision_and_max_recall_from_different_references():
    """hyp "a dog runs on grass" (5): ref "a dog runs" LCS 3 -> P 3/5, R 1; ref "a big dog runs
    fast on the green grass" LCS 5 -> P 1, R 5/9. Max P = max R = 1 -> F = 1, although the best
    single reference has F = 2.44 * 0.6 / (1 + 1.44 * 0.6) = 0.785."""
    value, _ = coco_rouge_l({"v": "a dog runs on grass"},
                            {"v": ["a dog runs", "a big dog runs fast on the green grass"]})
    assert value == pytest.approx(1.0, rel=1e-12)


def test_rouge_l_beta_and_mean_over_videos():
    """"a cat" vs "a cat sits on the mat": P 1, R 1/3 -> F = 2.44 (1/3) / (1/3 + 1.44)
    = 2.44 / 5.32 (F1 would be 0.5). Second video identical -> 1. Mean (2.44/5.32 + 1) / 2."""
    value, per_video = coco_rouge_l({"a": "a cat", "b": "a dog"},
                                    {"a": ["a cat sits on the mat"], "b": ["a dog"]})
    assert per_video["a"] == pytest.approx(2.44 / 5.32, rel=1e-12)
    assert per_video["b"] == 1.0
    assert value == pytest.approx((2.44 / 5.32 + 1) / 2, rel=1e-12)
    one, _ = coco_rouge_l({"a": "a cat"}, {"a": ["a cat sits on the mat"]}, beta=1.0)
    assert one == pytest.approx(0.5, rel=1e-12)


def test_rouge_l_empty_sentence_is_one_empty_token():
    """coco-caption splits on " ": "" -> [""]. Empty hyp vs "a cat": LCS 0 -> 0; vs an empty
    reference ("..." after punctuation removal): LCS 1 of 1 -> 1."""
    assert coco_rouge_l({"v": ""}, {"v": ["a cat"]})[0] == 0.0
    assert coco_rouge_l({"v": ""}, {"v": ["a cat", "..."]})[0] == 1.0
    assert coco_rouge_l({"v": "a cat"}, {"v": ["..."]})[0] == 0.0


def test_inputs_are_checked():
    with pytest.raises(ValueError, match=r"no hypothesis for video\(s\) \['w'\]"):
        coco_bleu({"v": "a"}, {"v": ["a"], "w": ["b"]})
    with pytest.raises(ValueError, match="without references"):
        coco_rouge_l({"v": "a", "x": "b"}, {"v": ["a"]})
    with pytest.raises(ValueError, match="exactly one hypothesis"):
        coco_bleu({"v": ["a", "b"]}, {"v": ["a"]})
    with pytest.raises(ValueError, match="no reference caption"):
        coco_rouge_l({"v": "a"}, {"v": []})
    with pytest.raises(TypeError, match="list of strings"):
        coco_bleu({"v": "a"}, {"v": "a"})
    with pytest.raises(ValueError, match="no reference video"):
        coco_bleu({}, {})
    assert coco_bleu({"v": ["a cat"]}, {"v": ["a cat"]}) == coco_bleu({"v": "a cat"}, {"v": ["a cat"]})


# ----------------------------------------------------------------------------- Metric classes
def test_metrics_accumulate_batches_like_the_functions():
    refs = {"A": ["a cat sits", "a cat"], "B": ["a dog runs"], "C": ["two birds fly away"]}
    hyps = {"A": "a cat", "B": "a dog", "C": "birds fly"}
    bleu, rouge = CocoBLEU(), CocoROUGEL()
    for metric in (bleu, rouge):
        metric.update([hyps["A"]], [refs["A"]], ["A"])
        metric.update([hyps["B"], hyps["C"]], [refs["B"], refs["C"]], video_ids=["B", "C"])
    values = bleu.compute()
    assert list(values) == ["bleu1", "bleu2", "bleu3", "bleu4"]
    assert all(v.dtype == torch.float64 for v in values.values())
    assert [float(v) for v in values.values()] == pytest.approx(coco_bleu(hyps, refs)[0], rel=1e-12)
    assert float(rouge.compute()) == pytest.approx(coco_rouge_l(hyps, refs)[0], rel=1e-12)
    assert PAPER_SCALE == 100.0
    rouge.reset()
    with pytest.raises(RuntimeError, match="before any update"), pytest.warns(UserWarning):
        rouge.compute()
    with pytest.raises(ValueError, match="2 predictions but 1 reference lists"):
        bleu.update(["a", "b"], [["a"]])
    with pytest.raises(ValueError, match="max_n"):
        CocoBLEU(max_n=0)
    with pytest.raises(ValueError, match="beta"):
        CocoROUGEL(beta=0)


def test_metrics_count_padded_duplicates_once_and_reject_conflicts():
    refs = {"A": ["a cat sits"], "B": ["a dog runs"]}
    for metric, score in ((CocoROUGEL(), lambda h: coco_rouge_l(h, refs)[0]),
                          (CocoBLEU(), lambda h: coco_bleu(h, refs)[0][0])):
        metric.update(["a cat", "a dog runs", "a cat"], [refs["A"], refs["B"], refs["A"]], ["A", "B", "A"])
        value = metric.compute()
        value = value["bleu1"] if isinstance(value, dict) else value
        assert float(value) == pytest.approx(score({"A": "a cat", "B": "a dog runs"}), rel=1e-12)
        metric.update(["a bird"], [refs["A"]], ["A"])
        with pytest.raises(ValueError, match="video 'A' was given twice with different predictions"):
            metric.compute()


def test_metric_gathers_string_states_across_ranks(monkeypatch):
    """Simulated rank 0 of 2 whose peer scored video B: ``_sync_dist`` gathers both lists."""
    import torch.distributed as dist

    peer = (["B"], ["a dog runs"], [["a dog runs"]])

    def all_gather_object(output, obj, group=None):
        output[0], output[1] = obj, peer

    monkeypatch.setattr(dist, "get_world_size", lambda group=None: 2)
    monkeypatch.setattr(dist, "all_gather_object", all_gather_object)
    metric = CocoROUGEL()
    metric.update(["a cat"], [["a cat sits"]], ["A"])
    metric._sync_dist()
    assert metric.video_ids == ["A", "B"]
    expected = coco_rouge_l({"A": "a cat", "B": "a dog runs"}, {"A": ["a cat sits"], "B": ["a dog runs"]})[0]
    assert float(metric.compute()) == pytest.approx(expected, rel=1e-12)


def test_metric_syncs_through_a_real_process_group(tmp_path):
    """One-rank gloo group: the sync path runs against a real backend."""
    import torch.distributed as dist

    dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'store'}", rank=0, world_size=1)
    try:
        metric = CocoBLEU()
        metric.update(["a cat", "a dog"], [["a cat sits"], ["a dog runs"]], ["A", "B"])
        metric.sync()
        assert metric.video_ids == ["A", "B"] and metric.hypotheses == ["a cat", "a dog"]
        metric.unsync()
        expected = coco_bleu({"A": "a cat", "B": "a dog"}, {"A": ["a cat sits"], "B": ["a dog runs"]})[0]
        assert [float(v) for v in metric.compute().values()] == pytest.approx(expected, rel=1e-12)
    finally:
        dist.destroy_process_group()


# ----------------------------------------------------------------------------- pycocoevalcap
def test_equals_pycocoevalcap_on_random_corpora():
    """Optional (pycocoevalcap is not a dependency): 200 random corpora from a 16-word vocabulary
    (many matches, reference-length ties, hypotheses of 0-3 words, empty references); coco-caption
    scores the same normalised strings. Exact equality, corpus and per video."""
    bleu_module = pytest.importorskip("pycocoevalcap.bleu.bleu")
    rouge_module = pytest.importorskip("pycocoevalcap.rouge.rouge")
    rng = random.Random(0)
    vocab = "a the man woman dog cat runs sits on in red blue ball is playing with".split()

    def sentence(shortest, longest):
        words = vocab[: rng.randint(3, len(vocab))]
        return " ".join(rng.choice(words) for _ in range(rng.randint(shortest, longest)))

    for _ in range(200):
        videos = range(rng.randint(1, 8))
        refs = {f"v{i}": [sentence(0 if rng.random() < 0.05 else 1, 12) for _ in range(rng.randint(1, 5))]
                for i in videos}
        hyps = {f"v{i}": sentence(0, rng.choice([3, 12])) for i in videos}
        gts = {k: [normalize_caption(r) for r in v] for k, v in refs.items()}
        res = {k: [normalize_caption(h)] for k, h in hyps.items()}
        reference_bleu, reference_per_video = bleu_module.Bleu(4).compute_score(gts, res, verbose=0)
        reference_rouge, reference_rouge_per_video = rouge_module.Rouge().compute_score(gts, res)
        corpus, per_video = coco_bleu(hyps, refs)
        rouge, rouge_per_video = coco_rouge_l(hyps, refs)
        assert corpus == list(reference_bleu)
        assert rouge == float(reference_rouge)
        for index, video in enumerate(gts):
            assert per_video[video] == [reference_per_video[n][index] for n in range(4)]
            assert rouge_per_video[video] == float(reference_rouge_per_video[index])
