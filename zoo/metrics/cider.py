"""CIDEr-D (Vedantam et al. 2015) as coco-caption computes it (``pycocoevalcap/cider``).

For every video with hypothesis ``h`` and references ``r_1..r_m`` (all tokenised by
:func:`~zoo.metrics.caption_text.caption_tokens`):

- n-grams, n = 1..4, counted per sentence: the term frequency ``tf`` is the raw count;
- document frequency ``df(g)`` = the number of *videos of the evaluated set* having ``g`` in at
  least one of their references (hypotheses never count); ``idf(g) = log(V) - log(max(1, df(g)))``
  with V the number of videos, so an n-gram no reference uses gets the largest weight ``log V``;
- per sentence and per n, the vector ``tf * idf`` over that sentence's n-grams and its L2 norm;
- per reference and per n, the clipped cosine ``sum_g min(h_g, r_g) * r_g / (|h| |r|)`` (0 when
  either norm is 0), times the Gaussian length penalty ``exp(-delta^2 / (2 sigma^2))``, sigma = 6;
- the video's score = mean over n of (sum over references) / m, times 10;
- CIDEr-D = the mean over videos.

Reference quirks reproduced exactly:

- the "length" in ``delta`` is the sentence's **number of bigrams** (coco-caption adds the term
  frequencies of the n-grams with ``n == 1`` in its 0-based n, i.e. bigrams), not its number of
  words. It equals ``max(0, words - 1)``, so ``delta`` differs from the word-length difference only
  when one side is empty — and an empty side scores 0 anyway;
- ``log(max(1, df))`` gives unseen n-grams ``df = 1``; V = 1 makes every reference weight 0
  (``log 1 - log 1``), so CIDEr-D of a single video is 0, as in coco-caption;
- a hypothesis is one string per video (``Cider.compute_score`` asserts ``len(hypo) == 1``) and
  every reference video needs a hypothesis (the reference asserts equal key sets).

Because document frequencies come from the whole evaluated set, scores of subsets are not
additive and a sharded evaluation must gather every video before computing (the metric class
below does: :class:`~zoo.metrics.coco_caption.CaptionSetMetric`, shared with coco-caption's BLEU
and ROUGE-L, keeps the strings and gathers them across processes).
"""

from __future__ import annotations

import math
from typing import Any, Hashable, Mapping, Sequence, Union

import torch

from zoo.metrics.caption_text import caption_tokens
from zoo.metrics.coco_caption import CaptionSetMetric, ngram_counts, paired_captions

MAX_N = 4
SIGMA = 6.0
SCALE = 10.0

NGram = tuple[str, ...]

__all__ = ["CIDErD", "cider_d", "ngram_counts", "penalty_length"]


def penalty_length(counts: Mapping[NGram, int]) -> int:
    """The "length" of the length penalty: the number of bigrams (coco-caption's quirk)."""
    return sum(tf for gram, tf in counts.items() if len(gram) == 2)


def _tfidf(counts: Mapping[NGram, int], doc_freq: Mapping[NGram, int], log_num_videos: float,
           max_n: int) -> tuple[list[dict[NGram, float]], list[float]]:
    """Per n: the tf-idf vector ``{ngram: tf * idf}`` and its L2 norm."""
    vectors: list[dict[NGram, float]] = [{} for _ in range(max_n)]
    squares = [0.0] * max_n
    for gram, tf in counts.items():
        weight = tf * (log_num_videos - math.log(max(1.0, doc_freq.get(gram, 0))))
        vectors[len(gram) - 1][gram] = weight
        squares[len(gram) - 1] += weight * weight
    return vectors, [math.sqrt(s) for s in squares]


def _clipped_cosine(hyp: dict[NGram, float], hyp_norm: float, ref: dict[NGram, float],
                    ref_norm: float) -> float:
    overlap = sum(min(weight, ref.get(gram, 0.0)) * ref.get(gram, 0.0) for gram, weight in hyp.items())
    if hyp_norm == 0.0 or ref_norm == 0.0:
        return overlap  # 0: a zero-norm side has only zero weights
    return overlap / (hyp_norm * ref_norm)


def cider_d(hypotheses: Mapping[Hashable, Union[str, Sequence[str]]],
            references: Mapping[Hashable, Sequence[str]], sigma: float = SIGMA,
            max_n: int = MAX_N) -> tuple[float, dict[Hashable, float]]:
    """CIDEr-D of one hypothesis per video against that video's references.

    Args:
        hypotheses: ``{video_id: caption}`` (a one-element list is accepted, as coco-caption's
            ``res`` format has).
        references: ``{video_id: [caption, ...]}``; document frequencies are computed over these.
        sigma: the length penalty's standard deviation (6 in CIDEr-D).
        max_n: the longest n-gram (4).

    Returns:
        (the corpus score = mean of the per-video scores, ``{video_id: score}``).

    Raises:
        ValueError: no video, a video without references, a reference video without a
            hypothesis or a hypothesis without references (naming the videos), or several
            hypotheses for one video.
    """
    paired = paired_captions(hypotheses, references, "cider_d")
    hyp_counts = {v: ngram_counts(caption_tokens(hyp), max_n) for v, hyp, _ in paired}
    ref_counts = {v: [ngram_counts(caption_tokens(r), max_n) for r in refs] for v, _, refs in paired}

    doc_freq: dict[NGram, int] = {}
    for counts in ref_counts.values():
        for gram in set().union(*counts):
            doc_freq[gram] = doc_freq.get(gram, 0) + 1
    log_num_videos = math.log(len(ref_counts))

    per_video: dict[Hashable, float] = {}
    for video_id, refs in ref_counts.items():
        hyp = hyp_counts[video_id]
        hyp_vectors, hyp_norms = _tfidf(hyp, doc_freq, log_num_videos, max_n)
        hyp_length = penalty_length(hyp)
        total = 0.0
        for ref in refs:
            ref_vectors, ref_norms = _tfidf(ref, doc_freq, log_num_videos, max_n)
            delta = hyp_length - penalty_length(ref)
            penalty = math.exp(-(delta ** 2) / (2 * sigma ** 2))
            total += sum(_clipped_cosine(hyp_vectors[n], hyp_norms[n], ref_vectors[n], ref_norms[n])
                         for n in range(max_n)) * penalty
        per_video[video_id] = total / max_n / len(refs) * SCALE
    return sum(per_video.values()) / len(per_video), per_video


class CIDErD(CaptionSetMetric):
    """CIDEr-D (:func:`cider_d`) over everything seen since the last ``reset``.

    ``update(preds, target, video_ids=None)`` and distributed gathering as
    :class:`~zoo.metrics.coco_caption.CaptionSetMetric` (document frequencies need every reference
    of the evaluated set, so the strings are kept and gathered, padded duplicates counted once);
    ``compute()`` -> a float64 scalar on coco-caption's ×10 scale (papers print it ×100).
    """

    def __init__(self, sigma: float = SIGMA, max_n: int = MAX_N, **kwargs: Any):
        super().__init__(**kwargs)
        if sigma <= 0:
            raise ValueError(f"sigma must be positive, got {sigma}")
        if max_n < 1:
            raise ValueError(f"max_n must be at least 1, got {max_n}")
        self.sigma = sigma
        self.max_n = max_n

    def score(self, hypotheses, references) -> torch.Tensor:
        value, _ = cider_d(hypotheses, references, sigma=self.sigma, max_n=self.max_n)
        return torch.tensor(value, dtype=torch.float64)
