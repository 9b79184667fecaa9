"""Model cards: Hub front matter that round-trips, a body built from recorded facts only."""

import copy
import importlib

import pytest
from huggingface_hub import ModelCard
from hub_fixtures import METRICS, PROTOCOL, make_task, module_home, tiny_weights  # noqa: F401

import zoo.hub.constants
from zoo.hub.cards import base_model_id, card_data, render_card
from zoo.hub.constants import CODE_REF, CODE_REPO, TINY_BACKBONE_REPO
from zoo.hub.folder import read_config, save_pretrained

RECIPE = "seed_everything: 0\nmodel:\n  class_path: zoo.tasks.RecognitionTask\n"


@pytest.fixture(scope="module")
def exported(module_home, tmp_path_factory):
    folder = tmp_path_factory.mktemp("cards") / "postnet_recognition_tiny.world_t"
    save_pretrained(make_task("seqtransf"), folder, METRICS, PROTOCOL, training_config=RECIPE, gflops=0.123)
    return folder


def test_front_matter_round_trips(exported):
    config = read_config(exported)
    data = ModelCard((exported / "README.md").read_text()).data
    assert data.to_dict() == card_data(config).to_dict()
    assert data.library_name == "zoo" and data.license == "mit"
    assert data.model_name == "postnet_recognition_tiny.world_t"
    assert data.tags == ["recognition", "postnet", "tiny", "video", "clip"]
    assert data.base_model == TINY_BACKBONE_REPO and data.datasets == ["world"]
    assert data.pipeline_tag == "video-classification"
    results = {r.metric_type: r for r in data.eval_results}
    # as papers print accuracy: the logged fractions x 100
    assert {k: r.metric_value for k, r in results.items()} == {"top1": 81.25, "top5": 100.0, "mean_class": 75.0}
    assert results["top1"].metric_name == "top1 (4 frames × 2 clips × 1 crop)"
    assert results["top1"].dataset_split == "test" and results["top1"].task_type == "video-classification"


def test_body_states_usage_protocol_recipe_and_parameters(exported):
    config = read_config(exported)
    text = (exported / "README.md").read_text()
    assert (f'torch.hub.load("{CODE_REPO}:{CODE_REF}", "postnet_recognition_tiny", pretrained=True, '
            f'tag="world_t", trust_repo=True)') in text
    assert 'zoo.from_pretrained("postnet_recognition_tiny.world_t")' in text
    assert "zoo download postnet_recognition_tiny.world_t" in text
    assert "**4 frames × 2 clips × 1 crop**" in text and "| top1 | 81.25 |" in text
    assert "class probabilities averaged over the 2 views" in text
    assert config["evaluation"]["metrics"]["top1"] == 0.8125  # config.json keeps the logged value
    params = config["parameters"]
    assert f"| {params['trainable']:,} | {params['total']:,} | {params['stored']:,} (delta) | 0.12 |" in text
    assert RECIPE.strip() in text and "zoo fit --config training_config.yaml" in text
    assert config["backbone"]["weights_sha256"] in text
    assert "synthetic world" in text
    assert "More Information Needed" not in text


def _as_task(config: dict, task: str, metrics: dict) -> dict:
    """The exported recognition config relabelled as another task's, with ``metrics``."""
    config = copy.deepcopy(config)
    config["name"] = config["name"].replace("_recognition_", f"_{task}_")
    config["task"] = {**config["task"], "id": task, "args": {}}
    config["evaluation"]["metrics"] = metrics
    return config


