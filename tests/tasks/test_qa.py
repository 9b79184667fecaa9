"""Video QA: accuracy (overall, per type, OOV) against hand-computed predictions, multiple-choice
scoring, training through any VideoTextModel, and the recipe through Lightning."""

import math

import lightning as L
import pytest
import torch
import torch.nn.functional as F

from zoo.data.world.synthetic import ANSWER_VOCAB, QUESTION_TYPES
from zoo.data.world import WorldDataModule
from zoo.tasks.qa import QATask, read_answer_vocab, top_answers
from zoo.factory import create_model

VOCAB = ["red", "blue", "circle", "square"]
TYPES = ["colour", "shape"]


def make_task(mode="open", variant="meanp", **kwargs):
    kwargs.setdefault("answer_vocab", VOCAB if mode == "open" else None)
    kwargs.setdefault("question_types", TYPES)
    return create_model("postnet_qa_tiny", mode=mode, variant=variant, num_frames=2, **kwargs)


def make_batch(questions, answers, types, choices=None, answer_index=None, views=1):
    b = len(questions)
    shape = (b, 2, 3, 64, 64) if views == 1 else (b, views, 2, 3, 64, 64)
    batch = {"video": torch.randn(shape), "video_id": [f"v{i}" for i in range(b)],
             "question": list(questions), "answer": list(answers), "question_type": list(types),
             "question_id": [str(i) for i in range(b)],
             "choices": choices if choices is not None else [[] for _ in range(b)],
             "answer_index": torch.tensor(answer_index if answer_index is not None else [-1] * b)}
    return batch


def logged(task, monkeypatch):
    """Run the task's validation epoch end and return what it logs."""
    values = {}
    monkeypatch.setattr(task, "log_dict", lambda d, **kw: values.update({k: float(v) for k, v in d.items()}))
    task.on_validation_epoch_end()
    return values


def fixed_open_logits(monkeypatch, task, rows):
    logits = torch.tensor(rows, dtype=torch.float32)
    monkeypatch.setattr(task, "open_logits", lambda fused: logits)


# ---------------------------------------------------------------------- open-ended accuracy
def test_open_accuracy_overall_per_type_and_oov(monkeypatch):
    task = make_task()
    # predictions (arg-max): red, square, blue, circle, red
    fixed_open_logits(monkeypatch, task, [[5, 0, 0, 0], [0, 0, 1, 3], [0, 2, 1, 0], [0, 0, 4, 1],
                                          [9, 0, 0, 0]])
    batch = make_batch(["q0", "q1", "q2", "q3", "q4"],
                       ["red", "square", "red", "circle", "purple"],  # purple: out of vocabulary
                       ["colour", "shape", "colour", "shape", "colour"])
    with torch.no_grad():
        task.validation_step(batch, 0)
    values = logged(task, monkeypatch)
    # right: q0, q1, q3; wrong: q2, and q4 (OOV truth, stays in the denominator)
    assert values["val/acc"] == pytest.approx(3 / 5)
    assert values["val/acc_colour"] == pytest.approx(1 / 3)
    assert values["val/acc_shape"] == pytest.approx(2 / 2)
    assert values["val/oov_rate"] == pytest.approx(1 / 5)
    # metrics are reset after logging
    assert task.metrics_of("val")["acc"].update_count == 0


def test_open_accuracy_averages_probabilities_over_views(monkeypatch):
    task = make_task()
    # one question, 2 views: view 0 is confident "blue", view 1 mildly "red" -> mean says blue
    fixed_open_logits(monkeypatch, task, [[0, 6, 0, 0], [1, 0, 0, 0]])
    batch = make_batch(["q"], ["blue"], ["colour"], views=2)
    with torch.no_grad():
        task.validation_step(batch, 0)
        probs = task(batch["video"], batch["question"], batch.get("choices"))
    expected = torch.tensor([[0, 6, 0, 0], [1, 0, 0, 0.]]).softmax(-1).mean(0)
    assert torch.allclose(probs[0], expected)
    assert logged(task, monkeypatch)["val/acc"] == 1.0


