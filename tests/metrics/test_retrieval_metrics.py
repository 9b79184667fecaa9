"""Retrieval metrics against hand-computed similarity matrices (CLIP4Clip protocol, tie-safe)."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from zoo.metrics.retrieval import (METRIC_NAMES, RetrievalMetrics, best_caption_similarity,
                                   rank_summary, retrieval_metrics)


def metrics_of(similarity, caption_to_video):
    values = retrieval_metrics(torch.tensor(similarity), torch.tensor(caption_to_video))
    return {k: float(v) for k, v in values.items()}


def expect(values, direction, r1, r5, r10, mdr, mnr):
    got = [values[f"{direction}_{k}"] for k in ("r1", "r5", "r10", "mdr", "mnr")]
    assert got == pytest.approx([r1, r5, r10, mdr, mnr], abs=1e-4)


def clip4clip_compute_metrics(x: np.ndarray) -> dict:
    """CLIP4Clip's ``compute_metrics`` restated (rows queries, ground truth on the diagonal)."""
    sx = np.sort(-x, axis=1)
    d = np.diag(-x)[:, None]
    ind = np.where(sx - d == 0)[1]
    return {"r1": 100 * float(np.sum(ind == 0)) / len(ind), "mdr": np.median(ind) + 1,
            "mnr": np.mean(ind) + 1}


def test_names_are_the_ten_metrics():
    assert len(METRIC_NAMES) == 10 == len(set(METRIC_NAMES))
    values = retrieval_metrics(torch.eye(3), torch.arange(3))
    assert set(values) == set(METRIC_NAMES)


def test_square_one_caption_per_video():
    similarity = [[0.9, 0.1, 0.3],
                  [0.8, 0.5, 0.2],
                  [0.1, 0.7, 0.4]]
    values = metrics_of(similarity, [0, 1, 2])
    # text->video ranks: row 0 -> 1; row 1 (0.8 > 0.5) -> 2; row 2 (0.7 > 0.4) -> 2
    expect(values, "t2v", 100 / 3, 100, 100, 2, 5 / 3)
    # video->text (columns): video 0 -> 1; video 1 (0.7 > 0.5) -> 2; video 2 -> 1
    expect(values, "v2t", 200 / 3, 100, 100, 1, 4 / 3)
    # without ties this is exactly CLIP4Clip's compute_metrics
    reference = clip4clip_compute_metrics(np.array(similarity))
    assert values["t2v_r1"] == pytest.approx(reference["r1"])
    assert values["t2v_mdr"] == reference["mdr"] and values["t2v_mnr"] == pytest.approx(reference["mnr"])


def test_recall_at_5_and_10_and_median_even_count():
    """12 videos, query i built to have ``ranks[i] - 1`` videos strictly above its own."""
    ranks = [1, 2, 5, 6, 10, 11, 12, 1, 3, 7, 4, 9]
    similarity = torch.zeros(12, 12)
    for query, rank in enumerate(ranks):
        similarity[query, query] = 0.5
        others = [v for v in range(12) if v != query][: rank - 1]
        similarity[query, others] = 1.0
    values = retrieval_metrics(similarity, torch.arange(12))
    # R@1: {1, 1} -> 2/12; R@5: {1,2,5,1,3,4} -> 6/12; R@10: all but 11, 12 -> 10/12
    # sorted ranks 1 1 2 3 4 5 | 6 7 9 10 11 12 -> median (5 + 6) / 2; mean 71 / 12
    expected = [100 * 2 / 12, 50.0, 100 * 10 / 12, 5.5, 71 / 12]
    assert [float(values[f"t2v_{k}"]) for k in ("r1", "r5", "r10", "mdr", "mnr")] == pytest.approx(expected)


