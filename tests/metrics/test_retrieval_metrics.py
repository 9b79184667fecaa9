"""Retrieval metrics against hand-computed similarity matrices (CLIP4Clip protocol; ties as the
expectation under random tie-breaking)."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from zoo.metrics.retrieval import (METRIC_NAMES, RetrievalMetrics, best_caption_similarity, check_caption_to_video,
                                   expected_ranks, median_rank, rank_counts, rank_summary,
                                   recall_probability, retrieval_metrics)


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


@pytest.mark.parametrize("ranks, mean_rule, lower_rule",
                         [([1, 2, 3, 10], 2.5, 2.0), ([1, 7, 3], 3.0, 3.0), ([4], 4.0, 4.0)])
def test_median_rank_even_and_odd(ranks, mean_rule, lower_rule):
    """Without ties (tied = 0) a query's rank is 1 + higher. Even count: np.median averages the
    middle pair (2 + 3) / 2; torch.median takes the lower one, 2. Odd count: both take the middle."""
    higher = torch.tensor(ranks) - 1
    tied = torch.zeros_like(higher)
    mean_summary = rank_summary(higher, tied, "t2v")
    assert float(mean_summary["t2v_mdr"]) == mean_rule == np.median(ranks)
    assert float(mean_summary["t2v_mnr"]) == pytest.approx(np.mean(ranks))
    lower_summary = rank_summary(higher, tied, "t2v", median="lower")
    assert float(lower_summary["t2v_mdr"]) == lower_rule == float(torch.median(torch.tensor(ranks)))
    with pytest.raises(ValueError, match="median must be one of"):
        median_rank(torch.tensor([1.0, 2.0]), "upper")


def test_several_captions_per_video_video_to_text_uses_best_caption():
    # captions 0, 1 -> video 0; captions 2, 3 -> video 1
    similarity = [[0.2, 0.7],
                  [0.9, 0.6],
                  [0.3, 0.5],
                  [0.8, 0.1]]
    values = metrics_of(similarity, [0, 0, 1, 1])
    # every caption is a text->video query: ranks 2, 1, 1, 2; several captions per video, so MdR
    # is CLIP4Clip's torch.median: sorted 1 1 | 2 2 -> the lower middle, 1 (np.median: 1.5)
    expect(values, "t2v", 50, 100, 100, 1, 1.5)
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
    # video 2 [-0.2, -0.4, -0.2]: tied with video 0 -> rank 1 or 2, expected 1.5, P(rank 1) = 1/2
    # R@1 = (1 + 0 + 1/2) / 3 = 50 %; MdR of 1, 1.5, 3 = 1.5; MnR = 5.5 / 3
    expect(values, "v2t", 50, 100, 100, 1.5, 5.5 / 3)
    # a zero-padded [videos, 3, videos] tensor would make video 0's row [-0.1, 0, -0.5]: rank 2

    # CLIP4Clip's padded layout: [videos, max_captions, videos] with -inf, max over captions, .T
    padded = torch.full((3, 3, 3), float("-inf"), dtype=torch.float64)
    slot = [0, 1, 2, 0, 0, 1]
    for row, (video, k) in enumerate(zip(owners, slot)):
        padded[video, k] = torch.tensor(similarity[row], dtype=torch.float64)
    clip4clip = padded.max(dim=1).values.t()
    ours = best_caption_similarity(torch.tensor(similarity, dtype=torch.float64), torch.tensor(owners))
    assert torch.equal(ours, clip4clip)


def test_ties_with_ground_truth_count_half():
    similarity = [[0.5, 0.5, 0.1],
                  [0.2, 0.6, 0.6],
                  [0.3, 0.3, 0.3]]
    values = metrics_of(similarity, [0, 1, 2])
    # t2v: row 0 higher 0, tied 1 -> rank 1 or 2: expected 1.5, P(rank <= 1) = 1/2; row 1 the
    # same; row 2 tied 2 -> rank 1, 2 or 3: expected 2, P(rank <= 1) = 1/3.
    # R@1 = 100 (1/2 + 1/2 + 1/3) / 3 = 400/9; MdR of 1.5 1.5 2 = 1.5; MnR = 5/3
    expect(values, "t2v", 400 / 9, 100, 100, 1.5, 5 / 3)
    # v2t = the columns: video 0 [0.5, 0.2, 0.3] -> 1; video 1 [0.5, 0.6, 0.3] -> 1;
    # video 2 [0.1, 0.6, 0.3] -> 2 (no ties with the ground truth)
    expect(values, "v2t", 200 / 3, 100, 100, 1, 4 / 3)
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
    # ranks: 3 (two strictly above), 1, and row 2 all tied: expected 2, P(rank 1) = 1/3
    # R@1 = 100 (0 + 1 + 1/3) / 3 = 400/9; MdR of 1 2 3 = 2; MnR = 6/3 = 2
    expect(values, "t2v", 400 / 9, 100, 100, 2, 2)
    # video v against the caption of each video w (rows 2, 1, 0): video 0 [0.4, 0.1, 0.9] -> 2;
    # video 1 [0.4, 0.8, 0.9] -> 2; video 2 [0.4, 0.2, 0.5] -> 1
    expect(values, "v2t", 100 / 3, 100, 100, 2, 5 / 3)


def test_partial_top_k_probability_by_hand():
    """One query over 12 videos: 3 videos above its own, 4 others tied with it, 4 below.
    Its rank is uniform on 4..8: expected 6; P(<= 1) = 0; P(<= 5) = |{4, 5}| / 5 = 2/5;
    P(<= 10) = 1."""
    row = torch.tensor([[0.5, 0.9, 0.9, 0.9, 0.5, 0.5, 0.5, 0.5, 0.1, 0.1, 0.1, 0.1]])
    higher, tied = rank_counts(row, torch.tensor([0]))
    assert higher.tolist() == [3] and tied.tolist() == [4]
    assert expected_ranks(higher, tied).tolist() == [6.0]
    assert [float(recall_probability(higher, tied, k)) for k in (1, 3, 4, 5, 8, 10)] == \
        pytest.approx([0, 0, 1 / 5, 2 / 5, 1, 1])
    summary = rank_summary(higher, tied, "t2v")
    assert [float(summary[f"t2v_{k}"]) for k in ("r1", "r5", "r10", "mdr", "mnr")] == \
        pytest.approx([0, 40, 100, 6, 6])


@pytest.mark.parametrize("num_videos", [1, 2, 7, 12, 30])
@pytest.mark.parametrize("captions_per_video", [1, 3])
def test_collapsed_model_scores_chance(num_videos, captions_per_video):
    """All similarities equal: every query's rank is uniform on 1..N, so R@K = 100 min(K, N) / N,
    MdR = MnR = (N + 1) / 2 in both directions (and whatever the median rule)."""
    owners = torch.arange(num_videos).repeat_interleave(captions_per_video)
    values = retrieval_metrics(torch.full((len(owners), num_videos), 0.3), owners)
    chance = [100 * min(k, num_videos) / num_videos for k in (1, 5, 10)]
    for direction in ("t2v", "v2t"):
        expect({k: float(v) for k, v in values.items()}, direction, *chance,
               (num_videos + 1) / 2, (num_videos + 1) / 2)


def test_collapsed_encoder_through_the_metric_scores_chance():
    """Identical video embeddings (a collapsed encoder): every similarity of a caption row is the
    same number, so R@1 = 100/7 exactly. (A plain fp32 matmul gave unequal entries here.)"""
    generator = torch.Generator().manual_seed(3)
    metric = RetrievalMetrics()
    video = torch.randn(1, 16, generator=generator).repeat(7, 1)
    metric.update(video, torch.randn(7, 16, generator=generator), torch.arange(7))
    values = {k: float(v) for k, v in metric.compute().items()}
    for direction in ("t2v", "v2t"):
        expect(values, direction, 100 / 7, 500 / 7, 100, 4, 4)


def test_half_integer_expected_ranks_and_the_median_rules():
    """Expected ranks 1, 2.5, 3, 4 (higher/tied = 0/0, 1/1, 2/0, 3/0): lower middle 2.5,
    middle-pair mean (2.5 + 3) / 2 = 2.75."""
    higher, tied = torch.tensor([0, 1, 2, 3]), torch.tensor([0, 1, 0, 0])
    assert expected_ranks(higher, tied).tolist() == [1.0, 2.5, 3.0, 4.0]
    assert float(rank_summary(higher, tied, "t2v", median="lower")["t2v_mdr"]) == 2.5
    assert float(rank_summary(higher, tied, "t2v", median="mean")["t2v_mdr"]) == 2.75


def random_tie_break_average(similarity, target, trials, generator):
    """Independent route: break ties by a random priority per item and trial, rank = 1 +
    #{scores higher, or equal with a higher priority}; average R@1/5/10 and MnR over trials."""
    truth = similarity.gather(1, target[:, None])
    priority = torch.rand((trials, *similarity.shape), generator=generator, dtype=torch.float64)
    truth_priority = priority.gather(2, target[None, :, None].expand(trials, -1, 1))
    ahead = (similarity > truth) | ((similarity == truth) & (priority > truth_priority))
    ranks = 1 + ahead.sum(dim=2).double()  # [trials, Q]
    return [100 * float((ranks <= k).double().mean()) for k in (1, 5, 10)] + [float(ranks.mean())]