def test_predict_returns_answers(monkeypatch):
    task = make_task()
    fixed_open_logits(monkeypatch, task, [[0, 0, 0, 2], [3, 0, 0, 0]])
    batch = make_batch(["which shape?", "which colour?"], ["square", "red"], ["shape", "colour"])
    with torch.no_grad():
        out = task.predict_step(batch, 0)
    assert [o["answer"] for o in out] == ["square", "red"]
    assert [o["question"] for o in out] == batch["question"] and out[0]["video_id"] == "v0"
    assert [o["question_id"] for o in out] == ["0", "1"]
    probs = torch.tensor([3., 0, 0, 0]).softmax(0)
    assert out[1]["score"] == pytest.approx(probs[0].item(), abs=1e-4)
    # the four answers of the vocabulary, most probable first (the three ties in vocabulary order)
    assert [t["answer"] for t in out[1]["top"]] == ["red", "blue", "circle", "square"]
    assert [t["probability"] for t in out[1]["top"]] == pytest.approx(probs.tolist(), abs=1e-4)


def test_prediction_inputs_take_a_question_and_for_mc_its_choices():
    open_task, mc = make_task(), make_task("mc")
    assert open_task.prediction_inputs(["  what   colour?"]) == {"question": ["what colour?"]}
    with pytest.raises(ValueError, match="give the question as the first text"):
        open_task.prediction_inputs([])
    with pytest.raises(ValueError, match="takes no choices"):
        open_task.prediction_inputs(["what colour?", "red", "blue"])
    expected = {"question": ["what colour?"], "choices": [["red", "blue"]]}
    assert mc.prediction_inputs(["what colour?", "red", "blue"]) == expected
    assert mc.prediction_inputs(["what colour?"], choices=["red", "blue"]) == expected
    with pytest.raises(ValueError, match="not both"):
        mc.prediction_inputs(["what colour?", "red"], choices=["blue", "green"])
    for bad in (["what colour?", "red"], ["what colour?", "red", "red"]):
        with pytest.raises(ValueError, match="at least two different choices"):
            mc.prediction_inputs(bad)
    with pytest.raises(ValueError, match="choices= only"):
        mc.prediction_inputs(["q?", "a", "b"], beam_size=2)


def test_mc_prediction_ranks_the_given_choices(monkeypatch):
    task = make_task("mc")
    scores = torch.tensor([[0.5, 2.0, 1.0]])
    monkeypatch.setattr(task, "choice_logits", lambda features, fused, q, c: (scores, None))
    frames = torch.randint(0, 256, (6, 64, 64, 3), dtype=torch.uint8).numpy()
    result = task.predict(frames, ["what colour?", "red", "blue", "green"], fps=4)
    probs = scores[0].softmax(0)
    assert result["answer"] == "blue" and result["answer_index"] == 1
    assert [t["answer"] for t in result["top"]] == ["blue", "green", "red"]
    assert [t["probability"] for t in result["top"]] == pytest.approx(probs[[1, 2, 0]].tolist(), abs=1e-4)
    assert "question_id" not in result and result["question"] == "what colour?"


# ---------------------------------------------------------------------- multiple choice
def test_mc_picks_highest_candidate_with_uneven_choices(monkeypatch):
    task = make_task("mc")
    scores = torch.tensor([[0.1, 0.9, 0.3, float("-inf")], [2.0, 1.0, 0.5, 4.0]])
    monkeypatch.setattr(task, "choice_logits", lambda features, fused, q, c: (scores, None))
    batch = make_batch(["q0", "q1"], ["b", "w"], ["colour", "shape"],
                       choices=[["a", "b", "c"], ["x", "y", "z", "w"]], answer_index=[1, 0])
    with torch.no_grad():
        probs = task(batch["video"], batch["question"], batch.get("choices"))
        out = task.predict_step(batch, 0)
        task.validation_step(batch, 0)
    assert probs[0, 3] == 0  # no 4th choice
    assert [o["answer_index"] for o in out] == [1, 3] and [o["answer"] for o in out] == ["b", "w"]
    values = logged(task, monkeypatch)
    assert values["val/acc"] == 0.5 and values["val/acc_colour"] == 1.0 and values["val/acc_shape"] == 0.0
    assert "val/oov_rate" not in values


