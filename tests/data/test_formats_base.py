"""The readers every parser shares (``zoo.data.formats.base``): a byte that is not UTF-8 is an
``AnnotationError`` naming file, line and byte offset — never a bare ``UnicodeDecodeError`` —
through every reader and so through every parser."""

from __future__ import annotations

import pytest

from zoo.data.formats.base import AnnotationError, read_csv, read_json, read_lines, read_text
from zoo.data.formats.kinetics import parse_kinetics
from zoo.data.formats.ucf101 import read_class_index


def raises_at(path, line, call) -> AnnotationError:
    with pytest.raises(AnnotationError) as info:
        call()
    assert info.value.file == str(path) and info.value.line == line, str(info.value)
    assert str(info.value).startswith(f"{path}:{line}: ")
    return info.value


def test_non_utf8_byte_names_file_line_and_offset(tmp_path):
    # "caf\xe9" is Latin-1: the typical copy re-saved by a spreadsheet
    path = tmp_path / "classInd.txt"
    path.write_bytes(b"1 ApplyEyeMakeup\r\n2 Caf\xe9Dancing\r\n")
    for reader in (read_text, lambda p: list(read_lines(p)), lambda p: list(read_csv(p, ())),
                   read_json, read_class_index):
        error = raises_at(path, 2, lambda: reader(path))
        assert "not valid UTF-8" in error.reason and "byte offset 23" in error.reason
        assert "column 6" in error.reason and "\\xe9" in error.reason


def test_offset_counts_the_byte_order_mark_and_utf8_is_fine(tmp_path):
    path = tmp_path / "val.csv"
    path.write_bytes(b"\xef\xbb\xbflabel,youtube_id,time_start,time_end\n"
                     b"caf\xc3\xa9 dancing,abc,0,10\n"  # valid UTF-8 (é)
                     b"\xff,abc,0,10\n")
    error = raises_at(path, 3, lambda: parse_kinetics(path))
    assert "byte offset 63" in error.reason  # 3 BOM bytes + 37 + 23 (é is 2 bytes)
    path.write_bytes(b"\xef\xbb\xbflabel,youtube_id,time_start,time_end\ncaf\xc3\xa9,abc,0,10\n")
    assert parse_kinetics(path)[0].label_name == "café"

