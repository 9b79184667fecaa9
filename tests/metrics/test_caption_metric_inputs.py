"""The captioning metrics refuse inputs coco-caption could not score, naming the video: a
hypothesis or a reference that is not a string, a video without references, an impossible
n-gram order; and the corpus base class has no score of its own."""

import pytest

from zoo.metrics.cider import CIDErD
from zoo.metrics.coco_caption import (CaptionSetMetric, CocoBLEU, CocoROUGEL, bleu_statistics, coco_bleu,
                                     coco_rouge_l, rouge_l_sentence)

METRICS = [CocoBLEU, CocoROUGEL, CIDErD]


@pytest.mark.parametrize("score", [coco_bleu, coco_rouge_l])
def test_a_hypothesis_must_be_one_string(score):
    with pytest.raises(TypeError, match="video 'v1': the hypothesis must be a string, got int"):
        score({"v1": 3}, {"v1": ["a red ball"]})
    with pytest.raises(ValueError, match="exactly one hypothesis per video, got 2"):
        score({"v1": ["a", "b"]}, {"v1": ["a red ball"]})
    assert score({"v1": ["a red ball"]}, {"v1": ["a red ball"]})[0] == score({"v1": "a red ball"}, {"v1": ["a red ball"]})[0]


@pytest.mark.parametrize("score", [coco_bleu, coco_rouge_l])
def test_references_must_be_a_non_empty_list_of_strings(score):
    with pytest.raises(TypeError, match="video 'v1': a reference is int, not a string"):
        score({"v1": "a red ball"}, {"v1": ["a red ball", 7]})
    with pytest.raises(TypeError, match="references must be a list of strings, got str"):
        score({"v1": "a red ball"}, {"v1": "a red ball"})
    with pytest.raises(ValueError, match="video 'v1' has no reference caption"):
        score({"v1": "a red ball"}, {"v1": []})


def test_bleu_statistics_need_a_reference_and_bleu_an_order():
    with pytest.raises(ValueError, match="at least one reference"):
        bleu_statistics(["a", "ball"], [])
    with pytest.raises(ValueError, match="max_n must be at least 1, got 0"):
        coco_bleu({"v1": "a"}, {"v1": ["a"]}, max_n=0)
    assert coco_bleu({"v1": "a"}, {"v1": ["a"]}, max_n=1)[0] == [pytest.approx(1.0)]


def test_the_base_class_has_no_score():
    metric = CaptionSetMetric()
    metric.update(["a red ball"], [["a red ball"]])
    with pytest.raises(NotImplementedError):
        metric.compute()


def test_rouge_l_sentence_needs_references_and_non_empty_token_lists():
    with pytest.raises(ValueError, match="at least one reference"):
        rouge_l_sentence(["a"], [])
    for hypothesis, references in (([], [["a"]]), (["a"], [["a"], []]), ([], [[]])):
        with pytest.raises(ValueError, match="cannot be empty"):
            rouge_l_sentence(hypothesis, references)
    assert rouge_l_sentence([""], [[""]]) == pytest.approx(1.0)  # coco-caption's empty sentence


def test_rouge_l_beta_must_be_positive():
    for beta in (0.0, -1.0):
        with pytest.raises(ValueError, match="beta must be positive"):
            coco_rouge_l({"v1": "a"}, {"v1": ["a"]}, beta=beta)
        with pytest.raises(ValueError, match="beta must be positive"):
            CocoROUGEL(beta=beta)


@pytest.mark.parametrize("metric", METRICS)
def test_update_checks_its_batch_and_names_the_video(metric):
    with pytest.raises(TypeError, match="a single string"):
        metric().update("a red ball", [["a red ball"]])
    with pytest.raises(ValueError, match="1 predictions but 2 reference lists"):
        metric().update(["a red ball"], [["a red ball"], ["a cube"]])
    with pytest.raises(ValueError, match="2 video_ids for 1 predictions"):
        metric().update(["a red ball"], [["a red ball"]], video_ids=["v1", "v2"])
    with pytest.raises(ValueError, match="video 'v7' has no reference"):
        metric().update(["a red ball"], [[]], video_ids=["v7"])
    with pytest.raises(ValueError, match="video '#1' has no reference"):  # no ids: its position
        metric().update(["a red ball", "a cube"], [["a red ball"], []])


@pytest.mark.parametrize("metric", METRICS)
def test_torchmetrics_metadata(metric):
    """Lightning's checkpoint callbacks and torchmetrics' trackers read these: a caption score is
    better when higher, has no gradient, and needs no full-state forward."""
    assert metric.higher_is_better is True
    assert metric.is_differentiable is False
    assert metric.full_state_update is False