def test_mc_scores_at_init_are_clip_matching_of_video_and_question_answer():
    """fc2 starts at zero, so the fused feature is the video embedding: scores are CLIP's
    logit_scale * cos(video, "question answer"); padded candidates score -inf."""
    task = make_task("mc").eval()
    batch = make_batch(["what colour?", "what shape?"], ["red", "circle"], TYPES,
                       choices=[["red", "blue"], ["circle", "square", "star"]], answer_index=[0, 0])
    with torch.no_grad():
        features = task.encode_video(batch["video"])
        fused, _ = task.fuse(features, batch["question"])
        scores, _ = task.choice_logits(features, fused, batch["question"], batch["choices"])
        video = F.normalize(features.video, dim=-1)
        scale = task.model.logit_scale.exp()
        for b, (question, choices) in enumerate(zip(batch["question"], batch["choices"])):
            text = F.normalize(task.model.encode_text([f"{question} {c}" for c in choices]), dim=-1)
            assert torch.allclose(scores[b, :len(choices)], scale * text @ video[b], atol=1e-5)
    assert scores[0, 2] == float("-inf")


# ---------------------------------------------------------------------- training
def test_open_training_drops_oov_questions_and_counts_them(monkeypatch):
    task = make_task()
    rows = torch.randn(3, 4, requires_grad=True)
    monkeypatch.setattr(task, "open_logits", lambda fused: rows)
    batch = make_batch(["q0", "q1", "q2"], ["blue", "purple", "circle"], ["colour"] * 3)
    loss = task.training_step(batch, 0)
    expected = F.cross_entropy(rows[[0, 2]], torch.tensor([1, 2]))
    assert torch.allclose(loss, expected) and task.dropped_oov == 1
    only_oov = make_batch(["q"], ["purple"], ["colour"])
    rows = torch.randn(1, 4, requires_grad=True)
    loss = task.training_step(only_oov, 0)
    loss.backward()
    assert loss.item() == 0.0 and torch.equal(rows.grad, torch.zeros_like(rows))
    assert task.dropped_oov == 2


@pytest.mark.parametrize("mode", ["open", "mc"])
def test_training_step_gradients_reach_exactly_the_trainable_parameters(mode):
    task = make_task(mode, variant="seqtransf")
    batch = make_batch(["what colour is it?", "which shape is it?"], ["red", "square"], TYPES,
                       choices=[["red", "blue"], ["circle", "square"]], answer_index=[0, 1])
    loss = task.training_step(batch, 0)
    assert torch.isfinite(loss)
    loss.backward()
    for name, param in task.named_parameters():
        assert (param.grad is not None) == param.requires_grad, name
    trainable = {n.split(".")[0] for n, p in task.named_parameters() if p.requires_grad}
    assert trainable == ({"model", "fusion", "classifier"} if mode == "open" else {"model", "fusion"})
    assert not any(p.requires_grad for p in task.model.backbone.parameters())
    # the temporal head and the answer scoring both learn
    assert task.model.temporal.position_embedding.grad.abs().sum() > 0
    assert task.fusion.fc2.weight.grad.abs().sum() > 0
    # frozen text tower: question (and candidate) embeddings come from the cache, without graph
    assert "what colour is it?" in task._text_cache
    assert not task._text_cache["what colour is it?"].requires_grad


def test_trainable_text_tower_is_not_cached_and_learns():
    task = make_task("mc")
    task.model.backbone.clip.ln_final.requires_grad_(True)
    assert task.model.text_is_trainable
    batch = make_batch(["q0", "q1"], ["a", "d"], TYPES, choices=[["a", "b"], ["c", "d"]],
                       answer_index=[0, 1])
    task.training_step(batch, 0).backward()
    assert task.model.backbone.clip.ln_final.weight.grad.abs().sum() > 0
    assert not task._text_cache


