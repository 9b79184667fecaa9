"""Names parse against closed vocabularies; the registry lists and builds what is implemented."""

import pytest

import zoo
from zoo.factory import create_model, split_overrides
from zoo.registry import PARADIGMS, TASKS, list_models, parse_name


def test_parse_name_with_and_without_tag():
    parsed = parse_name("adapter_recognition_vitb16.openai_k400_8f")
    assert (parsed.paradigm, parsed.task, parsed.backbone, parsed.tag) == (
        "adapter", "recognition", "vitb16", "openai_k400_8f")
    assert parsed.arch == "adapter_recognition_vitb16"
    assert str(parsed) == "adapter_recognition_vitb16.openai_k400_8f"
    assert parse_name("postnet_retrieval_tiny").tag is None


@pytest.mark.parametrize("name, part", [
    ("adaptr_recognition_vitb16", "paradigm 'adaptr'"),
    ("adapter_recogniton_vitb16", "task 'recogniton'"),
    ("adapter_recognition_vitb17", "backbone 'vitb17'"),
])
def test_parse_name_names_the_bad_part(name, part):
    with pytest.raises(ValueError, match=f"unknown {part}"):
        parse_name(name)


@pytest.mark.parametrize("name", ["adapter_recognition", "a_b_c_d", "", "postnet_recognition_tiny."])
def test_parse_name_rejects_malformed(name):
    with pytest.raises(ValueError):
        parse_name(name)


def test_vocabularies_are_identifier_safe():
    for word in list(PARADIGMS) + list(TASKS) + list(zoo.BACKBONES):
        assert word.isidentifier() and "_" not in word


def test_list_models_filters_by_field_and_pattern():
    all_names = list_models()
    assert "postnet_recognition_tiny" in all_names
    assert all(parse_name(n).paradigm == "postnet" for n in list_models(paradigm="postnet"))
    assert list_models("postnet_*_vitb16", task="recognition") == ["postnet_recognition_vitb16"]
    with pytest.raises(ValueError, match="unknown task"):
        list_models(task="segmentation")


def test_create_model_routes_overrides():
    kwargs = split_overrides("recognition", "postnet", {"variant": "mit", "layers": 2, "lr": None})
    assert kwargs == {"variant": "mit", "paradigm_args": {"layers": 2}}
    with pytest.raises(TypeError, match="neither an argument"):
        split_overrides("recognition", "postnet", {"rank": 4})


def test_create_model_builds_task_with_random_backbone():
    task = create_model("postnet_recognition_tiny", variant="meanp", num_classes=7)
    assert task.task == "recognition" and task.model.variant == "meanp"
    assert task.model.backbone.pretrained is None  # pretrained=False: no weights at all
    assert task.parameter_counts()["trainable"] == task.model.feature_dim * 7 + 7
