"""Every metric a task logs is tied to its name by a case computed by hand.

A swapped name (BLEU-4 logged as ROUGE-L, top-5 as mean-class, text→video as video→text), a
metric computed against the first reference or caption only, or one that forgets an earlier
batch changes one of these numbers. Each case is built so that every logged value differs from
every other, and the expected numbers come from counts written out below, not from the code.
Captioning's case also gives the same BLEU and ROUGE-L under torchmetrics' definitions (no
zero n-gram counts, no tie in the closest reference length, and the reference with the longest
common subsequence has the hypothesis' length), so it holds whichever implementation scores it.
"""

import math

import pytest
import torch
from caption_case import CAPTION_BATCHES, PRECISIONS, ROUGE_L, cider_by_hand

from zoo.factory import create_model

FRAMES = 2


def logged_metrics(task, stage="test"):
    """Run ``log_metrics(stage)`` and return what it logs, as floats."""
    values = {}
    task.log_dict = lambda d, **kw: values.update({k: float(v) for k, v in d.items()})
    task.log_metrics(stage)
    return values


def assert_logged(values, expected, stage="test", rel=1e-6):
    assert set(values) == {f"{stage}/{name}" for name in expected}, sorted(values)
    for name, value in expected.items():
        assert values[f"{stage}/{name}"] == pytest.approx(value, rel=rel, abs=1e-9), name
    distinct = sorted(expected.values())
    assert all(b - a > 1e-3 for a, b in zip(distinct, distinct[1:])), "the case must tell every name apart"


# ---------------------------------------------------------------------- captioning
# The case and its hand computation: tests/caption_case.py
def test_captioning_logs_each_coco_metric_under_its_own_name():
    task = create_model("postnet_captioning_tiny", variant="meanp", num_frames=FRAMES, max_length=6).eval()
    for batch in CAPTION_BATCHES:
        task.generate_ids = lambda memory, *a, h=batch["hypothesis"], **k: [[text] for text in h]
        task.decode_tokens = lambda ids: ids[0]
        with torch.no_grad():
            task.update_metrics(task.metrics_of("test"), {
                "video": torch.zeros(len(batch["video_id"]), FRAMES, 3, 64, 64),
                "video_id": batch["video_id"], "captions": batch["references"]}, "test")
    bleu = {f"Bleu_{n}": math.prod(PRECISIONS[:n]) ** (1 / n) for n in range(1, 5)}
    assert bleu["Bleu_4"] == pytest.approx((8 / 35) ** 0.25)
    expected = {**bleu, "ROUGE_L": ROUGE_L, "CIDEr": cider_by_hand()}
    assert_logged(logged_metrics(task), expected)
    assert task.headline in expected and {name for _, name in task.columns} <= set(expected)


# ---------------------------------------------------------------------- recognition
CLASSES = ["left", "right", "up", "down", "grow", "shrink"]  # grow, shrink: novel
PROBS = torch.tensor([
    [.40, .20, .15, .10, .09, .06],  # label 0: top-1 yes, base yes
    [.30, .25, .20, .12, .08, .05],  # label 1: top-1 no (0), top-5 yes, base no (0)
    [.05, .10, .15, .12, .22, .28],  # label 2: top-1 no (5), top-5 yes, base yes (2)
    [.05, .10, .14, .30, .25, .16],  # label 3: top-1 yes, base yes
    [.35, .25, .15, .10, .09, .06],  # label 4: top-1 no, top-5 yes (5 is last), novel yes (.09 > .06)
    [.11, .20, .30, .05, .25, .09],  # label 5: top-1 no, top-5 yes (3 is last), novel no (.25 > .09)
    [.02, .30, .25, .20, .13, .10],  # label 0: top-1 no, top-5 no (0 is last), base no (1)
    [.11, .12, .40, .07, .20, .10],  # label 2: top-1 yes, base yes
])
LABELS = torch.tensor([0, 1, 2, 3, 4, 5, 0, 2])


def test_recognition_logs_each_accuracy_under_its_own_name():
    task = create_model("postnet_recognition_tiny", variant="meanp", num_frames=FRAMES, head="text",
                        class_names=CLASSES, novel_classes=["grow", "shrink"],
                        class_groups={"g1": ["left", "right", "up"], "g2": ["left", "up", "down"]})
    for rows in (slice(0, 4), slice(4, 8)):  # two batches: the metrics accumulate
        task.forward = lambda video, p=PROBS[rows]: p
        task.update_metrics(task.metrics_of("test"), {"video": None, "label": LABELS[rows]}, "test")
    base, novel = 4 / 6, 1 / 2   # base clips among base classes: 0, 2, 3, 7 right of 0, 1, 2, 3, 6, 7
    expected = {
        "top1": 3 / 8,                                     # clips 0, 3, 7
        "top5": 7 / 8,                                     # all but clip 6
        "mean_class": (1 / 2 + 0 + 1 / 2 + 1 + 0 + 0) / 6,  # per-class recall, averaged
        "g1_top1": 2 / 5,                                  # clips 0, 1, 2, 6, 7: 0 and 7 right
        "g2_top1": 3 / 5,                                  # clips 0, 2, 3, 6, 7: 0, 3, 7 right
        "base_top1": base, "novel_top1": novel, "hm": 2 * base * novel / (base + novel),
    }
    assert_logged(logged_metrics(task), expected)


