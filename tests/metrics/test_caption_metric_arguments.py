"""The arguments of the captioning metrics act: CIDEr-D's ``sigma`` and ``max_n``, BLEU's ``max_n``
and ROUGE-L's ``beta`` change the value as their formulas say, on the hand-computed case of
``tests/caption_case.py``; values they cannot take are refused."""

import math

import pytest
from caption_case import CAPTION_BATCHES, PRECISIONS, ROUGE_L, cider_by_hand

from zoo.metrics.cider import CIDErD
from zoo.metrics.coco_caption import CocoBLEU, CocoROUGEL


def scored(metric):
    for batch in CAPTION_BATCHES:
        metric.update(batch["hypothesis"], batch["references"], video_ids=batch["video_id"])
    return metric.compute()


@pytest.mark.parametrize("sigma, max_n", [(6.0, 4), (3.0, 4), (6.0, 2), (1.5, 1)])
def test_cider_d_sigma_and_orders(sigma, max_n):
    assert float(scored(CIDErD(sigma=sigma, max_n=max_n))) == pytest.approx(cider_by_hand(sigma, max_n), rel=1e-9)
    assert cider_by_hand(sigma, max_n) != pytest.approx(cider_by_hand(), rel=1e-3) or (sigma, max_n) == (6.0, 4)


def test_cider_d_defaults_are_coco_captions():
    assert float(scored(CIDErD())) == pytest.approx(cider_by_hand(6.0, 4), rel=1e-9)


@pytest.mark.parametrize("max_n", [1, 2, 4])
def test_bleu_orders(max_n):
    values = scored(CocoBLEU(max_n=max_n))
    assert set(values) == {f"bleu{n}" for n in range(1, max_n + 1)}
    for n in range(1, max_n + 1):
        assert float(values[f"bleu{n}"]) == pytest.approx(math.prod(PRECISIONS[:n]) ** (1 / n), rel=1e-6)
    assert set(scored(CocoBLEU())) == {"bleu1", "bleu2", "bleu3", "bleu4"}


def test_rouge_l_beta_weighs_recall():
    """One video: "a red ball" against "a red ball rolls left" -> LCS 3, P = 1, R = 0.6;
    F_beta = (1 + beta²) P R / (R + beta² P)."""
    def f(beta):
        return (1 + beta ** 2) * 1.0 * 0.6 / (0.6 + beta ** 2 * 1.0)

    for beta, metric in ((1.2, CocoROUGEL()), (1.0, CocoROUGEL(beta=1.0)), (2.0, CocoROUGEL(beta=2.0))):
        metric.update(["a red ball"], [["a red ball rolls left"]])
        assert float(metric.compute()) == pytest.approx(f(beta), rel=1e-9)
    assert f(1.2) == pytest.approx(1.464 / 2.04)
    assert float(scored(CocoROUGEL())) == pytest.approx(ROUGE_L, rel=1e-9)  # P = R: any beta


@pytest.mark.parametrize("make, message", [
    (lambda: CIDErD(sigma=0.0), "sigma must be positive"),
    (lambda: CIDErD(sigma=-1.0), "sigma must be positive"),
    (lambda: CIDErD(max_n=0), "max_n must be at least 1"),
    (lambda: CocoBLEU(max_n=0), "max_n must be at least 1"),
])
def test_impossible_arguments_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_smallest_allowed_arguments_are_accepted():
    assert float(scored(CIDErD(max_n=1))) == pytest.approx(cider_by_hand(6.0, 1), rel=1e-9)
    assert set(scored(CocoBLEU(max_n=1))) == {"bleu1"}
    assert float(scored(CIDErD(sigma=1e-3))) >= 0
