"""The wheel's one build step beyond pyproject.toml (which holds all the metadata).

A built wheel carries what zoo ships next to the package in the repository — the recipes
(``configs/``), the model cards (``cards/``) and ``checkpoints/`` (``index.json``, the embedded
``tiny`` backbone under ``backbones/`` and every pretrained folder the index lists) — inside the
package, as ``zoo/_shipped/``, where ``zoo.hub.paths`` finds them when the repository's folders
are absent. So ``pip install zoo-*.whl`` gives a working zoo with no network. An editable install
(``pip install -e .``) reads the repository's own folders and copies nothing.
"""

import json
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")


def shipped_files(root: Path) -> list[Path]:
    """The folders and files (relative to ``root``) a wheel carries; an error names anything
    the index promises that is missing."""
    index_path = root / "checkpoints" / "index.json"
    if not index_path.is_file():
        raise FileNotFoundError(f"{index_path} is missing: a wheel is built from a zoo checkout")
    try:
        index = json.loads(index_path.read_text())
    except json.JSONDecodeError as error:
        raise ValueError(f"{index_path}: not valid JSON ({error})") from None
    folders = [Path("checkpoints") / entry["folder"] for entry in index.get("models", []) if entry.get("folder")]
    paths = [Path("configs"), Path("cards"), Path("checkpoints/index.json"), Path("checkpoints/backbones"), *folders]
    missing = [str(path) for path in paths if not (root / path).exists()]
    if missing:
        raise FileNotFoundError(f"{index_path} lists, or a wheel needs, files that are missing under {root}: "
                                f"{', '.join(missing)}")
    return paths


class BuildPyWithShipped(build_py):
    """``build_py``, then copy the shipped folders into ``<build_lib>/zoo/_shipped/``."""

    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "zoo" / "_shipped"
        shutil.rmtree(target, ignore_errors=True)  # no stale files from an earlier build
        for path in shipped_files(ROOT):
            source, destination = ROOT / path, target / path
            if source.is_dir():
                shutil.copytree(source, destination, ignore=IGNORE)
            else:
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, destination)


setup(cmdclass={"build_py": BuildPyWithShipped})
