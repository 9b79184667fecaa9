"""HMDB51 official split files (``zoo.data.formats.hmdb51``).

No copy of ``test_train_splits.rar``'s files was found in the public-repository index, so the
fixtures follow the format as the official ``split_readme.txt`` and mmaction2's
``tools/data/hmdb51`` parser describe it (``/work/shared/reference/datasets.md`` §1.3):
``<class>_test_split{1,2,3}.txt``, lines ``"<video>.avi <0|1|2>"`` ending with a space before the
line break — with our own video names.
"""

from __future__ import annotations

import pytest

from zoo.data.formats.base import AnnotationError
from zoo.data.formats.hmdb51 import hmdb51_classes, parse_hmdb51


def split_dir(tmp_path, crlf=False):
    folder = tmp_path / "testTrainMulti_7030_splits"
    folder.mkdir()
    end = "\r\n" if crlf else "\n"
    files = {
        "wave_test_split1.txt": ["Hello_there_wave_u_cm_np1_fr_med_0.avi 1",
                                 "Hello_there_wave_u_cm_np1_fr_med_1.avi 2",
                                 "Bye_wave_f_nm_np2_le_goo_3.avi 0"],
        "brush_hair_test_split1.txt": ["Morning_brush_hair_h_nm_np1_ba_goo_2.avi 2",
                                       "Morning_brush_hair_h_nm_np1_ba_goo_5.avi 1"],
        "brush_hair_test_split2.txt": ["Morning_brush_hair_h_nm_np1_ba_goo_2.avi 1",
                                       "Morning_brush_hair_h_nm_np1_ba_goo_5.avi 2"],
    }
    for name, lines in files.items():  # the real lines end with "<flag> " + line break
        (folder / name).write_bytes("".join(f"{line} {end}" for line in lines).encode())
    (folder / "wave_test_split2.txt").write_bytes(b"Hello_there_wave_u_cm_np1_fr_med_0.avi 2 \n")
    return folder


@pytest.mark.parametrize("crlf", [False, True])
def test_split_files_classes_and_subsets(tmp_path, crlf):
    folder = split_dir(tmp_path, crlf)
    assert hmdb51_classes(folder) == ["brush_hair", "wave"]  # sorted, as mmaction2
    train = parse_hmdb51(folder, split=1, subset="train")
    assert [(r.path, r.label) for r in train] == [
        ("brush_hair/Morning_brush_hair_h_nm_np1_ba_goo_5.avi", 0),
        ("wave/Hello_there_wave_u_cm_np1_fr_med_0.avi", 1)]
    assert train[1].video_id == "Hello_there_wave_u_cm_np1_fr_med_0"
    assert train[1].label_name == "wave"
    assert train[1].source == f"{folder / 'wave_test_split1.txt'}:1"
    test = parse_hmdb51(folder, split=1, subset="test")
    assert [r.video_id for r in test] == ["Morning_brush_hair_h_nm_np1_ba_goo_2",
                                          "Hello_there_wave_u_cm_np1_fr_med_1"]
    assert [r.video_id for r in parse_hmdb51(folder, split=2, subset="test")] == [
        "Morning_brush_hair_h_nm_np1_ba_goo_5", "Hello_there_wave_u_cm_np1_fr_med_0"]


def test_bad_lines_name_file_and_line(tmp_path):
    folder = split_dir(tmp_path)
    bad = folder / "wave_test_split1.txt"
    for text, reason in [("a.avi 1 \nb.avi 3 \n", "flag must be 0"),
                         ("a.avi 1 \nb.avi\n", "expected '<video>.avi <0|1|2>'"),
                         ("a.avi 1 \na.avi 2 \n", "listed twice"),
                         ("a.avi 1 \nb.avi x \n", "flag must be an integer")]:
        bad.write_text(text)
        with pytest.raises(AnnotationError) as info:
            parse_hmdb51(folder, subset="train")
        assert (info.value.file, info.value.line) == (str(bad), 2) and reason in info.value.reason
    with pytest.raises(AnnotationError, match="no <class>_test_split3.txt"):
        parse_hmdb51(folder, split=3)
    with pytest.raises(AnnotationError, match="split folder not found"):
        parse_hmdb51(tmp_path / "nowhere")
