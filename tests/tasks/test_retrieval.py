"""Retrieval task: loss against hand-computed cases, training, evaluation, DDP gathering."""

import math
import os
import tempfile

import lightning as L
import pytest
import torch
import torch.nn.functional as F

from zoo.data.world import WorldDataModule
from zoo.interfaces import VideoFeatures
from zoo.metrics.retrieval import METRIC_NAMES
from zoo.registry import TASKS
from zoo.tasks.retrieval import (RetrievalTask, caption_key, caption_positives, gather_global_batch,
                                 symmetric_info_nce)
from zoo.factory import create_model

FRAMES = 2


@pytest.fixture(scope="module")
def task():
    return create_model("postnet_retrieval_tiny", variant="seqtransf", num_frames=FRAMES)


@pytest.fixture(scope="module")
def world(task):
    return WorldDataModule(train_size=6, val_size=6, test_size=4, batch_size=3, world_frames=8,
                           test_clips=2).connect(task.preprocess)


@pytest.fixture(scope="module")
def batch(world):
    return next(iter(world.train_dataloader()))


def test_registered():
    assert TASKS.class_of("retrieval") is RetrievalTask


# ---------------------------------------------------------------------- the loss
def test_info_nce_hand_computed_2x2():
    texts = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    videos = torch.tensor([[1.0, 0.0], [0.6, 0.8]])
    loss = symmetric_info_nce(texts, videos, torch.eye(2, dtype=torch.bool), torch.tensor(10.0))
    # logits = 10 * [[1, 0.6], [0, 0.8]]
    # text->video rows: [10, 6] -> log(1 + e^-4); [0, 8] -> log(1 + e^-8)
    # video->text columns: [10, 0] -> log(1 + e^-10); [6, 8] -> log(1 + e^-2)
    t2v = (math.log1p(math.exp(-4)) + math.log1p(math.exp(-8))) / 2
    v2t = (math.log1p(math.exp(-10)) + math.log1p(math.exp(-2))) / 2
    assert float(loss) == pytest.approx((t2v + v2t) / 2, rel=1e-6)


def test_info_nce_soft_targets_for_duplicate_captions():
    """Both videos are described by the same caption: uniform targets over both."""
    texts = torch.tensor([[1.0, 0.0], [1.0, 0.0]])
    videos = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    loss = symmetric_info_nce(texts, videos, torch.ones(2, 2, dtype=torch.bool), torch.tensor(math.log(3)))
    # rows: logits [ln3, 0] -> p = [3/4, 1/4], CE vs [1/2, 1/2] = (ln(4/3) + ln 4) / 2
    # columns: [ln3, ln3] and [0, 0] -> CE vs [1/2, 1/2] = ln 2 each
    expected = ((math.log(4 / 3) + math.log(4)) / 2 + math.log(2)) / 2
    assert float(loss) == pytest.approx(expected, rel=1e-6)


def test_info_nce_rejects_a_query_without_positive():
    with pytest.raises(ValueError, match="positive"):
        symmetric_info_nce(torch.eye(2), torch.eye(2), torch.tensor([[True, False], [True, False]]),
                           torch.tensor(1.0))


def test_caption_key_normalises_and_is_process_independent():
    assert caption_key("A  red circle ") == caption_key("a red circle")
    assert caption_key("a red circle") != caption_key("a blue circle")
    # fixed across processes and runs (Python's hash() is salted; blake2b is not)
    assert caption_key("a red circle") == 0x1AD8649A93A85FC6  # < 2**63: fits int64


def test_caption_positives_mark_captions_shared_between_videos():
    captions = [["a red circle", "a red circle moves"], ["a blue square", "a red circle"], ["a cat"]]
    keys = lambda texts: torch.tensor([caption_key(t) for t in texts])  # noqa: E731
    owners = torch.tensor([v for v, caps in enumerate(captions) for _ in caps])
    flat = [c for caps in captions for c in caps]
    positives = caption_positives(keys(["a red circle", "a blue square", "a cat"]), owners, keys(flat), 3)
    assert positives.tolist() == [[True, True, False], [False, True, False], [False, False, True]]


