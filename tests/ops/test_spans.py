"""1-D span ops against hand-computed values, and against torchvision's box ops on spans lifted
to boxes (start, 0, end, 1)."""

import pytest
import torch
from torchvision.ops import box_iou, generalized_box_iou

from zoo.ops.spans import (check_spans, clamp_spans, cxw_to_xx, generalized_iou, paired_iou,
                           pairwise_iou, span_lengths, xx_to_cxw)


def test_xx_cxw_round_trip_by_hand():
    spans = torch.tensor([[0.0, 1.0], [0.2, 0.4], [3.0, 3.0]])
    # centres (0 + 1)/2 = 0.5, (0.2 + 0.4)/2 = 0.3, 3; widths 1, 0.2, 0
    assert torch.allclose(xx_to_cxw(spans), torch.tensor([[0.5, 1.0], [0.3, 0.2], [3.0, 0.0]]))
    assert torch.allclose(cxw_to_xx(xx_to_cxw(spans)), spans)
    assert span_lengths(spans).tolist() == pytest.approx([1.0, 0.2, 0.0])


def test_normalised_cxw_with_durations():
    """[B=2, N=2, 2] windows in seconds, durations [B, 1] = 150 and 30:
    (30, 60) in 150 s -> centre 45/150 = 0.3, width 30/150 = 0.2; (0, 150) -> (0.5, 1);
    (6, 12) in 30 s -> (9/30, 6/30) = (0.3, 0.2); (15, 15) -> (0.5, 0)."""
    spans = torch.tensor([[[30.0, 60.0], [0.0, 150.0]], [[6.0, 12.0], [15.0, 15.0]]])
    duration = torch.tensor([[150.0], [30.0]])
    cxw = xx_to_cxw(spans, duration)
    assert torch.allclose(cxw, torch.tensor([[[0.3, 0.2], [0.5, 1.0]], [[0.3, 0.2], [0.5, 0.0]]]))
    assert torch.allclose(cxw_to_xx(cxw, duration), spans)
    assert torch.allclose(xx_to_cxw(torch.tensor([10.0, 20.0]), 100.0), torch.tensor([0.15, 0.1]))


def test_pairwise_iou_by_hand():
    """Moment-DETR's doctest pair plus edge cases.
    (0, 0.2) vs (0, 0.3): inter 0.2, union 0.3 -> 2/3; vs (0, 1): 0.2 / 1.
    (0.5, 1) vs (0, 0.3): disjoint -> 0; vs (0, 1): 0.5 / 1.
    zero-length (0.5, 0.5) vs (0, 1): inter 0, union 1 -> 0; vs itself: union 0 -> 0 (not NaN).
    touching (1, 2) vs (0, 1): inter 0 -> 0."""
    a = torch.tensor([[0.0, 0.2], [0.5, 1.0], [0.5, 0.5], [1.0, 2.0]])
    b = torch.tensor([[0.0, 0.3], [0.0, 1.0], [0.5, 0.5]])
    expected = torch.tensor([[2 / 3, 0.2, 0.0],
                             [0.0, 0.5, 0.0],
                             [0.0, 0.0, 0.0],
                             [0.0, 0.0, 0.0]])
    iou = pairwise_iou(a, b)
    assert iou.shape == (4, 3)
    assert torch.allclose(iou, expected)
    assert not torch.isnan(iou).any()
    assert torch.allclose(paired_iou(a[:2], b[:2]), torch.tensor([2 / 3, 0.5]))


def test_generalized_iou_by_hand():
    """GIoU = IoU - (hull - union) / hull.
    (0, 0.2) vs (0, 0.3): hull 0.3 = union -> 2/3.  (0.5, 1) vs (0, 0.3): IoU 0, union 0.8,
    hull 1 -> -(0.2) = -0.2.  Disjoint far apart (0, 1) vs (9, 10): union 2, hull 10 -> -0.8.
    Zero-length (0.5, 0.5) vs (0, 1): IoU 0, union 1, hull 1 -> 0; vs itself: hull 0 -> 0."""
    a = torch.tensor([[0.0, 0.2], [0.5, 1.0], [0.0, 1.0], [0.5, 0.5]])
    b = torch.tensor([[0.0, 0.3], [9.0, 10.0], [0.0, 1.0], [0.5, 0.5]])
    giou = generalized_iou(a, b)
    assert giou[0, 0] == pytest.approx(2 / 3)
    assert giou[1, 0] == pytest.approx(-0.2)
    assert giou[2, 1] == pytest.approx(0 - (10 - 2) / 10)  # IoU 0 -> -0.8
    assert giou[3, 2] == pytest.approx(0.0) and giou[3, 3] == 0.0
    assert giou[2, 2] == pytest.approx(1.0)
    assert (giou >= -1).all() and (giou <= 1).all()