@pytest.mark.parametrize("ranks, median", [([1, 2, 3, 10], 2.5), ([1, 7, 3], 3.0), ([4], 4.0)])
def test_median_rank_even_and_odd(ranks, median):
    summary = rank_summary(torch.tensor(ranks), "t2v")
    assert float(summary["t2v_mdr"]) == median == np.median(ranks)
    assert float(summary["t2v_mnr"]) == pytest.approx(np.mean(ranks))


def test_several_captions_per_video_video_to_text_uses_best_caption():
    # captions 0, 1 -> video 0; captions 2, 3 -> video 1
    similarity = [[0.2, 0.7],
                  [0.9, 0.6],
                  [0.3, 0.5],
                  [0.8, 0.1]]
    values = metrics_of(similarity, [0, 0, 1, 1])
    # every caption is a text->video query: ranks 2, 1, 1, 2
    expect(values, "t2v", 50, 100, 100, 1.5, 1.5)
    # video->text, best caption per video: video 0: own max(0.2, 0.9)=0.9 vs video 1's
    # max(0.3, 0.8)=0.8 -> 1; video 1: own max(0.5, 0.1)=0.5 vs video 0's max(0.7, 0.6)=0.7 -> 2.
    # (Ranked among all 4 captions, video 1's best (0.5) would be 3rd, behind 0.7 and 0.6.)
    expect(values, "v2t", 50, 100, 100, 1.5, 1.5)


def test_caption_order_does_not_matter():
    similarity = torch.tensor([[0.2, 0.7], [0.9, 0.6], [0.3, 0.5], [0.8, 0.1]])
    owners = torch.tensor([0, 0, 1, 1])
    order = torch.tensor([3, 0, 2, 1])
    assert retrieval_metrics(similarity, owners) == retrieval_metrics(similarity[order], owners[order])


def test_video_with_fewer_captions_padding_never_counts():
    """Videos with 3, 1 and 2 captions; all similarities negative, so a zero pad (instead of
    CLIP4Clip's -inf) would beat every real caption."""
    similarity = [[-0.1, -0.5, -0.6],  # caption of video 0
                  [-0.4, -0.2, -0.3],  # video 0
                  [-0.7, -0.8, -0.2],  # video 0
                  [-0.3, -0.6, -0.4],  # the only caption of video 1
                  [-0.5, -0.9, -0.3],  # video 2
                  [-0.6, -0.1, -0.2]]  # video 2
    owners = [0, 0, 0, 1, 2, 2]
    values = metrics_of(similarity, owners)
    # t2v ranks 1, 3, 2, 3, 1, 2
    expect(values, "t2v", 100 / 3, 100, 100, 2, 2)
    # best-caption rows: video 0 [-0.1, -0.3, -0.5] -> 1; video 1 [-0.2, -0.6, -0.1] -> 3;
    # video 2 [-0.2, -0.4, -0.2] -> 1 (tie with video 0 does not count)
    expect(values, "v2t", 200 / 3, 100, 100, 1, 5 / 3)
    # a zero-padded [videos, 3, videos] tensor would make video 0's row [-0.1, 0, -0.5]: rank 2

    # CLIP4Clip's padded layout: [videos, max_captions, videos] with -inf, max over captions, .T
    padded = torch.full((3, 3, 3), float("-inf"), dtype=torch.float64)
    slot = [0, 1, 2, 0, 0, 1]
    for row, (video, k) in enumerate(zip(owners, slot)):
        padded[video, k] = torch.tensor(similarity[row], dtype=torch.float64)
    clip4clip = padded.max(dim=1).values.t()
    ours = best_caption_similarity(torch.tensor(similarity, dtype=torch.float64), torch.tensor(owners))
    assert torch.equal(ours, clip4clip)


