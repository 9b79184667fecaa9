"""Text-video retrieval: joint video / text embeddings trained with a symmetric InfoNCE loss.

Over any paradigm, through ``VideoTextModel`` only: ``encode_video(...).video``, ``encode_text``,
``logit_scale``, ``text_is_trainable``. Embeddings are L2-normalised; similarity is cosine.

Training (CLIP4Clip's loss, ``modules/modeling.py``: ``CrossEn(sim) + CrossEn(sim.T)``, halved)
- Text→video and video→text cross-entropy over ``logit_scale.exp() · t @ vᵀ``, averaged.
- Under DDP the embeddings of all processes are gathered **with gradients**
  (``self.all_gather(x, sync_grads=True)``), so every video of the global batch is a negative
  for every caption and vice versa; one process runs unchanged.
- Captions (``batch["captions"]``, several per video): ``train_captions="sample"`` (default)
  draws one caption per video per step uniformly at random, so over epochs every
  (video, caption) pair is trained on, as CLIP4Clip's expanded sentence lists do; ``"all"``
  uses every caption of every video in the batch as a query (the batch then holds
  ``sum(captions)`` texts).
- False negatives: a caption describing another video of the batch is not a negative of it.
  Caption ``i`` is a *positive* of video ``j`` when its text (lower-cased, whitespace-collapsed)
  is one of ``j``'s captions — always its own video; also other videos whose caption lists hold
  the identical sentence (common in the synthetic world: same colour, shape and action). Targets
  are soft: uniform over the positives of each row (text→video) and column (video→text). With
  one positive per row and column this is exactly CLIP4Clip's loss.
- Temperature: the model's ``logit_scale`` (CLIP's, e.g. ln 100 for OpenAI weights), trained
  exactly when the paradigm trains it (``full``; then at ``backbone_lr``, as CLIP4Clip trains it
  with CLIP's learning rate, which leaves it ~fixed at 100). Frozen-feature paradigms keep it
  fixed by default. ``learn_temperature=True`` makes it learn anyway: when the model's is frozen
  the task adds its own ``logit_scale`` parameter, initialised from the model's value, trained at
  ``lr`` and clamped to [0, ln 100] after every step (open_clip's rule).
- The paradigm's auxiliary training losses (e.g. distillation) get the sampled captions and
  their (local, normalised) embeddings.

Evaluation (validation and test): every video (multi-view: the mean of its normalised view
embeddings, renormalised) against **all** captions of every video, by
:class:`~zoo.metrics.retrieval.RetrievalMetrics`: R@1/5/10, MdR, MnR for text→video
(``t2v_*``, every caption a query) and video→text (``v2t_*``, each video's best caption,
CLIP4Clip's ``tensor_video_to_text_sim``). Ties count at their expected value under uniformly
random tie-breaking (rank 1 + higher + tied/2; R@K the probability of the top K), each query
once, so a collapsed model scores chance (CLIP4Clip's ``np.where`` counts a tied row several
times, its issue #80); text→video MdR takes the lower middle rank with several captions per video
(``torch.median``), see :mod:`zoo.metrics.retrieval`. Logged as ``val/t2v_r1`` ... ``test/v2t_mnr``.

Prediction (``predict_batch``): with texts (``batch["texts"]``, one list per video, e.g. from
``prediction_inputs``) each video's texts ranked by cosine similarity, with the probability of
each (softmax over the video's texts at the loss's temperature, as CLIP's zero-shot scores);
without, the normalised video embedding for users to index (``embed_texts`` gives the query side).
"""

from __future__ import annotations

import hashlib
import math
from typing import Callable, Optional, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from zoo.interfaces import VideoFeatures
from zoo.metrics.retrieval import RetrievalMetrics
from zoo.registry import TASKS
from zoo.specs import ModelSpec, OptimSpec
from zoo.tasks.base import TaskLoss, VideoTask

TRAIN_CAPTIONS = ("sample", "all")
MAX_LOGIT_SCALE = math.log(100.0)  # open_clip's clamp


