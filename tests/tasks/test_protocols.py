"""Evaluation and training protocols: every view counts, novel classes stay out of training.

Multi-view evaluation (clips × crops, a ``[B, V, T, 3, H, W]`` batch) must combine *every* view
the way each task documents it. The views below are different random clips, so they disagree;
the expected result is built by running each view on its own and combining by hand, and each
test also checks that the first view alone would give something else (so the test can fail).
Base-to-novel training (ViFi-CLIP) must give novel classes no probability mass: the loss is the
cross-entropy over the base classes only, computed here from the logits by hand.
"""

import math

import pytest
import torch
import torch.nn.functional as F

from zoo.factory import create_model
from zoo.interfaces import VideoFeatures

FRAMES = 2
B, V = 2, 3
CLASSES = ["moving left", "moving right", "growing", "shrinking"]


@pytest.fixture(scope="module")
def clips():
    """``[B, V, T, 3, 64, 64]``: three different clips of each of two videos."""
    return torch.randn(B, V, FRAMES, 3, 64, 64, generator=torch.Generator().manual_seed(5))


def randomised(task, seed=1, scale=0.02):
    """Move the task's trainable parameters by small random amounts, so a head that starts as an
    identity (QA's fusion) or at zero is not a no-op; small, so no softmax saturates."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for param in task.parameters():
            if param.requires_grad:
                param.add_(scale * torch.randn(param.shape, generator=generator))
    return task.eval()


def views_disagree(per_view):
    """``per_view [V, ...]``: the views give different results."""
    assert not torch.allclose(per_view[0], per_view[1], atol=1e-4)
    assert not torch.allclose(per_view[1], per_view[2], atol=1e-4)


# ---------------------------------------------------------------------- recognition
@pytest.mark.parametrize("head", ["linear", "text"])
def test_recognition_averages_the_probabilities_of_every_view(clips, head):
    task = randomised(create_model("postnet_recognition_tiny", variant="seqtransf", num_frames=FRAMES,
                                   class_names=CLASSES, head=head))
    with torch.no_grad():
        multi = task(clips)
        per_view = torch.stack([task(clips[:, v]) for v in range(V)])  # [V, B, K], one view each
    views_disagree(per_view)
    assert torch.allclose(multi, per_view.mean(dim=0), atol=1e-6)
    assert not torch.allclose(multi, per_view[0], atol=1e-4)


def test_zero_shot_prediction_averages_every_view(clips):
    task = randomised(create_model("postnet_recognition_tiny", variant="seqtransf", num_frames=FRAMES,
                                   class_names=CLASSES, head="text"))
    names = ["a red square", "a blue circle", "a green star"]
    with torch.no_grad():
        out = task.predict_batch({"video": clips, "video_id": ["a", "b"], "class_names": [names, names]})
        text = F.normalize(task.model.encode_text([task.prompt_template.format(n) for n in names]), dim=-1)
        scale = task.model.logit_scale.exp()
        per_view = torch.stack([(scale * F.normalize(task.model.encode_video(clips[:, v]).video, dim=-1)
                                 @ text.t()).softmax(dim=-1) for v in range(V)])
    views_disagree(per_view)
    for b, item in enumerate(out):
        got = {entry["class"]: entry["probability"] for entry in item["top"]}
        expected = per_view[:, b].mean(dim=0)
        assert got == {n: pytest.approx(float(p), abs=1e-4) for n, p in zip(names, expected)}


# ---------------------------------------------------------------------- retrieval
def test_retrieval_embeds_a_video_as_the_mean_of_every_normalised_view(clips):
    task = randomised(create_model("postnet_retrieval_tiny", variant="seqtransf", num_frames=FRAMES))
    with torch.no_grad():
        multi = task.embed_videos(clips)
        per_view = torch.stack([F.normalize(task.model.encode_video(clips[:, v]).video, dim=-1)
                                for v in range(V)])  # [V, B, D]
    views_disagree(per_view)
    expected = F.normalize(per_view.mean(dim=0), dim=-1)
    assert torch.allclose(multi, expected, atol=1e-6)
    assert not torch.allclose(multi, per_view[0], atol=1e-3)


def test_retrieval_metrics_rank_the_multi_view_embeddings(clips):
    """The evaluation step ranks the multi-view embedding: the metrics equal those of a run fed
    the hand-averaged embedding directly."""
    task = randomised(create_model("postnet_retrieval_tiny", variant="seqtransf", num_frames=FRAMES))
    captions = [["a red square moves left", "a red square slides left"], ["a blue circle grows"]]
    batch = {"video": clips, "video_id": ["a", "b"], "captions": captions}
    with torch.no_grad():
        task.update_metrics(task.metrics_of("test"), batch, "test")
        got = {k: float(v) for k, v in task.compute_metrics(task.metrics_of("test")).items()}
        per_view = torch.stack([F.normalize(task.model.encode_video(clips[:, v]).video, dim=-1) for v in range(V)])
        texts = F.normalize(task.model.encode_text([c for caps in captions for c in caps]), dim=-1)
    from zoo.metrics.retrieval import retrieval_metrics

    similarity = texts @ F.normalize(per_view.mean(dim=0), dim=-1).t()
    expected = retrieval_metrics(similarity, torch.tensor([0, 0, 1]))
    assert got == {k: pytest.approx(float(v), abs=1e-5) for k, v in expected.items()}


# ---------------------------------------------------------------------- QA
@pytest.mark.parametrize("mode", ["open", "mc"])
def test_qa_averages_the_answer_probabilities_of_every_view(clips, mode):
    kwargs = {"answer_vocab": ["red", "blue", "circle", "square"]} if mode == "open" else {}
    task = randomised(create_model("postnet_qa_tiny", variant="seqtransf", num_frames=FRAMES, mode=mode, **kwargs))
    questions = ["what colour is the square?", "what shape grows?"]
    choices = [["red", "blue", "green"], ["circle", "square", "star"]] if mode == "mc" else None
    with torch.no_grad():
        multi = task(clips, questions, choices)
        per_view = torch.stack([task(clips[:, v], questions, choices) for v in range(V)])
    views_disagree(per_view)
    assert torch.allclose(multi, per_view.mean(dim=0), atol=1e-6)
    assert not torch.allclose(multi, per_view[0], atol=1e-4)


# ---------------------------------------------------------------------- captioning
def test_captioning_decodes_from_the_tokens_of_every_view(clips):
    task = create_model("postnet_captioning_tiny", variant="meanp", num_frames=FRAMES, max_length=4).eval()
    with torch.no_grad():
        multi = task.video_memory(task.encode_video(clips))
        per_view = [task.video_memory(task.encode_video(clips[:, v])) for v in range(V)]
    views_disagree(torch.stack(per_view))
    assert multi.shape == (B, V * per_view[0].shape[1], per_view[0].shape[2])
    assert torch.allclose(multi, torch.cat(per_view, dim=1), atol=1e-5)  # views side by side


# ---------------------------------------------------------------------- base-to-novel training
def test_base_to_novel_training_gives_novel_classes_no_mass():
    task = create_model("postnet_recognition_tiny", variant="meanp", num_frames=FRAMES, head="text",
                        class_names=CLASSES, novel_classes=["growing", "shrinking"])
    logits = torch.tensor([[1.0, 2.0, 5.0, 4.0], [0.5, -1.0, 3.0, 0.0]], requires_grad=True)
    task.features_to_logits = lambda features, class_names=None: (logits, None)
    features = VideoFeatures(video=torch.zeros(2, 4), frames=torch.zeros(2, 1, 4), tokens=None,
                             grid=(1, 1), pooled=torch.zeros(2, 4))
    loss = task.task_loss({"label": torch.tensor([0, 1]), "video_id": ["a", "b"]}, features).loss
    # by hand, over the base classes 0 and 1 only: -log softmax([1, 2])[0], -log softmax([0.5, -1])[1]
    first = -(1.0 - math.log(math.exp(1.0) + math.exp(2.0)))
    second = -(-1.0 - math.log(math.exp(0.5) + math.exp(-1.0)))
    assert float(loss.detach()) == pytest.approx((first + second) / 2, rel=1e-6)
    loss.backward()
    assert torch.equal(logits.grad[:, 2:], torch.zeros(2, 2))  # no gradient reaches a novel class
    assert (logits.grad[:, :2].abs() > 0).all()
    with pytest.raises(ValueError, match="novel classes"):
        task.task_loss({"label": torch.tensor([0, 3]), "video_id": ["a", "b"]}, features)


def test_without_novel_classes_every_class_is_trained():
    task = create_model("postnet_recognition_tiny", variant="meanp", num_frames=FRAMES, head="text",
                        class_names=CLASSES)
    logits = torch.tensor([[1.0, 2.0, 5.0, 4.0]])
    task.features_to_logits = lambda features, class_names=None: (logits, None)
    features = VideoFeatures(video=torch.zeros(1, 4), frames=torch.zeros(1, 1, 4), tokens=None,
                             grid=(1, 1), pooled=torch.zeros(1, 4))
    loss = task.task_loss({"label": torch.tensor([3]), "video_id": ["a"]}, features).loss
    expected = -(4.0 - math.log(sum(math.exp(x) for x in (1.0, 2.0, 5.0, 4.0))))
    assert float(loss) == pytest.approx(expected, rel=1e-6)
