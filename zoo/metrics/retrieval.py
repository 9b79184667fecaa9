"""Text-video retrieval metrics: R@1/5/10, MdR and MnR in both directions (CLIP4Clip's protocol,
``reference/datasets.md`` §2.5), for ``S [N_text, N_video]`` with any number of captions per video.

**Ties: the expected value under uniformly random tie-breaking.** With ``h`` items strictly higher
than the ground truth and ``t`` others equal, the expected rank is ``1 + h + t / 2`` and
``P(rank <= K) = clamp(K - h, 0, t + 1) / (t + 1)``; every query counts once. A collapsed model
(all similarities equal) scores chance: R@1 = 100/N %, MdR = MnR = (N + 1)/2. Without ties every
number equals CLIP4Clip's.

**Median rank as CLIP4Clip per path:** text→video takes the lower middle value (``torch.median``)
as soon as a video has several captions, the mean of the middle pair (``np.median``) otherwise;
video→text always the mean of the middle pair (:data:`MEDIANS`). R@K in percent, ranks 1-based.
Non-finite similarities are rejected.

Full definition: ``docs/metrics.md#text-video-retrieval``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor
from torchmetrics import Metric
from torchmetrics.utilities import dim_zero_cat

RECALL_AT = (1, 5, 10)
DIRECTIONS = ("t2v", "v2t")
METRIC_NAMES = tuple(f"{direction}_{name}" for direction in DIRECTIONS
                     for name in [f"r{k}" for k in RECALL_AT] + ["mdr", "mnr"])


MEDIANS = ("mean", "lower")  # np.median's middle-pair mean / torch.median's lower middle


def rank_counts(scores: Tensor, target: Tensor) -> tuple[Tensor, Tensor]:
    """``scores [Q, K]``, ``target [Q]`` (column of each query's ground truth) -> ``(higher [Q],
    tied [Q])``: the number of items scoring strictly higher than the ground truth, and the number
    of *other* items scoring exactly as high (the ground truth itself not counted)."""
    truth = scores.gather(1, target[:, None])
    return (scores > truth).sum(dim=1), (scores == truth).sum(dim=1) - 1


def expected_ranks(higher: Tensor, tied: Tensor) -> Tensor:
    """``[Q]`` expected 1-based ranks under uniformly random tie-breaking: ``1 + higher + tied / 2``
    (float64)."""
    return 1.0 + higher.double() + tied.double() / 2.0


def recall_probability(higher: Tensor, tied: Tensor, k: int) -> Tensor:
    """``[Q]`` probability that the ground truth lands in the top ``k`` when its ``tied`` equals are
    ordered at random: its rank is uniform on ``higher + 1 .. higher + tied + 1``, so
    ``clamp(k - higher, 0, tied + 1) / (tied + 1)`` (float64)."""
    slots = tied.double() + 1.0
    return torch.minimum(torch.clamp(k - higher.double(), min=0.0), slots) / slots


def median_rank(ranks: Tensor, median: str = "mean") -> Tensor:
    """Median of ``ranks [Q]``; for an even count ``"mean"`` averages the two middle values
    (``np.median``, CLIP4Clip's ``compute_metrics``) and ``"lower"`` takes the lower one
    (``torch.median``, CLIP4Clip's ``tensor_text_to_video_metrics``)."""
    if median == "mean":
        return torch.quantile(ranks.double(), 0.5)  # linear interpolation: the middle pair's mean
    if median == "lower":
        return ranks.double().median()
    raise ValueError(f"median must be one of {MEDIANS}, got {median!r}")


def rank_summary(higher: Tensor, tied: Tensor, prefix: str, median: str = "mean") -> dict[str, Tensor]:
    """R@1/5/10 (percent), MdR and MnR of ``Q`` queries described by :func:`rank_counts`, as their
    expectation under random tie-breaking (module docstring); keys ``{prefix}_r1`` ...
    ``{prefix}_mnr``; ``median`` is the MdR rule for an even ``Q`` (:func:`median_rank`)."""
    if higher.dim() != 1 or higher.shape != tied.shape or higher.numel() == 0:
        raise ValueError(f"higher and tied must be equal non-empty [Q] tensors, got "
                         f"{tuple(higher.shape)} and {tuple(tied.shape)}")
    if (higher < 0).any() or (tied < 0).any():
        raise ValueError("higher and tied count items, so they cannot be negative")
    ranks = expected_ranks(higher, tied)
    summary = {f"{prefix}_r{k}": 100.0 * recall_probability(higher, tied, k).mean() for k in RECALL_AT}
    summary[f"{prefix}_mdr"] = median_rank(ranks, median)
    summary[f"{prefix}_mnr"] = ranks.mean()
    return {key: value.float() for key, value in summary.items()}


def best_caption_similarity(similarity: Tensor, caption_to_video: Tensor) -> Tensor:
    """CLIP4Clip's ``tensor_video_to_text_sim``: ``[N_text, N_video]`` -> ``[N_video, N_video]``
    with entry ``[v, w]`` the highest similarity of video ``v`` to any caption of video ``w``."""
    num_videos = similarity.shape[1]
    best = similarity.new_full((num_videos, num_videos), float("-inf"))
    index = caption_to_video[:, None].expand(-1, num_videos)
    best.scatter_reduce_(0, index, similarity, reduce="amax", include_self=True)
    return best.t()


def check_caption_to_video(caption_to_video: Tensor, num_texts: int, num_videos: int) -> None:
    """Raise unless ``caption_to_video`` is ``[num_texts]`` integer indices in ``[0, num_videos)``
    giving every video at least one caption."""
    if caption_to_video.shape != (num_texts,):
        raise ValueError(f"caption_to_video must be [N_text] = [{num_texts}], got shape "
                         f"{tuple(caption_to_video.shape)}")
    if caption_to_video.is_floating_point() or caption_to_video.dtype == torch.bool:
        raise ValueError(f"caption_to_video must hold integer video indices, got {caption_to_video.dtype}")
    if num_texts == 0 or num_videos == 0:
        raise ValueError(f"retrieval needs at least one caption and one video, got {num_texts} "
                         f"captions and {num_videos} videos")
    if caption_to_video.min() < 0 or caption_to_video.max() >= num_videos:
        raise ValueError(f"caption_to_video holds indices outside [0, {num_videos}) "
                         f"(min {int(caption_to_video.min())}, max {int(caption_to_video.max())})")
    captionless = torch.bincount(caption_to_video, minlength=num_videos) == 0
    if captionless.any():
        raise ValueError(f"videos {captionless.nonzero().flatten().tolist()[:10]} have no caption; "
                         "every video needs at least one (it is a video->text query)")


def retrieval_metrics(similarity: Tensor, caption_to_video: Tensor) -> dict[str, Tensor]:
    """The ten retrieval metrics of a similarity matrix (see the module docstring).

    Args:
        similarity: ``[N_text, N_video]`` score of every caption against every video.
        caption_to_video: ``[N_text]`` long, the video each caption describes; every video
            needs at least one caption.

    Returns:
        ``{t2v,v2t}_{r1,r5,r10,mdr,mnr}`` as float scalars; R@K in percent, MdR / MnR as 1-based
        ranks, all expectations under random tie-breaking. Text→video MdR takes the lower middle
        of an even count when some video has several captions (CLIP4Clip's multi-sentence path),
        the middle pair's mean otherwise; video→text MdR always the middle pair's mean.
    """
    if similarity.dim() != 2:
        raise ValueError(f"similarity must be [N_text, N_video], got shape {tuple(similarity.shape)}")
    check_caption_to_video(caption_to_video, *similarity.shape)
    if not torch.isfinite(similarity).all():
        raise ValueError("similarity holds NaN or infinite values; ranks would be meaningless")
    similarity = similarity.double()
    caption_to_video = caption_to_video.long()
    multi_caption = similarity.shape[0] > similarity.shape[1]  # every video has >= 1 caption
    video_queries = best_caption_similarity(similarity, caption_to_video)
    own_video = torch.arange(similarity.shape[1], device=similarity.device)
    return {**rank_summary(*rank_counts(similarity, caption_to_video), "t2v",
                           median="lower" if multi_caption else "mean"),
            **rank_summary(*rank_counts(video_queries, own_video), "v2t", median="mean")}


class RetrievalMetrics(Metric):
    """Accumulates video and caption embeddings; ``compute`` returns :func:`retrieval_metrics` of
    their cosine similarity.

    ``update(video_embeddings [B, D], text_embeddings [N, D], caption_to_video [N])`` takes one
    batch: ``caption_to_video`` indexes the batch's own videos (``0 .. B-1``), and every video
    needs at least one caption. States are concatenated across processes (``cat``), so under
    DDP the metric ranks every caption against every video of all processes. Caption ownership is
    stored as captions-per-video counts in video order (not as indices, which would collide
    between processes), so concatenation keeps captions and videos aligned.

    The full ``[N_text, N_video]`` similarity is built at ``compute`` (MSR-VTT full test,
    59,800 × 2,990, is 0.7 GB in fp32 plus a float64 copy of twice that). Ties are exact
    equality, so the similarity must not depend on where an entry sits in the matrix: a plain
    fp32 matmul may round the same dot product differently in different BLAS tiles (seen: a
    collapsed model with 7 identical video embeddings got unequal entries in a row). Each entry
    is therefore the float64 dot product of the stored fp32 embeddings rounded to fp32 (computed
    in blocks of :attr:`block_rows` captions); identical embeddings then give identical
    similarities.
    """

    is_differentiable = False
    higher_is_better = None
    full_state_update = False
    block_rows = 4096

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.add_state("video_embeddings", default=[], dist_reduce_fx="cat")
        self.add_state("text_embeddings", default=[], dist_reduce_fx="cat")
        self.add_state("captions_per_video", default=[], dist_reduce_fx="cat")

    def update(self, video_embeddings: Tensor, text_embeddings: Tensor, caption_to_video: Tensor) -> None:
        if video_embeddings.dim() != 2 or text_embeddings.dim() != 2:
            raise ValueError(f"video_embeddings [B, D] and text_embeddings [N, D] expected, got "
                             f"{tuple(video_embeddings.shape)} and {tuple(text_embeddings.shape)}")
        if video_embeddings.shape[1] != text_embeddings.shape[1]:
            raise ValueError(f"video ({video_embeddings.shape[1]}) and text ({text_embeddings.shape[1]}) "
                             "embeddings differ in dimension")
        num_videos = video_embeddings.shape[0]
        check_caption_to_video(caption_to_video, text_embeddings.shape[0], num_videos)
        order = torch.argsort(caption_to_video, stable=True)  # captions grouped in video order
        self.video_embeddings.append(video_embeddings.detach().float())
        self.text_embeddings.append(text_embeddings.detach().float()[order])
        self.captions_per_video.append(torch.bincount(caption_to_video.long(), minlength=num_videos))

    def compute(self) -> dict[str, Tensor]:
        videos = F.normalize(dim_zero_cat(self.video_embeddings), dim=-1)
        texts = F.normalize(dim_zero_cat(self.text_embeddings), dim=-1)
        counts = dim_zero_cat(self.captions_per_video)
        caption_to_video = torch.repeat_interleave(torch.arange(len(counts), device=counts.device), counts)
        return retrieval_metrics(self.cosine_similarity(texts, videos), caption_to_video)

    def cosine_similarity(self, texts: Tensor, videos: Tensor) -> Tensor:
        """``[N_text, D] x [N_video, D]`` normalised fp32 -> ``[N_text, N_video]`` fp32, each entry
        the float64 dot product rounded once to fp32 (see the class docstring)."""
        similarity = texts.new_empty((texts.shape[0], videos.shape[0]))
        videos = videos.double().t()
        for start in range(0, texts.shape[0], self.block_rows):
            block = texts[start:start + self.block_rows].double()
            similarity[start:start + self.block_rows] = (block @ videos).float()
        return similarity