@pytest.mark.parametrize("captions_per_video", [1, 2])
def test_expectation_matches_many_random_tie_breaks(captions_per_video):
    """A 20-video matrix rounded to one decimal (many ties). Averaged over 4000 seeded random
    tie-breaks, R@K and MnR approach the expected values; the standard error of R@1 is about
    100 sqrt(0.25 / (20 * 4000)) = 0.18 % at worst, of MnR about 6 / sqrt(80000) = 0.02."""
    generator = torch.Generator().manual_seed(0)
    num_videos = 20
    owners = torch.arange(num_videos).repeat_interleave(captions_per_video)
    similarity = torch.round(torch.rand(len(owners), num_videos, generator=generator, dtype=torch.float64)
                             * 10) / 10
    values = retrieval_metrics(similarity, owners)
    ties = (similarity == similarity.gather(1, owners[:, None])).sum() - len(owners)
    assert ties > len(owners)  # the test is about ties: on average more than one per row
    sampled = random_tie_break_average(similarity, owners, 4000, generator)
    expected = [float(values[f"t2v_{k}"]) for k in ("r1", "r5", "r10", "mnr")]
    assert sampled[:3] == pytest.approx(expected[:3], abs=1.0)
    assert sampled[3] == pytest.approx(expected[3], abs=0.1)
    video_queries = best_caption_similarity(similarity, owners)
    sampled = random_tie_break_average(video_queries, torch.arange(num_videos), 4000, generator)
    expected = [float(values[f"v2t_{k}"]) for k in ("r1", "r5", "r10", "mnr")]
    assert sampled[:3] == pytest.approx(expected[:3], abs=1.0)
    assert sampled[3] == pytest.approx(expected[3], abs=0.1)


