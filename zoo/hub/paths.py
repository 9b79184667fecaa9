"""Where zoo finds the files that ship with it: ``configs/``, ``checkpoints/`` and ``cards/``.

In a checkout (and an editable install) they are the repository's folders, next to the package.
A built wheel carries a copy of them inside the package, under ``zoo/_shipped/`` (``setup.py``'s
``build_py`` step puts it there), so an installed zoo has its recipes, the embedded ``tiny``
backbone and the shipped pretrained folders without the repository. ``ZOO_CHECKPOINTS`` /
``ZOO_CARDS`` / ``ZOO_CONFIGS`` move each folder elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = PACKAGE_DIR.parent
SHIPPED_DIR = PACKAGE_DIR / "_shipped"  # only in a built wheel: the repository folders, copied
SHIPPED_FOLDERS = ("configs", "checkpoints", "cards")


def data_root() -> Path:
    """The folder holding ``configs/``, ``checkpoints/`` and ``cards/``: the package's own copy
    in an installed wheel, else the repository."""
    return SHIPPED_DIR if SHIPPED_DIR.is_dir() else REPO_ROOT


def checkpoints_dir() -> Path:
    """``$ZOO_CHECKPOINTS`` or the shipped ``checkpoints/``."""
    return Path(os.environ.get("ZOO_CHECKPOINTS", data_root() / "checkpoints"))


def cards_dir() -> Path:
    """``$ZOO_CARDS`` or the shipped ``cards/``."""
    return Path(os.environ.get("ZOO_CARDS", data_root() / "cards"))


def configs_dir() -> Path:
    """``$ZOO_CONFIGS`` or the shipped ``configs/`` (the recipes)."""
    return Path(os.environ.get("ZOO_CONFIGS", data_root() / "configs"))
