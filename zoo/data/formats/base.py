"""What every annotation parser shares: the error type and line-numbered readers.

Parsers never skip a malformed line: they raise ``AnnotationError(file, line, reason)``, whose
message reads ``"<file>:<line>: <reason>"``. For JSON files, ``line`` is a locator such as
``videos[12]`` or ``[3]`` (the position in the file's list), since JSON has no useful line
numbers once parsed. Records carry the same pointer in ``source`` (``"<file>:<line>"``).

Blank lines (only whitespace) in line-based files are not data and are ignored; everything else
must parse. Line endings may be LF or CRLF (UCF101's lists are CRLF); a UTF-8 byte-order mark is
dropped.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence, Union

__all__ = ["AnnotationError", "PathLike", "read_lines", "read_csv", "read_json", "to_float",
           "to_int", "locate"]

PathLike = Union[str, os.PathLike]


class AnnotationError(ValueError):
    """A malformed annotation: ``file``, ``line`` (number or JSON locator) and ``reason``."""

    def __init__(self, file: PathLike, line: Union[int, str, None], reason: str):
        self.file, self.line, self.reason = str(file), line, reason
        where = self.file if line is None else f"{self.file}:{line}"
        super().__init__(f"{where}: {reason}")

    def __reduce__(self):
        return (type(self), (self.file, self.line, self.reason))


def locate(file: PathLike, line: Union[int, str]) -> str:
    """The ``source`` string of a record: ``"<file>:<line>"``."""
    return f"{file}:{line}"


def _open(path: PathLike, **kwargs):
    path = Path(path)
    if not path.is_file():
        raise AnnotationError(path, None, "annotation file not found")
    return open(path, encoding="utf-8-sig", **kwargs)


def read_lines(path: PathLike) -> Iterator[tuple[int, str]]:
    """``(line number, text)`` for each non-blank line, 1-based, without the line ending."""
    with _open(path, newline="") as f:
        for number, line in enumerate(f, start=1):
            text = line.rstrip("\r\n")
            if text.strip():
                yield number, text


def read_csv(path: PathLike, required: Sequence[str], delimiter: str = ",",
             ) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a CSV file by **header name**: ``(line number, {column: value})``.

    The header must contain every ``required`` column (extra columns are fine and kept). A header
    that only makes sense with ``;`` as the separator (some re-saved copies of benchmark CSVs) is
    reported as such. A row with a different number of fields than the header raises.
    """
    with _open(path, newline="") as f:
        reader = csv.reader(f, delimiter=delimiter)
        header = next(reader, None)
        if header is None:
            raise AnnotationError(path, 1, "empty file: expected a CSV header")
        header = [h.strip() for h in header]
        missing = [c for c in required if c not in header]
        if missing:
            if delimiter != ";" and any(";" in h for h in header):
                raise AnnotationError(path, 1, f"the header uses ';' as the separator "
                                      f"({';'.join(header)!r}); this format is read with "
                                      f"{delimiter!r} — convert the file back to the original")
            raise AnnotationError(path, 1, f"missing column(s) {missing}; header is {header}")
        for row in reader:
            if not row or not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise AnnotationError(path, reader.line_num, f"{len(row)} fields, but the header "
                                      f"has {len(header)} ({header})")
            yield reader.line_num, dict(zip(header, (cell.strip() for cell in row)))


def read_json(path: PathLike) -> Any:
    """Load a JSON file; a syntax error is reported with its line."""
    with _open(path) as f:
        try:
            return json.load(f)
        except json.JSONDecodeError as e:
            raise AnnotationError(path, e.lineno, f"invalid JSON: {e.msg}") from None


def to_float(text: Any, path: PathLike, line: Union[int, str], what: str) -> float:
    """``float(text)`` or an ``AnnotationError`` naming the field; rejects NaN and infinities."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise AnnotationError(path, line, f"{what} must be a number, got {text!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise AnnotationError(path, line, f"{what} must be finite, got {text!r}")
    return value


def to_int(text: Any, path: PathLike, line: Union[int, str], what: str,
           minimum: Optional[int] = None) -> int:
    """``int(text)`` (no fractional part) or an ``AnnotationError`` naming the field."""
    if isinstance(text, bool) or (isinstance(text, float) and not text.is_integer()):
        raise AnnotationError(path, line, f"{what} must be an integer, got {text!r}")
    try:
        value = int(text)
    except (TypeError, ValueError):
        raise AnnotationError(path, line, f"{what} must be an integer, got {text!r}") from None
    if minimum is not None and value < minimum:
        raise AnnotationError(path, line, f"{what} must be >= {minimum}, got {value}")
    return value