def clip4clip_multi_sentence(similarity: np.ndarray, owners: list) -> tuple[dict, dict]:
    """CLIP4Clip's multi-sentence path restated: pad to [videos, max_captions, videos] with -inf,
    text->video by the double argsort and torch.median, video->text by compute_metrics on the
    max over captions (transposed)."""
    num_videos = similarity.shape[1]
    slots = max(owners.count(v) for v in range(num_videos))
    padded = np.full((num_videos, slots, num_videos), -np.inf)
    used = [0] * num_videos
    for row, video in enumerate(owners):
        padded[video, used[video]] = similarity[row]
        used[video] += 1
    stacked = torch.tensor(padded).permute(1, 0, 2)
    second = torch.argsort(torch.argsort(stacked, dim=-1, descending=True), dim=-1)
    ranks = torch.flatten(torch.diagonal(second, dim1=1, dim2=2))
    own = torch.flatten(torch.diagonal(torch.tensor(padded), dim1=0, dim2=2))
    valid = ranks[~torch.isinf(own)]
    t2v = {f"r{k}": float(torch.sum(valid < k) * 100 / len(valid)) for k in (1, 5, 10)}
    t2v["mdr"] = float(torch.median(valid + 1))
    t2v["mnr"] = float(np.mean(valid.numpy() + 1))
    best = np.max(padded, axis=1).T
    sx, d = np.sort(-best, axis=1), np.diag(-best)[:, None]
    ind = np.where(sx - d == 0)[1]
    v2t = {"r1": 100 * float(np.sum(ind == 0)) / len(ind), "r5": 100 * float(np.sum(ind < 5)) / len(ind),
           "r10": 100 * float(np.sum(ind < 10)) / len(ind), "mdr": np.median(ind) + 1,
           "mnr": np.mean(ind) + 1}
    return t2v, v2t


