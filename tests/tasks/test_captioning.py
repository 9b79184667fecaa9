"""Captioning task: teacher forcing, decoding through the real decoder, metrics in a Lightning run."""

import math

import lightning as L
import pytest
import torch

from zoo.data.world import WorldDataModule
from zoo.registry import TASKS
from zoo.tasks.captioning import COCO_METRICS, CaptioningTask
from zoo.tasks.layers.decoding import beam_search
from zoo.factory import create_model

FRAMES = 2


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    """Small ops run several times faster on one thread than on two contended cores."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def task():
    torch.manual_seed(0)
    return create_model("postnet_captioning_tiny", num_frames=FRAMES,
                          variant="meanp", decoder_dropout=0.0, max_length=6).eval()


@pytest.fixture(scope="module")
def memory(task):
    return task.video_memory(task.encode_video(torch.randn(3, FRAMES, 3, 64, 64))).detach()


def test_registered_and_decoder_shapes(task, memory):
    assert TASKS.class_of("captioning") is CaptioningTask
    width = task.model.backbone.text_width
    assert memory.shape == (3, FRAMES * 64 + FRAMES + 1, width)
    assert task.caption_decoder.token_embedding.weight.shape == (49408, width)
    # shared (default): the decoder reads and writes through the backbone's own token table
    assert task.caption_decoder.token_embedding is task.model.backbone.clip.token_embedding
    # W = 128, 2 layers, vocabulary 49408, context 32, C = 192, T = 2:
    #   token embedding 49408*128 = 6,324,224 (tied output); text positions 32*128 = 4,096;
    #   frame positions 2*128 = 256; memory Linear 192*128+128 = 24,704; memory LayerNorm 256;
    #   frame / clip embedding Linear 128*128+128 = 16,512; clip-token embedding 128;
    #   per layer: self- and cross-attention 2*(4*128^2+4*128) = 132,096, MLP 128*512+512+512*128+128
    #   = 131,712, 3 LayerNorms 768 -> 264,576, x2 = 529,152; final LayerNorm 256.
    assert sum(p.numel() for p in task.caption_decoder.parameters()) == 6_882_944 + 16_512 + 128
    # meanp: the decoder is all that trains, but not the shared (frozen) token table
    assert task.parameter_counts()["trainable"] == 6_899_584 - 6_324_224
    copied = create_model("postnet_captioning_tiny", variant="meanp", num_frames=FRAMES,
                          token_embedding="copy")
    table = copied.model.backbone.clip.token_embedding.weight
    assert torch.equal(copied.caption_decoder.token_embedding.weight, table)
    assert copied.caption_decoder.token_embedding.weight.data_ptr() != table.data_ptr()
    assert copied.parameter_counts()["trainable"] == 6_899_584
    tokens = task.model.tokenize(["a red square", "a blue circle grows"])
    logits = task.caption_decoder(tokens[:, :5], memory[:2])
    assert logits.shape == (2, 5, 49408)


def test_multi_view_memory_concatenates_views(task):
    video = torch.randn(2, 3, FRAMES, 3, 64, 64)  # [B, V, T, 3, H, W]
    features = task.encode_video(video)
    assert features.views == 3
    assert task.video_memory(features).shape == (2, 3 * (FRAMES * 64 + FRAMES + 1),
                                                        task.model.backbone.text_width)


def test_teacher_forcing_loss_is_the_cross_entropy_up_to_the_end_token(task, memory):
    captions = ["a red square moves to the left", "the blue circle grows"]
    tokens = task.model.tokenize(captions)
    loss = task.caption_loss(memory[:2], tokens)
    assert loss.shape == () and torch.isfinite(loss)
    # By hand: position i predicts token i + 1, for the tokens after the start token up to and
    # including the end token; everything after the end token is ignored.
    logits = task.caption_decoder(tokens, memory[:2]).log_softmax(-1)
    terms = []
    for row in range(2):
        end = tokens[row].tolist().index(task.end_id)
        terms += [-logits[row, i, tokens[row, i + 1]] for i in range(end)]
    assert len(terms) == sum(len(task.tokenizer.encode(c)) + 1 for c in captions)
    assert loss.item() == pytest.approx(torch.stack(terms).mean().item(), rel=1e-5)
    padded = tokens.clone()
    padded[padded == 0] = 1234  # changing the padding changes nothing
    assert task.caption_loss(memory[:2], padded).item() == pytest.approx(loss.item(), rel=1e-6)


def test_loss_trains_the_decoder_only(task, memory):
    task.zero_grad()
    task.caption_loss(memory[:1], task.model.tokenize(["a cat"])).backward()
    assert all(p.grad is not None for p in task.caption_decoder.layers.parameters())  # memory is detached here
    assert all(p.grad is None for p in task.model.parameters())  # incl. the shared token table
    task.zero_grad()


def test_greedy_equals_beam_search_of_size_one(task, memory):
    greedy = task.generate_ids(memory, beam_size=1)

    def step(prefix, rows):
        return task.next_token_logits(prefix, memory[rows]).log_softmax(-1)

    beam = [ids for ids, _ in beam_search(step, 3, task.start_id, task.end_id, max_length=6,
                                           beam_size=1, banned=(task.start_id,))]
    assert greedy == beam
    assert all(len(ids) == 6 for ids in greedy)  # random weights never pick the end token
    assert task.start_id not in sum(greedy, [])


def scripted_logits(task, script: dict):
    """Replace the decoder's next-token logits: ``script`` maps the words generated so far (a
    tuple of token ids without the start token) to ``{token id: probability}``."""
    calls = []

    def next_token_logits(prefix, memory):
        out = torch.full((prefix.shape[0], task.caption_decoder.vocab_size), -1e4)
        for i, row in enumerate(prefix.tolist()):
            calls.append(tuple(row[1:]))
            for token, p in script.get(tuple(row[1:]), {}).items():
                out[i, token] = math.log(p)
        return out
    return next_token_logits, calls


def test_beam_search_beats_greedy_on_a_scripted_decoder(task, monkeypatch):
    """Greedy: "cat" (0.6) then end (0.4) = 0.24; beam search: "dog" (0.4) then end (0.9) = 0.36."""
    cat, dog, end = task.tokenizer.encode("cat")[0], task.tokenizer.encode("dog")[0], task.end_id
    script = {(): {cat: 0.6, dog: 0.4}, (cat,): {cat: 0.3, dog: 0.3, end: 0.4},
              (dog,): {end: 0.9, cat: 0.05, dog: 0.05}}
    fake, _ = scripted_logits(task, script)
    monkeypatch.setattr(task, "next_token_logits", fake)
    video = torch.randn(2, FRAMES, 3, 64, 64)
    assert task.generate(video, beam_size=1) == ["cat", "cat"]
    assert task.generate(video, beam_size=2) == ["dog", "dog"]


def test_generation_stops_at_the_end_token_and_decodes_clean_text(task, monkeypatch):
    red, square, end = task.tokenizer.encode("red square")[:2] + [task.end_id]
    fake, calls = scripted_logits(task, {(): {red: 1.0}, (red,): {square: 1.0},
                                         (red, square): {end: 0.9, red: 0.1}})
    monkeypatch.setattr(task, "next_token_logits", fake)
    assert task.generate(torch.randn(1, FRAMES, 3, 64, 64)) == ["red square"]
    assert calls == [(), (red,), (red, square)]
    assert task.decode_tokens([task.start_id, red, square, task.end_id]) == "red square"
    assert task.decode_tokens(task.tokenizer.encode("a cat , sits !")) == "a cat, sits!"


def test_bad_batches_features_and_arguments_raise(task):
    batch = {"video": torch.randn(2, FRAMES, 3, 64, 64), "video_id": ["v0", "v1"],
             "captions": [["a cat"], []]}
    with pytest.raises(ValueError, match=r"videos without a caption: \['v1'\]"):
        task.training_step(batch, 0)
    features = task.encode_video(torch.randn(1, FRAMES, 3, 64, 64))
    features.tokens = None
    with pytest.raises(ValueError, match="captioning reads VideoFeatures.tokens, but paradigm 'postnet'"):
        task.video_memory(features)
    with pytest.raises(ValueError, match=r"max_length must be in \[1, 31\]"):
        create_model("postnet_captioning_tiny", variant="meanp", max_length=32)
    with pytest.raises(ValueError, match="token_embedding='shared' needs decoder_width equal"):
        create_model("postnet_captioning_tiny", variant="meanp", decoder_width=64)


def test_one_train_and_one_val_step_log_the_three_metrics(task, tmp_path):
    task = create_model("postnet_captioning_tiny", variant="meanp", num_frames=FRAMES,
                        max_length=4, beam_size=2)
    task.train()
    data = WorldDataModule(train_size=4, val_size=4, test_size=2, batch_size=2)
    data.connect(task.preprocess)
    trainer = L.Trainer(fast_dev_run=1, accelerator="cpu", logger=False, enable_progress_bar=False,
                        enable_model_summary=False, default_root_dir=tmp_path)
    before = task.caption_decoder.text_position_embedding.detach().clone()
    trainer.fit(task, datamodule=data)
    metrics = trainer.callback_metrics
    names = ["train/loss", "val/loss"] + [f"val/{name}" for name in COCO_METRICS]
    for name in names:
        assert name in metrics and torch.isfinite(metrics[name]), name
    assert all(0 <= metrics[f"val/{name}"] <= 1 for name in COCO_METRICS[:-1]) and metrics["val/CIDEr"] >= 0
    assert not torch.equal(before, task.caption_decoder.text_position_embedding)  # it trained
    predictions = trainer.predict(task, dataloaders=data.val_dataloader())
    assert [set(p) for p in predictions[0]] == [{"video_id", "caption"}] * 2
    assert all(isinstance(p["caption"], str) for p in predictions[0])


def test_logged_names_are_coco_captions_values_on_a_hand_computed_case(task, monkeypatch, tmp_path):
    """Two videos, two references each, through a Lightning test run (the captions the decoder
    "generates" are fixed). Video A: "red square moves" (3 words) against "red square" (2) and
    "a red square turns" (4); video B: "the blue circle grows fast" (5) against "the blue circle
    grows" (4) and "one blue circle grows slowly" (5).

    BLEU (coco-caption): A's reference lengths 2 and 4 tie at distance 1, the shorter counts (2);
    B's closest is 5. Clipped n-gram matches / hypothesis n-grams:
      A: 1-grams red square (moves no) 2/3, 2-grams red_square 1/2, 3-grams 0/1, 4-grams 0/0;
      B: 4/5 (fast no), 3/4, 2/3, 1/2 (the_blue_circle_grows).
    Corpus: correct 6 4 2 1 of 8 6 4 2, hypothesis length 8 > reference length 2 + 5 = 7, no
    brevity penalty: BLEU-n = (prod_k p_k)^(1/n) = 3/4, sqrt(1/2), (1/4)^(1/3), (1/8)^(1/4).
    (Taking the first of A's tied references, 4, would give r = 9 > 8 and a penalty of e^(-1/8).)

    ROUGE-L (beta 1.2, max LCS precision and max recall over references):
      A: LCS 2 with both: P = 2/3, R = max(2/2, 2/4) = 1; B: LCS 4 and 3: P = 4/5, R = 1;
      F = 2.44 P R / (R + 1.44 P): A 1.6267/1.96, B 1.952/2.152; mean 0.868498.
    (beta = 1, torchmetrics' choice, gives the mean of 0.8 and 0.8889.)

    CIDEr-D: A's and B's references share no word, so every reference n-gram has df = 1 and every
    n-gram weight is tf * log 2: each clipped cosine is matches / sqrt(|h_n| |r_n|) over n-gram
    counts. Length penalty exp(-d^2 / 72) with d the difference in bigram counts.
      A (3 2 1 0 n-grams; 2 bigrams): vs "red square" (2 1 0 0, d = 1): 2/sqrt6 + 1/sqrt2;
        vs "a red square turns" (4 3 2 1, d = -1): 2/sqrt12 + 1/sqrt6.
      B (5 4 3 2; 4 bigrams): vs "the blue circle grows" (4 3 2 1, d = 1): 4/sqrt20 + 3/sqrt12 +
        2/sqrt6 + 1/sqrt2; vs "one blue circle grows slowly" (5 4 3 2, d = 0): 3/5 + 2/4 + 1/3.
      Per video: 10 * (sum over references) / 4 / 2; CIDEr-D = the mean of A and B.
    """
    hypotheses = ["red square moves", "the blue circle grows fast"]
    references = [["red square", "a red square turns"],
                  ["the blue circle grows", "one blue circle grows slowly"]]
    encode = task.tokenizer.encode
    monkeypatch.setattr(task, "generate_ids", lambda memory, *args, **kwargs: [encode(h) for h in hypotheses])
    batch = {"video": torch.randn(2, FRAMES, 3, 64, 64), "video_id": ["A", "B"], "captions": references}
    trainer = L.Trainer(accelerator="cpu", logger=False, enable_progress_bar=False,
                        enable_model_summary=False, default_root_dir=tmp_path)
    logged = trainer.test(task, dataloaders=torch.utils.data.DataLoader([batch], batch_size=None),
                          verbose=False)[0]
    assert set(logged) == {f"test/{name}" for name in COCO_METRICS}

    penalty = math.exp(-1 / 72)
    rouge = (2.44 * (2 / 3) / (1 + 1.44 * 2 / 3) + 2.44 * 0.8 / (1 + 1.44 * 0.8)) / 2
    cider_a = 10 / 8 * penalty * (2 / 6 ** 0.5 + 1 / 2 ** 0.5 + 2 / 12 ** 0.5 + 1 / 6 ** 0.5)
    cider_b = 10 / 8 * (penalty * (4 / 20 ** 0.5 + 3 / 12 ** 0.5 + 2 / 6 ** 0.5 + 1 / 2 ** 0.5) + 3 / 5 + 2 / 4 + 1 / 3)
    expected = {"Bleu_1": 0.75, "Bleu_2": 0.5 ** 0.5, "Bleu_3": 0.25 ** (1 / 3), "Bleu_4": 0.125 ** 0.25,
                "ROUGE_L": rouge, "CIDEr": (cider_a + cider_b) / 2}
    assert rouge == pytest.approx(0.868498, abs=1e-6)
    for name, value in expected.items():  # logged in float32
        assert logged[f"test/{name}"] == pytest.approx(value, rel=1e-6), name
    metrics = task.make_metrics()  # the computed values themselves, float64, before logging
    task.update_metrics(metrics, batch, "test")
    computed = task.compute_metrics(metrics)
    assert list(computed) == list(COCO_METRICS)
    for name, value in expected.items():  # coco-caption's 1e-15 / 1e-9 smoothing is below 1e-9
        assert computed[name].dtype == torch.float64
        assert computed[name].item() == pytest.approx(value, rel=1e-9), name
    # the facts the tables and cards read: coco-caption's values, printed x100 as papers do
    assert CaptioningTask.headline == "CIDEr" and CaptioningTask.percent and CaptioningTask.decimals == 1


def test_recipe_builds_through_the_cli(tmp_path):
    from zoo.runner import run_cli

    cli = run_cli(["--recipe", "captioning/postnet", "--model.model.backbone_pretrained", "false",
                   f"--trainer.default_root_dir={tmp_path}"], run=False)
    assert isinstance(cli.model, CaptioningTask)
    assert cli.model.beam_size == 3 and cli.model.model.variant == "seqtransf"
    assert cli.datamodule.num_frames == cli.model.model.num_frames == 8
