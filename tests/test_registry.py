"""Names parse against closed vocabularies read from the plugin files; the registry is passive and
agrees with the classes; create_model routes overrides to the task, the spec or the optimiser."""

import dataclasses
import importlib
import subprocess
import sys

import pytest

import zoo
from zoo.factory import create_model, list_models, split_overrides
from zoo.registry import PARADIGMS, TASKS, parse_name


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
    kwargs = split_overrides("recognition", "postnet", {"variant": "mit", "layers": 2, "lr": 0.1,
                                                        "head": "text", "weight_decay": None})
    assert kwargs == {"model": {"variant": "mit", "layers": 2}, "optim": {"lr": 0.1}, "head": "text"}
    with pytest.raises(TypeError, match="neither an argument"):
        split_overrides("recognition", "postnet", {"rank": 4})


def test_the_registry_reads_the_files_and_agrees_with_the_classes():
    """What `zoo list` reads without importing (literal class attributes) is what the imported
    classes say; every plugin declares its spec under the fixed name."""
    import zoo.paradigms
    import zoo.tasks  # noqa: F401

    for registry, attributes in ((PARADIGMS, ("paradigm", "family", "summary", "variants")),
                                 (TASKS, ("task", "summary", "headline"))):
        for plugin_id, info in registry.infos().items():
            cls = registry.class_of(plugin_id)
            assert (cls.__module__, cls.__name__) == (info["module"], info["class"])
            for attribute in attributes:
                assert getattr(cls, attribute) == info[attribute], (plugin_id, attribute)
    for paradigm in PARADIGMS:
        spec = zoo.paradigms.spec_class(paradigm)
        module = importlib.import_module(PARADIGMS.info(paradigm)["module"])
        assert getattr(module, f"{paradigm.capitalize()}Spec") is spec and spec.__name__ == f"{paradigm.capitalize()}Spec"
        fields = {f.name for f in dataclasses.fields(spec)}
        assert {"backbone", "variant", "num_frames", "backbone_pretrained"} <= fields


def test_listing_names_imports_no_torch():
    code = ("import sys, zoo; zoo.list_models(task='qa'); zoo.list_models(pretrained=True); "
            "from zoo.commands import main; main(['list', '--paradigm', 'lora']); "
            "heavy = [m for m in ('torch', 'lightning', 'open_clip', 'peft') if m in sys.modules]; "
            "assert not heavy, heavy")
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


def test_the_registry_rejects_a_class_that_is_not_the_declared_one():
    class Impostor:
        paradigm = "lora"

    with pytest.raises(RuntimeError, match="is declared by zoo.paradigms.lora.LoRAModel"):
        PARADIGMS.register(Impostor)
    with pytest.raises(ValueError, match="unknown paradigm 'nope'"):
        PARADIGMS.check("nope")


def test_create_model_builds_task_with_random_backbone():
    task = create_model("postnet_recognition_tiny", variant="meanp", num_classes=7)
    assert task.task == "recognition" and task.model.variant == "meanp"
    assert task.model.backbone.pretrained is None  # pretrained=False: no weights at all
    assert task.parameter_counts()["trainable"] == task.model.feature_dim * 7 + 7
    assert task.optim.lr == 1e-3
    assert task.hparams["model"]["class_path"] == "zoo.paradigms.postnet.PostnetSpec"


def test_model_spec_reads_every_form_a_config_holds():
    """A spec from a checkpoint's dict, from LightningCLI's class_path form (with or without
    init_args, short or full class name), and the errors of each form."""
    from zoo.paradigms import model_spec
    from zoo.paradigms.lora import LoraSpec

    assert model_spec({"paradigm": "lora", "rank": 4}) == LoraSpec(rank=4)
    assert model_spec({"class_path": "LoraSpec"}) == LoraSpec()
    assert model_spec({"class_path": "zoo.paradigms.lora.LoraSpec", "init_args": {"rank": 2}}) == LoraSpec(rank=2)
    assert model_spec({"class_path": "LoraSpec", "init_args": None}, rank=3) == LoraSpec(rank=3)
    with pytest.raises(ValueError, match="'NotASpec' is not a paradigm spec"):
        model_spec({"class_path": "NotASpec"})
    with pytest.raises(ValueError, match="a dict spec needs 'paradigm'"):
        model_spec({"rank": 4})
