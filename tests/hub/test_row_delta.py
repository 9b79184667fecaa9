"""Row deltas (``zoo.hub.row_delta``): a fine-tuned token embedding is stored as the rows training
changed, and loads back bit for bit; ties between the task and the model are stored once."""

import json

import pytest
import torch
from hub_fixtures import CLASS_NAMES, NUM_FRAMES, video, zoo_home, tiny_weights  # noqa: F401
from safetensors.torch import load_file, save_file

import zoo
from zoo.hub.export import task_from_checkpoint
from zoo.hub.folder import read_config, save_pretrained
from zoo.hub.index import file_record
from zoo.hub.row_delta import ROW_INDEX, ROWS, changed_rows, decode_row_deltas, encode_row_deltas

TOKENS = "model.backbone.clip.token_embedding.weight"
TEXT_POSITIONS = "model.backbone.clip.positional_embedding"


# ---------------------------------------------------------------------- the encoding by hand
def test_two_changed_rows_of_six_are_stored_as_two_rows_and_decode_exactly():
    base = torch.arange(18, dtype=torch.float32).reshape(6, 3)
    trained = base.clone()
    trained[1, 2] += 0.5
    trained[4] = -1.0
    stored, encoded = encode_row_deltas({"w": trained, "bias": torch.ones(6)}, {"w": base, "bias": torch.zeros(6)})
    assert encoded == {"w": 2}
    assert set(stored) == {"w" + ROWS, "w" + ROW_INDEX, "bias"}  # 1-D entries stay whole
    assert stored["w" + ROW_INDEX].tolist() == [1, 4] and stored["w" + ROW_INDEX].dtype == torch.int64
    assert stored["w" + ROWS].tolist() == [[3.0, 4.0, 5.5], [-1.0, -1.0, -1.0]]
    decoded = decode_row_deltas(stored, {"w": base, "bias": torch.zeros(6)}, encoded, "f.safetensors")
    assert set(decoded) == {"w", "bias"} and torch.equal(decoded["w"], trained)
    assert torch.equal(base, torch.arange(18, dtype=torch.float32).reshape(6, 3))  # the base is not written


def test_more_than_half_changed_or_no_base_or_another_shape_stays_whole():
    base = torch.zeros(4, 2)
    four_of_four = torch.ones(4, 2)
    three_of_four = torch.tensor([[1.0, 0], [0, 0], [2, 0], [0, 3]])
    two_of_four = torch.tensor([[1.0, 0], [0, 0], [0, 0], [0, 3]])
    stored, encoded = encode_row_deltas(
        {"a": four_of_four, "b": three_of_four, "c": two_of_four, "new": torch.ones(4, 2),
         "other_shape": torch.zeros(2, 4), "half": torch.zeros(4, 2, dtype=torch.float16)},
        {"a": base, "b": base, "c": base, "other_shape": base, "half": base})
    assert encoded == {"c": 2}
    assert {"a", "b", "new", "other_shape", "half"} <= set(stored)


def test_unchanged_entry_is_zero_rows_and_nan_counts_as_changed():
    base = torch.zeros(3, 2, 2)
    assert changed_rows(base.clone(), base).tolist() == []
    with_nan = base.clone()
    with_nan[2, 1, 0] = float("nan")
    assert changed_rows(with_nan, base).tolist() == [2]
    stored, encoded = encode_row_deltas({"w": base.clone()}, {"w": base})
    assert encoded == {"w": 0} and stored["w" + ROWS].shape == (0, 2, 2)
    assert torch.equal(decode_row_deltas(stored, {"w": base}, encoded, "f")["w"], base)


@pytest.mark.parametrize("damage, error, match", [
    (lambda s, d: s.update({"w" + ROW_INDEX: torch.tensor([1, 6])}), ValueError, r"f\.safetensors: .*\[0, 6\)"),
    (lambda s, d: s.update({"w" + ROW_INDEX: torch.tensor([4, 1])}), ValueError, "strictly increasing"),
    (lambda s, d: s.update({"w" + ROW_INDEX: torch.tensor([1, 4], dtype=torch.int32)}), ValueError, "int64"),
    (lambda s, d: s.update({"w" + ROWS: torch.zeros(2, 4)}), ValueError, r"must be torch.float32 \[2, 3\]"),
    (lambda s, d: s.pop("w" + ROWS), KeyError, "parts are missing"),
    (lambda s, d: d.clear(), KeyError, "not listed in config.json's weights.row_deltas"),
    (lambda s, d: d.update({"v": 0}), KeyError, "parts are missing"),
    (lambda s, d: s.update({"w": torch.zeros(6, 3)}), KeyError, "both whole and as a row delta"),
])
def test_inconsistent_row_deltas_raise_naming_the_file(damage, error, match):
    base = torch.zeros(6, 3)
    trained = base.clone()
    trained[[1, 4]] = 1.0
    stored, encoded = encode_row_deltas({"w": trained}, {"w": base})
    damage(stored, encoded)
    with pytest.raises(error, match=match):
        decode_row_deltas(stored, {"w": base, "v": base}, encoded, "f.safetensors")