def test_generalized_iou_is_differentiable():
    a = torch.tensor([[0.1, 0.4]], requires_grad=True)
    loss = (1 - generalized_iou(a, torch.tensor([[0.2, 0.6]]))).sum()
    loss.backward()
    assert a.grad is not None and torch.isfinite(a.grad).all() and a.grad.abs().sum() > 0


def test_agrees_with_torchvision_box_ops_on_lifted_spans():
    generator = torch.Generator().manual_seed(0)
    starts = torch.rand(40, generator=generator, dtype=torch.float64) * 100
    spans = torch.stack([starts, starts + torch.rand(40, generator=generator, dtype=torch.float64) * 40], -1)
    spans[::7, 1] = spans[::7, 0]  # some zero-length spans
    a, b = spans[:25], spans[15:]

    def boxes(s):
        return torch.stack([s[:, 0], torch.zeros_like(s[:, 0]), s[:, 1], torch.ones_like(s[:, 0])], -1)

    reference_iou = box_iou(boxes(a), boxes(b))
    defined = ~torch.isnan(reference_iou)  # torchvision gives NaN for two identical zero-length spans
    assert torch.allclose(pairwise_iou(a, b)[defined], reference_iou[defined], atol=1e-12)
    reference_giou = generalized_box_iou(boxes(a), boxes(b))
    defined = ~torch.isnan(reference_giou)
    assert torch.allclose(generalized_iou(a, b)[defined], reference_giou[defined], atol=1e-12)


def test_clamp_spans_by_hand():
    """In a 150 s video: (-5, 20) -> (0, 20); partly outside (140, 160) -> (140, 150);
    fully outside (160, 170) -> (150, 150), zero-length at the border; inside unchanged."""
    spans = torch.tensor([[-5.0, 20.0], [140.0, 160.0], [160.0, 170.0], [10.0, 30.0]])
    expected = torch.tensor([[0.0, 20.0], [140.0, 150.0], [150.0, 150.0], [10.0, 30.0]])
    assert torch.equal(clamp_spans(spans, 150.0), expected)
    # per-video durations broadcast over [B, N]: [2, 2, 2] with durations [2, 1] = 25 and 150
    batched = torch.tensor([[[-5.0, 20.0], [20.0, 40.0]], [[140.0, 160.0], [10.0, 30.0]]])
    clamped = clamp_spans(batched, torch.tensor([[25.0], [150.0]]))
    assert torch.equal(clamped, torch.tensor([[[0.0, 20.0], [20.0, 25.0]], [[140.0, 150.0], [10.0, 30.0]]]))


def test_bad_spans_raise():
    with pytest.raises(ValueError, match=r"\[\.\.\., 2\]"):
        pairwise_iou(torch.rand(3, 3), torch.rand(2, 2))
    with pytest.raises(ValueError, match="end < start"):
        pairwise_iou(torch.tensor([[2.0, 1.0]]), torch.tensor([[0.0, 1.0]]))
    with pytest.raises(ValueError, match="NaN"):
        generalized_iou(torch.tensor([[0.0, float("nan")]]), torch.tensor([[0.0, 1.0]]))
    with pytest.raises(ValueError, match=r"\[N, 2\]"):
        pairwise_iou(torch.rand(2, 3, 2), torch.rand(2, 2))
    with pytest.raises(ValueError, match="floating"):
        check_spans(torch.tensor([[0, 1]]))
    with pytest.raises(ValueError, match="negative width"):
        cxw_to_xx(torch.tensor([[0.5, -0.1]]))
    with pytest.raises(ValueError, match="non-negative"):
        clamp_spans(torch.tensor([[0.0, 1.0]]), -1.0)
    with pytest.raises(TypeError, match="tensor"):
        check_spans([[0.0, 1.0]])
