"""Where zoo finds the files that ship with the repository.

``checkpoints/`` (the embedded ``tiny`` backbone, the shipped pretrained folders and their
``index.json``) and ``cards/`` live at the repository root, next to the package. Both can be moved
with environment variables, e.g. for an installed (non-editable) package.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def checkpoints_dir() -> Path:
    """``$ZOO_CHECKPOINTS`` or ``<repo>/checkpoints``."""
    return Path(os.environ.get("ZOO_CHECKPOINTS", REPO_ROOT / "checkpoints"))


def cards_dir() -> Path:
    """``$ZOO_CARDS`` or ``<repo>/cards``."""
    return Path(os.environ.get("ZOO_CARDS", REPO_ROOT / "cards"))
