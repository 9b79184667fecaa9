"""``zoo sync``: keep ``hubconf.py``, the README's zoo tables and ``cards/`` in step with
``checkpoints/index.json``.

The index is the source of truth. ``sync`` writes what is generated from it (``hubconf.py``, the
README span between the markers, a missing card restored from a shipped folder), then
:func:`check` lists every remaining disagreement — which a test asserts is empty:

- ``hubconf.py`` or the README tables differ from what the index generates;
- a card is missing for an index entry, or a card names no index entry;
- a card's bytes differ from the ``README.md`` the entry records (the card published with the
  weights), or its front matter does not parse or names another model;
- a shipped folder's files differ from the checksums the entry records.

Regenerating everything after training: ``zoo export ... && zoo sync``.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from zoo.hub.index import file_record, load_index
from zoo.hub.paths import REPO_ROOT, cards_dir, checkpoints_dir
from zoo.hub.folder import CARD_NAME
from zoo.hub.tables import render_tables, replace_tables
from zoo.hub.torchhub import generate_hubconf


@dataclass
class Layout:
    """Where the generated files live (the repository by default; a temp folder in tests)."""

    root: Path = REPO_ROOT
    checkpoints: Path = field(default_factory=checkpoints_dir)
    cards: Path = field(default_factory=cards_dir)

    @property
    def hubconf(self) -> Path:
        return self.root / "hubconf.py"

    @property
    def readme(self) -> Path:
        return self.root / "README.md"

    @property
    def index(self) -> Path:
        return self.checkpoints / "index.json"


def write(layout: Optional[Layout] = None) -> list[Path]:
    """Regenerate hubconf.py and the README tables; restore cards from shipped folders."""
    layout = layout or Layout()
    index = load_index(layout.index)
    written = []
    hubconf = generate_hubconf(index)
    if not layout.hubconf.is_file() or layout.hubconf.read_text() != hubconf:
        layout.hubconf.write_text(hubconf)
        written.append(layout.hubconf)
    readme = layout.readme.read_text()
    updated = replace_tables(readme, render_tables(index))
    if updated != readme:
        layout.readme.write_text(updated)
        written.append(layout.readme)
    for entry in index["models"]:
        card = layout.cards / f"{entry['name']}.md"
        shipped = layout.checkpoints / entry["folder"] / CARD_NAME if entry["folder"] else None
        if not card.is_file() and shipped is not None and shipped.is_file():
            layout.cards.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(shipped, card)
            written.append(card)
    return written


def check(layout: Optional[Layout] = None) -> list[str]:
    """Every disagreement between the index and the files generated from it."""
    layout = layout or Layout()
    index = load_index(layout.index)
    problems = []
    if not layout.hubconf.is_file() or layout.hubconf.read_text() != generate_hubconf(index):
        problems.append(f"{layout.hubconf} is stale: run `zoo sync`")
    try:
        readme = layout.readme.read_text()
        if replace_tables(readme, render_tables(index)) != readme:
            problems.append(f"the zoo tables in {layout.readme} are stale: run `zoo sync`")
    except (OSError, ValueError) as error:
        problems.append(f"{layout.readme}: {error}")
    names = {entry["name"] for entry in index["models"]}
    on_disk = {p.stem for p in layout.cards.glob("*.md")} if layout.cards.is_dir() else set()
    problems += [f"card {layout.cards / (n + '.md')} names no checkpoint of the index"
                 for n in sorted(on_disk - names)]
    for entry in index["models"]:
        problems += _card_problems(entry, layout.cards / f"{entry['name']}.md")
        if entry["folder"]:
            folder = layout.checkpoints / entry["folder"]
            for filename, record in entry["files"].items():
                path = folder / filename
                if not path.is_file() or file_record(path) != record:
                    problems.append(f"{entry['name']}: shipped {path} is missing or differs from the index")
    return problems


def _card_problems(entry: dict, card: Path) -> list[str]:
    from huggingface_hub import ModelCard

    if not card.is_file():
        return [f"{entry['name']}: card {card} is missing (zoo export writes it)"]
    problems = []
    if entry["files"].get(CARD_NAME) != file_record(card):
        problems.append(f"{entry['name']}: {card} differs from the README.md the index records")
    try:
        data = ModelCard(card.read_text()).data
        if data.model_name != entry["name"] or data.library_name != "zoo":
            problems.append(f"{entry['name']}: {card} front matter names {data.model_name!r}")
    except Exception as error:  # huggingface_hub raises several types for bad YAML
        problems.append(f"{entry['name']}: {card} front matter does not parse ({error})")
    return problems
