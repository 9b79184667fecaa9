"""torch.hub entries generated from the index; hubconf.py, README tables and cards kept in sync."""

import importlib.util
import shutil

import pytest
import torch
from hub_fixtures import METRICS, PROTOCOL, make_task, module_home, tiny_weights, video  # noqa: F401

import zoo
from zoo.hub import sync
from zoo.hub.export import register_folder as register
from zoo.hub.index import load_index
from zoo.hub.paths import REPO_ROOT
from zoo.hub.folder import save_pretrained
from zoo.hub.tables import END, START
from zoo.hub.torchhub import DEPENDENCIES, generate_hubconf

ARCH = "postnet_recognition_tiny"


def _import_hubconf(path):
    spec = importlib.util.spec_from_file_location("generated_hubconf", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def published(module_home):
    """Two shipped checkpoints of one architecture (tags a: meanp, b: seqtransf), synced."""
    tasks = {}
    for tag, variant, seed in (("a", "meanp", 1), ("b", "seqtransf", 2)):
        tasks[tag] = make_task(variant, seed=seed)
        register(save_pretrained(tasks[tag], module_home.checkpoints / f"{ARCH}.{tag}", METRICS, PROTOCOL))
    sync.write(module_home)
    return module_home, tasks


def test_committed_hubconf_readme_and_cards_agree_with_the_committed_index():
    layout = sync.Layout(root=REPO_ROOT, checkpoints=REPO_ROOT / "checkpoints", cards=REPO_ROOT / "cards")
    assert sync.check(layout) == []


def test_generated_hubconf_has_one_documented_entry_per_architecture(published):
    layout, _ = published
    assert sync.check(layout) == []
    hubconf = _import_hubconf(layout.hubconf)
    # torch.hub.list's rule (it only takes GitHub repos): public callables of hubconf
    assert [n for n in dir(hubconf) if callable(getattr(hubconf, n)) and not n.startswith("_")] == [ARCH]
    doc = getattr(hubconf, ARCH).__doc__
    assert "task recognition, paradigm postnet, backbone tiny" in doc
    assert "- a: variant meanp; top1 0.8125, top5 1.0000, mean_class 0.7500 on world/test " \
           "(4 frames × 2 clips × 1 crop)" in doc
    assert "- b: variant seqtransf" in doc
    text = layout.hubconf.read_text()
    assert f"dependencies = {list(DEPENDENCIES)!r}" in text and "decord" not in text
    assert "_sys.path.insert(0, _REPO_DIR)" in text


def test_torch_hub_load_pretrained_gives_the_published_weights(published):
    layout, tasks = published
    default = torch.hub.load(str(layout.root), ARCH, source="local", pretrained=True, trust_repo=True)
    tagged = torch.hub.load(str(layout.root), ARCH, source="local", pretrained=True, tag="b", trust_repo=True)
    with torch.no_grad():
        assert torch.equal(default(video()), tasks["a"](video()))
        assert torch.equal(tagged(video()), tasks["b"](video()))


def test_torch_hub_load_architecture_with_overrides(published):
    layout, _ = published
    model = torch.hub.load(str(layout.root), ARCH, source="local", pretrained=False, trust_repo=True,
                           variant="mit", num_frames=4, num_classes=3)
    assert model.model.variant == "mit" and model.num_classes == 3
    assert model.model.backbone.pretrained is None  # pretrained=False: no weights at all
    with pytest.raises(TypeError, match="need pretrained=False"):
        torch.hub.load(str(layout.root), ARCH, source="local", pretrained=True, num_classes=3, trust_repo=True)
    with pytest.raises(ValueError, match="pass pretrained=True"):
        torch.hub.load(str(layout.root), ARCH, source="local", tag="a", trust_repo=True)


def test_published_names_resolve_through_the_index(published):
    layout, tasks = published
    assert zoo.list_models(pretrained=True) == [f"{ARCH}.a", f"{ARCH}.b"]
    assert zoo.list_models("*.b", pretrained=True) == [f"{ARCH}.b"]
    with torch.no_grad():
        assert torch.equal(zoo.create_model(f"{ARCH}.b")(video()), tasks["b"](video()))
        assert torch.equal(zoo.create_model(ARCH, pretrained=True)(video()), tasks["a"](video()))
    with pytest.raises(ValueError, match=f"published: {ARCH}.a, {ARCH}.b"):
        zoo.from_pretrained(f"{ARCH}.c")
    entry = load_index(layout.index)["models"][1]
    assert entry["folder"] == f"{ARCH}.b" and entry["hub"] == {"repo_id": f"zoo-models/{ARCH}.b", "revision": None}
    assert set(entry["files"]) == {"model.safetensors", "config.json", "README.md"}


def test_readme_tables_show_protocol_metrics_and_sizes(published):
    layout, tasks = published
    readme = layout.readme.read_text()
    table = readme[readme.index(START):readme.index(END)]
    assert "### recognition" in table
    assert "| checkpoint | paradigm | backbone | protocol | top1 | top5 | mean_class |" in table
    # as the cards and papers print them: recognition logs fractions, shown x 100
    assert "Metrics as papers print them: the logged values × 100" in table
    assert (f"| [`{ARCH}.b`](cards/{ARCH}.b.md) | postnet (seqtransf) | tiny (zoo) | "
            "world/test, 4 frames × 2 clips × 1 crop | 81.25 | 100.00 | 75.00 |") in table


def test_sync_check_reports_every_drift_and_write_repairs_it(published, tmp_path):
    source, _ = published
    layout = sync.Layout(root=tmp_path / "repo", checkpoints=tmp_path / "repo" / "checkpoints",
                         cards=tmp_path / "repo" / "cards")
    shutil.copytree(source.root, layout.root, symlinks=True)
    index = load_index(layout.index)
    layout.hubconf.write_text(generate_hubconf({"format": 1, "models": index["models"][:1]}))
    readme, card_b = layout.readme.read_text(), layout.cards / f"{ARCH}.b.md"
    assert "81.25" in readme and "81.25" in card_b.read_text()  # top1 0.8125, shown x 100
    layout.readme.write_text(readme.replace("81.25", "90.00"))
    (layout.cards / f"{ARCH}.a.md").unlink()
    card_b.write_text(card_b.read_text().replace("81.25", "90.00"))
    (layout.cards / "postnet_recognition_tiny.gone.md").write_text("---\n---\n")
    weights = layout.checkpoints / f"{ARCH}.a" / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:-1])
    problems = "\n".join(sync.check(layout))
    for expected in ("hubconf.py is stale", "zoo tables in", f"{ARCH}.a.md is missing",
                     f"{ARCH}.b.md differs", "gone.md names no checkpoint",
                     f"shipped {weights} is missing or differs"):
        assert expected in problems
    sync.write(layout)
    remaining = "\n".join(sync.check(layout))
    assert "stale" not in remaining and f"{ARCH}.a.md is missing" not in remaining
    assert f"{ARCH}.b.md differs" in remaining and "gone.md" in remaining  # not generated: reported
