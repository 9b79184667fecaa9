"""Charades-STA (temporal grounding) datamodule.

Files read: ``charades_sta_{train,test}.txt`` (``"<vid> <s> <e>##<sentence>"``) and, when there,
the durations (``Charades_duration.json`` or Charades ``Charades_v1_*.csv``). Videos:
``Charades_v1_480/<vid>.mp4``. Splits: train = the train file; val **and** test = the test file.
One item per query, with ``segments`` (seconds) and ``query``.

Durations. Charades-STA does not ship them (``Charades_duration.json`` is DRN / mmaction2's). When
the durations file is absent, each video's duration is read from the video file itself
(``VideoReader(...).duration``: frames / fps) when a split's records are first built, and cached
as JSON next to the data (``durations_cache``, default ``<root>/zoo_durations.json``; kept in
memory when that cannot be written); a cached duration is measured again when its file's size
changed. Either way the parser's policy applies (``zoo.data.formats.charades_sta``): an end past
the duration is clamped, a start at or past it raises naming the file and line.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Optional

from zoo.data.benchmarks.base import BenchmarkDataModule, logger
from zoo.data.formats.charades_sta import apply_durations, parse_charades_sta, read_charades_durations
from zoo.data.records import VideoRecord
from zoo.data.video import VideoReader
from zoo.data.video_backends import VideoDecodeError

__all__ = ["CharadesSTADataModule"]

DEFAULT_DURATIONS = "Charades_duration.json"


class CharadesSTADataModule(BenchmarkDataModule):
    """Charades-STA (temporal grounding): one item per query, with ``segments`` (seconds) and
    ``query``; validation uses the test file.

    Args:
        root: the dataset folder.
        train_txt / test_txt: the query files.
        durations: ``Charades_duration.json`` or Charades ``Charades_v1_*.csv`` (segments are
            clamped to the duration). The default file is optional: without it (or with
            ``None``) durations are read from the video files (module docstring). Any other
            file must exist.
        durations_cache: where durations read from the videos are cached (JSON, relative to
            ``root``); ``None`` keeps them in memory only.
        video_dir: the folder of ``<vid>.mp4``.
        on_reversed: ``"swap"`` (logged) or ``"raise"`` for end < start lines.
        (the rest: see :class:`BenchmarkDataModule`)
    """

    def __init__(self, root: str, train_txt: str = "charades_sta_train.txt",
                 test_txt: str = "charades_sta_test.txt",
                 durations: Optional[str] = DEFAULT_DURATIONS,
                 durations_cache: Optional[str] = "zoo_durations.json",
                 video_dir: str = "Charades_v1_480", on_reversed: str = "swap", **kwargs):
        super().__init__(root, video_dir=video_dir, **kwargs)
        self.files = {"train": train_txt, "val": test_txt, "test": test_txt}
        self.durations = durations
        self.durations_cache = durations_cache
        self.on_reversed = on_reversed
        self._durations: Optional[dict[str, float]] = None
        self._durations_read = False
        self._measured: Optional[dict[str, dict]] = None  # {vid: {"seconds", "bytes"}}

    def annotation_files(self, split: str) -> list[Path]:
        return [self.path(self.files[split])]

    def file_durations(self) -> Optional[dict[str, float]]:
        """The durations file's table, or ``None`` (no file: the default one is absent, or
        ``durations=None``)."""
        if not self._durations_read and self.durations is not None:
            self._durations = read_charades_durations(self.path(self.durations),
                                                      missing_ok=self.durations == DEFAULT_DURATIONS)
        self._durations_read = True
        return self._durations

    def parse(self, split: str) -> list[VideoRecord]:
        return parse_charades_sta(self.path(self.files[split]), durations=self.file_durations(),
                                  on_reversed=self.on_reversed)

    def records(self, split: str) -> list[VideoRecord]:
        """The split's records whose video exists, with durations (from the file, else the
        videos) applied."""
        if split not in self._present:
            present = super().records(split)
            unknown = [record for record in present if record.duration is None]
            if unknown:
                durations = self.video_durations(split, unknown)
                apply_durations([r for r in unknown if r.video_id in durations], durations)
        return self._present[split]

    # ------------------------------------------------------------------ durations from the videos
    def cache_path(self) -> Optional[Path]:
        return None if self.durations_cache is None else self.path(self.durations_cache)

    def video_durations(self, split: str, records: list[VideoRecord]) -> dict[str, float]:
        """Seconds by video id of ``records``' videos, measured once and cached (module doc).
        A video that cannot be read raises, or with ``on_error="skip"`` is left without a
        duration (logged; loading it will be skipped too)."""
        measured = self._load_cache()
        source, changed, failed = self.source(split), 0, []
        for record in records:
            path = source.resolve(record)
            size = path.stat().st_size
            known = measured.get(record.video_id)
            if known is not None and known.get("bytes") == size:
                continue
            try:
                seconds = VideoReader(path, backend=self.video_backend).duration
            except VideoDecodeError:
                if self.on_error != "skip":
                    raise
                failed.append(str(path))
                continue
            measured[record.video_id] = {"seconds": float(seconds), "bytes": size}
            changed += 1
        if failed:
            logger.warning("Charades-STA %s: %d videos could not be read to measure their duration "
                           "(first: %s); their segments are not clamped", split, len(failed), failed[0])
        if changed:
            logger.info("Charades-STA %s: read the duration of %d videos from the files (no %s)",
                        split, changed, self.durations or "durations file")
            self._save_cache(measured)
        wanted = {record.video_id for record in records}
        return {vid: entry["seconds"] for vid, entry in measured.items() if vid in wanted}

    def _load_cache(self) -> dict[str, dict]:
        if self._measured is None:
            self._measured = {}
            path = self.cache_path()
            if path is not None and path.is_file():
                try:
                    data = json.loads(path.read_text())
                    videos = data["videos"]
                    self._measured = {str(vid): {"seconds": float(entry["seconds"]),
                                                 "bytes": int(entry["bytes"])}
                                      for vid, entry in videos.items()}
                except (ValueError, KeyError, TypeError, AttributeError) as error:
                    logger.warning("%s: not a zoo durations cache (%s); measuring the videos again",
                                   path, error)
        return self._measured

    def _save_cache(self, measured: dict[str, dict]) -> None:
        path = self.cache_path()
        if path is None:
            return
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            temporary.write_text(json.dumps({"about": "Charades-STA video durations (seconds) read "
                                             "from the video files by zoo", "videos": measured},
                                            indent=1, sort_keys=True))
            os.replace(temporary, path)  # atomic: concurrent processes never see half a file
        except OSError as error:
            logger.info("Charades-STA: durations not cached at %s (%s); kept in memory", path, error)
            try:
                temporary.unlink(missing_ok=True)
            except OSError:
                pass  # its folder is not there or not writable: nothing was written
