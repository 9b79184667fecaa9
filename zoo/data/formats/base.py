"""What every annotation parser shares: the error type and line-numbered readers.

Parsers never skip a malformed line: they raise ``AnnotationError(file, line, reason)``, whose
message reads ``"<file>:<line>: <reason>"``. For JSON files, ``line`` is a locator such as
``videos[12]`` or ``[3]`` (the position in the file's list), since JSON has no useful line
numbers once parsed. Records carry the same pointer in ``source`` (``"<file>:<line>"``).

Blank lines (only whitespace) in line-based files are not data and are ignored; everything else
must parse. Line endings may be LF or CRLF (UCF101's lists are CRLF); a UTF-8 byte-order mark is
dropped. Files must be UTF-8 (ASCII is UTF-8): a byte that does not decode raises
``AnnotationError`` naming the file, the line and the byte offset (``read_text``), never a bare
``UnicodeDecodeError``.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence, Union

__all__ = ["AnnotationError", "PathLike", "read_text", "read_lines", "read_csv", "read_json",
           "to_float", "to_int", "locate"]

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


def read_text(path: PathLike) -> str:
    """The whole file decoded as UTF-8 (a leading byte-order mark dropped), line endings kept.

    A byte sequence that is not UTF-8 raises ``AnnotationError(path, line, reason)`` whose reason
    gives the byte offset in the file, the column and the offending bytes — re-save the file as
    UTF-8 (e.g. ``iconv -f latin1 -t utf-8``) after checking which encoding it really uses.
    """
    path = Path(path)
    if not path.is_file():
        raise AnnotationError(path, None, "annotation file not found")
    data = path.read_bytes()
    skip = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        return data[skip:].decode("utf-8")
    except UnicodeDecodeError as e:
        offset = skip + e.start
        line_start = data.rfind(b"\n", 0, offset) + 1
        line = data.count(b"\n", 0, offset) + 1
        bad = data[offset:skip + e.end]
        raise AnnotationError(path, line, f"not valid UTF-8: byte(s) {bad!r} at byte offset "
                              f"{offset} (column {offset - line_start + 1}) — {e.reason}; "
                              "re-save the file as UTF-8") from None


def read_lines(path: PathLike) -> Iterator[tuple[int, str]]:
    """``(line number, text)`` for each non-blank line, 1-based, without the line ending."""
    with io.StringIO(read_text(path), newline="") as f:
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
    with io.StringIO(read_text(path), newline="") as f:
        reader = csv.reader(f, delimiter=delimiter)
        rows = _csv_rows(reader, path)
        header = next(rows, None)
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
        for row in rows:
            if not row or not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise AnnotationError(path, reader.line_num, f"{len(row)} fields, but the header "
                                      f"has {len(header)} ({header})")
            yield reader.line_num, dict(zip(header, (cell.strip() for cell in row)))


def _csv_rows(reader, path: PathLike) -> Iterator[list[str]]:
    """The reader's rows; a ``csv.Error`` (a quote left open, a NUL byte) names file and line."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            raise AnnotationError(path, reader.line_num, f"malformed CSV: {e}") from None
        yield row


def read_json(path: PathLike) -> Any:
    """Load a JSON file; a syntax error is reported with its line."""
    text = read_text(path)
    try:
        return json.loads(text)
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
