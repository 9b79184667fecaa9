"""Greedy decoding and beam search on hand-built next-token tables."""

import itertools
import math

import pytest
import torch

from zoo.tasks.layers.decoding import beam_search, greedy_decode

START, A, B, END = 0, 1, 2, 3  # a four-token vocabulary


def table_step(table: dict, calls: list = None):
    """A step function reading next-token probabilities from ``{prefix tuple: {token: p}}``
    (the prefix without the start token); unlisted tokens get probability 0."""
    def step(prefix, rows):
        out = torch.full((prefix.shape[0], 4), float("-inf"))
        for i, row in enumerate(prefix.tolist()):
            if calls is not None:
                calls.append(tuple(row[1:]))
            for token, p in table.get(tuple(row[1:]), {}).items():
                out[i, token] = math.log(p)
        return out
    return step


# Greedy takes A (0.6) then END (0.4): p = 0.24. The best sequence is B END: 0.4 * 0.9 = 0.36.
TRAP = {(): {A: 0.6, B: 0.4}, (A,): {A: 0.3, B: 0.3, END: 0.4}, (B,): {END: 0.9, A: 0.05, B: 0.05},
        (A, A): {END: 1.0}, (A, B): {END: 1.0}, (B, A): {END: 1.0}, (B, B): {END: 1.0}}


def test_greedy_is_suboptimal_and_beam_search_finds_the_best_sequence():
    kwargs = dict(batch_size=1, start_id=START, end_id=END, max_length=4)
    assert greedy_decode(table_step(TRAP), **kwargs) == [[A]]
    (sequence, score), = beam_search(table_step(TRAP), beam_size=2, length_penalty=0.0, **kwargs)
    assert sequence == [B]
    assert score == pytest.approx(math.log(0.36), rel=1e-6)


def test_beam_size_one_is_greedy():
    kwargs = dict(batch_size=1, start_id=START, end_id=END, max_length=4)
    (sequence, score), = beam_search(table_step(TRAP), beam_size=1, length_penalty=0.0, **kwargs)
    assert [sequence] == greedy_decode(table_step(TRAP), **kwargs) == [[A]]
    assert score == pytest.approx(math.log(0.24), rel=1e-6)


def random_step(seed: int, vocab: int = 4):
    """Prefix-dependent random distributions (deterministic in the prefix and the row)."""
    def step(prefix, rows):
        out = []
        for row, video in zip(prefix.tolist(), rows.tolist()):
            generator = torch.Generator().manual_seed(hash((seed, video, tuple(row))) % 2**31)
            out.append(torch.randn(vocab, generator=generator) * 2)
        return torch.stack(out).log_softmax(-1)
    return step


def brute_force(step, video: int, max_length: int, length_penalty: float):
    """Score every sequence of A/B tokens of length <= max_length followed by END."""
    best = (float("-inf"), None)
    for length in range(max_length + 1):
        for body in itertools.product((A, B), repeat=length):
            tokens = [START, *body, END]
            total = 0.0
            for i in range(1, len(tokens)):
                log_probs = step(torch.tensor([tokens[:i]]), torch.tensor([video]))[0].clone()
                log_probs[START] = float("-inf")
                if i - 1 == max_length:  # only END is allowed once max_length tokens exist
                    log_probs[[A, B]] = float("-inf")
                total += float(log_probs[tokens[i]])
            best = max(best, (total / (len(body) + 1) ** length_penalty, list(body)))
    return best


@pytest.mark.parametrize("length_penalty", [0.0, 1.0])
def test_exhaustive_beam_equals_brute_force(length_penalty):
    """With a beam wider than the number of sequences (2 + 4 + 8 alive prefixes at most), beam
    search is exhaustive: it must return the best length-normalised sequence of every video."""
    step = random_step(seed=3)
    results = beam_search(step, batch_size=3, start_id=START, end_id=END, max_length=3,
                          beam_size=16, length_penalty=length_penalty, banned=(START,))
    for video, (sequence, score) in enumerate(results):
        best_score, best_sequence = brute_force(step, video, 3, length_penalty)
        assert sequence == best_sequence
        assert score == pytest.approx(best_score, rel=1e-5)


def test_batched_videos_are_independent():
    step = random_step(seed=5)
    together = beam_search(step, batch_size=3, start_id=START, end_id=END, max_length=5, beam_size=2,
                           banned=(START,))
    rows_greedy = greedy_decode(step, batch_size=3, start_id=START, end_id=END, max_length=5, banned=(START,))
    for video in range(3):
        def alone(prefix, rows, video=video):
            return step(prefix, torch.full_like(rows, video))
        assert beam_search(alone, batch_size=1, start_id=START, end_id=END, max_length=5, beam_size=2,
                           banned=(START,))[0] == together[video]
        assert greedy_decode(alone, batch_size=1, start_id=START, end_id=END, max_length=5,
                             banned=(START,))[0] == rows_greedy[video]


def test_generation_stops_at_the_end_token():
    calls = []
    table = {(): {A: 1.0}, (A,): {END: 0.9, B: 0.1}, (A, END): {B: 1.0}}
    assert greedy_decode(table_step(table, calls), 1, START, END, max_length=10) == [[A]]
    assert calls == [(), (A,)]  # nothing is asked after the end token
    assert beam_search(table_step(table), 1, START, END, max_length=10, beam_size=2)[0][0] == [A]


def test_max_length_forces_the_end_token():
    forever = {(): {A: 1.0}, (A,): {A: 0.9, END: 0.1}, (A, A): {A: 0.9, END: 0.1}, (A, A, A): {A: 0.9, END: 0.1}}
    assert greedy_decode(table_step(forever), 1, START, END, max_length=3) == [[A, A, A]]
    (sequence, score), = beam_search(table_step(forever), 1, START, END, max_length=3, beam_size=1,
                                     length_penalty=0.0)
    assert sequence == [A, A, A] and score == pytest.approx(math.log(0.9 * 0.9 * 0.1), rel=1e-6)


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="beam_size must be positive"):
        beam_search(table_step(TRAP), 1, START, END, max_length=2, beam_size=0)
    with pytest.raises(ValueError, match="start and end token ids must differ"):
        greedy_decode(table_step(TRAP), 1, END, END, max_length=2)
