"""``zoo publish``: a pretrained folder to its Hugging Face Hub repository, in one commit.

``create_repo(exist_ok=True)`` then one ``upload_folder`` of exactly the checkpoint's files
(weights, config, card, recipe) — the card is regenerated at every export, so it never goes
stale on the Hub. The folder is checked first: ``config.json`` present and readable, the
weights' sha256 equal to the one it records, a card, and no pickles anywhere. When the checkpoint
is in ``checkpoints/index.json``, its entry is pinned to the new commit.

The token (``--token`` or ``HF_TOKEN``) goes to ``HfApi`` only; it is never printed or written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional, Union

from zoo.version import __version__
from zoo.hub.constants import LIBRARY_NAME
from zoo.hub.index import file_record, find_entry, load_index, save_index, verify_file
from zoo.hub.folder import CARD_NAME, FOLDER_FILES, WEIGHTS_NAME, read_config

PICKLE_SUFFIXES = (".ckpt", ".bin", ".pt", ".pth", ".pkl", ".pickle")


def publishable_files(folder: Union[str, Path]) -> list[Path]:
    """The files of ``folder`` a commit uploads, after checking the folder."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder")
    pickles = [p.name for p in folder.rglob("*") if p.suffix in PICKLE_SUFFIXES]
    if pickles:
        raise ValueError(f"{folder} holds pickle files {pickles}; zoo publishes safetensors only")
    config = read_config(folder)
    weights = config["weights"]
    verify_file(folder / WEIGHTS_NAME, {"sha256": weights["sha256"], "size": weights["size"]},
                f"{WEIGHTS_NAME} of {config['name']}", fix="Export the folder again.")
    if not (folder / CARD_NAME).is_file():
        raise FileNotFoundError(f"{folder} has no {CARD_NAME} (model card); export it with `zoo export`")
    return [folder / f for f in FOLDER_FILES if (folder / f).is_file()]


def publish(folder: Union[str, Path], repo_id: str, revision: Optional[str] = None,
            dry_run: bool = False, token: Optional[str] = None, private: Optional[bool] = None,
            echo: Callable[[str], None] = print, api=None) -> Optional[str]:
    """Upload ``folder`` to ``repo_id`` (branch ``revision``, default ``main``) in one commit.

    Returns the commit id (None for a dry run). ``api`` is an ``HfApi`` (built here by default).
    """
    folder = Path(folder)
    files = publishable_files(folder)
    config = read_config(folder)
    echo(f"{'would publish' if dry_run else 'publishing'} {config['name']} to "
         f"{repo_id}@{revision or 'main'} in one commit:")
    for path in files:
        record = file_record(path)
        echo(f"  {path.name}  {record['size']} bytes  sha256 {record['sha256']}")
    _check_index_entry(config["name"], files)
    if dry_run:
        echo(f"--- {CARD_NAME} ---")
        echo((folder / CARD_NAME).read_text())
        return None
    if api is None:
        from huggingface_hub import HfApi

        api = HfApi(library_name=LIBRARY_NAME, library_version=__version__)
    api.create_repo(repo_id, token=token, private=private, repo_type="model", exist_ok=True)
    if revision and revision != "main":
        api.create_branch(repo_id, branch=revision, token=token, repo_type="model", exist_ok=True)
    commit = api.upload_folder(repo_id=repo_id, folder_path=str(folder), token=token,
                               repo_type="model", revision=revision,
                               allow_patterns=[p.name for p in files],
                               commit_message=f"zoo {__version__}: publish {config['name']}")
    commit_id = commit.oid
    echo(f"published {repo_id}@{commit_id}")
    _pin_in_index(config["name"], repo_id, commit_id, echo)
    return commit_id


def _check_index_entry(name: str, files: list[Path]) -> None:
    """A folder listed in the index must be exactly the files the index records."""
    entry = find_entry(name)
    if entry is None:
        return
    for path in files:
        if path.name in entry["files"] and file_record(path) != entry["files"][path.name]:
            raise RuntimeError(f"{path} differs from the index entry of {name}; export again "
                               "(zoo export) so that the folder and the index agree, then publish")


def _pin_in_index(name: str, repo_id: str, commit_id: str, echo: Callable[[str], None]) -> None:
    index = load_index()
    entry = find_entry(name, index)
    if entry is None:
        echo(f"{name} is not in checkpoints/index.json; nothing to pin")
        return
    entry["hub"] = {"repo_id": repo_id, "revision": commit_id}
    save_index(index)
    echo(f"pinned {name} to {repo_id}@{commit_id} in checkpoints/index.json")
