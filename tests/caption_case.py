"""A captioning case computed by hand: two videos, three references each, the hypotheses and
their BLEU n-gram precisions, ROUGE-L and CIDEr-D written out (``tests/tasks/test_metric_identity.py``
checks the logged names against it, ``tests/metrics/`` the metrics' arguments)."""

import math

# Two videos in two batches. Tokens are lower-cased with punctuation removed first.
CAPTION_BATCHES = [
    {"video_id": ["v1"], "hypothesis": ["A red ball rolls left."],
     "references": [["The ball is moving.", "a red ball rolls right", "A small ball rolls to the left"]]},
    {"video_id": ["v2"], "hypothesis": ["the blue cube grows"],
     "references": [["A cube is getting bigger", "The blue cube gets bigger.", "blue cube grows now"]]},
]
# BLEU, clipped n-gram matches / hypothesis n-grams (v1 + v2), against all three references:
#   1-grams: a red ball rolls left -> 5 of 5 ("left" is only in reference 3); the blue cube grows -> 4 of 4
#   2-grams: a red, red ball, ball rolls (not "rolls left") -> 3 of 4; the blue, blue cube, cube grows -> 3 of 3
#   3-grams: a red ball, red ball rolls -> 2 of 3; the blue cube, blue cube grows -> 2 of 2
#   4-grams: a red ball rolls -> 1 of 2; "the blue cube grows" -> 0 of 1
# Hypothesis length 5 + 4 = 9; closest reference lengths 5 (of 4, 5, 7) + 4 (of 5, 5, 4) = 9: no brevity penalty.
PRECISIONS = [9 / 9, 6 / 7, 4 / 5, 1 / 3]
# ROUGE-L (LCS): v1 with reference 2: "a red ball rolls" = 4 of 5 and 5 -> P = R = 0.8 (reference 3:
# a ball rolls left, 4 of 5 and 7; reference 1: ball, 1); v2 with reference 3: "blue cube grows" = 3
# of 4 and 4 -> P = R = 0.75 (reference 2: 3 of 4 and 5; reference 1: 1). With P = R, F_beta = P for any beta.
ROUGE_L = (0.8 + 0.75) / 2


def cider_by_hand(sigma: float = 6.0, max_n: int = 4) -> float:
    """coco-caption's CIDEr-D of the case (with its sigma and n-gram orders). Document
    frequencies over the two videos' references: "the", "a", "is" occur for both videos, so their weight log(2) - log(2) is 0; every other
    n-gram (also one no reference has) weighs log(2). Every count is 1, so per n the clipped
    cosine is |H ∩ R| / sqrt(|H| |R|) over the weighted n-grams (the log 2 factors cancel),
    times exp(-Δ² / (2 sigma²)) with Δ the difference of the bigram counts (= of the lengths);
    the mean over n = 1 .. max_n, divided by the references, times 10. coco-caption counts the
    bigrams among the n-grams it extracts, so with max_n = 1 every length is 0: no penalty."""
    g = lambda delta: math.exp(-(delta if max_n >= 2 else 0) ** 2 / (2 * sigma ** 2))  # noqa: E731

    def cos(common, h, r):
        return common / math.sqrt(h * r)
    # v1: H = {red, ball, rolls, left} (4), 4 bigrams, 3 trigrams, 2 four-grams
    v1 = [  # per reference: [n=1, n=2, n=3, n=4] and the length difference
        ([cos(1, 4, 2), 0, 0, 0], 5 - 4),                                  # the ball is moving: {ball, moving}
        ([cos(3, 4, 4), cos(3, 4, 4), cos(2, 3, 3), cos(1, 2, 2)], 0),    # a red ball rolls right
        ([cos(3, 4, 5), cos(1, 4, 6), 0, 0], 5 - 7),                      # a small ball rolls to the left
    ]
    # v2: H = {blue, cube, grows} (3), 3 bigrams, 2 trigrams, 1 four-gram
    v2 = [
        ([cos(1, 3, 3), 0, 0, 0], 4 - 5),                                  # a cube is getting bigger: {cube, getting, bigger}
        ([cos(2, 3, 4), cos(2, 3, 4), cos(1, 2, 3), 0], 4 - 5),          # the blue cube gets bigger
        ([cos(3, 3, 4), cos(2, 3, 3), cos(1, 2, 2), 0], 0),              # blue cube grows now
    ]
    scores = []
    for references in (v1, v2):
        per_n = [sum(values[n] * g(delta) for values, delta in references) for n in range(max_n)]
        scores.append(10.0 * (sum(per_n) / max_n) / len(references))
    return sum(scores) / len(scores)