def test_captioning_card_shows_coco_caption_values_as_papers_print_them(exported):
    """coco-caption's values (BLEU-4 0.4213, ROUGE-L 0.612, CIDEr-D 0.519 on its x10 scale) are
    printed x100 (42.13, 61.20, 51.90) under coco-caption's names, with its conventions."""
    metrics = {"Bleu_4": 0.4213, "ROUGE_L": 0.612, "CIDEr": 0.519}
    text = render_card(_as_task(read_config(exported), "captioning", metrics), None)
    for row in ("| Bleu_4 | 42.13 |", "| ROUGE_L | 61.20 |", "| CIDEr | 51.90 |"):
        assert row in text
    assert "the logged values × 100" in text and "β = 1.2" in text and "pycocoevalcap" in text
    assert "the decoder attends to the tokens of all 2 views" in text
    results = {r.metric_type: r.metric_value for r in ModelCard(text).data.eval_results}
    assert results == {"Bleu_4": 42.13, "ROUGE_L": 61.2, "CIDEr": 51.9}


def test_retrieval_card_states_the_tie_and_median_rules(exported):
    """R@K are logged in % and ranks are ranks: shown as logged, with CLIP4Clip's conventions."""
    metrics = {"t2v_r1": 7.0, "t2v_mdr": 19.0, "t2v_mnr": 50.694}
    text = render_card(_as_task(read_config(exported), "retrieval", metrics), None)
    for row in ("| t2v_r1 | 7.00 |", "| t2v_mdr | 19.00 |", "| t2v_mnr | 50.69 |"):
        assert row in text
    assert "Values as logged" in text
    assert "expected value under uniformly random tie-breaking" in text
    assert "clamp(K − h, 0, t + 1) / (t + 1)" in text and "1 + h + t/2" in text
    assert "lower middle" in text and "`torch.median`" in text and "`np.median`" in text
    results = {r.metric_type: r.metric_value for r in ModelCard(text).data.eval_results}
    assert results == metrics


def test_card_without_metrics_or_recipe_says_so(exported):
    config = copy.deepcopy(read_config(exported))
    config["evaluation"]["metrics"] = {}
    config["gflops"] = None
    text = render_card(config, None)
    data = ModelCard(text).data
    assert data.eval_results is None and data.model_name == config["name"]
    assert "exported without measured metrics" in text and "without a LightningCLI recipe" in text
    assert "not measured" in text
    assert "More Information Needed" not in text


@pytest.mark.parametrize("backbone, expected", [
    ({"open_clip_name": "ViT-B-16", "pretrained": "openai"}, "timm/vit_base_patch16_clip_224.openai"),
    ({"open_clip_name": "ViT-L-14", "pretrained": "openai"}, "timm/vit_large_patch14_clip_224.openai"),
    ({"open_clip_name": "ViT-B-16", "pretrained": "laion2b_s34b_b88k"}, "laion/CLIP-ViT-B-16-laion2B-s34B-b88K"),
    ({"open_clip_name": "zoo-tiny", "pretrained": "zoo"}, TINY_BACKBONE_REPO),
    ({"open_clip_name": "zoo-tiny", "pretrained": None}, None),
])
def test_base_model_is_the_hub_id_of_the_base_weights(backbone, expected):
    assert base_model_id(backbone) == expected


def test_constants_are_overridable_by_environment(monkeypatch):
    monkeypatch.setenv("ZOO_HUB_ORG", "my-org")
    monkeypatch.setenv("ZOO_CODE_REPO", "me/zoo-fork")
    monkeypatch.setenv("ZOO_CODE_REF", "v9.9.9")
    try:
        constants = importlib.reload(zoo.hub.constants)
        assert constants.hub_repo_id("postnet_recognition_tiny.t") == "my-org/postnet_recognition_tiny.t"
        assert constants.torch_hub_ref() == "me/zoo-fork:v9.9.9"
        assert constants.TINY_BACKBONE_REPO == "my-org/zoo-tiny-clip"
    finally:
        monkeypatch.undo()
        importlib.reload(zoo.hub.constants)
    assert zoo.hub.constants.HUB_ORG == "zoo-models"
    with pytest.raises(ValueError, match="at most 96"):
        zoo.hub.constants.hub_repo_id("postnet_recognition_tiny." + "x" * 90)