def caption_key(caption: str) -> int:
    """A process-independent 63-bit key of a caption (lower-cased, whitespace collapsed);
    Python's ``hash`` is salted per process, so it cannot be compared across DDP ranks."""
    digest = hashlib.blake2b(" ".join(caption.lower().split()).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1


def caption_positives(text_keys: Tensor, caption_video: Tensor, caption_keys: Tensor,
                      num_videos: int) -> Tensor:
    """Which video each query text describes.

    Args:
        text_keys: ``[N]`` keys of the query texts.
        caption_video / caption_keys: ``[M]`` every (video index, caption key) pair of the batch.
        num_videos: V.

    Returns:
        bool ``[N, V]``: ``[i, j]`` true when text ``i`` is one of video ``j``'s captions.
    """
    texts, pairs = (text_keys[:, None] == caption_keys[None, :]).nonzero(as_tuple=True)
    positives = torch.zeros(len(text_keys), num_videos, dtype=torch.bool, device=text_keys.device)
    positives[texts, caption_video[pairs]] = True
    return positives


def symmetric_info_nce(text_embeddings: Tensor, video_embeddings: Tensor, positives: Tensor,
                       scale: Tensor) -> Tensor:
    """CLIP4Clip's symmetric cross-entropy with soft targets.

    Args:
        text_embeddings: ``[N, D]`` normalised.
        video_embeddings: ``[V, D]`` normalised.
        positives: bool ``[N, V]``; every row and every column needs at least one.
        scale: the logit scale (``logit_scale.exp()``), a scalar.

    Returns:
        ``(CE_t2v + CE_v2t) / 2``, each the mean over its queries of the cross-entropy against the
        uniform distribution over that query's positives.
    """
    if not positives.any(dim=1).all() or not positives.any(dim=0).all():
        raise ValueError("every text and every video needs at least one positive")
    logits = scale * text_embeddings @ video_embeddings.t()
    targets = positives.to(logits.dtype)
    text_to_video = F.cross_entropy(logits, targets / targets.sum(dim=1, keepdim=True))
    video_to_text = F.cross_entropy(logits.t(), (targets / targets.sum(dim=0, keepdim=True)).t())
    return (text_to_video + video_to_text) / 2


def gather_rows(rows: Tensor, all_gather: Callable[[Tensor], Tensor]) -> tuple[Tensor, Tensor]:
    """Rows of every process, in rank order: ``[n_r, ...]`` per process -> ``[sum n_r, ...]``,
    and the counts ``[W]``. Processes may hold different numbers of rows (padded for the
    collective, unpadded after); ``all_gather(x [n, ...]) -> [W, n, ...]``."""
    counts = all_gather(torch.tensor([rows.shape[0]], device=rows.device)).reshape(-1)
    longest = int(counts.max())
    padded = torch.cat([rows, rows.new_zeros(longest - rows.shape[0], *rows.shape[1:])])
    gathered = all_gather(padded)
    return torch.cat([gathered[r, :n] for r, n in enumerate(counts.tolist())]), counts


def gather_global_batch(all_gather: Callable[[Tensor], Tensor], videos: Tensor, texts: Tensor,
                        text_keys: Tensor, caption_video: Tensor, caption_keys: Tensor) -> tuple[Tensor, ...]:
    """The contrastive batch of every process: video embeddings ``[B, D]``, text embeddings
    ``[N, D]`` and their keys ``[N]``, and the (video index ``[M]``, caption key ``[M]``) pairs,
    whose video indices are offset to index the gathered videos. ``all_gather`` must keep
    gradients for the embeddings (``LightningModule.all_gather(x, sync_grads=True)``)."""
    videos, video_counts = gather_rows(videos, all_gather)
    texts, _ = gather_rows(texts, all_gather)
    text_keys, _ = gather_rows(text_keys, all_gather)
    pairs, pair_counts = gather_rows(torch.stack([caption_video, caption_keys], dim=1), all_gather)
    offsets = torch.cumsum(video_counts, 0) - video_counts
    rank_of_pair = torch.repeat_interleave(torch.arange(len(pair_counts), device=pairs.device), pair_counts)
    return videos, texts, text_keys, pairs[:, 0] + offsets[rank_of_pair], pairs[:, 1]


def caption_owners(captions: list[list[str]], device=None) -> Tensor:
    """``[sum of caption counts]``: the video index of each caption, captions listed in order."""
    return torch.tensor([v for v, caps in enumerate(captions) for _ in caps], dtype=torch.long,
                        device=device)


def batch_captions(batch: dict) -> list[list[str]]:
    """``batch["captions"]``, checked: a non-empty list of captions for every video."""
    captions = batch.get("captions")
    if captions is None:
        raise ValueError("retrieval needs batch['captions'] (list[list[str]], several per video); "
                         "this datamodule's batches have none")
    if len(captions) != len(batch["video"]):
        raise ValueError(f"batch['captions'] has {len(captions)} entries for {len(batch['video'])} videos")
    empty = [vid for vid, caps in zip(batch.get("video_id", range(len(captions))), captions) if not caps]
    if empty:
        raise ValueError(f"videos {empty[:5]} have no caption; retrieval needs at least one per video")
    return captions


@TASKS.register
class RetrievalTask(VideoTask):
    """Text-video retrieval over any paradigm (see the module docstring)."""

    task = "retrieval"
    batch_keys = ("captions", "texts")
    summary = "text-video retrieval: joint video / text embeddings"
    headline = "t2v_r1"
    headline_is_proportion = True
    action_labelled = True
    percent = False  # R@K are logged in % already
    columns = (("t2v R@1", "t2v_r1"), ("t2v R@5", "t2v_r5"), ("t2v R@10", "t2v_r10"),
               ("t2v MdR", "t2v_mdr"), ("v2t R@1", "v2t_r1"), ("v2t R@5", "v2t_r5"))

    def __init__(self, model: ModelSpec, optim: Optional[OptimSpec] = None,
                 train_captions: str = "sample", learn_temperature: bool = False):
        super().__init__(model, optim)
        if train_captions not in TRAIN_CAPTIONS:
            raise ValueError(f"train_captions must be one of {TRAIN_CAPTIONS}, got {train_captions!r}")
        self.train_captions = train_captions
        model_scale = self.model.logit_scale
        if learn_temperature and not model_scale.requires_grad:
            self.logit_scale: Optional[nn.Parameter] = nn.Parameter(model_scale.detach().clone().float())
        else:
            self.logit_scale = None

    # ------------------------------------------------------------------ embeddings
    def contrastive_scale(self) -> Tensor:
        """The multiplier of cosine similarities in the loss: ``exp(logit_scale)``."""
        return (self.logit_scale if self.logit_scale is not None else self.model.logit_scale).exp()

    @staticmethod
    def video_embeddings(features: VideoFeatures) -> Tensor:
        """Normalised ``[B, D]``: the mean of each video's normalised view embeddings, normalised."""
        return F.normalize(features.view_mean(F.normalize(features.video, dim=-1)), dim=-1)

    def embed_videos(self, video: Tensor) -> Tensor:
        """``[B, T, 3, H, W]`` or multi-view ``[B, V, T, 3, H, W]`` -> normalised ``[B, D]``."""
        return self.video_embeddings(self.encode_video(video))

    def embed_texts(self, texts: Sequence[str]) -> Tensor:
        """``list[str]`` -> normalised ``[N, D]`` (no graph kept while the text side is frozen)."""
        with torch.set_grad_enabled(torch.is_grad_enabled() and self.model.text_is_trainable):
            return F.normalize(self.model.encode_text(list(texts)), dim=-1)

    def forward(self, video: Tensor) -> Tensor:
        """Normalised video embeddings ``[B, D]`` (views averaged)."""
        return self.embed_videos(video)

    # ------------------------------------------------------------------ training
    def training_texts(self, captions: list[list[str]]) -> list[str]:
        """The query texts of a training step: one random caption per video, or all of them."""
        if self.train_captions == "all":
            return [c for caps in captions for c in caps]
        return [caps[int(torch.randint(len(caps), ()))] for caps in captions]

    def _distributed(self) -> bool:
        return self._trainer is not None and self.trainer.world_size > 1

    def retrieval_loss(self, video_embeddings: Tensor, text_embeddings: Tensor, texts: Sequence[str],
                       captions: list[list[str]]) -> Tensor:
        """Symmetric InfoNCE of normalised local ``video_embeddings [B, D]`` and
        ``text_embeddings [N, D]`` of ``texts``, over the global batch, with every caption in
        ``captions`` (per video) a positive of its video."""
        device = video_embeddings.device
        text_keys = torch.tensor([caption_key(t) for t in texts], device=device)
        caption_video = caption_owners(captions, device)
        caption_keys = torch.tensor([caption_key(c) for caps in captions for c in caps], device=device)
        batch = (video_embeddings, text_embeddings, text_keys, caption_video, caption_keys)
        if self._distributed():
            batch = gather_global_batch(lambda x: self.all_gather(x, sync_grads=x.requires_grad), *batch)
        videos, texts_global, text_keys, caption_video, caption_keys = batch
        positives = caption_positives(text_keys, caption_video, caption_keys, len(videos))
        return symmetric_info_nce(texts_global, videos, positives, self.contrastive_scale())

    def task_loss(self, batch: dict, features: VideoFeatures) -> TaskLoss:
        captions = batch_captions(batch)
        video_embeddings = self.video_embeddings(features)
        texts = self.training_texts(captions)
        text_embeddings = self.embed_texts(texts)
        loss = self.retrieval_loss(video_embeddings, text_embeddings, texts, captions)
        self.log("train/contrastive_scale", self.contrastive_scale().detach(), batch_size=len(captions))
        return TaskLoss(loss, texts, text_embeddings)

    def on_train_batch_end(self, outputs, batch, batch_idx: int) -> None:
        if self.logit_scale is not None:
            with torch.no_grad():
                self.logit_scale.clamp_(0.0, MAX_LOGIT_SCALE)

    # ------------------------------------------------------------------ evaluation
    def make_metrics(self) -> RetrievalMetrics:
        return RetrievalMetrics()

    def update_metrics(self, metrics: RetrievalMetrics, batch: dict, stage: str) -> None:
        captions = batch_captions(batch)
        videos = self.embed_videos(batch["video"])
        texts = self.embed_texts([c for caps in captions for c in caps])
        metrics.update(videos, texts, caption_owners(captions, videos.device))

    def compute_metrics(self, metrics: RetrievalMetrics) -> dict[str, Tensor]:
        return dict(metrics.compute()) if metrics.update_count else {}

    # ------------------------------------------------------------------ prediction
    def prediction_inputs(self, texts: Sequence[str], **options) -> dict:
        """``{"texts": [texts]}``: the texts to score against the video (at least one)."""
        if options:
            raise ValueError(f"retrieval takes no prediction options, got {sorted(options)}")
        texts = [" ".join(t.split()) for t in texts]
        if not texts or any(not t for t in texts):
            raise ValueError("retrieval scores a video against texts: give one or more non-empty "
                             "texts, e.g. zoo predict --model M video.mp4 \"a red square moves left\" "
                             "\"a blue circle grows\"")
        return {"texts": [texts]}

    def predict_batch(self, batch: dict) -> list[dict]:
        """One dict per video (module doc): ``video_id`` and either ``ranking`` -- ``{"text",
        "similarity", "probability"}`` best first -- or ``embedding`` (``D`` floats)."""
        videos = self.embed_videos(batch["video"])
        ids = list(batch["video_id"])
        texts = batch.get("texts")
        if texts is None:
            return [{"video_id": vid, "embedding": v.tolist()} for vid, v in zip(ids, videos.float())]
        if len(texts) != len(ids):
            raise ValueError(f"batch['texts'] has {len(texts)} lists for {len(ids)} videos")
        out = []
        for vid, video, item_texts in zip(ids, videos, texts):
            similarity = self.embed_texts(item_texts) @ video
            probability = (self.contrastive_scale() * similarity).softmax(dim=-1)
            order = similarity.argsort(descending=True, stable=True).tolist()
            out.append({"video_id": vid, "ranking": [
                {"text": item_texts[i], "similarity": round(float(similarity[i]), 4),
                 "probability": round(float(probability[i]), 4)} for i in order]})
        return out
