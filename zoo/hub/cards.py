"""Model cards, generated from a checkpoint's own ``config.json`` and recipe.

Front matter through ``huggingface_hub.ModelCardData`` (``library_name: zoo``, tags, ``base_model``,
datasets, license, ``model_name`` and ``eval_results`` whose metric names carry the protocol);
the body from this module's Markdown template. Every section renders from recorded facts — a
missing fact renders as a statement of what is missing, never as "More Information Needed".

Metric values are shown as papers print them (:func:`display_metrics`): a task whose facts say
``percent`` logs fractions, shown ×100 (accuracy in %, coco-caption's BLEU / ROUGE-L / CIDEr-D
×100); other tasks' values (retrieval's R@K, already in %, and ranks) as logged. ``config.json``
and ``checkpoints/index.json`` keep the logged values. The card states each task's metric
conventions (:data:`METRIC_CONVENTIONS`): retrieval's tie and median rules, coco-caption's
scorers and names.
"""

from __future__ import annotations

from typing import Mapping, Optional

import open_clip
from huggingface_hub import EvalResult, ModelCard, ModelCardData

from zoo.backbones.specs import get_spec
from zoo.hub.constants import LIBRARY_NAME, TINY_BACKBONE_REPO, hub_repo_id, torch_hub_ref
from zoo.registry import PARADIGMS, TASKS, parse_name

PIPELINE_TAGS = {"recognition": "video-classification"}
SYNTHETIC_DATASETS = ("world", "synthetic-world", "zoo-world")

# How each task's evaluation combines the views of a clip (clips x crops).
VIEW_COMBINATION = {
    "recognition": "class probabilities averaged over the {views}",
    "retrieval": "each video embedding is the normalised mean of its {views}' normalised embeddings",
    "captioning": "the decoder attends to the tokens of all {views} at once",
    "qa": "answer probabilities averaged over the {views}",
}

# What a reader comparing with papers must know about a task's metrics.
METRIC_CONVENTIONS = {
    "retrieval": (
        "CLIP4Clip's protocol: text→video ranks every caption as a query against all videos; "
        "video→text ranks each video through its best-scoring caption. R@K in %, MdR and MnR "
        "1-based ranks.",
        "Ties are scored as the expected value under uniformly random tie-breaking: with h items "
        "scoring higher than the ground truth and t others equal to it, R@K counts "
        "P(rank ≤ K) = clamp(K − h, 0, t + 1) / (t + 1) and MnR the expected rank 1 + h + t/2 "
        "(CLIP4Clip's `np.where` counts a tied row once per tie; without ties both agree).",
        "MdR is the median of those expected ranks; of an even number of queries, text→video "
        "takes the lower middle when a video has several captions (CLIP4Clip's `torch.median` "
        "path) and the mean of the middle pair otherwise, video→text always the mean of the "
        "middle pair (`np.median`).",
    ),
    "captioning": (
        "`Bleu_1`–`Bleu_4`, `ROUGE_L` and `CIDEr` are coco-caption's (pycocoevalcap) metrics under "
        "its own names, computed as its scorers compute them: corpus BLEU with its smoothing and "
        "the closest reference length (ties: the shorter), ROUGE-L with β = 1.2 on the best LCS "
        "precision and recall over the references, CIDEr-D with document frequencies over the "
        "test split.",
        "Text is lower-cased with punctuation removed (coco-caption runs the Java PTB tokenizer "
        "first; the two agree on captions without clitics or hyphens).",
    ),
}

