"""MSVD captions and splits (``zoo.data.formats.msvd``).

``youtube_mapping.txt`` keeps the structure of
``yaoli/arctic-capgen-vid @ 733d0fab88d398eb4902ec35d50514757af73b16 : youtube_mapping.txt``
(LF, ``"<ytid>_<start>_<end> vid<N>"``, YouTube ids with ``-`` and ``_``). No copy of
``AllVideoDescriptions.txt`` is in the public-repository index; its layout (a ``#`` header, then
``"<clip id> <description>"`` lines) follows the corpus page as quoted by the readers that parse
it (e.g. ``MRSA-J/Youtube-Teller``'s README). The split lists follow CLIP4Clip's
``msvd_data.zip`` (one clip id per line). All content is our own.
"""

from __future__ import annotations

import json

import pytest

from zoo.data.formats.base import AnnotationError
from zoo.data.formats.msvd import (load_msvd_captions, parse_msvd, read_msvd_descriptions,
                                   read_youtube_mapping)

DESCRIPTIONS = ("###########################\n# Recovered English descriptions\n"
                "# <clip id> <description>\n###########################\n"
                "-a_B-c1_2_9 a dog runs on the grass\n"
                "-a_B-c1_2_9 a puppy is running\n"
                "x9_Yz-0w_0_4 a man slices an onion\n"
                "Qq_1_22 someone plays a piano\n")
MAPPING = "-a_B-c1_2_9 vid1\nx9_Yz-0w_0_4 vid2\nQq_1_22 vid3\n"


def write(folder, name, text):
    path = folder / name
    path.write_bytes(text.encode())
    return path


def test_descriptions_lists_and_mapping(tmp_path):
    captions = write(tmp_path, "AllVideoDescriptions.txt", DESCRIPTIONS)
    table = read_msvd_descriptions(captions)
    assert table["-a_B-c1_2_9"] == ["a dog runs on the grass", "a puppy is running"]
    train_list = write(tmp_path, "train_list.txt", "x9_Yz-0w_0_4\n-a_B-c1_2_9\n")
    records = parse_msvd(captions, split_list=train_list)
    assert [(r.video_id, r.path) for r in records] == [("x9_Yz-0w_0_4", "x9_Yz-0w_0_4.avi"),
                                                       ("-a_B-c1_2_9", "-a_B-c1_2_9.avi")]
    assert records[1].captions == ["a dog runs on the grass", "a puppy is running"]
    assert records[1].source == f"{train_list}:2"
    assert len(parse_msvd(captions, split_list=train_list, unfold=True)) == 3
    mapping = write(tmp_path, "youtube_mapping.txt", MAPPING)
    assert read_youtube_mapping(mapping)["Qq_1_22"] == 3
    train = parse_msvd(table, youtube_mapping=mapping, split="train")  # vid1..1200
    assert [r.video_id for r in train] == ["-a_B-c1_2_9", "x9_Yz-0w_0_4", "Qq_1_22"]
    assert train[2].source == f"{mapping}:vid3"
    assert parse_msvd(table, youtube_mapping={"Qq_1_22": 1300}, split="val")[0].video_id == "Qq_1_22"


def test_json_captions_and_pickle_refused(tmp_path):
    path = write(tmp_path, "raw-captions.json", json.dumps(
        {"Qq_1_22": [["someone", "plays", "a", "piano"], "a person plays music"]}))
    assert load_msvd_captions(path) == {"Qq_1_22": ["someone plays a piano",
                                                    "a person plays music"]}
    pickle_file = write(tmp_path, "raw-captions.pkl", "not read")
    with pytest.raises(AnnotationError, match="pickle is not read.*raw-captions.json"):
        load_msvd_captions(pickle_file)


def test_errors_name_file_and_line(tmp_path):
    captions = write(tmp_path, "AllVideoDescriptions.txt", DESCRIPTIONS)
    missing = write(tmp_path, "test_list.txt", "Qq_1_22\nzz_3_4\n")
    with pytest.raises(AnnotationError) as info:
        parse_msvd(captions, split_list=missing)
    assert (info.value.file, info.value.line) == (str(missing), 2) and "no caption" in info.value.reason
    for name, text, line in [("d.txt", DESCRIPTIONS + "# late comment\n", 9),
                             ("d2.txt", "Qq_1_22\n", 1),
                             ("m.txt", "Qq_1_22 vid1\nx_1_2 video2\n", 2),
                             ("m2.txt", "Qq_1_22 vid1\nx_1_2 vid1\n", 2),
                             ("l.txt", "Qq_1_22\nQq_1_22\n", 2),
                             ("l2.txt", "Qq_1_22 extra\n", 1)]:
        path = write(tmp_path, name, text)
        reader = {"d": read_msvd_descriptions, "m": read_youtube_mapping,
                  "l": lambda p: parse_msvd(captions, split_list=p)}[name[0]]
        with pytest.raises(AnnotationError) as info:
            reader(path)
        assert (info.value.file, info.value.line) == (str(path), line), str(info.value)


def test_empty_caption_json_object(tmp_path):
    path = write(tmp_path, "raw-captions.json", "{}")
    with pytest.raises(AnnotationError) as info:
        load_msvd_captions(path)
    assert (info.value.file, info.value.line) == (str(path), None)
    assert info.value.reason == "expected a non-empty object {clip id: [captions]}"


@pytest.mark.parametrize("caption, shown", [
    ("", "''"), ("   ", "'   '"),
    ([], "''"), (["", " "], "'  '"),  # token lists are reported joined: "" + " " + " "
])
def test_empty_caption_in_json(tmp_path, caption, shown):
    path = write(tmp_path, "raw-captions.json", json.dumps(
        {"Qq_1_22": ["someone plays a piano"], "x9_Yz-0w_0_4": ["a man cuts", caption]}))
    with pytest.raises(AnnotationError) as info:
        load_msvd_captions(path)
    assert (info.value.file, info.value.line) == (str(path), "'x9_Yz-0w_0_4'[1]")
    assert info.value.reason == ("a caption must be a non-empty string or list of tokens, got "
                                 + shown)


def test_unfolded_records_carry_one_caption_each(tmp_path):
    captions = write(tmp_path, "AllVideoDescriptions.txt", DESCRIPTIONS)
    train_list = write(tmp_path, "train_list.txt", "x9_Yz-0w_0_4\n-a_B-c1_2_9\n")
    records = parse_msvd(captions, split_list=train_list, unfold=True)
    assert [(r.video_id, r.path, r.captions, r.source) for r in records] == [
        ("x9_Yz-0w_0_4", "x9_Yz-0w_0_4.avi", ["a man slices an onion"], f"{train_list}:1"),
        ("-a_B-c1_2_9", "-a_B-c1_2_9.avi", ["a dog runs on the grass"], f"{train_list}:2"),
        ("-a_B-c1_2_9", "-a_B-c1_2_9.avi", ["a puppy is running"], f"{train_list}:2")]
    mapping = write(tmp_path, "youtube_mapping.txt", MAPPING)
    by_vid = parse_msvd(captions, youtube_mapping=mapping, split="train", unfold=True)
    assert [r.captions for r in by_vid] == [["a dog runs on the grass"], ["a puppy is running"],
                                            ["a man slices an onion"],
                                            ["someone plays a piano"]]
