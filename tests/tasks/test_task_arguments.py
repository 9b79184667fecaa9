"""Every dropout and label-smoothing argument a task accepts acts, and only when it should.

Dropout: with a rate > 0 two forward passes in training mode differ and evaluation is
deterministic; at rate 0 training is deterministic too. Label smoothing: the loss equals
``(1 - ε) · CE + ε · mean_k(-log p_k)``, computed here from the logits.
"""

import pytest
import torch
import torch.nn.functional as F

from zoo.factory import create_model
from zoo.interfaces import VideoFeatures

FRAMES = 2
CLASSES = ["moving left", "moving right", "growing", "shrinking"]


def smoothed_cross_entropy(logits: torch.Tensor, targets: torch.Tensor, epsilon: float) -> torch.Tensor:
    log_p = logits.log_softmax(dim=-1)
    nll = -log_p.gather(1, targets[:, None])[:, 0]
    uniform = -log_p.mean(dim=-1)
    return ((1 - epsilon) * nll + epsilon * uniform).mean()


def features(pooled: torch.Tensor) -> VideoFeatures:
    return VideoFeatures(video=pooled, frames=pooled[:, None], tokens=None, grid=(1, 1), pooled=pooled)


def assert_dropout_acts_in_training_only(module, run, active: bool):
    with torch.no_grad():
        module.train()
        first, second = run(), run()
        assert torch.equal(first, second) == (not active)
        module.eval()
        assert torch.equal(run(), run())


# ---------------------------------------------------------------------- recognition
@pytest.mark.parametrize("rate", [0.0, 0.5])
def test_recognition_head_dropout(rate):
    task = create_model("postnet_recognition_tiny", variant="meanp", num_frames=FRAMES,
                        class_names=CLASSES, head_dropout=rate)
    pooled = torch.randn(16, task.model.feature_dim)
    assert_dropout_acts_in_training_only(task, lambda: task.features_to_logits(features(pooled))[0], rate > 0)


def test_recognition_label_smoothing_and_its_default():
    logits = torch.tensor([[2.0, 0.5, -1.0, 0.0], [0.1, 0.2, 3.0, -0.5]])
    labels = torch.tensor([1, 2])
    batch = {"label": labels, "video_id": ["a", "b"]}
    for epsilon in (None, 0.3):
        args = {} if epsilon is None else {"label_smoothing": epsilon}
        task = create_model("postnet_recognition_tiny", variant="meanp", num_frames=FRAMES, head="text",
                            class_names=CLASSES, **args)
        task.features_to_logits = lambda f, class_names=None: (logits, None)
        loss = task.task_loss(batch, features(torch.zeros(2, 4))).loss
        expected = smoothed_cross_entropy(logits, labels, epsilon or 0.0)
        assert float(loss) == pytest.approx(float(expected), rel=1e-6)
    assert float(smoothed_cross_entropy(logits, labels, 0.3)) != pytest.approx(float(F.cross_entropy(logits, labels)))


# ---------------------------------------------------------------------- QA
@pytest.mark.parametrize("rate", [0.0, 0.5])
def test_qa_head_dropout(rate):
    task = create_model("postnet_qa_tiny", variant="meanp", num_frames=FRAMES,
                        answer_vocab=["red", "blue", "circle"], head_dropout=rate)
    fused = torch.randn(16, task.model.embed_dim)
    assert_dropout_acts_in_training_only(task, lambda: task.open_logits(fused), rate > 0)


# ---------------------------------------------------------------------- captioning
@pytest.fixture(scope="module")
def caption_memory():
    task = create_model("postnet_captioning_tiny", variant="meanp", num_frames=FRAMES).eval()
    with torch.no_grad():
        return task.video_memory(task.encode_video(torch.randn(2, FRAMES, 3, 64, 64)))


@pytest.mark.parametrize("rate", [None, 0.0])
def test_captioning_decoder_dropout_default_and_zero(caption_memory, rate):
    args = {} if rate is None else {"decoder_dropout": rate}
    task = create_model("postnet_captioning_tiny", variant="meanp", num_frames=FRAMES, **args)
    tokens = task.model.tokenize(["a red square moves left", "a blue circle"])[:, :6]
    # default 0.1: the decoder drops in training mode
    assert_dropout_acts_in_training_only(task, lambda: task.caption_decoder(tokens, caption_memory), rate is None)


def test_captioning_label_smoothing(caption_memory):
    task = create_model("postnet_captioning_tiny", variant="meanp", num_frames=FRAMES,
                        label_smoothing=0.2).eval()
    tokens = task.model.tokenize(["a red square", "a blue circle grows"])
    with torch.no_grad():
        loss = task.caption_loss(caption_memory, tokens)
        end = (tokens == task.end_id).int().argmax(dim=1)
        length = int(end.max())
        logits = task.caption_decoder(tokens[:, :length], caption_memory)
    # targets: the tokens after the start token up to and including the end token
    rows = [(b, i) for b in range(2) for i in range(int(end[b]))]
    picked = torch.stack([logits[b, i] for b, i in rows])
    targets = torch.stack([tokens[b, i + 1] for b, i in rows])
    assert float(loss) == pytest.approx(float(smoothed_cross_entropy(picked.float(), targets, 0.2)), rel=1e-5)