def test_multi_caption_path_matches_clip4clip_without_ties():
    """12 videos with 1..3 captions (24 captions, an even number of text->video queries), random
    distinct similarities: all ten values equal CLIP4Clip's multi-sentence evaluation, whose
    text->video MdR is torch.median (lower middle) and video->text MdR np.median."""
    generator = torch.Generator().manual_seed(1)
    counts = [1, 3, 2, 2, 3, 1, 2, 2, 3, 1, 2, 2]
    owners = [v for v, c in enumerate(counts) for _ in range(c)]
    assert len(owners) % 2 == 0 and len(counts) % 2 == 0
    for _ in range(20):
        similarity = torch.rand(len(owners), len(counts), generator=generator, dtype=torch.float64)
        values = metrics_of(similarity.tolist(), owners)
        t2v, v2t = clip4clip_multi_sentence(similarity.numpy(), owners)
        for key in ("r1", "r5", "r10", "mdr", "mnr"):
            assert values[f"t2v_{key}"] == pytest.approx(t2v[key], abs=1e-4), key
            assert values[f"v2t_{key}"] == pytest.approx(v2t[key], abs=1e-4), key


def test_median_rule_per_path_with_even_query_counts():
    """Single-caption path (4 videos, one caption each): t2v ranks 1, 2, 3, 4 -> MdR 2.5
    (np.median), not 2. Multi-caption path (videos 0, 1 with two captions each): t2v ranks
    1, 2, 1, 2 -> sorted 1 1 | 2 2 -> MdR 1 (torch.median), not 1.5; v2t ranks 1, 2 -> 1.5
    (np.median), not 1."""
    square = torch.tensor([[0.9, 0.1, 0.1, 0.1],   # rank 1
                           [0.1, 0.8, 0.9, 0.1],   # rank 2
                           [0.9, 0.9, 0.8, 0.1],   # rank 3
                           [0.9, 0.9, 0.9, 0.8]])  # rank 4
    values = retrieval_metrics(square, torch.arange(4))
    assert float(values["t2v_mdr"]) == 2.5 == np.median([1, 2, 3, 4])
    assert float(values["t2v_mnr"]) == 2.5
    # v2t (columns): video 0 [0.9, 0.1, 0.9, 0.9] -> 1 + 0 higher + 2 tied / 2 = 2;
    # video 1 [0.1, 0.8, 0.9, 0.9] -> 3; video 2 [0.1, 0.9, 0.8, 0.9] -> 3; video 3 -> 1
    # sorted 1 2 | 3 3 -> MdR (2 + 3) / 2 = 2.5
    assert float(values["v2t_mdr"]) == 2.5
    multi = torch.tensor([[0.9, 0.2],   # caption of video 0: rank 1
                          [0.3, 0.8],   # video 0: rank 2
                          [0.1, 0.7],   # video 1: rank 1
                          [0.6, 0.5]])  # video 1: rank 2
    values = retrieval_metrics(multi, torch.tensor([0, 0, 1, 1]))
    assert float(values["t2v_mdr"]) == 1.0
    # best caption per video: video 0's row [max(0.9, 0.3), max(0.1, 0.6)] = [0.9, 0.6] -> 1;
    # video 1's row [max(0.2, 0.8), max(0.7, 0.5)] = [0.8, 0.7] -> 2; np.median(1, 2) = 1.5
    assert float(values["v2t_mdr"]) == 1.5


def test_rank_summary_rejects_bad_counts():
    with pytest.raises(ValueError, match="non-empty"):
        rank_summary(torch.tensor([], dtype=torch.long), torch.tensor([], dtype=torch.long), "t2v")
    with pytest.raises(ValueError, match="negative"):
        rank_summary(torch.tensor([0, 1]), torch.tensor([0, -1]), "t2v")


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


def test_no_caption_or_no_video_is_an_error_not_an_empty_table():
    """Zero captions (or zero videos) have no ranks: a clear error names the counts."""
    with pytest.raises(ValueError, match="at least one caption and one video, got 0 captions and 2 videos"):
        check_caption_to_video(torch.zeros(0, dtype=torch.long), 0, 2)
    with pytest.raises(ValueError, match="got 0 captions and 0 videos"):
        check_caption_to_video(torch.zeros(0, dtype=torch.long), 0, 0)
