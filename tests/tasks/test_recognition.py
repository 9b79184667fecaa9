"""Recognition: heads, multi-view averaging, metrics (closed set, groups, base-to-novel)."""

import pytest
import torch
import torch.nn.functional as F

from zoo.interfaces import VideoFeatures
from zoo.tasks.recognition import read_class_names
from zoo.factory import create_model

NAMES = ["moving left", "moving right", "growing", "shrinking"]


def make(**kwargs):
    kwargs.setdefault("class_names", NAMES)
    return create_model("postnet_recognition_tiny", variant="meanp", num_frames=2, **kwargs)


def fake_features(task, pooled: torch.Tensor, video: torch.Tensor):
    """Make the model return fixed features (one row per view)."""
    def encode_video(v):
        return VideoFeatures(video=video, frames=video[:, None], tokens=None, grid=(1, 1), pooled=pooled)
    task.model.encode_video = encode_video


def test_multi_view_probabilities_are_averaged():
    task = make()
    torch.manual_seed(1)
    views = torch.randn(2, 3, 2, 3, 64, 64)  # B=2 videos, V=3 views
    with torch.no_grad():
        multi = task(views)
        single = torch.stack([torch.stack([task(views[b, v][None])[0] for v in range(3)]).mean(0)
                              for b in range(2)])
    assert multi.shape == (2, 4)
    assert torch.allclose(multi, single, atol=1e-6)
    assert torch.allclose(multi.sum(-1), torch.ones(2))


def test_text_head_is_scaled_cosine():
    task = make(head="text")
    video = torch.tensor([[1.0] + [0.0] * 127])
    fake_features(task, video, video)
    text = F.normalize(torch.randn(4, 128), dim=-1)
    task.class_text_embeddings = lambda names=None: text
    features = task.encode_video(torch.zeros(1, 2, 3, 64, 64))
    assert features.views == 1
    logits, _ = task.features_to_logits(features)
    expected = task.model.logit_scale.exp() * text[:, 0]
    assert torch.allclose(logits[0], expected, atol=1e-5)


def test_base_to_novel_metrics_hand_computed():
    task = make(head="text", novel_classes=["growing", "shrinking"],
                class_groups={"horizontal": ["moving left", "moving right"]})
    # 4 test clips with labels 0, 1 (base) and 2, 3 (novel); the fixed probabilities below give:
    # base clips ranked among base classes: clip0 -> 0 (right), clip1 -> 0 (wrong)  => base 50%
    # novel clips among novel classes: clip2 -> 2 (right), clip3 -> 3 (right)        => novel 100%
    probs = torch.tensor([[0.4, 0.1, 0.45, 0.05],
                          [0.5, 0.2, 0.1, 0.2],
                          [0.6, 0.0, 0.3, 0.1],
                          [0.1, 0.1, 0.3, 0.5]])
    task.forward = lambda video: probs
    task.update_metrics(task.metrics_of("test"), {"video": None, "label": torch.tensor([0, 1, 2, 3])}, "test")
    logged = {}
    task.log_dict = lambda values, **_: logged.update({k: float(v) for k, v in values.items()})
    task.log_metrics("test")
    assert logged["test/base_top1"] == pytest.approx(0.5)
    assert logged["test/novel_top1"] == pytest.approx(1.0)
    assert logged["test/hm"] == pytest.approx(2 * 0.5 * 1.0 / 1.5)
    # all-class top-1: argmax over all 4 -> [2, 0, 0, 3] vs [0, 1, 2, 3] => 1 of 4
    assert logged["test/top1"] == pytest.approx(0.25)
    # horizontal group (clips 0, 1): predictions 2 and 0 => 0 of 2
    assert logged["test/horizontal_top1"] == pytest.approx(0.0)


def test_training_refuses_novel_labels_and_masks_novel_columns():
    task = make(head="text", novel_classes=["shrinking"])
    batch = {"video": torch.randn(2, 2, 3, 64, 64), "label": torch.tensor([0, 3]), "video_id": ["a", "b"]}
    with pytest.raises(ValueError, match="novel classes"):
        task.training_step(batch, 0)
    batch["label"] = torch.tensor([0, 2])
    task.log = lambda *a, **k: None
    loss = task.training_step(batch, 0)
    assert torch.isfinite(loss)


def test_linear_head_reads_pooled_and_counts():
    task = make()
    assert task.head[1].in_features == task.model.feature_dim
    assert task.parameter_counts()["trainable"] == task.model.feature_dim * 4 + 4


def test_argument_errors(tmp_path):
    with pytest.raises(ValueError, match="needs class_names"):
        make(class_names=None)
    with pytest.raises(ValueError, match="num_classes=3"):
        make(num_classes=3)
    with pytest.raises(ValueError, match="text head"):
        make(class_names=None, num_classes=4, head="text")
    with pytest.raises(ValueError, match="not in class_names"):
        make(novel_classes=["jumping"])
    label_map = tmp_path / "labels.txt"
    label_map.write_text("a\nb\n\nc\n")
    with pytest.raises(ValueError, match="empty line 3"):
        read_class_names(str(label_map))
    label_map.write_text("a\nb\n")
    assert read_class_names(str(label_map)) == ["a", "b"]


# ---------------------------------------------------------------------- prediction
def test_predict_batch_top5_of_the_head_probabilities():
    task = make(class_names=["a", "b", "c", "d", "e", "f"])
    probs = torch.tensor([[0.05, 0.3, 0.05, 0.2, 0.25, 0.15]])
    task.probabilities = lambda features: probs
    out = task.predict_batch({"video": torch.zeros(1, 2, 3, 64, 64), "video_id": ["v"]})
    assert out == [{"video_id": "v", "top": [{"class": c, "probability": p} for c, p in
                                             [("b", 0.3), ("e", 0.25), ("d", 0.2), ("f", 0.15), ("a", 0.05)]]}]


def test_predict_batch_among_given_names_is_zero_shot_over_views():
    """Given names, each view is classified by scaled cosine with the names' text embeddings and
    the probabilities of a video's views are averaged, whatever the model's own head."""
    task = make()
    views = torch.tensor([[1.0, 0.0], [0.0, 1.0]])  # one video, two views
    fake_features(task, views, views)
    text = torch.tensor([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0]])
    task.class_text_embeddings = lambda names=None: text[:len(names)]
    scale = float(task.model.logit_scale.exp())
    expected = ((scale * views @ text.t()).softmax(-1)).mean(0)
    out = task.predict_batch({"video": torch.zeros(1, 2, 2, 3, 64, 64), "video_id": ["v"],
                              "class_names": [["x", "y", "z"]]})[0]
    assert out["zero_shot"] is True
    assert {t["class"]: t["probability"] for t in out["top"]} == \
        pytest.approx(dict(zip("xyz", expected.tolist())), abs=1e-4)


def test_prediction_inputs_take_class_names_or_nothing():
    with pytest.raises(ValueError, match="built without its text tower"):
        make().prediction_inputs(["moving up", "spinning"])
    task = make(text_tower=True)
    assert task.prediction_inputs([]) == {}
    assert task.prediction_inputs(["  moving   up", "spinning"]) == {"class_names": [["moving up", "spinning"]]}
    for bad in (["one"], ["a", "a"], ["a", " "]):
        with pytest.raises(ValueError, match="at least two different"):
            task.prediction_inputs(bad)
    with pytest.raises(ValueError, match="no prediction options"):
        task.prediction_inputs([], top_k=3)