def test_training_loss_treats_identical_captions_as_positives(task):
    videos = F.normalize(torch.randn(2, task.model.embed_dim), dim=-1)
    texts = F.normalize(torch.randn(2, task.model.embed_dim), dim=-1)
    scale = task.contrastive_scale()
    shared = task.retrieval_loss(videos, texts, ["a red circle", "A red circle"],
                                 [["a red circle", "x"], ["a red circle", "y"]])
    assert float(shared) == pytest.approx(float(symmetric_info_nce(
        texts, videos, torch.ones(2, 2, dtype=torch.bool), scale)), rel=1e-6)
    distinct = task.retrieval_loss(videos, texts, ["x", "y"], [["a red circle", "x"], ["a red circle", "y"]])
    assert float(distinct) == pytest.approx(float(symmetric_info_nce(
        texts, videos, torch.eye(2, dtype=torch.bool), scale)), rel=1e-6)


# ---------------------------------------------------------------------- training
def test_training_step_finite_loss_and_gradients_for_trainable_only(task, batch):
    assert len(batch["captions"][0]) >= 3
    task.zero_grad(set_to_none=True)
    loss = task.training_step(batch, 0)
    assert loss.ndim == 0 and torch.isfinite(loss)
    loss.backward()
    for name, param in task.named_parameters():
        if param.requires_grad:
            assert param.grad is not None and torch.isfinite(param.grad).all(), name
        else:
            assert param.grad is None, name
    assert any(float(p.grad.abs().sum()) > 0 for p in task.parameters() if p.requires_grad)
    task.zero_grad(set_to_none=True)


def test_training_texts_sample_one_caption_per_video_or_all(task, batch):
    captions = batch["captions"]
    sampled = task.training_texts(captions)
    assert len(sampled) == len(captions) and all(t in caps for t, caps in zip(sampled, captions))
    task.train_captions = "all"
    try:
        assert task.training_texts(captions) == [c for caps in captions for c in caps]
        loss = task.training_step(batch, 0)
        assert torch.isfinite(loss)
    finally:
        task.train_captions = "sample"


def test_auxiliary_losses_are_added(task, batch, monkeypatch):
    seen = {}

    def auxiliary(features, texts, text_features):
        seen.update(texts=texts, text_features=text_features)
        return {"extra": torch.tensor(1.5)}

    torch.manual_seed(1)
    plain = task.training_step(batch, 0)
    monkeypatch.setattr(task.model, "auxiliary_losses", auxiliary)
    torch.manual_seed(1)
    total = task.training_step(batch, 0)
    assert float(total.detach()) == pytest.approx(float(plain.detach()) + 1.5, rel=1e-5)
    assert len(seen["texts"]) == len(batch["captions"])
    assert seen["text_features"].shape == (len(batch["captions"]), task.model.embed_dim)


def test_temperature_frozen_by_default_or_learned_by_the_task(task, batch):
    assert task.logit_scale is None and not task.model.logit_scale.requires_grad
    assert torch.equal(task.contrastive_scale(), task.model.logit_scale.exp())
    learned = create_model("postnet_retrieval_tiny", variant="meanp", num_frames=FRAMES, learn_temperature=True)
    assert learned.logit_scale.requires_grad
    assert torch.equal(learned.logit_scale.detach(), learned.model.logit_scale.detach())
    learned.training_step(batch, 0).backward()
    assert learned.logit_scale.grad is not None and float(learned.logit_scale.grad) != 0.0
    groups = learned.parameter_groups()
    assert any(any(p is learned.logit_scale for p in g["params"]) and g["name"] == "added_no_decay"
               for g in groups)
    with torch.no_grad():
        learned.logit_scale.fill_(9.0)
    learned.on_train_batch_end(None, batch, 0)
    assert float(learned.logit_scale) == pytest.approx(math.log(100))


def test_bad_arguments_and_batches_raise(task, batch):
    with pytest.raises(ValueError, match="train_captions"):
        create_model("postnet_retrieval_tiny", num_frames=FRAMES, train_captions="one")
    with pytest.raises(ValueError, match="captions"):
        task.training_step({k: v for k, v in batch.items() if k != "captions"}, 0)
    with pytest.raises(ValueError, match="no caption"):
        task.validation_step({**batch, "captions": [[]] + batch["captions"][1:]}, 0)