# ---------------------------------------------------------------------- retrieval
NUM_VIDEOS = 12
OWNERS = [0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]  # videos 0 and 1 have two captions
T2V_RANKS = [3, 6, 1, 1, 1, 1, 1, 3, 4, 1, 11, 12, 2, 8]  # the rank each caption's video gets


def retrieval_case():
    """Videos: the 12 basis vectors. Caption i: 0.5 on its video, a higher value (0.9 - 0.01 k)
    on the ``rank - 1`` next videos, a lower one (0.1 + 0.01 k) on the rest; normalised."""
    texts = torch.zeros(len(OWNERS), NUM_VIDEOS)
    for i, (video, rank) in enumerate(zip(OWNERS, T2V_RANKS)):
        others = [(video + k) % NUM_VIDEOS for k in range(1, NUM_VIDEOS)]
        texts[i, video] = 0.5
        for k, other in enumerate(others):
            texts[i, other] = 0.9 - 0.01 * k if k < rank - 1 else 0.1 + 0.01 * k
    return torch.eye(NUM_VIDEOS), torch.nn.functional.normalize(texts, dim=-1)


def video_to_text_ranks(texts: torch.Tensor) -> list[int]:
    """Video v's rank among the videos when each video w is represented by its caption most
    similar to v (CLIP4Clip's ``tensor_video_to_text_sim``), written as a loop."""
    ranks = []
    for v in range(NUM_VIDEOS):
        best = [max(float(texts[i, v]) for i, w in enumerate(OWNERS) if w == other) for other in range(NUM_VIDEOS)]
        assert len(set(best)) == NUM_VIDEOS  # no ties in this case
        ranks.append(1 + sum(score > best[v] for score in best))
    return ranks


def test_retrieval_logs_both_directions_under_their_own_names():
    task = create_model("postnet_retrieval_tiny", variant="meanp", num_frames=FRAMES)
    videos, texts = retrieval_case()
    for batch_videos in (range(0, 5), range(5, 12)):  # two batches
        rows = [i for i, w in enumerate(OWNERS) if w in batch_videos]
        task.embed_videos = lambda video, v=videos[list(batch_videos)]: v
        task.embed_texts = lambda captions, t=texts[rows]: t
        task.update_metrics(task.metrics_of("test"), {
            "video": torch.zeros(len(batch_videos)), "video_id": [str(v) for v in batch_videos],
            "captions": [[f"caption {i}" for i, w in enumerate(OWNERS) if w == v] for v in batch_videos]},
            "test")
    v2t = video_to_text_ranks(texts)
    assert sorted(T2V_RANKS) == [1, 1, 1, 1, 1, 1, 2, 3, 3, 4, 6, 8, 11, 12]
    assert v2t == [2, 1, 1, 1, 1, 3, 3, 1, 7, 8, 1, 8]  # by the loop; e.g. video 1's captions rank 1 and 1
    expected = {
        "t2v_r1": 100 * 6 / 14, "t2v_r5": 100 * 10 / 14, "t2v_r10": 100 * 12 / 14,
        "t2v_mdr": 2.0,                      # several captions per video: the lower middle of 14
        "t2v_mnr": sum(T2V_RANKS) / 14,      # 55 / 14
        "v2t_r1": 100 * sum(r <= 1 for r in v2t) / 12, "v2t_r5": 100 * sum(r <= 5 for r in v2t) / 12,
        "v2t_r10": 100 * sum(r <= 10 for r in v2t) / 12,
        "v2t_mdr": sum(sorted(v2t)[5:7]) / 2,  # the middle pair's mean
        "v2t_mnr": sum(v2t) / 12,
    }
    values = logged_metrics(task)
    assert set(values) == {f"test/{name}" for name in expected}
    for name, value in expected.items():
        assert values[f"test/{name}"] == pytest.approx(value, rel=1e-6), name
    for stat in ("r1", "r5", "r10", "mdr", "mnr"):  # the directions must be told apart
        assert expected[f"t2v_{stat}"] != pytest.approx(expected[f"v2t_{stat}"], abs=1e-3), stat


# ---------------------------------------------------------------------- QA
def test_qa_logs_each_accuracy_under_its_own_name():
    vocab = ["red", "blue", "circle", "square", "two"]
    task = create_model("postnet_qa_tiny", variant="meanp", num_frames=FRAMES, answer_vocab=vocab,
                        question_types=["colour", "shape", "count"],
                        question_type_groups={"appearance": ["colour", "shape"]})
    items = [  # (truth, type, predicted)
        ("red", "colour", "red"), ("blue", "colour", "red"), ("circle", "shape", "circle"),
        ("square", "shape", "square"), ("purple", "colour", "red"),   # purple: out of vocabulary
        ("two", "count", "two"), ("three", "count", "two"),         # three: out of vocabulary
    ]
    for part in (items[:3], items[3:]):
        logits = torch.stack([torch.eye(len(vocab))[vocab.index(p)] * 5 for _, _, p in part])
        task.open_logits = lambda fused, l=logits: l
        task.update_metrics(task.metrics_of("test"), {
            "video": torch.zeros(len(part), FRAMES, 3, 64, 64), "video_id": [str(i) for i in range(len(part))],
            "question": [f"q{i}" for i in range(len(part))], "answer": [t for t, _, _ in part],
            "question_type": [k for _, k, _ in part]}, "test")
    expected = {"acc": 4 / 7, "acc_colour": 1 / 3, "acc_shape": 2 / 2, "acc_count": 1 / 2,
                "acc_appearance": 3 / 5, "oov_rate": 2 / 7}
    assert_logged(logged_metrics(task), expected)
