"""Autoregressive decoding — greedy and beam search — over any next-token scorer.

Both decoders drive a *step function* ``step(prefix, rows) -> log_probs``:

- ``prefix`` long ``[M, l]``: M partial sequences, each starting with the start token;
- ``rows`` long ``[M]``: which of the ``batch_size`` inputs (videos) each prefix belongs to, so the
  step function can pick that input's conditioning (e.g. ``memory[rows]``);
- returns float ``[M, V]``: log-probabilities of the next token.

Conventions shared by both:

- ``max_length`` bounds the number of generated tokens *before* the end token. At that point
  only the end token is allowed, so every sequence ends with it and its probability is scored;
  the step function therefore sees prefixes of up to ``max_length + 1`` tokens.
- ``banned`` token ids (e.g. the start token) are never generated.
- Results are lists of token ids without the start and end tokens.

Beam search keeps ``beam_size`` unfinished hypotheses per input. At each step the best
``2 * beam_size`` extensions (by summed log-probability) are scanned in order: those ending with
the end token become finished hypotheses, the others refill the beam until it holds
``beam_size``. An input stops once it has ``beam_size`` finished hypotheses (fairseq's rule) or
reaches ``max_length``. The answer is the finished hypothesis with the highest length-normalised
score ``sum log p / length ** length_penalty`` (length counts the end token;
``length_penalty = 0`` ranks by the plain sum). With ``beam_size = 1`` this is greedy decoding.
"""

from __future__ import annotations

from typing import Callable, Sequence

import torch

StepFunction = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def _restrict(log_probs: torch.Tensor, step: int, max_length: int, end_id: int,
              banned: Sequence[int]) -> torch.Tensor:
    """Forbid ``banned`` tokens; at ``step == max_length`` forbid all but the end token."""
    log_probs = log_probs.clone()
    if step >= max_length:
        end = log_probs[:, end_id].clone()
        log_probs.fill_(float("-inf"))
        log_probs[:, end_id] = end
    elif banned:
        log_probs[:, list(banned)] = float("-inf")
    return log_probs


def _check(batch_size: int, max_length: int, vocab_ids: Sequence[int]) -> None:
    if batch_size < 1:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    if max_length < 0:
        raise ValueError(f"max_length must be >= 0, got {max_length}")
    if len(set(vocab_ids)) != len(vocab_ids):
        raise ValueError(f"start and end token ids must differ, got {vocab_ids}")


@torch.no_grad()
def greedy_decode(step: StepFunction, batch_size: int, start_id: int, end_id: int,
                  max_length: int, device: torch.device | str = "cpu",
                  banned: Sequence[int] = ()) -> list[list[int]]:
    """The arg-max token at every step until the end token (see the module docstring)."""
    _check(batch_size, max_length, (start_id, end_id))
    tokens = torch.full((batch_size, 1), start_id, dtype=torch.long, device=device)
    rows = torch.arange(batch_size, device=device)
    alive = torch.ones(batch_size, dtype=torch.bool, device=device)
    for position in range(max_length + 1):
        next_token = torch.full((batch_size,), end_id, dtype=torch.long, device=device)
        log_probs = _restrict(step(tokens[alive], rows[alive]), position, max_length, end_id, banned)
        next_token[alive] = log_probs.argmax(dim=-1)
        tokens = torch.cat([tokens, next_token[:, None]], dim=1)
        alive &= next_token != end_id
        if not alive.any():
            break
    results = []
    for row in tokens[:, 1:].tolist():
        results.append(row[:row.index(end_id)] if end_id in row else row)
    return results


@torch.no_grad()
def beam_search(step: StepFunction, batch_size: int, start_id: int, end_id: int,
                max_length: int, beam_size: int, length_penalty: float = 1.0,
                device: torch.device | str = "cpu", banned: Sequence[int] = ()
                ) -> list[tuple[list[int], float]]:
    """Best hypothesis per input and its length-normalised score (see the module docstring)."""
    _check(batch_size, max_length, (start_id, end_id))
    if beam_size < 1:
        raise ValueError(f"beam_size must be positive, got {beam_size}")
    if length_penalty < 0:
        raise ValueError(f"length_penalty must be >= 0, got {length_penalty}")
    # Unfinished hypotheses: tokens [B, K, l] and summed log-probabilities [B, K] (-inf = empty slot).
    tokens = torch.full((batch_size, 1, 1), start_id, dtype=torch.long, device=device)
    scores = torch.zeros(batch_size, 1, device=device)
    finished: list[list[tuple[float, list[int]]]] = [[] for _ in range(batch_size)]
    done = [False] * batch_size
    for position in range(max_length + 1):
        beams = tokens.shape[1]
        rows = torch.arange(batch_size, device=device).repeat_interleave(beams)
        log_probs = _restrict(step(tokens.flatten(0, 1), rows), position, max_length, end_id, banned)
        vocab = log_probs.shape[-1]
        candidates = (scores[:, :, None] + log_probs.view(batch_size, beams, vocab)).flatten(1)
        top_scores, top_index = candidates.topk(min(2 * beam_size, candidates.shape[1]), dim=1)
        next_tokens, next_scores = [], []
        for b in range(batch_size):
            kept: list[tuple[int, int, float]] = []
            if not done[b]:
                for score, index in zip(top_scores[b].tolist(), top_index[b].tolist()):
                    if score == float("-inf") or len(kept) == beam_size:
                        break
                    beam, token = divmod(index, vocab)
                    if token == end_id:
                        length = position + 1
                        finished[b].append((score / length ** length_penalty,
                                            tokens[b, beam, 1:].tolist()))
                    else:
                        kept.append((beam, token, score))
                done[b] = len(finished[b]) >= beam_size or not kept
            if not kept:  # finished input: carry an empty slot so shapes stay rectangular
                kept = [(0, end_id, float("-inf"))]
            kept += [kept[-1][:2] + (float("-inf"),)] * (beam_size - len(kept))
            next_tokens.append(torch.stack([torch.cat([tokens[b, beam], tokens.new_tensor([token])])
                                            for beam, token, _ in kept]))
            next_scores.append([score for _, _, score in kept])
        if all(done):
            break
        tokens = torch.stack(next_tokens)
        scores = torch.tensor(next_scores, device=device, dtype=scores.dtype)
    best = []
    for b, hypotheses in enumerate(finished):
        if not hypotheses:
            raise RuntimeError(f"beam search found no finite-probability sequence for input {b}")
        score, sequence = max(hypotheses, key=lambda h: h[0])
        best.append((sequence, score))
    return best
