"""Text-video retrieval metrics: R@1/5/10, MdR and MnR in both directions, tie-safe.

Protocol (CLIP4Clip ``metrics.py`` / ``main_task_retrieval.py``; ``reference/datasets.md`` §2.5),
for ``S [N_text, N_video]`` the similarity of every caption to every video, where caption ``i``
belongs to video ``caption_to_video[i]`` and a video may have any number (>= 1) of captions:

- **text→video**: every caption is a query ranked against all videos; its ground truth is its own
  video (``tensor_text_to_video_metrics``).
- **video→text**: first the best caption of each video, ``M[v, w] = max_{c of w} S[c, v]``
  (``tensor_video_to_text_sim``); video ``v`` is a query ranked against the videos ``w`` through
  ``M[v, :]``, its ground truth is ``w = v``. So video→text R@K reads "the best of my captions
  beats the best caption of every other video", not a rank among all captions.

Ranks are **tie-safe**: ``rank = 1 + #{items scoring strictly higher than the ground truth}``
(1-based, the optimistic convention), so an item tied with the ground truth never counts against
it. CLIP4Clip's ``compute_metrics`` instead takes ``np.where(sort(-S) - diag(-S) == 0)``, which
returns one position per tied item: a row with ties then contributes several ranks and R@K, MdR
and MnR are averaged over more entries than there are queries (CLIP4Clip issue #80; mmaction2's
``retrieval_metric.py`` copies it). Without ties the two agree exactly.

R@K = 100 · fraction of queries with rank <= K (percent); MdR = median rank (the mean of the two
middle ranks for an even count, as ``np.median``); MnR = mean rank.

Different caption counts need no padding here: captions are listed flat with their video index,
and the max over a video's captions only ever reads that video's real captions. (CLIP4Clip pads
to ``[N_video, max_captions, N_video]`` with ``-inf`` and masks; nothing padded exists to count.)
Non-finite similarities are rejected, since a NaN would compare as "never higher" and silently
give rank 1.

Not comparable: papers that post-process the similarity matrix (DSL, QB-Norm) before ranking.
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


def tie_safe_ranks(scores: Tensor, target: Tensor) -> Tensor:
    """``scores [Q, K]``, ``target [Q]`` (column of each query's ground truth) -> ``[Q]`` 1-based
    ranks: 1 + the number of items scoring strictly higher than the ground truth."""
    truth = scores.gather(1, target[:, None])
    return 1 + (scores > truth).sum(dim=1)


def rank_summary(ranks: Tensor, prefix: str) -> dict[str, Tensor]:
    """R@1/5/10 (percent), MdR and MnR of 1-based ``ranks [Q]``, keys ``{prefix}_r1`` ..."""
    ranks = ranks.double()
    summary = {f"{prefix}_r{k}": 100.0 * (ranks <= k).double().mean() for k in RECALL_AT}
    summary[f"{prefix}_mdr"] = torch.quantile(ranks, 0.5)  # linear: the middle pair's mean
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
        ranks.
    """
    if similarity.dim() != 2:
        raise ValueError(f"similarity must be [N_text, N_video], got shape {tuple(similarity.shape)}")
    check_caption_to_video(caption_to_video, *similarity.shape)
    if not torch.isfinite(similarity).all():
        raise ValueError("similarity holds NaN or infinite values; ranks would be meaningless")
    similarity = similarity.double()
    caption_to_video = caption_to_video.long()
    video_queries = best_caption_similarity(similarity, caption_to_video)
    own_video = torch.arange(similarity.shape[1], device=similarity.device)
    return {**rank_summary(tie_safe_ranks(similarity, caption_to_video), "t2v"),
            **rank_summary(tie_safe_ranks(video_queries, own_video), "v2t")}


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
    59,800 × 2,990, is 0.7 GB in fp32 plus a same-sized double copy).
    """

    is_differentiable = False
    higher_is_better = None
    full_state_update = False

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
        return retrieval_metrics(texts @ videos.t(), caption_to_video)
