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
below does, see :class:`CIDErD`).
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any, Hashable, Mapping, Optional, Sequence, Union

import torch
import torch.distributed as dist
from torchmetrics import Metric

from zoo.metrics.caption_text import caption_tokens

MAX_N = 4
SIGMA = 6.0
SCALE = 10.0

NGram = tuple[str, ...]


def ngram_counts(tokens: Sequence[str], max_n: int = MAX_N) -> Counter:
    """Term frequencies of every n-gram (as a tuple of words), n = 1..``max_n``."""
    counts: Counter = Counter()
    for n in range(1, max_n + 1):
        for i in range(len(tokens) - n + 1):
            counts[tuple(tokens[i:i + n])] += 1
    return counts


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


def _single_hypothesis(video_id: Hashable, hypothesis: Any) -> str:
    if isinstance(hypothesis, (list, tuple)):
        if len(hypothesis) != 1:
            raise ValueError(f"video {video_id!r}: CIDEr-D scores exactly one hypothesis per video, "
                             f"got {len(hypothesis)}")
        hypothesis = hypothesis[0]
    if not isinstance(hypothesis, str):
        raise TypeError(f"video {video_id!r}: the hypothesis must be a string, got "
                        f"{type(hypothesis).__name__}")
    return hypothesis


def _reference_list(video_id: Hashable, references: Any) -> list[str]:
    if isinstance(references, str) or not isinstance(references, Sequence):
        raise TypeError(f"video {video_id!r}: references must be a list of strings, got "
                        f"{type(references).__name__}")
    if len(references) == 0:
        raise ValueError(f"video {video_id!r} has no reference caption")
    for ref in references:
        if not isinstance(ref, str):
            raise TypeError(f"video {video_id!r}: a reference is {type(ref).__name__}, not a string")
    return list(references)


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
    if not references:
        raise ValueError("cider_d: no reference video to score")
    missing = [v for v in references if v not in hypotheses]
    if missing:
        raise ValueError(f"cider_d: no hypothesis for video(s) {missing[:10]}"
                         f"{' ...' if len(missing) > 10 else ''} ({len(missing)} of {len(references)})")
    extra = [v for v in hypotheses if v not in references]
    if extra:
        raise ValueError(f"cider_d: hypothesis for video(s) without references: {extra[:10]}")

    hyp_counts = {v: ngram_counts(caption_tokens(_single_hypothesis(v, hypotheses[v])), max_n)
                  for v in references}
    ref_counts = {v: [ngram_counts(caption_tokens(r), max_n) for r in _reference_list(v, refs)]
                  for v, refs in references.items()}

    doc_freq: Counter = Counter()
    for counts in ref_counts.values():
        doc_freq.update(set().union(*counts))
    log_num_videos = math.log(len(references))

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


class CIDErD(Metric):
    """CIDEr-D over everything seen since the last ``reset`` (see :func:`cider_d`).

    ``update(preds, target, video_ids=None)``: ``preds`` one caption per video, ``target`` the
    list of reference captions of each video, ``video_ids`` their ids. ``compute()`` -> a scalar
    tensor (float64).

    States are Python lists of strings (``dist_reduce_fx=None``), because document frequencies
    need every reference of the evaluated set, not a per-batch summary. torchmetrics' own
    synchronisation only gathers tensors and would silently leave string lists per-rank, so this
    class overrides ``_sync_dist`` and gathers its lists with ``torch.distributed.all_gather_object``
    (every rank then computes the score over the whole set). With a ``DistributedSampler`` that
    pads the last batch, the padded videos come back twice: give ``video_ids`` and repeated
    (id, prediction, references) entries are counted once; the same id with a different
    prediction or references raises. Without ``video_ids`` every entry is its own video.
    """

    is_differentiable = False
    higher_is_better = True
    full_state_update = False

    def __init__(self, sigma: float = SIGMA, max_n: int = MAX_N, **kwargs: Any):
        super().__init__(**kwargs)
        if sigma <= 0:
            raise ValueError(f"sigma must be positive, got {sigma}")
        if max_n < 1:
            raise ValueError(f"max_n must be at least 1, got {max_n}")
        self.sigma = sigma
        self.max_n = max_n
        self.add_state("video_ids", default=[], dist_reduce_fx=None)
        self.add_state("hypotheses", default=[], dist_reduce_fx=None)
        self.add_state("references", default=[], dist_reduce_fx=None)

    def update(self, preds: Sequence[str], target: Sequence[Sequence[str]],
               video_ids: Optional[Sequence[Hashable]] = None) -> None:
        if isinstance(preds, str):
            raise TypeError("preds must be a list of captions (one per video), got a single string")
        if len(preds) != len(target):
            raise ValueError(f"{len(preds)} predictions but {len(target)} reference lists")
        if video_ids is not None and len(video_ids) != len(preds):
            raise ValueError(f"{len(video_ids)} video_ids for {len(preds)} predictions")
        ids = list(video_ids) if video_ids is not None else [None] * len(preds)
        for video_id, pred, refs in zip(ids, preds, target):
            name = video_id if video_id is not None else f"#{len(self.hypotheses)}"
            self.hypotheses.append(_single_hypothesis(name, pred))
            self.references.append(_reference_list(name, refs))
            self.video_ids.append(video_id)

    def _collected(self) -> tuple[dict, dict]:
        hypotheses: dict[Hashable, str] = {}
        references: dict[Hashable, list[str]] = {}
        for index, (video_id, hyp, refs) in enumerate(zip(self.video_ids, self.hypotheses, self.references)):
            key = video_id if video_id is not None else ("#anonymous", index)
            if key in hypotheses:
                if hypotheses[key] != hyp or references[key] != refs:
                    raise ValueError(f"video {video_id!r} was given twice with different "
                                     "predictions or references")
                continue
            hypotheses[key], references[key] = hyp, refs
        return hypotheses, references

    def compute(self) -> torch.Tensor:
        hypotheses, references = self._collected()
        if not references:
            raise RuntimeError("CIDErD.compute() before any update")
        score, _ = cider_d(hypotheses, references, sigma=self.sigma, max_n=self.max_n)
        return torch.tensor(score, dtype=torch.float64)

    def _sync_dist(self, dist_sync_fn=None, process_group: Optional[Any] = None) -> None:
        """Gather the string states of every rank (``all_gather_object``), in rank order."""
        group = process_group or self.process_group
        local = (list(self.video_ids), list(self.hypotheses), list(self.references))
        gathered: list = [None] * dist.get_world_size(group)
        dist.all_gather_object(gathered, local, group=group)
        self.video_ids = [v for ids, _, _ in gathered for v in ids]
        self.hypotheses = [h for _, hyps, _ in gathered for h in hyps]
        self.references = [r for _, _, refs in gathered for r in refs]
