"""``checkpoints/index.json``: the manifest of every published checkpoint.

One entry per checkpoint (``arch.tag``); ``hubconf.py``, ``cards/`` and the README's zoo tables
are generated from it (``zoo sync``) and tests fail when they drift. An entry::

    {"name": "postnet_recognition_tiny.world_8f", "arch": ..., "tag": ...,
     "task": "recognition", "paradigm": "postnet", "variant": "seqtransf", "backbone": "tiny",
     "backbone_pretrained": "zoo",
     "hub": {"repo_id": "zoo-models/postnet_recognition_tiny.world_8f", "revision": "<40 hex>"|null},
     "folder": "postnet_recognition_tiny.world_8f" | null,   # shipped under checkpoints/
     "files": {"model.safetensors": {"sha256": ..., "size": ...}, "config.json": {...}, ...},
     "evaluation": {"dataset", "split", "num_frames", "clips", "crops", "metrics": {...}},
     "parameters": {"trainable", "total", "stored"}, "gflops": float|null, "license": "mit",
     "card": "cards/<name>.md"}

The first entry of an architecture is its default tag (``zoo.from_pretrained("postnet_recognition_tiny")``).
"""

from __future__ import annotations

import hashlib
import json
import os
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Iterator, Optional, Union

from zoo.hub.paths import checkpoints_dir
from zoo.registry import parse_name

INDEX_FORMAT = 1
INDEX_NAME = "index.json"
ENTRY_FIELDS = ("name", "arch", "tag", "task", "paradigm", "variant", "backbone",
                "backbone_pretrained", "hub", "folder", "files", "evaluation", "parameters",
                "gflops", "license", "card")


class ChecksumError(RuntimeError):
    """A file's sha256 or size differs from the one its manifest records."""


def index_path() -> Path:
    """``$ZOO_CHECKPOINTS/index.json`` (default ``<repo>/checkpoints/index.json``)."""
    return checkpoints_dir() / INDEX_NAME


def empty_index() -> dict:
    return {"format": INDEX_FORMAT, "models": []}


def load_index(path: Union[str, Path, None] = None) -> dict:
    """Read and validate the index; a missing file is an empty index."""
    path = Path(path) if path is not None else index_path()
    if not path.is_file():
        return empty_index()
    try:
        index = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: not valid JSON ({error})") from None
    validate_index(index, path)
    return index


def validate_index(index: Any, source: Union[str, Path] = "index") -> None:
    """Raise ``ValueError`` naming the entry and field that is wrong."""
    if not isinstance(index, dict) or index.get("format") != INDEX_FORMAT or \
            not isinstance(index.get("models"), list):
        raise ValueError(f"{source}: expected {{'format': {INDEX_FORMAT}, 'models': [...]}}")
    seen = set()
    for i, entry in enumerate(index["models"]):
        where = f"{source}: models[{i}]"
        if not isinstance(entry, dict):
            raise ValueError(f"{where} is not an object")
        missing = [f for f in ENTRY_FIELDS if f not in entry]
        if missing:
            raise ValueError(f"{where} ({entry.get('name')!r}) lacks fields {missing}")
        parsed = parse_name(entry["name"])
        if parsed.tag is None:
            raise ValueError(f"{where}: name {entry['name']!r} has no tag (arch.tag)")
        for field, value in (("arch", parsed.arch), ("tag", parsed.tag), ("task", parsed.task),
                             ("paradigm", parsed.paradigm), ("backbone", parsed.backbone)):
            if entry[field] != value:
                raise ValueError(f"{where}: {field}={entry[field]!r} disagrees with name {entry['name']!r}")
        if entry["name"] in seen:
            raise ValueError(f"{where}: duplicate name {entry['name']!r}")
        seen.add(entry["name"])
        for file, record in entry["files"].items():
            if set(record) != {"sha256", "size"} or len(record["sha256"]) != 64:
                raise ValueError(f"{where}: files[{file!r}] must be {{'sha256': <64 hex>, 'size': int}}")
        if "model.safetensors" not in entry["files"] or "config.json" not in entry["files"]:
            raise ValueError(f"{where}: files must list model.safetensors and config.json")
        revision = entry["hub"].get("revision")
        if revision is not None and not (len(revision) == 40 and _is_hex(revision)):
            raise ValueError(f"{where}: hub.revision must be a 40-hex commit (pinned), got {revision!r}")


def save_index(index: dict, path: Union[str, Path, None] = None) -> Path:
    path = Path(path) if path is not None else index_path()
    validate_index(index, path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(index, indent=2) + "\n")
    return path


def find_entry(name: str, index: Optional[dict] = None) -> Optional[dict]:
    """The entry named ``arch.tag``, or the default (first) entry of ``arch``; None if absent."""
    index = index if index is not None else load_index()
    key = "name" if "." in name else "arch"
    return next((entry for entry in index["models"] if entry[key] == name), None)


def upsert_entry(index: dict, entry: dict) -> dict:
    """Replace the entry of the same name (keeping its position) or append it."""
    models = index["models"]
    for i, existing in enumerate(models):
        if existing["name"] == entry["name"]:
            models[i] = entry
            return index
    models.append(entry)
    return index


# ---------------------------------------------------------------------- checksums
_ONE_LOAD: ContextVar[Optional[dict]] = ContextVar("zoo_one_load_hashes", default=None)


@contextmanager
def one_hash_per_file() -> Iterator[None]:
    """Within the block, a file checked twice is read and hashed once: one load checks
    ``model.safetensors`` against the index's record and then against its ``config.json``
    (a second full read of a ViT-sized file). The memo lives only for the block, keyed by the
    file's path, device, inode, size and modification time; nothing is remembered between loads,
    so a file changed between two loads is always read again."""
    token = _ONE_LOAD.set({}) if _ONE_LOAD.get() is None else None
    try:
        yield
    finally:
        if token is not None:
            _ONE_LOAD.reset(token)


def _hash_file(path: Union[str, Path], chunk: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def file_sha256(path: Union[str, Path], chunk: int = 1 << 20) -> str:
    memo = _ONE_LOAD.get()
    if memo is None:
        return _hash_file(path, chunk)
    stat = os.stat(path)
    key = (str(Path(path).resolve()), stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)
    if key not in memo:
        memo[key] = _hash_file(path, chunk)
    return memo[key]


def file_record(path: Union[str, Path]) -> dict:
    """``{"sha256": ..., "size": ...}`` of one file."""
    return {"sha256": file_sha256(path), "size": Path(path).stat().st_size}


def verify_file(path: Union[str, Path], expected: dict, label: str, fix: str = "") -> None:
    """Raise :class:`ChecksumError` naming ``label`` when ``path`` differs from ``expected``."""
    path = Path(path)
    size = path.stat().st_size
    if "size" in expected and size != expected["size"]:
        raise ChecksumError(f"{label}: {path} has {size} bytes but {expected['size']} are recorded "
                            f"(sha256 {expected['sha256']}); the file is truncated, a Git LFS "
                            f"pointer, or was changed. {fix}".rstrip())
    actual = file_sha256(path)
    if actual != expected["sha256"]:
        raise ChecksumError(f"{label}: {path} has sha256 {actual} but {expected['sha256']} is "
                            f"recorded; the file is corrupt or was changed. {fix}".rstrip())


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdef" for c in text)
