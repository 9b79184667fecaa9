"""The built wheel, installed into a fresh virtual environment, is a working zoo on its own.

The wheel is built (`pip wheel --no-deps`, offline) from a copy of the sources, installed with
`pip install --no-deps` into a new venv that borrows the torch stack of the test's own
environment through a `.pth` line (written after the install, so pip never sees the editable zoo
there), and run from a folder outside the repository: its recipes, the embedded `tiny` backbone
and the shipped checkpoints must come from the installed package itself.
"""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import torch
import yaml
from safetensors.torch import load_file

import zoo

REPO = Path(__file__).resolve().parents[1]
SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "zoo", "configs", "cards", "checkpoints")
NAME = "postnet_recognition_tiny.world_8f"
CHECKS = r'''
import contextlib, io, json, sys
import torch
import zoo
from safetensors.torch import save_file
from zoo.commands import main
from zoo.hub.paths import data_root

torch.set_num_threads(1)


def run(*argv):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            code = main(list(argv))
        except SystemExit as exit:
            code = exit.code
    return code or 0, out.getvalue()


task = zoo.from_pretrained(sys.argv[2]).eval()
p = task.preprocess
video = torch.randn(2, p["num_frames"], 3, p["size"], p["size"], generator=torch.Generator().manual_seed(0))
with torch.no_grad():
    save_file({"probabilities": task(video).contiguous()}, sys.argv[1] + "/probabilities.safetensors")
results = {"zoo": zoo.__file__, "data_root": str(data_root()),
           "demo_help": run("demo", "--help"),
           "print_config": run("fit", "--recipe", "recognition/postnet", "--print_config")}
with open(sys.argv[1] + "/results.json", "w") as handle:
    json.dump(results, handle)
'''


def environment() -> dict:
    """This environment, without anything that points zoo at the repository."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("ZOO_")}
    return {**env, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}


def sh(*command, cwd=None) -> str:
    done = subprocess.run([str(c) for c in command], cwd=cwd, env=environment(), capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, f"{command}\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    return done.stdout


def test_the_installed_wheel_is_a_working_zoo(tmp_path):
    source = tmp_path / "src"
    for name in SOURCES:
        path = REPO / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__", "_shipped"))
        else:
            source.mkdir(exist_ok=True)
            shutil.copy2(path, source / name)
    sh(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
       "--wheel-dir", tmp_path / "dist", source)
    (wheel,) = (tmp_path / "dist").glob("zoo-*.whl")

    venv = tmp_path / "venv"
    sh(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    sh(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", wheel)
    site = Path(sh(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip())
    (site / "zoo_stack.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")  # torch & co.

    away = tmp_path / "elsewhere"
    away.mkdir()
    index = json.loads((REPO / "checkpoints" / "index.json").read_text())
    listed = sh(venv / "bin" / "zoo", "list", "--pretrained", cwd=away).split()
    assert set(listed) == {entry["name"] for entry in index["models"]}

    (away / "checks.py").write_text(CHECKS)
    sh(python, away / "checks.py", away, NAME, cwd=away)
    results = json.loads((away / "results.json").read_text())
    installed = site / "zoo"
    assert Path(results["zoo"]).parent == installed  # not the repository's zoo
    assert Path(results["data_root"]) == installed / "_shipped"
    code, out = results["demo_help"]
    assert code == 0 and out.startswith("usage: zoo demo")
    code, out = results["print_config"]
    assert code == 0
    config = yaml.safe_load(out)
    recipe = yaml.safe_load((REPO / "configs" / "paradigms" / "postnet.yaml").read_text())["model"]["init_args"]
    assert config["model"]["class_path"] == "zoo.tasks.RecognitionTask"
    assert config["model"]["init_args"]["model"]["init_args"]["variant"] == recipe["model"]["init_args"]["variant"]
    assert config["model"]["init_args"]["optim"]["lr"] == recipe["optim"]["lr"]

    # the wheel's checkpoint computes exactly what the repository's does
    task = zoo.from_pretrained(NAME).eval()
    p = task.preprocess
    video = torch.randn(2, p["num_frames"], 3, p["size"], p["size"], generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        expected = task(video)
    assert torch.equal(load_file(away / "probabilities.safetensors")["probabilities"], expected)
