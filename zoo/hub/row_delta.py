"""Row deltas: a fine-tuned pretrained matrix stored as the rows training changed.

A fine-tuned token-embedding table changes only in the rows of the tokens the training texts
contain: the other rows get zero gradients, AdamW turns a zero gradient into a zero update, and
zoo does not decay embeddings (``VideoTask.parameter_groups``). FROSTER's student trains its token
embedding (``zoo.paradigms.distill``), so without this a checkpoint would store the whole table:
49,408 × 512 = 25.3 M of ViT-B/16's 149.6 M parameters, 49,408 × 128 = 6.3 M of tiny's 9.1 M.

A pretrained entry of two or more dimensions (``model.backbone.*``, compared with the base
weights rebuilt from the backbone's id and tag) is stored as a row delta when at most half of its
rows (first dimension) differ bitwise:

- ``<key>@rows`` — the changed rows ``[K, ...]``, in the entry's dtype;
- ``<key>@row_index`` — their indices, int64 ``[K]``, strictly increasing.

``config.json`` lists the encoded keys with their ``K`` under ``weights.row_deltas``. Decoding
copies the base entry (whose sha256 the loader has already checked) and writes the stored rows
into it, so the loaded entry equals the trained one bit for bit. Anything inconsistent (a part
missing, an index out of range or repeated, a shape or dtype that does not fit) raises naming the
file and the key.
"""

from __future__ import annotations

from typing import Mapping

import torch

ROWS = "@rows"
ROW_INDEX = "@row_index"
MAX_CHANGED_FRACTION = 0.5  # above this a row delta saves less than half of the entry: store it whole


def changed_rows(trained: torch.Tensor, base: torch.Tensor) -> torch.Tensor:
    """int64 ``[K]``: the rows (first dimension) where ``trained`` differs from ``base`` bitwise
    (a NaN counts as changed)."""
    if trained.shape != base.shape:
        raise ValueError(f"shapes differ: {tuple(trained.shape)} vs {tuple(base.shape)}")
    different = (trained != base).reshape(trained.shape[0], -1).any(dim=1)
    return different.nonzero().flatten().to(torch.int64)


def encode_row_deltas(state: Mapping[str, torch.Tensor], base: Mapping[str, torch.Tensor]
                      ) -> tuple[dict[str, torch.Tensor], dict[str, int]]:
    """``state`` with every entry that has a same-shaped, same-dtype ``base`` entry of two or more
    dimensions and at most ``MAX_CHANGED_FRACTION`` of its rows changed replaced by its two row-delta
    parts; and ``{key: K}`` for the replaced entries."""
    out: dict[str, torch.Tensor] = {}
    encoded: dict[str, int] = {}
    for key, tensor in state.items():
        reference = base.get(key)
        if (reference is None or tensor.ndim < 2 or reference.shape != tensor.shape
                or reference.dtype != tensor.dtype):
            out[key] = tensor
            continue
        reference = reference.to(tensor.device)
        index = changed_rows(tensor.detach(), reference)
        if index.numel() > MAX_CHANGED_FRACTION * tensor.shape[0]:
            out[key] = tensor
            continue
        out[key + ROWS] = tensor.detach()[index].clone()
        out[key + ROW_INDEX] = index.cpu()
        encoded[key] = int(index.numel())
    return out, encoded


def is_row_index(key: str) -> bool:
    return key.endswith(ROW_INDEX)


def decode_row_deltas(stored: Mapping[str, torch.Tensor], base: Mapping[str, torch.Tensor],
                      row_deltas: Mapping[str, int], where: str) -> dict[str, torch.Tensor]:
    """The inverse of :func:`encode_row_deltas`: ``stored`` with each key of ``row_deltas``
    rebuilt from ``base`` and its two parts. ``where`` names the file in errors."""
    parts = {key for key in stored if key.endswith(ROWS) or key.endswith(ROW_INDEX)}
    expected = {key + suffix for key in row_deltas for suffix in (ROWS, ROW_INDEX)}
    if parts - expected:
        raise KeyError(f"{where}: row-delta entries {sorted(parts - expected)[:6]} are not listed in "
                       "config.json's weights.row_deltas; the folder is inconsistent: export it again")
    if expected - parts:
        raise KeyError(f"{where}: weights.row_deltas lists entries whose parts are missing from the "
                       f"file: {sorted(expected - parts)[:6]}; the folder is inconsistent: export it again")
    out = {key: tensor for key, tensor in stored.items() if key not in parts}
    for key, count in row_deltas.items():
        if key not in base:
            raise KeyError(f"{where}: weights.row_deltas names {key!r}, which the rebuilt model does not have")
        if key in out:
            raise KeyError(f"{where}: {key!r} is stored both whole and as a row delta")
        reference, rows, index = base[key], stored[key + ROWS], stored[key + ROW_INDEX]
        problem = None
        if index.dtype != torch.int64 or index.ndim != 1 or index.numel() != count:
            problem = (f"{key + ROW_INDEX} must be int64 [{count}] (weights.row_deltas), got "
                       f"{index.dtype} {list(index.shape)}")
        elif count and (index[0] < 0 or index[-1] >= reference.shape[0] or (index.diff() <= 0).any()):
            problem = (f"{key + ROW_INDEX} must be strictly increasing row numbers in "
                       f"[0, {reference.shape[0]})")
        elif rows.shape != (count, *reference.shape[1:]) or rows.dtype != reference.dtype:
            problem = (f"{key + ROWS} must be {reference.dtype} {[count, *reference.shape[1:]]} to fit "
                       f"{key} {list(reference.shape)}, got {rows.dtype} {list(rows.shape)}")
        if problem:
            raise ValueError(f"{where}: {problem}")
        decoded = reference.detach().clone()
        decoded[index] = rows.to(decoded.device)
        out[key] = decoded
    return out