# ---------------------------------------------------------------------- evaluation
def test_validation_epoch_logs_all_ten_metrics(task, world):
    trainer = L.Trainer(logger=False, enable_checkpointing=False, enable_progress_bar=False,
                        enable_model_summary=False, accelerator="cpu")
    results = trainer.validate(task, datamodule=world, verbose=False)[0]
    assert set(results) == {f"val/{name}" for name in METRIC_NAMES}
    assert all(math.isfinite(v) for v in results.values())
    assert 0 <= results["val/t2v_r1"] <= 100 and 1 <= results["val/v2t_mdr"] <= 6


def _perfect_encoders(task, monkeypatch):
    """Video b is filled with the value b; caption "clip b ..." describes it: one-hot embeddings."""
    dim = task.model.embed_dim

    def encode_video(video):
        index = video.flatten(1).mean(dim=1).round().long()
        onehot = F.one_hot(index, dim).float()
        return VideoFeatures(video=onehot, frames=onehot[:, None], tokens=None, grid=(1, 1), pooled=onehot)

    def encode_text(texts):
        return F.one_hot(torch.tensor([int(t.split()[1]) for t in texts]), dim).float()

    monkeypatch.setattr(task.model, "encode_video", encode_video)
    monkeypatch.setattr(task.model, "encode_text", encode_text)


def test_perfect_embeddings_give_r1_100_multi_caption_multi_view(task, monkeypatch):
    _perfect_encoders(task, monkeypatch)
    counts = [3, 1, 2, 4, 2]
    task.metrics_of("test").reset()
    for first, last in ((0, 3), (3, 5)):
        videos = torch.stack([torch.full((2, FRAMES, 3, 4, 4), float(b)) for b in range(first, last)])
        captions = [[f"clip {b} says {k}" for k in range(counts[b])] for b in range(first, last)]
        task.test_step({"video": videos, "captions": captions, "video_id": list(range(first, last))}, 0)
    values = task.metrics_of("test").compute()
    task.metrics_of("test").reset()
    for direction in ("t2v", "v2t"):
        assert [float(values[f"{direction}_{k}"]) for k in ("r1", "r5", "r10", "mdr", "mnr")] == \
            [100.0, 100.0, 100.0, 1.0, 1.0]


def test_predict_step_returns_normalised_video_embeddings(task, batch):
    with torch.no_grad():
        out = task.predict_step(batch, 0)
    assert [o["video_id"] for o in out] == list(batch["video_id"])
    embeddings = torch.tensor([o["embedding"] for o in out])
    assert embeddings.shape == (len(batch["video_id"]), task.model.embed_dim)
    assert torch.allclose(embeddings.norm(dim=-1), torch.ones(len(embeddings)), atol=1e-5)
    texts = task.embed_texts(["a red circle moves left"])
    assert texts.shape == (1, task.model.embed_dim)


def test_predict_ranks_given_texts_by_cosine_with_softmax_probabilities(task, batch):
    texts = ["a red circle moves left", "a blue square grows", "the green star spins"]
    video = batch["video"][:1]
    with torch.no_grad():
        forward = task.predict_batch({"video": video, "video_id": ["v"], "texts": [texts]})[0]["ranking"]
        backward = task.predict_batch({"video": video, "video_id": ["v"], "texts": [texts[::-1]]})[0]["ranking"]
    assert sorted(r["text"] for r in forward) == sorted(texts)
    assert [r["similarity"] for r in forward] == sorted((r["similarity"] for r in forward), reverse=True)
    assert {r["text"]: r["similarity"] for r in forward} == {r["text"]: r["similarity"] for r in backward}
    assert sum(r["probability"] for r in forward) == pytest.approx(1, abs=1e-3)
    first, second = forward[0], forward[1]  # p_i / p_j = exp(scale * (s_i - s_j))
    scale = float(task.contrastive_scale())
    assert math.log(first["probability"] / second["probability"]) == \
        pytest.approx(scale * (first["similarity"] - second["similarity"]), abs=0.05)
    assert all(-1 <= r["similarity"] <= 1 for r in forward)


def test_prediction_inputs_need_texts(task):
    assert task.prediction_inputs(["a  red circle"]) == {"texts": [["a red circle"]]}
    with pytest.raises(ValueError, match="retrieval scores a video against texts"):
        task.prediction_inputs([])
    with pytest.raises(ValueError, match="no prediction options"):
        task.prediction_inputs(["x"], top_k=1)