def test_text_cache_filled_in_inference_mode_serves_training():
    task = make_task()
    with torch.inference_mode():
        task.text_embeddings(["q0"])
    loss = task.training_step(make_batch(["q0"], ["red"], ["colour"]), 0)
    loss.backward()
    assert task.classifier[1].weight.grad is not None


# ---------------------------------------------------------------------- bad input
def test_bad_arguments_and_batches_raise_clearly(tmp_path):
    with pytest.raises(ValueError, match="mode"):
        make_task("free")
    with pytest.raises(ValueError, match="answer_vocab"):
        make_task("open", answer_vocab=None)
    with pytest.raises(ValueError, match="not in question_types"):
        make_task(question_type_groups={"C": ["colour", "why"]})
    with pytest.raises(ValueError, match="choice_template"):
        make_task("mc", choice_template="{question} {choice}")
    task = make_task("mc")
    batch = make_batch(["q0"], ["a"], ["colour"])
    with pytest.raises(ValueError, match="qa_format mc"):
        task.training_step(batch, 0)
    batch = make_batch(["q0"], ["a"], ["colour"], choices=[["a", "b"]], answer_index=[2])
    with pytest.raises(ValueError, match="answer_index"):
        task.training_step(batch, 0)
    batch = make_batch(["q0"], ["a"], ["why"], choices=[["a", "b"]], answer_index=[0])
    with pytest.raises(ValueError, match="why"), torch.no_grad():
        task.validation_step(batch, 0)
    with pytest.raises(ValueError, match="no question"):
        task.training_step(make_batch([""], ["a"], ["colour"], choices=[["a"]], answer_index=[0]), 0)


