"""The world datamodule's QA options: one question kind per split, every question in evaluation."""

import pytest

from zoo.data.world.synthetic import ANSWER_VOCAB, QUESTION_TYPES
from zoo.data.world import WorldDataModule

PREPROCESS = {"mean": (0.5, 0.5, 0.5), "std": (0.5, 0.5, 0.5), "size": 64, "num_frames": 2}


@pytest.mark.parametrize("qa_format", ["open", "mc"])
def test_qa_format_keeps_one_kind_and_eval_expands_every_question(qa_format):
    data = WorldDataModule(train_size=2, val_size=2, test_size=1, world_frames=8,
                           qa_format=qa_format, eval_qa="expand").connect(PREPROCESS)
    for record in data.records("train") + data.records("val"):
        assert len(record.qa) == len(QUESTION_TYPES)
        assert all(bool(qa.choices) == (qa_format == "mc") for qa in record.qa)
    data.setup("fit")
    val, train = data.datasets["val"], data.datasets["train"]
    assert len(val) == 2 * len(QUESTION_TYPES) and len(train) == 2  # training: one per clip
    types = [val.record(i).qa[val.items[i][1]].question_type for i in range(len(QUESTION_TYPES))]
    assert types == list(QUESTION_TYPES)
    item = val[1]
    assert item["question_type"] == QUESTION_TYPES[1] and item["answer"] in ANSWER_VOCAB


def test_defaults_keep_both_kinds_and_the_first_question():
    data = WorldDataModule(train_size=1, val_size=1, test_size=1, world_frames=8).connect(PREPROCESS)
    assert len(data.records("val")[0].qa) == 2 * len(QUESTION_TYPES)
    data.setup("validate")
    assert len(data.datasets["val"]) == 1


def test_bad_qa_options_raise():
    with pytest.raises(ValueError, match="qa_format"):
        WorldDataModule(qa_format="both")
    with pytest.raises(ValueError, match="eval_qa"):
        WorldDataModule(eval_qa="random")
