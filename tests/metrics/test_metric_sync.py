"""Every tensor-state zoo metric synchronised across two (simulated) processes equals one metric
fed all the data, and every process issues the same collectives however many batches it saw.

torchmetrics gathers each state with ``dist_sync_fn(tensor, group=...)`` and then applies the
state's ``dist_reduce_fx``. Here the two ranks are simulated in one process: each rank's metric is
synchronised once with a recording gather (what it would send), then rank 0's metric is
synchronised with a gather that returns both ranks' tensors in rank order. A list state without
``dist_reduce_fx="cat"`` is gathered element by element, so a rank that saw three batches would
issue three all-gathers where a rank that saw one issues one: a real DDP run hangs (or pairs the
wrong tensors). The ranks below see 3 and 1 batches on purpose.

(The caption metrics and TETA gather Python objects with ``all_gather_object``; the real
two-process runs of ``tests/test_ddp.py`` cover them.)
"""

from __future__ import annotations

from typing import Any, Callable

import pytest
import torch

from zoo.metrics.detection import FrameDetectionAP
from zoo.metrics.moments import HighlightMetrics, MomentMAP, MomentRecall
from zoo.metrics.retrieval import RetrievalMetrics
from zoo.metrics.tubes import SpatioTemporalGrounding


def _retrieval(g: torch.Generator) -> tuple:
    videos = torch.randn(2, 8, generator=g)
    texts = videos[torch.tensor([0, 0, 1])] + 0.8 * torch.randn(3, 8, generator=g)
    return videos, texts, torch.tensor([1, 0, 0])[torch.tensor([1, 2, 0])]


def _boxes(g: torch.Generator, n: int) -> torch.Tensor:
    corner = torch.rand(n, 2, generator=g) * 40
    return torch.cat([corner, corner + 5 + torch.rand(n, 2, generator=g) * 20], dim=1)


def _detection(g: torch.Generator) -> tuple:
    preds, target = [], []
    for _ in range(2):
        gt = _boxes(g, 3)
        pred = torch.cat([gt[:2] + torch.rand(2, 4, generator=g) * 4, _boxes(g, 2)])
        preds.append({"boxes": pred, "scores": torch.rand(4, generator=g),
                      "labels": torch.randint(0, 3, (4,), generator=g)})
        target.append({"boxes": gt, "labels": torch.randint(0, 3, (3,), generator=g)})
    return preds, target


def _windows(g: torch.Generator, n: int) -> torch.Tensor:
    start = torch.rand(n, generator=g) * 20
    return torch.stack([start, start + 1 + torch.rand(n, generator=g) * 10], dim=1)


_QUERY_ID = iter(range(10 ** 6))


def _moments(g: torch.Generator) -> tuple:
    preds = [_windows(g, 5) for _ in range(2)]
    return (preds, [_windows(g, 2) for _ in range(2)], [torch.rand(5, generator=g) for _ in range(2)],
            [next(_QUERY_ID), next(_QUERY_ID)])


def _highlights(g: torch.Generator) -> tuple:
    return ([torch.rand(6, generator=g) for _ in range(2)],
            [torch.randint(0, 5, (6, 3), generator=g).float() for _ in range(2)])


def _tubes(g: torch.Generator) -> tuple:
    start = torch.randint(0, 4, (2, 1), generator=g).float()
    pred_segments = torch.cat([start, start + 3], dim=1)
    gt_segments = torch.tensor([[1.0, 5.0], [0.0, 4.0]])
    gt_boxes = _boxes(g, 12).reshape(2, 6, 4)
    pred_boxes = gt_boxes + torch.rand(2, 6, 4, generator=g) * 6
    return pred_segments, pred_boxes, gt_segments, gt_boxes


CASES: dict[str, tuple[Callable[..., Any], Callable[[torch.Generator], tuple]]] = {
    "retrieval": (RetrievalMetrics, _retrieval),
    "detection": (lambda **kw: FrameDetectionAP(per_class=True, **kw), _detection),
    "moment_recall": (MomentRecall, _moments),
    "moment_map": (MomentMAP, _moments),
    "highlights": (HighlightMetrics, _highlights),
    "stvg": (SpatioTemporalGrounding, _tubes),
}


def _fed(make: Callable[..., Any], batches: list[tuple], **kwargs: Any):
    metric = make(**kwargs)
    for batch in batches:
        metric.update(*batch)
    return metric


def _values(out: dict) -> dict:
    return {key: float(value) for key, value in out.items()}


@pytest.mark.parametrize("name", sorted(CASES))
def test_two_ranks_equal_one_process(name):
    make, data = CASES[name]
    g = torch.Generator().manual_seed(7)
    ranks = [[data(g) for _ in range(3)], [data(g) for _ in range(1)]]

    sent: list[list[torch.Tensor]] = []
    for batches in ranks:
        record: list[torch.Tensor] = []

        def recording(tensor, group=None, record=record):
            record.append(tensor.clone())
            return [tensor, tensor]

        _fed(make, batches, dist_sync_fn=recording, distributed_available_fn=lambda: True).compute()
        sent.append(record)
    assert len(sent[0]) == len(sent[1]) > 0, (
        f"{name}: rank 0 (3 batches) issues {len(sent[0])} all-gathers, rank 1 (1 batch) "
        f"{len(sent[1])}: a list state is gathered element by element (no dist_reduce_fx='cat')")

    calls = iter(range(len(sent[0])))

    def gather(tensor, group=None):
        index = next(calls)
        assert torch.equal(tensor, sent[0][index])
        return [sent[0][index], sent[1][index]]

    synced = _fed(make, ranks[0], dist_sync_fn=gather, distributed_available_fn=lambda: True).compute()
    whole = _fed(make, ranks[0] + ranks[1]).compute()
    assert _values(synced) == pytest.approx(_values(whole), abs=1e-9)
    alone = _fed(make, ranks[0]).compute()
    assert _values(alone) != pytest.approx(_values(whole), abs=1e-9), "the second rank's data must matter"
