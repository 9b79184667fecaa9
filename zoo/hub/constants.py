"""Where zoo publishes: the one place that names the Hub organisation and the code repository.

Every generated artefact (cards, hubconf usage lines, README tables, index entries) reads these
constants; each can be overridden by an environment variable (read once, at import), e.g. to
publish a fork:

- ``HUB_ORG`` (``$ZOO_HUB_ORG``): the Hugging Face organisation holding one model repo per
  checkpoint, ``{HUB_ORG}/{arch}.{tag}`` (timm's convention).
- ``CODE_REPO`` (``$ZOO_CODE_REPO``): the GitHub ``owner/name`` that ``torch.hub.load`` fetches.
- ``CODE_REF`` (``$ZOO_CODE_REF``): the pinned tag of the code repository that usage lines name
  (torch.hub's default-branch lookup has broken loads before; pin it).
"""

from __future__ import annotations

import os

from zoo.version import __version__

HUB_ORG: str = os.environ.get("ZOO_HUB_ORG", "zoo-models")
CODE_REPO: str = os.environ.get("ZOO_CODE_REPO", "zoo-org/zoo")
CODE_REF: str = os.environ.get("ZOO_CODE_REF", f"v{__version__}")

LIBRARY_NAME = "zoo"
DEFAULT_LICENSE = "mit"
MAX_REPO_NAME_LENGTH = 96  # the Hub's limit on the name part of a repo id

# The Hub repository of zoo's embedded ``tiny`` CLIP (the ``base_model`` of tiny checkpoints).
TINY_BACKBONE_REPO: str = f"{HUB_ORG}/zoo-tiny-clip"


def hub_repo_id(name: str) -> str:
    """The Hub repo of checkpoint ``name`` (``arch.tag``): ``{HUB_ORG}/{name}``."""
    if len(name) > MAX_REPO_NAME_LENGTH or not name.isascii():
        raise ValueError(f"checkpoint name {name!r} cannot be a Hub repo name (ASCII, at most "
                         f"{MAX_REPO_NAME_LENGTH} characters)")
    return f"{HUB_ORG}/{name}"


def torch_hub_ref() -> str:
    """``owner/name:tag`` for ``torch.hub.load``."""
    return f"{CODE_REPO}:{CODE_REF}"