def test_ties_with_ground_truth_do_not_count_against_it():
    similarity = [[0.5, 0.5, 0.1],
                  [0.2, 0.6, 0.6],
                  [0.3, 0.3, 0.3]]
    values = metrics_of(similarity, [0, 1, 2])
    expect(values, "t2v", 100, 100, 100, 1, 1)
    # CLIP4Clip's np.where returns every tied position: ind = [0,1, 0,1, 0,1,2] (7 entries for
    # 3 queries) -> R@1 = 3/7, MdR = 2, MnR = 12/7.
    reference = clip4clip_compute_metrics(np.array(similarity))
    assert reference["r1"] == pytest.approx(300 / 7) and reference["mdr"] == 2
    assert reference["mnr"] == pytest.approx(12 / 7)
    assert values["t2v_r1"] != pytest.approx(reference["r1"])


def test_ties_above_ground_truth_all_count():
    values = metrics_of([[0.9, 0.9, 0.5],
                         [0.1, 0.8, 0.2],
                         [0.4, 0.4, 0.4]], [2, 1, 0])
    # ranks: 3 (two strictly above), 1, 1 (all tied)
    expect(values, "t2v", 200 / 3, 100, 100, 1, 5 / 3)
    # video v against the caption of each video w (rows 2, 1, 0): video 0 [0.4, 0.1, 0.9] -> 2;
    # video 1 [0.4, 0.8, 0.9] -> 2; video 2 [0.4, 0.2, 0.5] -> 1
    expect(values, "v2t", 100 / 3, 100, 100, 2, 5 / 3)


def test_all_perfect_and_all_worst():
    perfect = retrieval_metrics(torch.eye(12), torch.arange(12))
    for direction in ("t2v", "v2t"):
        expect({k: float(v) for k, v in perfect.items()}, direction, 100, 100, 100, 1, 1)
    worst = retrieval_metrics(1 - torch.eye(12), torch.arange(12))
    for direction in ("t2v", "v2t"):
        expect({k: float(v) for k, v in worst.items()}, direction, 0, 0, 0, 12, 12)


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="no caption"):
        retrieval_metrics(torch.rand(2, 3), torch.tensor([0, 2]))
    with pytest.raises(ValueError, match="outside"):
        retrieval_metrics(torch.rand(2, 2), torch.tensor([0, 2]))
    with pytest.raises(ValueError, match="NaN"):
        retrieval_metrics(torch.tensor([[float("nan"), 0.0], [0.0, 1.0]]), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match="N_text"):
        retrieval_metrics(torch.rand(3, 2), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match="integer"):
        retrieval_metrics(torch.rand(2, 2), torch.tensor([0.0, 1.0]))


def test_metric_accumulates_like_one_shot():
    generator = torch.Generator().manual_seed(0)
    metric = RetrievalMetrics()
    videos, texts, owners = [], [], []
    for caption_counts in ([1, 3, 2], [2, 2], [4, 1, 1, 3]):
        video = torch.randn(len(caption_counts), 8, generator=generator)
        owner = torch.repeat_interleave(torch.arange(len(caption_counts)), torch.tensor(caption_counts))
        order = torch.randperm(len(owner), generator=generator)  # captions in any order
        text = torch.randn(len(owner), 8, generator=generator)
        metric.update(video, text[order], owner[order])
        owners.append(owner + sum(len(v) for v in videos))
        videos.append(video)
        texts.append(text)
    similarity = F.normalize(torch.cat(texts), dim=-1) @ F.normalize(torch.cat(videos), dim=-1).t()
    expected = retrieval_metrics(similarity, torch.cat(owners))
    computed = metric.compute()
    assert computed.keys() == expected.keys()
    for key in expected:
        assert float(computed[key]) == pytest.approx(float(expected[key]), abs=1e-5), key
    metric.reset()
    metric.update(torch.eye(2), torch.eye(2), torch.tensor([0, 1]))
    assert float(metric.compute()["t2v_r1"]) == 100.0


def test_metric_rejects_mismatched_embeddings():
    metric = RetrievalMetrics()
    with pytest.raises(ValueError, match="dimension"):
        metric.update(torch.rand(2, 4), torch.rand(2, 3), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match="no caption"):
        metric.update(torch.rand(3, 4), torch.rand(2, 4), torch.tensor([0, 1]))