# ---------------------------------------------------------------------- DDP
def test_distributed_path_gathers_embeddings_with_gradients(task, monkeypatch):
    """The task's DDP wiring, in a one-process world: embeddings gathered with sync_grads."""
    videos = F.normalize(torch.randn(3, task.model.embed_dim), dim=-1)
    texts = F.normalize(torch.randn(3, task.model.embed_dim), dim=-1)
    captions = [["a", "b"], ["c"], ["d", "a"]]
    local = task.retrieval_loss(videos, texts, ["a", "c", "d"], captions)
    calls = []

    def all_gather(x, sync_grads=False):
        calls.append((x.dtype, sync_grads))
        return x[None]

    monkeypatch.setattr(task, "_distributed", lambda: True)
    monkeypatch.setattr(task, "all_gather", all_gather)
    gathered = task.retrieval_loss(videos.requires_grad_(True), texts, ["a", "c", "d"], captions)
    assert torch.allclose(gathered, local)
    assert (torch.float32, True) in calls and all(not sync for dtype, sync in calls if dtype == torch.long)


def _ddp_worker(rank: int, world_size: int, init_file: str) -> None:
    """Two processes with uneven local batches (3 and 2 videos) and a caption shared across
    them: the loss and the DDP-averaged gradient equal one process on the whole batch."""
    import faulthandler

    import torch.distributed as dist
    from torch.distributed.nn.functional import all_gather  # what Lightning's sync_grads uses

    faulthandler.dump_traceback_later(120, exit=True)  # a hang fails with a traceback instead
    torch.set_num_threads(1)  # a forked child must not enter the parent's OpenMP thread pool

    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=world_size)
    try:
        generator = torch.Generator().manual_seed(0)
        inputs = torch.randn(5, 4, generator=generator)
        text_inputs = torch.randn(5, 4, generator=generator)
        weight = torch.randn(4, 3, generator=generator)
        captions = [["a", "b"], ["c"], ["shared", "d"], ["e", "shared"], ["f"]]
        texts = ["a", "c", "shared", "shared", "f"]
        local = [0, 1, 2] if rank == 0 else [3, 4]

        def loss_of(videos, text_ids, scope):
            w = weight.clone().requires_grad_(True)
            video_embeddings = F.normalize(inputs[videos] @ w, dim=-1)
            text_embeddings = F.normalize(text_inputs[text_ids] @ w, dim=-1)
            caps = [captions[v] for v in videos]
            batch = (video_embeddings, text_embeddings,
                     torch.tensor([caption_key(texts[t]) for t in text_ids]),
                     torch.tensor([v for v, cs in enumerate(caps) for _ in cs]),
                     torch.tensor([caption_key(c) for cs in caps for c in cs]))
            if scope == "ddp":
                batch = gather_global_batch(lambda x: torch.stack(all_gather(x)), *batch)
            videos_g, texts_g, text_keys, caption_video, caption_keys = batch
            positives = caption_positives(text_keys, caption_video, caption_keys, len(videos_g))
            loss = symmetric_info_nce(texts_g, videos_g, positives, torch.tensor(5.0))
            loss.backward()
            return loss.detach(), w.grad, positives

        full_loss, full_grad, full_positives = loss_of(list(range(5)), list(range(5)), "single")
        ddp_loss, ddp_grad, ddp_positives = loss_of(local, local, "ddp")
        dist.all_reduce(ddp_grad)
        ddp_grad /= world_size  # what DistributedDataParallel does
        assert full_positives[2, 3] and full_positives[3, 2]
        assert torch.equal(ddp_positives, full_positives)
        assert torch.allclose(ddp_loss, full_loss, atol=1e-6)
        assert torch.allclose(ddp_grad, full_grad, atol=1e-6), (ddp_grad, full_grad)
    finally:
        dist.destroy_process_group()


def test_ddp_gathered_loss_equals_single_process():
    with tempfile.TemporaryDirectory() as folder:
        # fork: the workers inherit the imported modules instead of importing them again
        torch.multiprocessing.start_processes(_ddp_worker, args=(2, os.path.join(folder, "init")),
                                              nprocs=2, start_method="fork")
