"""coco-caption's BLEU-1..4 and ROUGE-L (``pycocoevalcap/bleu``, ``pycocoevalcap/rouge``), exactly.

Captioning papers report coco-caption's numbers (datasets.md §3.2, methods.md §3). Both scorers are
reproduced here operation for operation (same smoothing constants, same float order), on the
tokens of :func:`~zoo.metrics.caption_text.caption_tokens` for hypotheses and references alike
(as :mod:`zoo.metrics.cider` does; coco-caption runs the Java PTB tokenizer first, see
``caption_text``). Given the same token strings, the values equal ``pycocoevalcap`` 1.2's.

**BLEU-n** (``Bleu(4).compute_score``, which calls ``BleuScorer.compute_score(option="closest")``):

- per video, with hypothesis length ``c`` (words) and references ``r_1..r_m``:
  ``correct_k`` = the hypothesis' ``k``-grams counted at most as often as in the reference that
  uses them most (clipping by the max over references), ``guess_k = max(0, c - k + 1)``;
  the effective reference length is the **closest** one, ``min((|l - c|, l))[1]``: among
  equally close lengths the **shortest** (not the first reference);
- corpus level: ``correct``, ``guess``, ``c`` and the effective lengths ``r`` are summed over
  videos, then ``BLEU-n = prod_{k<=n} ((correct_k + 1e-15) / (guess_k + 1e-9)) ** (1/n)``, the
  ``tiny``/``small`` constants keeping a corpus without any matching ``k``-gram (e.g. every
  hypothesis of 3 words or fewer, for ``k = 4``) slightly above 0; times the brevity penalty
  ``exp(1 - 1/ratio)`` when ``ratio = (c + 1e-15) / (r + 1e-9) < 1`` (which holds, by 1e-10,
  even when ``c == r``);
- the per-video scores are the same formula on one video's counts (``bleu_list``); the headline
  is the corpus value, not their mean.

**ROUGE-L** (``Rouge().compute_score``, beta = 1.2), per video: for each reference the LCS
length ``l`` of the token lists, precision ``l / len(hyp)`` and recall ``l / len(ref)``; then the
**maximum precision and the maximum recall over references** (possibly from different
references) give ``F = (1 + beta²) P R / (R + beta² P)`` (0 when either is 0); the score is the
mean of F over videos. coco-caption splits sentences on ``" "``, so an empty sentence is one empty
token ``[""]``: an empty hypothesis scores 0 against non-empty references but 1 against an empty
one, reproduced here.

**Scale.** Values are coco-caption's own, in ``[0, 1]`` (BLEU-4 0.421, ROUGE-L 0.612, like CIDEr-D
0.519 on its ×10 coco scale); papers print all three ×100 (42.1, 61.2, 51.9): multiply by
:data:`PAPER_SCALE` for tables. Both need one hypothesis per video and every video's references,
like ``pycocoevalcap`` (``gts.keys() == res.keys()``, ``len(hypo) == 1``, ``len(ref) >= 1``).
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any, Hashable, Mapping, Optional, Sequence, Union

import numpy as np
import torch
import torch.distributed as dist
from torchmetrics import Metric

from zoo.metrics.caption_text import caption_tokens

MAX_N = 4
SMALL = 1e-9   # coco-caption's ``small``: added to every denominator
TINY = 1e-15   # coco-caption's ``tiny``: added to every numerator
ROUGE_BETA = 1.2
PAPER_SCALE = 100.0  # papers print coco-caption's [0, 1] values as percentages

Hypotheses = Mapping[Hashable, Union[str, Sequence[str]]]
References = Mapping[Hashable, Sequence[str]]


# --------------------------------------------------------------------------- inputs
def ngram_counts(tokens: Sequence[str], max_n: int = MAX_N) -> Counter:
    """Term frequencies of every n-gram (a tuple of words), n = 1..``max_n``: coco-caption's
    ``precook``, shared by BLEU and CIDEr-D."""
    counts: Counter = Counter()
    for n in range(1, max_n + 1):
        for i in range(len(tokens) - n + 1):
            counts[tuple(tokens[i:i + n])] += 1
    return counts


def single_hypothesis(video_id: Hashable, hypothesis: Any) -> str:
    """The one caption of a video (a one-element list is accepted, as in coco-caption's ``res``)."""
    if isinstance(hypothesis, (list, tuple)):
        if len(hypothesis) != 1:
            raise ValueError(f"video {video_id!r}: coco-caption scores exactly one hypothesis per "
                             f"video, got {len(hypothesis)}")
        hypothesis = hypothesis[0]
    if not isinstance(hypothesis, str):
        raise TypeError(f"video {video_id!r}: the hypothesis must be a string, got "
                        f"{type(hypothesis).__name__}")
    return hypothesis


def reference_list(video_id: Hashable, references: Any) -> list[str]:
    """A video's non-empty list of reference strings."""
    if isinstance(references, str) or not isinstance(references, Sequence):
        raise TypeError(f"video {video_id!r}: references must be a list of strings, got "
                        f"{type(references).__name__}")
    if len(references) == 0:
        raise ValueError(f"video {video_id!r} has no reference caption")
    for ref in references:
        if not isinstance(ref, str):
            raise TypeError(f"video {video_id!r}: a reference is {type(ref).__name__}, not a string")
    return list(references)


def paired_captions(hypotheses: Hypotheses, references: References,
                    scorer: str) -> list[tuple[Hashable, str, list[str]]]:
    """``[(video_id, hypothesis, references)]`` in the order of ``references``; raises unless both
    mappings hold the same videos (naming the missing ones), each with one hypothesis and at
    least one reference."""
    if not references:
        raise ValueError(f"{scorer}: no reference video to score")
    missing = [v for v in references if v not in hypotheses]
    if missing:
        raise ValueError(f"{scorer}: no hypothesis for video(s) {missing[:10]}"
                         f"{' ...' if len(missing) > 10 else ''} ({len(missing)} of {len(references)})")
    extra = [v for v in hypotheses if v not in references]
    if extra:
        raise ValueError(f"{scorer}: hypothesis for video(s) without references: {extra[:10]}")
    return [(v, single_hypothesis(v, hypotheses[v]), reference_list(v, refs))
            for v, refs in references.items()]


# --------------------------------------------------------------------------- BLEU
def closest_reference_length(hypothesis_length: int, reference_lengths: Sequence[int]) -> int:
    """The reference length closest to the hypothesis'; among equally close ones the shortest
    (coco-caption's ``min((abs(l - testlen), l) for l in reflen)[1]``)."""
    return min((abs(length - hypothesis_length), length) for length in reference_lengths)[1]


def bleu_statistics(hypothesis: Sequence[str], references: Sequence[Sequence[str]],
                    max_n: int = MAX_N) -> tuple[int, int, list[int], list[int]]:
    """One video's ``(hypothesis length, effective reference length, guess [max_n],
    correct [max_n])``: ``guess_k`` the hypothesis' k-grams, ``correct_k`` those clipped by the
    max count over references, ``k = 1..max_n`` (``cook_refs`` + ``cook_test``, "closest")."""
    if not references:
        raise ValueError("BLEU needs at least one reference")
    max_ref_counts: dict[tuple[str, ...], int] = {}
    for ref in references:
        for gram, count in ngram_counts(ref, max_n).items():
            max_ref_counts[gram] = max(max_ref_counts.get(gram, 0), count)
    length = len(hypothesis)
    correct = [0] * max_n
    for gram, count in ngram_counts(hypothesis, max_n).items():
        correct[len(gram) - 1] += min(max_ref_counts.get(gram, 0), count)
    guess = [max(0, length - k + 1) for k in range(1, max_n + 1)]
    return length, closest_reference_length(length, [len(r) for r in references]), guess, correct


def bleu_from_statistics(hypothesis_length: float, reference_length: float, guess: Sequence[int],
                         correct: Sequence[int]) -> list[float]:
    """``[BLEU-1, ..., BLEU-max_n]`` from (summed) statistics, with coco-caption's smoothing and
    brevity penalty, in its order of float operations (see the module docstring)."""
    scores = []
    product = 1.0
    for k, (g, c) in enumerate(zip(guess, correct)):
        product *= float(c + TINY) / (g + SMALL)
        scores.append(product ** (1.0 / (k + 1)))
    ratio = (hypothesis_length + TINY) / (reference_length + SMALL)
    if ratio < 1:
        scores = [s * math.exp(1 - 1 / ratio) for s in scores]
    return scores


def coco_bleu(hypotheses: Hypotheses, references: References,
              max_n: int = MAX_N) -> tuple[list[float], dict[Hashable, list[float]]]:
    """coco-caption's corpus BLEU-1..``max_n`` of one hypothesis per video.

    Args:
        hypotheses: ``{video_id: caption}`` (or a one-element list per video).
        references: ``{video_id: [caption, ...]}``, at least one per video, same videos.
        max_n: the longest n-gram (4: BLEU-1..4).

    Returns:
        (``[BLEU-1, ..., BLEU-max_n]`` of the corpus, ``{video_id: [BLEU-1, ...]}`` per video),
        in ``[0, 1]``.
    """
    if max_n < 1:
        raise ValueError(f"max_n must be at least 1, got {max_n}")
    total_hyp, total_ref = 0, 0
    total_guess, total_correct = [0] * max_n, [0] * max_n
    per_video: dict[Hashable, list[float]] = {}
    for video_id, hyp, refs in paired_captions(hypotheses, references, "coco_bleu"):
        stats = bleu_statistics(caption_tokens(hyp), [caption_tokens(r) for r in refs], max_n)
        hyp_len, ref_len, guess, correct = stats
        total_hyp += hyp_len
        total_ref += ref_len
        total_guess = [a + b for a, b in zip(total_guess, guess)]
        total_correct = [a + b for a, b in zip(total_correct, correct)]
        per_video[video_id] = bleu_from_statistics(*stats)
    return bleu_from_statistics(total_hyp, total_ref, total_guess, total_correct), per_video


# --------------------------------------------------------------------------- ROUGE-L
def rouge_tokens(text: str) -> list[str]:
    """:func:`caption_tokens`, with coco-caption's view of an empty sentence: ``"".split(" ")``
    is ``[""]``, one empty token."""
    return caption_tokens(text) or [""]


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence of two token lists (dynamic programming)."""
    if len(a) < len(b):
        a, b = b, a
    previous = [0] * (len(b) + 1)
    for token in a:
        current = [0]
        for j, other in enumerate(b, start=1):
            current.append(previous[j - 1] + 1 if token == other else max(previous[j], current[j - 1]))
        previous = current
    return previous[-1]


def rouge_l_sentence(hypothesis: Sequence[str], references: Sequence[Sequence[str]],
                     beta: float = ROUGE_BETA) -> float:
    """coco-caption's ``Rouge.calc_score``: F-beta of the max LCS precision and the max LCS
    recall over references (token lists must be non-empty; see :func:`rouge_tokens`)."""
    if not references:
        raise ValueError("ROUGE-L needs at least one reference")
    if len(hypothesis) == 0 or any(len(r) == 0 for r in references):
        raise ValueError("ROUGE-L token lists cannot be empty (an empty sentence is [''])")
    precisions, recalls = [], []
    for ref in references:
        common = lcs_length(ref, hypothesis)
        precisions.append(common / float(len(hypothesis)))
        recalls.append(common / float(len(ref)))
    precision, recall = max(precisions), max(recalls)
    if precision == 0 or recall == 0:
        return 0.0
    return ((1 + beta ** 2) * precision * recall) / float(recall + beta ** 2 * precision)


def coco_rouge_l(hypotheses: Hypotheses, references: References,
                 beta: float = ROUGE_BETA) -> tuple[float, dict[Hashable, float]]:
    """coco-caption's ROUGE-L: the mean over videos of :func:`rouge_l_sentence`.

    Returns:
        (the mean, ``{video_id: score}``), in ``[0, 1]``.
    """
    if beta <= 0:
        raise ValueError(f"beta must be positive, got {beta}")
    per_video = {video_id: rouge_l_sentence(rouge_tokens(hyp), [rouge_tokens(r) for r in refs], beta)
                 for video_id, hyp, refs in paired_captions(hypotheses, references, "coco_rouge_l")}
    # np.mean (pairwise summation), as coco-caption, so the mean is bit-for-bit its value
    return float(np.mean(np.array(list(per_video.values())))), per_video


# --------------------------------------------------------------------------- torchmetrics
class CaptionSetMetric(Metric):
    """Base of corpus caption metrics: one caption per video against that video's references,
    kept as strings until ``compute``.

    ``update(preds, target, video_ids=None)``: ``preds`` one caption per video, ``target`` the
    list of reference captions of each video, ``video_ids`` their ids.

    States are Python lists of strings (``dist_reduce_fx=None``): torchmetrics' own
    synchronisation only gathers tensors and would silently leave them per-rank, so
    ``_sync_dist`` gathers them with ``torch.distributed.all_gather_object`` (every rank then
    scores the whole set); :class:`~zoo.metrics.cider.CIDErD` derives from it too. With a
    ``DistributedSampler`` that pads the last batch the padded videos come back twice: give
    ``video_ids`` and repeated (id, prediction, references) entries count once; the same id with a
    different prediction or references raises. Without ``video_ids`` every entry is its own video.
    Subclasses implement ``score(hypotheses, references)``.
    """

    is_differentiable = False
    higher_is_better = True
    full_state_update = False

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
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
            self.hypotheses.append(single_hypothesis(name, pred))
            self.references.append(reference_list(name, refs))
            self.video_ids.append(video_id)

    def collected(self) -> tuple[dict[Hashable, str], dict[Hashable, list[str]]]:
        """``({video: hypothesis}, {video: references})`` with padded duplicates counted once."""
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
        if not references:
            raise RuntimeError(f"{type(self).__name__}.compute() before any update")
        return hypotheses, references

    def score(self, hypotheses: dict[Hashable, str], references: dict[Hashable, list[str]]) -> Any:
        raise NotImplementedError

    def compute(self) -> Any:
        return self.score(*self.collected())

    def _sync_dist(self, dist_sync_fn=None, process_group: Optional[Any] = None) -> None:
        """Gather the string states of every rank (``all_gather_object``), in rank order."""
        group = process_group or self.process_group
        local = (list(self.video_ids), list(self.hypotheses), list(self.references))
        gathered: list = [None] * dist.get_world_size(group)
        dist.all_gather_object(gathered, local, group=group)
        self.video_ids = [v for ids, _, _ in gathered for v in ids]
        self.hypotheses = [h for _, hyps, _ in gathered for h in hyps]
        self.references = [r for _, _, refs in gathered for r in refs]


class CocoBLEU(CaptionSetMetric):
    """coco-caption's corpus BLEU (:func:`coco_bleu`) over everything seen since ``reset``.

    ``compute()`` -> ``{"bleu1": ..., "bleu4": ...}`` (float64 scalars in ``[0, 1]``; papers print
    them × :data:`PAPER_SCALE`). See :class:`CaptionSetMetric` for ``update`` and DDP.
    """

    def __init__(self, max_n: int = MAX_N, **kwargs: Any):
        super().__init__(**kwargs)
        if max_n < 1:
            raise ValueError(f"max_n must be at least 1, got {max_n}")
        self.max_n = max_n

    def score(self, hypotheses, references) -> dict[str, torch.Tensor]:
        scores, _ = coco_bleu(hypotheses, references, max_n=self.max_n)
        return {f"bleu{n}": torch.tensor(value, dtype=torch.float64) for n, value in enumerate(scores, 1)}


class CocoROUGEL(CaptionSetMetric):
    """coco-caption's ROUGE-L, beta 1.2 (:func:`coco_rouge_l`) over everything seen since ``reset``.

    ``compute()`` -> a float64 scalar in ``[0, 1]`` (papers print it × :data:`PAPER_SCALE`). See
    :class:`CaptionSetMetric` for ``update`` and DDP.
    """

    def __init__(self, beta: float = ROUGE_BETA, **kwargs: Any):
        super().__init__(**kwargs)
        if beta <= 0:
            raise ValueError(f"beta must be positive, got {beta}")
        self.beta = beta

    def score(self, hypotheses, references) -> torch.Tensor:
        value, _ = coco_rouge_l(hypotheses, references, beta=self.beta)
        return torch.tensor(value, dtype=torch.float64)