def test_answer_vocab_from_a_file_and_its_errors(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("red\nup and down\n")
    assert read_answer_vocab(str(path)) == ["red", "up and down"]
    assert make_task(answer_vocab=str(path)).classifier[1].out_features == 2
    path.write_text("red\n\nblue\n")
    with pytest.raises(ValueError, match="line 2"):
        read_answer_vocab(path)
    with pytest.raises(ValueError, match="repeats"):
        read_answer_vocab(["red", "blue", "red"])
    with pytest.raises(FileNotFoundError, match="answer_vocab"):
        read_answer_vocab(str(tmp_path / "missing.txt"))


def test_top_answers_is_the_most_frequent_first():
    answers = ["b", "a", "c", "a", "b", "a", "d"]
    assert top_answers(answers, k=2) == ["a", "b"]
    assert top_answers(answers, k=10) == ["a", "b", "c", "d"]  # ties keep first-seen order


def test_question_type_groups_are_reported(monkeypatch):
    task = make_task(question_types=["CW", "CH", "TN"], question_type_groups={"C": ["CW", "CH"]})
    fixed_open_logits(monkeypatch, task, [[1, 0, 0, 0], [1, 0, 0, 0], [1, 0, 0, 0]])
    batch = make_batch(["q0", "q1", "q2"], ["red", "blue", "red"], ["CW", "CH", "TN"])
    with torch.no_grad():
        task.validation_step(batch, 0)
    values = logged(task, monkeypatch)
    assert values["val/acc_C"] == 0.5 and values["val/acc_TN"] == 1.0 and values["val/acc_CH"] == 0.0


# ---------------------------------------------------------------------- through Lightning
@pytest.mark.parametrize("mode", ["open", "mc"])
def test_fast_dev_run_fit_and_predict_on_the_world(mode):
    data = WorldDataModule(train_size=2, val_size=1, test_size=1, world_frames=8, batch_size=2,
                           qa_format=mode, eval_qa="expand")
    info = data.dataset_info()
    assert info["answer_vocab"] == ANSWER_VOCAB and info["question_types"] == list(QUESTION_TYPES)
    task = make_task(mode, variant="seqtransf", answer_vocab=info["answer_vocab"],
                     question_types=info["question_types"])
    data.connect(task.preprocess)
    trainer = L.Trainer(fast_dev_run=1, accelerator="cpu", logger=False, enable_progress_bar=False,
                        enable_model_summary=False, enable_checkpointing=False)
    trainer.fit(task, datamodule=data)
    metrics = trainer.callback_metrics
    assert math.isfinite(float(metrics["train/loss"]))
    assert 0.0 <= float(metrics["val/acc"]) <= 1.0
    assert len(data.datasets["val"]) == len(QUESTION_TYPES)  # every question of the clip
    predictions = trainer.predict(task, datamodule=data)
    item = predictions[0][0]
    assert item["video_id"] == "world-test-000000"
    if mode == "open":
        assert item["answer"] in ANSWER_VOCAB
    else:
        assert item["answer"] == data.datasets["test"][0]["choices"][item["answer_index"]]


def test_recipe_fills_the_answer_vocabulary_from_the_datamodule():
    from zoo.runner import run_cli

    cli = run_cli(["--recipe", "qa/postnet", "--model.model.backbone_pretrained", "false",
                   "--model.mode", "mc", "--data.qa_format", "mc"], run=False)
    assert isinstance(cli.model, QATask) and cli.model.mode == "mc"
    assert cli.model.hparams.answer_vocab == ANSWER_VOCAB
    assert cli.model.question_types == list(QUESTION_TYPES)
    assert cli.datamodule.eval_qa == "expand" and cli.datamodule.qa_format == "mc"


# ---------------------------------------------------------------------- count (TGIF-QA)
def fixed_count_outputs(task, outputs):
    """Make the count head output ``outputs`` (one row per view) whatever the video."""
    values = torch.tensor(outputs, dtype=torch.float32)

    class Fixed(torch.nn.Module):
        def forward(self, fused):
            return values[:len(fused), None]

    task.classifier = Fixed()


def test_count_rounds_half_up_clamps_and_scores_mse_as_hcrn(monkeypatch):
    task = make_task(mode="count", question_types=None)
    # raw 2.5 -> 3 (half up, not half-to-even 2), 0.2 -> 0 -> clamped to 1, 12.7 -> 13 -> 10, 4.49 -> 4
    fixed_count_outputs(task, [2.5, 0.2, 12.7, 4.49])
    batch = make_batch(["how many?"] * 4, ["3", "0", "7", "4"], ["count"] * 4)
    with torch.no_grad():
        assert task(batch["video"], batch["question"]).tolist() == [3.0, 1.0, 10.0, 4.0]
        task.validation_step(batch, 0)
    values = logged(task, monkeypatch)
    assert values["val/mse"] == pytest.approx((0 + 1 + 9 + 0) / 4)
    assert values["val/acc"] == pytest.approx(2 / 4)
    assert [p["answer"] for p in task.predict_batch(batch)] == ["3", "1", "10", "4"]


def test_count_averages_views_before_rounding():
    task = make_task(mode="count", question_types=None, count_range=(0, 10))
    fixed_count_outputs(task, [1.0, 2.2, 5.0, 6.0])  # two videos x two views: means 1.6 and 5.5
    batch = make_batch(["q", "q"], ["2", "6"], ["count"] * 2, views=2)
    with torch.no_grad():
        assert task(batch["video"], batch["question"]).tolist() == [2.0, 6.0]


def test_count_trains_with_squared_error_and_names_a_bad_answer():
    task = make_task(mode="count", question_types=None)
    batch = make_batch(["how many?", "how many?"], ["2", "5"], ["count"] * 2)
    features = task.encode_video(batch["video"])
    loss = task.task_loss(batch, features).loss
    fused, _ = task.fuse(features, batch["question"])
    expected = F.mse_loss(task.classifier(fused).squeeze(-1), torch.tensor([2.0, 5.0]))
    assert float(loss.detach()) == pytest.approx(float(expected.detach()))
    loss.backward()
    assert task.classifier[1].weight.grad is not None
    with pytest.raises(ValueError, match="video v1: count QA needs a number"):
        task.task_loss(make_batch(["q", "q"], ["2", "many"], ["count"] * 2), features)
    with pytest.raises(ValueError, match="count_range"):
        make_task(mode="count", count_range=(5, 1))