# ---------------------------------------------------------------------- a fine-tuned student
def _distill(task_name: str, **head):
    return zoo.create_model(f"distill_{task_name}_tiny", num_frames=NUM_FRAMES, backbone_pretrained="zoo", **head)


def _train_like_adamw(task, token_rows=(3, 17, 40), positions=(0, 1, 2)):
    """Every trainable entry moves, except the token embedding and the text positions, which move
    only in the rows a short training text touches (what zero gradients under AdamW leave)."""
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, param in task.named_parameters():
            if not param.requires_grad:
                continue
            step = 0.01 * torch.randn(param.shape, generator=generator)
            if f"model.{name}" in (TOKENS, TEXT_POSITIONS) or name in (TOKENS, TEXT_POSITIONS):
                keep = torch.ones(param.shape[0], dtype=torch.bool)
                keep[list(token_rows if name == TOKENS else positions)] = False
                step[keep] = 0
            param.add_(step)
    return task.eval()


def test_a_distilled_student_stores_its_token_embedding_as_the_rows_it_trained(zoo_home, tmp_path):
    task = _train_like_adamw(_distill("recognition", head="text", class_names=CLASS_NAMES))
    assert all(p.requires_grad for p in task.model.parameters())  # FROSTER trains everything
    folder = save_pretrained(task, tmp_path / "distill_recognition_tiny.t")
    config = read_config(folder)
    assert config["format_version"] == 3 and config["weights"]["storage"] == "delta"
    assert config["weights"]["row_deltas"][TOKENS] == 3
    assert config["weights"]["row_deltas"][TEXT_POSITIONS] == 3
    stored = load_file(str(folder / "model.safetensors"))
    assert stored[TOKENS + ROW_INDEX].tolist() == [3, 17, 40] and TOKENS not in stored
    tokens, positions = task.state_dict()[TOKENS].shape, task.state_dict()[TEXT_POSITIONS].shape
    unchanged_rows = (tokens[0] - 3) * tokens[1] + (positions[0] - 3) * positions[1]
    assert config["parameters"]["stored"] == config["parameters"]["total"] - unchanged_rows
    loaded = zoo.from_pretrained(str(folder))
    for key, value in task.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value), key
    with torch.no_grad():
        assert torch.equal(loaded(video()), task(video()))


def test_a_folder_without_row_deltas_keeps_format_2(zoo_home, tmp_path):
    task = zoo.create_model("postnet_recognition_tiny", num_frames=NUM_FRAMES, class_names=CLASS_NAMES,
                            backbone_pretrained="zoo")
    config = read_config(save_pretrained(task, tmp_path / "postnet_recognition_tiny.t"))
    assert config["format_version"] == 2 and "row_deltas" not in config["weights"]


def test_a_tampered_row_index_is_refused_naming_the_file(zoo_home, tmp_path):
    folder = save_pretrained(_train_like_adamw(_distill("recognition", head="text", class_names=CLASS_NAMES)),
                             tmp_path / "distill_recognition_tiny.t")
    weights = folder / "model.safetensors"
    state = load_file(str(weights))
    state[TOKENS + ROW_INDEX] = torch.tensor([3, 17, 49408])
    save_file(state, str(weights))
    config = json.loads((folder / "config.json").read_text())
    config["weights"].update(file_record(weights))
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match=r"model\.safetensors: .*token_embedding.weight@row_index .*\[0, 49408\)"):
        zoo.from_pretrained(str(folder))


def test_a_caption_decoder_tied_to_a_trained_token_embedding_is_stored_once(zoo_home, tmp_path):
    """Captioning ties the decoder's input and output tokens to the backbone's table; under
    distillation that table trains (densely: every row is an output logit)."""
    task = _distill("captioning")
    decoder_tokens = "caption_decoder.token_embedding.weight"
    assert task.state_dict()[decoder_tokens].data_ptr() == task.state_dict()[TOKENS].data_ptr()
    with torch.no_grad():
        task.model.backbone.clip.token_embedding.weight.add_(0.01)  # every row
    folder = save_pretrained(task.eval(), tmp_path / "distill_captioning_tiny.t")
    stored = load_file(str(folder / "model.safetensors"))
    assert TOKENS in stored and decoder_tokens not in stored
    loaded = zoo.from_pretrained(str(folder))
    state = loaded.state_dict()
    assert state[decoder_tokens].data_ptr() == state[TOKENS].data_ptr()
    assert torch.equal(state[decoder_tokens], task.state_dict()[TOKENS])
    # export's check that frozen entries equal the base weights skips the tied (trained) one
    checkpoint = {"hyper_parameters": dict(task.hparams), "state_dict": task.state_dict()}
    rebuilt = task_from_checkpoint(checkpoint, task="captioning")
    assert torch.equal(rebuilt.state_dict()[decoder_tokens], task.state_dict()[TOKENS])