TEMPLATE = """---
{{ card_data }}
---

# {{ name }}

{{ summary }}

| | |
|---|---|
| task | `{{ task }}` — {{ task_description }} |
| paradigm | `{{ paradigm }}` (variant `{{ variant }}`) — {{ paradigm_description }} |
| backbone | `{{ backbone_id }}` — {{ backbone_description }}; weights `{{ backbone_pretrained }}` |
| zoo version | {{ zoo_version }} |

## Usage

With torch.hub (the code is pinned to `{{ hub_ref }}`; `trust_repo=True` avoids the interactive
prompt):

```python
import torch

model = torch.hub.load("{{ hub_ref }}", "{{ arch }}", pretrained=True, tag="{{ tag }}", trust_repo=True)
```

With zoo installed:

```python
import zoo

model = zoo.from_pretrained("{{ name }}")            # revision pinned by zoo's checkpoints/index.json
# model = zoo.from_pretrained("hf-hub:{{ repo_id }}")  # straight from the Hub repository
transforms = zoo.create_transforms(model)           # clip sampler + frame transform of this checkpoint
video = transforms(frames)[None]                    # frames: uint8 [N, H, W, 3] -> [1, V, T, 3, H, W]
{{ forward_line }}
```

From the command line, `zoo download {{ name }}` fetches the files into the Hugging Face cache
(`$HF_HUB_CACHE`, by default `~/.cache/huggingface/hub`; torch.hub caches only the code), after
which loading works with `HF_HUB_OFFLINE=1`.

## Preprocessing

Transforms are built from this table (stored in `config.json`), never restated by hand.

| frames | sampling | frame stride | fps | size | resize | interpolation | mean | std |
|---|---|---|---|---|---|---|---|---|
| {{ pre.num_frames }} | {{ pre.sampling }} | {{ pre.frame_stride }} | {{ fps }} | {{ pre.size }} | {{ pre.resize_mode }} | {{ pre.interpolation }} | {{ mean }} | {{ std }} |

## Evaluation

{% if metrics -%}
Protocol: **{{ protocol }}** on the `{{ evaluation.split }}` split of `{{ evaluation.dataset }}`
({{ views_text }}).

| metric | value |
|---|---|
{% for key, value in metrics.items() -%}
| {{ key }} | {{ value }} |
{% endfor %}
{{ scale_note }}
{% for line in conventions %}
- {{ line }}
{%- endfor %}
{%- else -%}
This checkpoint was exported without measured metrics; its evaluation protocol would be
**{{ protocol }}**.
{%- endif %}

## Training recipe

{% if recipe -%}
Reproduce with `zoo fit --config training_config.yaml` (the file ships in this repository):

<details>
<summary>training_config.yaml</summary>

```yaml
{{ recipe }}
```

</details>
{%- else -%}
Exported from Python without a LightningCLI recipe; the constructor arguments that rebuild the
model are in `config.json` (`task.args`, `paradigm.args`).
{%- endif %}

## Parameters

| trainable | total | stored in `model.safetensors` | GFLOPs per view |
|---|---|---|---|
| {{ '{:,}'.format(params.trainable) }} | {{ '{:,}'.format(params.total) }} | {{ '{:,}'.format(params.stored) }} ({{ storage }}) | {{ gflops }} |

{{ storage_note }}

## Limitations

{% for line in limitations -%}
- {{ line }}
{% endfor %}
## License

{{ license_line }}
"""


def base_model_id(backbone: Mapping) -> Optional[str]:
    """The Hub id of the base image-language weights: zoo's tiny CLIP repo, or the open_clip /
    timm repo of an open_clip tag; None for random or local weights."""
    pretrained = backbone.get("pretrained")
    if not pretrained:
        return None
    if pretrained == "zoo":
        return TINY_BACKBONE_REPO
    if pretrained.startswith("hf-hub:"):
        return pretrained[len("hf-hub:"):].split("@")[0]
    hub = (open_clip.get_pretrained_cfg(backbone["open_clip_name"], pretrained) or {}).get("hf_hub")
    return hub.rstrip("/") if hub else None


def protocol_text(evaluation: Mapping) -> str:
    """``8 frames × 2 clips × 1 crop``."""
    clips, crops = evaluation["clips"], evaluation["crops"]
    return (f"{evaluation['num_frames']} frames × {clips} clip{'s' if clips != 1 else ''} × "
            f"{crops} crop{'s' if crops != 1 else ''}")


def display_scale(task: str) -> float:
    """Factor from a task's logged values to the numbers papers print: 100 for tasks whose facts
    say ``percent`` (fractions), else 1."""
    import zoo.tasks  # noqa: F401  (registers the task classes, whose facts these are)

    return 100.0 if TASKS.class_of(task).percent else 1.0


def display_metrics(task: str, metrics: Mapping[str, float]) -> dict[str, str]:
    """``{name: value as papers print it}``: × :func:`display_scale`, with one decimal more than
    the task's comparison tables (``decimals``)."""
    import zoo.tasks  # noqa: F401

    scale, digits = display_scale(task), TASKS.class_of(task).decimals + 1
    return {key: f"{scale * value:.{digits}f}" for key, value in metrics.items()}


def card_data(config: Mapping) -> ModelCardData:
    """The card's front matter."""
    evaluation = config["evaluation"]
    task, paradigm, backbone = config["task"]["id"], config["paradigm"]["id"], config["backbone"]["id"]
    metrics = evaluation.get("metrics") or {}
    pipeline_tag = PIPELINE_TAGS.get(task)
    eval_results = None
    if metrics:
        scale = display_scale(task)
        eval_results = [
            EvalResult(task_type=pipeline_tag or task, task_name=TASKS[task].split(":")[0],
                       dataset_type=evaluation["dataset"], dataset_name=evaluation["dataset"],
                       dataset_split=evaluation["split"], metric_type=key,
                       metric_name=f"{key} ({protocol_text(evaluation)})",
                       metric_value=round(scale * value, 4))
            for key, value in metrics.items()]
    return ModelCardData(
        library_name=LIBRARY_NAME, license=config.get("license"), model_name=config["name"],
        tags=[task, paradigm, backbone, "video", "clip"], pipeline_tag=pipeline_tag,
        base_model=base_model_id(config["backbone"]),
        datasets=[evaluation["dataset"]] if evaluation.get("dataset") else None,
        eval_results=eval_results)


