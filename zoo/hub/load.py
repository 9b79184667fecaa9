"""Loading checkpoints: local folders, the Hugging Face Hub, and published names.

``from_pretrained(ref)`` takes

- a local pretrained folder (``checkpoints/postnet_recognition_tiny.world_8f``);
- ``hf-hub:org/name[@revision]`` — files come through ``hf_hub_download`` (``library_name="zoo"``),
  so they land in the Hugging Face cache (``$HF_HUB_CACHE``) and ``HF_HUB_OFFLINE=1`` works once
  they are there; without a revision the one pinned in ``checkpoints/index.json`` is used when the
  repo is listed there, else ``main``;
- a published name ``arch.tag`` (or ``arch`` for its first tag) of ``checkpoints/index.json``: the
  folder shipped under ``checkpoints/`` if present, else the Hub repo at the pinned revision.

Every file is verified after download (or before loading, for shipped folders, by name or by
path): against the sha256 and size in the index, and ``model.safetensors`` against the ones its
``config.json`` records (the only record a folder outside the index has). A mismatch raises
:class:`~zoo.hub.index.ChecksumError` naming the file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional, Union

from zoo.version import __version__
from zoo.hub.constants import LIBRARY_NAME
from zoo.hub.index import find_entry, load_index, one_hash_per_file, verify_file
from zoo.hub.paths import checkpoints_dir
from zoo.hub.folder import CONFIG_NAME, WEIGHTS_NAME, load_folder, read_config, save_pretrained
from zoo.registry import parse_name

HF_PREFIX = "hf-hub:"
LOAD_FILES = (CONFIG_NAME, WEIGHTS_NAME)

__all__ = ["HubUnavailableError", "download", "from_pretrained", "resolve_config", "resolve_folder",
           "save_pretrained"]


class HubUnavailableError(FileNotFoundError):
    """A file is neither in the Hugging Face cache nor reachable on the Hub."""


def parse_hub_ref(ref: str) -> tuple[str, Optional[str]]:
    """``hf-hub:org/name@rev`` -> (``org/name``, ``rev`` or None)."""
    body = ref[len(HF_PREFIX):]
    repo_id, _, revision = body.partition("@")
    if repo_id.count("/") != 1 or not all(repo_id.split("/")):
        raise ValueError(f"{ref!r}: expected 'hf-hub:org/name[@revision]'")
    return repo_id, revision or None


def _entry_for_repo(repo_id: str) -> Optional[dict]:
    return next((e for e in load_index()["models"] if e["hub"]["repo_id"] == repo_id), None)


def _hub_download(repo_id: str, filename: str, revision: str, name: str,
                  cache_dir: Union[str, Path, None]) -> Path:
    """One file through ``hf_hub_download``, with an error that says how to get it."""
    from huggingface_hub import constants, hf_hub_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        return Path(hf_hub_download(repo_id, filename, revision=revision, cache_dir=cache_dir,
                                    library_name=LIBRARY_NAME, library_version=__version__))
    except LocalEntryNotFoundError as error:
        cache = cache_dir or constants.HF_HUB_CACHE
        reason = ("HF_HUB_OFFLINE=1 is set" if constants.HF_HUB_OFFLINE
                  else f"the Hub at {constants.ENDPOINT} could not be reached")
        raise HubUnavailableError(
            f"{filename} of {repo_id}@{revision} is not in the Hugging Face cache ({cache}) and "
            f"{reason}. To fix: go online (unset HF_HUB_OFFLINE) or point HF_ENDPOINT at a "
            f"reachable Hub mirror; or run `zoo download {name}` on a machine with network access "
            f"and reuse its cache (HF_HUB_CACHE).") from error


def _verify(path: Path, record: dict, label: str, name: str) -> None:
    verify_file(path, record, label, fix=f"Delete {path} (a Hugging Face cache entry or a shipped "
                                         f"file) and fetch it again with `zoo download {name}`.")


def _download_files(repo_id: str, revision: Optional[str], name: str, entry: Optional[dict],
                    files: tuple[str, ...], cache_dir) -> Path:
    """Download ``files`` (config.json first), verify them, and return their snapshot folder.
    Records come from the index entry when it pins this revision; the weights are otherwise
    checked against the sha256 their config.json records."""
    revision = revision or "main"
    pinned = entry is not None and entry["hub"]["revision"] == revision
    folder = None
    for filename in files:
        path = _hub_download(repo_id, filename, revision, name, cache_dir)
        folder = path.parent
        record = entry["files"].get(filename) if pinned else None
        if record is None and filename == WEIGHTS_NAME:
            record = _weights_record(read_config(folder))
        if record is not None:
            _verify(path, record, f"{filename} of {repo_id}@{revision}", name)
    return folder


def _shipped_entry(folder: Path) -> Optional[dict]:
    """The index entry whose shipped folder ``folder`` is (``checkpoints/<entry folder>``), else None."""
    resolved, root = folder.resolve(), checkpoints_dir().resolve()
    if resolved.parent != root:
        return None
    return next((e for e in load_index()["models"] if e["folder"] == resolved.name), None)


def _verify_shipped(folder: Path, entry: dict, files: tuple[str, ...]) -> None:
    """Each of ``files`` in a shipped folder against the sha256 and size the index records."""
    for filename in files:
        if filename in entry["files"]:
            _verify(folder / filename, entry["files"][filename], f"{filename} of {entry['name']}",
                    entry["name"])


def _weights_record(config: dict) -> dict:
    return {"sha256": config["weights"]["sha256"], "size": config["weights"]["size"]}


def resolve_folder(ref: str, cache_dir: Union[str, Path, None] = None,
                   files: tuple[str, ...] = LOAD_FILES) -> Path:
    """A local folder holding (at least) ``files`` of checkpoint ``ref``, verified."""
    ref = str(ref)
    if ref.startswith(HF_PREFIX):
        repo_id, revision = parse_hub_ref(ref)
        entry = _entry_for_repo(repo_id)
        if revision is None and entry is not None and entry["hub"]["revision"]:
            revision = entry["hub"]["revision"]
        return _download_files(repo_id, revision, entry["name"] if entry else ref, entry, files, cache_dir)
    if os.path.isdir(ref):
        entry = _shipped_entry(Path(ref))
        if entry is not None:  # a shipped folder given by its path: the index vouches for it
            _verify_shipped(Path(ref), entry, files)
        if WEIGHTS_NAME in files:
            config = read_config(ref)
            verify_file(Path(ref) / WEIGHTS_NAME, _weights_record(config), f"{WEIGHTS_NAME} of {config['name']}",
                        fix="It does not match the sha256 its config.json records; export it again.")
        return Path(ref)
    try:
        parse_name(ref)
    except ValueError as error:
        raise ValueError(f"{ref!r} is not a folder, an 'hf-hub:org/name[@rev]' reference or a "
                         f"published checkpoint name ({error})") from None
    entry = find_entry(ref)
    if entry is None:
        published = [e["name"] for e in load_index()["models"]]
        raise ValueError(f"{ref!r} is not a published checkpoint; published: "
                         f"{', '.join(published) or 'none yet'} (checkpoints/index.json). Build the "
                         f"architecture with zoo.create_model({ref.split('.')[0]!r}) instead.")
    shipped = checkpoints_dir() / entry["folder"] if entry["folder"] else None
    if shipped is not None and shipped.is_dir():
        _verify_shipped(shipped, entry, files)
        return shipped
    if not entry["hub"]["revision"]:
        raise FileNotFoundError(f"{entry['name']} is in the index but neither shipped "
                                f"(checkpoints/{entry['folder'] or entry['name']} is absent) nor "
                                f"published (hub.revision is null); run `zoo publish` first")
    return _download_files(entry["hub"]["repo_id"], entry["hub"]["revision"], entry["name"], entry,
                           files, cache_dir)


def resolve_config(ref: str, cache_dir: Union[str, Path, None] = None) -> dict:
    """``config.json`` of ``ref`` (downloads nothing else)."""
    return read_config(resolve_folder(ref, cache_dir, files=(CONFIG_NAME,)))


def from_pretrained(ref: str, cache_dir: Union[str, Path, None] = None):
    """The task module of checkpoint ``ref`` in eval mode (see the module docstring)."""
    with one_hash_per_file():  # the index's check and config.json's read the weights once
        return load_folder(resolve_folder(ref, cache_dir))


def download(name: str, cache_dir: Union[str, Path, None] = None) -> Path:
    """Fetch every file of a published checkpoint (or an ``hf-hub:`` ref) into the cache."""
    if name.startswith(HF_PREFIX):
        entry = _entry_for_repo(parse_hub_ref(name)[0])
    else:
        entry = find_entry(name)
        if entry is None:
            return resolve_folder(name, cache_dir)  # raises with the list of published names
    files = tuple([*LOAD_FILES, *(f for f in (entry or {}).get("files", {}) if f not in LOAD_FILES)])
    return resolve_folder(name, cache_dir, files=files)