def _limitations(config: Mapping) -> list[str]:
    lines = []
    dataset = config["evaluation"].get("dataset")
    if dataset in SYNTHETIC_DATASETS or config["backbone"]["id"] == "tiny":
        lines.append("Trained and measured on zoo's synthetic world (coloured shapes on textured "
                     "backgrounds) over the tiny backbone: it demonstrates and tests the pipeline; "
                     "it does not recognise anything in real video.")
    if not config["backbone"].get("pretrained"):
        lines.append("The backbone was randomly initialised (no image-language pretraining): this "
                     "checkpoint is a test artefact.")
    args = config["task"]["args"]
    if config["task"]["id"] == "recognition" and args.get("head") == "linear":
        lines.append("The linear head knows only the classes it was trained on "
                     f"({len(args.get('class_names') or []) or args.get('num_classes')}); for other "
                     "classes use a text-head model (zero-shot by class name).")
    lines.append("Numbers hold for the stated protocol only; other frame counts, clips or crops "
                 "change them.")
    return lines


def render_card(config: Mapping, recipe: Optional[str] = None) -> str:
    """The full ``README.md`` of a pretrained folder."""
    name = parse_name(config["name"])
    backbone = config["backbone"]
    pre = config["preprocessing"]
    evaluation = config["evaluation"]
    weights = config.get("weights") or {}
    storage = weights.get("storage", "delta")
    base = base_model_id(backbone)
    task, paradigm = config["task"]["id"], config["paradigm"]["id"]
    spec = get_spec(backbone["id"])
    if storage == "delta":
        storage_note = (f"Only what training changed is stored; the frozen backbone is rebuilt from "
                        f"`{backbone['id']}` / `{backbone['pretrained']}` and checked against its "
                        f"sha256 `{backbone['weights_sha256']}` before the weights load.")
        changed = {key: rows for key, rows in (weights.get("row_deltas") or {}).items() if rows}
        if changed:
            storage_note += (" Trained pretrained matrices of which most rows did not change are stored "
                             "as their changed rows (" + ", ".join(
                                 f"`{key.removeprefix('model.backbone.')}`: {rows:,}"
                                 for key, rows in sorted(changed.items())) + ").")
    else:
        storage_note = ("Every weight is stored (the backbone had no pretrained weights to rebuild it "
                        "from, or an export from before row deltas whose paradigm trains the whole model); "
                        "tagged base weights are still rebuilt and checked against their sha256 when it loads.")
    forward_line = ("probs = model(video)                                 # [1, K] class probabilities"
                    if task == "recognition" else
                    "features = model.model.encode_video(video[:, 0])     # VideoFeatures of one view")
    license_line = f"`{config.get('license')}`."
    if base:
        license_line += f" The base image-language weights are [{base}](https://huggingface.co/{base}); their license applies to them."
    summary = (f"A zoo checkpoint for **{TASKS[task].split(':')[0]}**: the `{paradigm}` transfer "
               f"paradigm ({PARADIGMS[paradigm]}) adapts the image-language model `{backbone['id']}` "
               f"to video. Everything needed to rebuild it — task, paradigm, backbone weights "
               f"(by sha256), preprocessing, evaluation protocol — is in `config.json`.")
    views = evaluation["clips"] * evaluation["crops"]
    view_words = f"{views} view{'s' if views != 1 else ''}"
    views_text = VIEW_COMBINATION.get(task, "over the {views}").format(views=view_words)
    scale_note = ("Values as papers print them: the logged values × 100 (`config.json` keeps the "
                  "logged values)." if display_scale(task) == 100.0 else
                  "Values as logged, which is how papers print them.")
    card = ModelCard.from_template(
        card_data(config), template_str=TEMPLATE,
        name=config["name"], arch=name.arch, tag=name.tag, summary=summary, task=task,
        task_description=TASKS[task], paradigm=paradigm, variant=config["paradigm"]["variant"],
        paradigm_description=PARADIGMS[paradigm], backbone_id=backbone["id"],
        backbone_description=spec.description, backbone_pretrained=backbone.get("pretrained") or "random",
        zoo_version=config["zoo_version"], hub_ref=torch_hub_ref(), repo_id=hub_repo_id(config["name"]),
        forward_line=forward_line, pre=pre, fps=pre.get("fps") or "source rate (segments span the clip)",
        mean=", ".join(f"{m:.4f}" for m in pre["mean"]), std=", ".join(f"{s:.4f}" for s in pre["std"]),
        metrics=display_metrics(task, evaluation.get("metrics") or {}), evaluation=evaluation,
        views_text=views_text, scale_note=scale_note, conventions=METRIC_CONVENTIONS.get(task, ()),
        protocol=protocol_text(evaluation), recipe=(recipe or "").rstrip("\n"),
        params={**config["parameters"], "stored": config["parameters"].get("stored", 0)},
        storage=storage, gflops=f"{config['gflops']:.2f}" if config.get("gflops") is not None else "not measured",
        storage_note=storage_note, limitations=_limitations(config), license_line=license_line)
    return str(card).rstrip("\n") + "\n"
