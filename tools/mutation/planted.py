"""The curated mutants: issue 18's twenty planted-bug classes and a few more, each with the tests
that must kill it.

Each :class:`Planted` is one realistic bug — a textual replacement (``old`` -> ``new``, ``old``
must occur exactly once in ``module``) — and ``tests``, a targeted pytest selection (files or node
ids) that runs in seconds, not the module's whole test set. ``mutate.py planted`` runs them all in
a few minutes (see ``mutate.py``'s docstring); ``tests/tools/test_mutation_planted.py`` checks that
every entry still applies to the current source, compiles, and names tests that exist.

To add one: append a :class:`Planted` with a new ``id``, the bug class it stands for, the exact
source text to replace (long enough to be unique) and the tests that should notice. Run
``mutate.py planted --only <id>``; a survivor needs a new behavioural test (a hand-computed
value, an invariant or a round trip), added to ``tests``.

``missed=True`` marks the ten classes issue 18 says the suite missed when the bugs were planted.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Planted:
    id: str
    bug: str                 # the bug class, in issue 18's words where it names it
    module: str              # path relative to the repository root
    old: str                 # exact source text, occurring once in ``module``
    new: str                 # what replaces it
    tests: tuple[str, ...]   # pytest selection: files and node ids
    missed: bool = False     # one of the ten classes the suite missed in issue 18

    def apply(self, source: str) -> str:
        count = source.count(self.old)
        if count != 1:
            raise ValueError(f"planted mutant {self.id}: {self.old!r} occurs {count} times in "
                             f"{self.module} (must be exactly once); update tools/mutation/planted.py")
        return source.replace(self.old, self.new)

    def source(self, root: Path) -> str:
        return self.apply((root / self.module).read_text())


RETRIEVAL_METRICS = "tests/metrics/test_retrieval_metrics.py"
CIDER = "tests/metrics/test_cider.py"
COCO = "tests/metrics/test_coco_caption.py"
IDENTITY = "tests/tasks/test_metric_identity.py"
PROTOCOLS = "tests/tasks/test_protocols.py"
DEFAULTS = "tests/paradigms/test_defaults.py"
ARGUMENTS = "tests/tasks/test_task_arguments.py"
INTEGRITY = "tests/hub/test_integrity.py"
INTEGRITY_HUB = "tests/hub/test_integrity_hub.py"
FORMATS = "tests/data/test_annotation_formats.py"
SAMPLING = "tests/data/test_clip_sampling.py"

PLANTED: tuple[Planted, ...] = (
    # ------------------------------------------------------------ the ten the suite caught
    Planted("tie-rank", "tie rank direction: ties broken in the query's favour",
            "zoo/metrics/retrieval.py",
            "return 1.0 + higher.double() + tied.double() / 2.0",
            "return 1.0 + higher.double()",
            (f"{RETRIEVAL_METRICS}::test_ties_with_ground_truth_count_half",
             f"{RETRIEVAL_METRICS}::test_collapsed_model_scores_chance")),
    Planted("cider-sigma", "CIDEr-D sigma", "zoo/metrics/cider.py",
            "SIGMA = 6.0", "SIGMA = 7.0",
            (CIDER,)),
    Planted("cider-clipping", "CIDEr-D clipping", "zoo/metrics/cider.py",
            "sum(min(weight, ref.get(gram, 0.0)) * ref.get(gram, 0.0)",
            "sum(weight * ref.get(gram, 0.0)",
            (CIDER,)),
    Planted("lora-scaling", "LoRA scaling (alpha / rank)", "zoo/paradigms/lora.py",
            "lora_alpha=self.alpha,", "lora_alpha=self.rank,",
            ("tests/paradigms/test_lora.py", f"{DEFAULTS}::test_lora_defaults_add_twice_b_a_x_with_rank_8")),
    Planted("aim-zero-init", "AIM zero init (the adapter's up-projection)", "zoo/paradigms/layers/aim.py",
            "nn.init.zeros_(self.up.weight)", "pass",
            ("tests/paradigms/test_adapter.py::test_zero_initialisations",
             "tests/paradigms/test_adapter.py::test_initialisation_reproduces_frozen_model")),
    Planted("verify-sha256", "sha256 in verify_file", "zoo/hub/index.py",
            'if actual != expected["sha256"]:', 'if actual != expected["sha256"] and False:',
            (f"{INTEGRITY}::test_verify_file_checks_size_then_sha256_and_names_the_file",)),
    Planted("charades-columns", "Charades-STA column order (start / end swapped)",
            "zoo/data/formats/charades_sta.py",
            'start = to_float(fields[1], path, line, "start")\n        end = to_float(fields[2], path, line, "end")',
            'start = to_float(fields[2], path, line, "start")\n        end = to_float(fields[1], path, line, "end")',
            (f"{FORMATS}::test_charades_sta_real_sample",
             f"{FORMATS}::test_charades_sta_reversed_policy_and_durations")),
    Planted("tsn-off-by-one", "TSN sampling off-by-one (test views one frame late)", "zoo/data/sampling.py",
            "np.floor((j + offset) * n / t).astype(np.int64), n - 1)",
            "np.floor((j + offset) * n / t).astype(np.int64) + 1, n - 1)",
            (SAMPLING,)),
    Planted("temporal-positions", "temporal positions (every frame gets the first position)",
            "zoo/paradigms/layers/temporal.py",
            "x = frames + self.position_embedding[:t].to(frames.dtype)",
            "x = frames + self.position_embedding[:1].to(frames.dtype)",
            ("tests/paradigms/test_postnet.py::test_meanp_is_order_invariant_and_seqtransf_is_not",
             "tests/paradigms/test_prompt.py::test_text_variant_temporal_transformer")),
    Planted("recognition-views", "recognition multi-view averaging (first view only)",
            "zoo/tasks/recognition.py",
            "return features.view_mean(self.features_to_logits(features)[0].softmax(dim=-1))",
            "return features.by_video(self.features_to_logits(features)[0].softmax(dim=-1))[:, 0]",
            (f"{PROTOCOLS}::test_recognition_averages_the_probabilities_of_every_view",)),
    Planted("view-grouping", "retrieval view grouping (views of a video strided, not adjacent)",
            "zoo/interfaces.py",
            "return x.unflatten(0, (-1, self.views))",
            "return x.unflatten(0, (self.views, -1)).transpose(0, 1)",
            (f"{PROTOCOLS}::test_retrieval_embeds_a_video_as_the_mean_of_every_normalised_view",
             f"{PROTOCOLS}::test_retrieval_metrics_rank_the_multi_view_embeddings")),
    # ------------------------------------------------------------ the ten the suite missed
    Planted("shipped-by-name-unverified", "integrity: a shipped folder resolved by its published name "
            "is loaded without the index's sha256 and size", "zoo/hub/load.py",
            "        _verify_shipped(shipped, entry, files)\n        return shipped",
            "        return shipped",
            (f"{INTEGRITY}::test_every_config_reader_refuses_a_tampered_config",), missed=True),
    Planted("hub-download-unverified", "integrity: a Hub download skips the index records "
            "(config.json included)", "zoo/hub/load.py",
            'record = entry["files"].get(filename) if pinned else None',
            "record = None",
            (INTEGRITY_HUB,), missed=True),
    Planted("caption-names-swapped", "metric identity: ROUGE_L and CIDEr logged under each other's name",
            "zoo/tasks/captioning.py",
            '"ROUGE_L": metrics["rouge_l"].compute(), "CIDEr": metrics["cider"].compute()',
            '"ROUGE_L": metrics["cider"].compute(), "CIDEr": metrics["rouge_l"].compute()',
            (f"{IDENTITY}::test_captioning_logs_each_coco_metric_under_its_own_name",), missed=True),
    Planted("bleu-first-reference", "metric identity: BLEU scored against the first reference only",
            "zoo/metrics/coco_caption.py",
            "    for ref in references:\n        for gram, count in ngram_counts(ref, max_n).items():",
            "    for ref in references[:1]:\n        for gram, count in ngram_counts(ref, max_n).items():",
            (COCO, f"{IDENTITY}::test_captioning_logs_each_coco_metric_under_its_own_name"), missed=True),
    Planted("retrieval-first-view", "protocol: retrieval's multi-view averaging keeps the first view",
            "zoo/tasks/retrieval.py",
            "return F.normalize(features.view_mean(F.normalize(features.video, dim=-1)), dim=-1)",
            "return F.normalize(features.by_video(F.normalize(features.video, dim=-1))[:, 0], dim=-1)",
            (f"{PROTOCOLS}::test_retrieval_embeds_a_video_as_the_mean_of_every_normalised_view",
             f"{PROTOCOLS}::test_retrieval_metrics_rank_the_multi_view_embeddings"), missed=True),
    Planted("novel-unmasked", "protocol: base-to-novel training stops masking the novel classes",
            "zoo/tasks/recognition.py",
            'logits = logits.masked_fill(self.novel_mask, float("-inf"))', "pass",
            (f"{PROTOCOLS}::test_base_to_novel_training_gives_novel_classes_no_mass",), missed=True),
    Planted("aim-scale-default", "defaults: AIM's documented adapter scale (0.5)", "zoo/paradigms/adapter.py",
            '"adapter_scale": 0.5,', '"adapter_scale": 1.0,',
            (f"{DEFAULTS}::test_aim_defaults_scale_the_mlp_adapter_by_half",), missed=True),
    Planted("drop-path-schedule", "defaults: AIM's drop-path schedule (constant instead of linear from 0)",
            "zoo/paradigms/adapter.py",
            'rates = torch.linspace(0, self.settings["drop_path"], layers).tolist()',
            'rates = [self.settings["drop_path"]] * layers',
            (f"{DEFAULTS}::test_aim_drop_path_grows_linearly_from_zero_to_its_default",), missed=True),
    Planted("lora-dropout-ignored", "defaults: LoRA's dropout accepted but ignored", "zoo/paradigms/lora.py",
            "lora_dropout=self.dropout,", "lora_dropout=0.0,",
            (f"{DEFAULTS}::test_lora_dropout_acts_on_the_update_in_training_only",), missed=True),
    Planted("folder-path-unverified", "integrity: a shipped folder given by its path skips the index records",
            "zoo/hub/load.py",
            "            _verify_shipped(Path(ref), entry, files)", "            pass",
            (f"{INTEGRITY}::test_every_config_reader_refuses_a_tampered_config",), missed=True),
    # ------------------------------------------------------------ more of the same classes
    Planted("folder-weights-unverified", "integrity: a folder outside the index loads weights its config "
            "does not vouch for", "zoo/hub/load.py",
            "            verify_file(Path(ref) / WEIGHTS_NAME, _weights_record(config),",
            "            (lambda *a, **k: None)(Path(ref) / WEIGHTS_NAME, _weights_record(config),",
            (f"{INTEGRITY}::test_a_folder_outside_the_index_checks_its_weights_against_its_config",)),
    Planted("verify-size", "integrity: verify_file ignores the size", "zoo/hub/index.py",
            'if "size" in expected and size != expected["size"]:', 'if False:',
            (f"{INTEGRITY}::test_verify_file_checks_size_then_sha256_and_names_the_file",)),
    Planted("bleu-brevity", "metric: BLEU brevity penalty dropped", "zoo/metrics/coco_caption.py",
            "scores = [s * math.exp(1 - 1 / ratio) for s in scores]", "pass",
            (COCO,)),
    Planted("hm-formula", "metric identity: base-to-novel HM as the arithmetic mean", "zoo/tasks/recognition.py",
            'values["hm"] = 2 * b * n / (b + n)', 'values["hm"] = (b + n) / 2',
            (f"{IDENTITY}::test_recognition_logs_each_accuracy_under_its_own_name",)),
    Planted("moment-iou-threshold", "metric: moment R@1 hit needs IoU > threshold, not >=", "zoo/metrics/moments.py",
            '100.0 * (ious >= t).double().mean()', '100.0 * (ious > t).double().mean()',
            ("tests/metrics/test_moments.py::test_charades_protocol_by_hand_with_boundaries",)),
    Planted("label-smoothing-ignored", "defaults: recognition's label_smoothing accepted but ignored",
            "zoo/tasks/recognition.py",
            "loss = F.cross_entropy(logits, labels, label_smoothing=self.label_smoothing)",
            "loss = F.cross_entropy(logits, labels)",
            (f"{ARGUMENTS}::test_recognition_label_smoothing_and_its_default",)),
    Planted("head-dropout-ignored", "defaults: recognition's head_dropout accepted but ignored",
            "zoo/tasks/recognition.py",
            "self.head = nn.Sequential(nn.Dropout(head_dropout),", "self.head = nn.Sequential(nn.Dropout(0.0),",
            (f"{ARGUMENTS}::test_recognition_head_dropout",)),
    Planted("vpt-tokens-default", "defaults: VPT's documented 8 prompt tokens", "zoo/paradigms/prompt.py",
            "DEFAULT_NUM_PROMPTS = 8", "DEFAULT_NUM_PROMPTS = 4",
            (f"{DEFAULTS}::test_vpt_default_adds_eight_tokens_to_every_block",)),
    Planted("distill-weight-default", "defaults: FROSTER's distillation weight (2.0)", "zoo/paradigms/distill.py",
            "DEFAULT_DISTILL_WEIGHT = 2.0", "DEFAULT_DISTILL_WEIGHT = 1.0",
            (f"{DEFAULTS}::test_distill_default_weight_is_two_times_the_cosine_distance",)),
    Planted("evl-dropout-ignored", "defaults: EVL's mlp_dropout accepted but ignored", "zoo/paradigms/side.py",
            '("dropout", nn.Dropout(mlp_dropout)),', '("dropout", nn.Dropout(0.0)),',
            (f"{DEFAULTS}::test_evl_mlp_dropout_acts_in_training_only",)),
    Planted("st-kernel-default", "defaults: ST-Adapter's temporal kernel (3, 1, 1)", "zoo/paradigms/adapter.py",
            '"kernel_size": (3, 1, 1),', '"kernel_size": (1, 1, 1),',
            (f"{DEFAULTS}::test_st_adapter_default_kernel_mixes_neighbouring_frames_only",)),
    # ------------------------------------------------------------ across the other tasks, paradigms, parsers
    Planted("retrieval-directions-swapped", "metric identity: t2v and v2t logged under each other's name",
            "zoo/metrics/retrieval.py",
            'rank_counts(similarity, caption_to_video), "t2v",', 'rank_counts(similarity, caption_to_video), "v2t",',
            (f"{IDENTITY}::test_retrieval_logs_both_directions_under_their_own_names", RETRIEVAL_METRICS)),
    Planted("v2t-last-caption", "metric: video-to-text keeps the last caption, not the best",
            "zoo/metrics/retrieval.py",
            'best.scatter_reduce_(0, index, similarity, reduce="amax", include_self=True)',
            "best.scatter_(0, index, similarity)",
            (RETRIEVAL_METRICS,)),
    Planted("bleu-longest-reference", "metric: BLEU's closest reference length, ties to the longer",
            "zoo/metrics/coco_caption.py",
            "return min((abs(length - hypothesis_length), length) for length in reference_lengths)[1]",
            "return min((abs(length - hypothesis_length), -length) for length in reference_lengths)[1] * -1",
            (COCO,)),
    Planted("rouge-beta", "metric: ROUGE-L's beta (1.2)", "zoo/metrics/coco_caption.py",
            "ROUGE_BETA = 1.2", "ROUGE_BETA = 1.0",
            (COCO,)),
    Planted("cider-idf", "metric: CIDEr-D's idf over V + 1 videos", "zoo/metrics/cider.py",
            "log_num_videos = math.log(len(ref_counts))", "log_num_videos = math.log(len(ref_counts) + 1)",
            (CIDER,)),
    Planted("class-groups-inverted", "metric identity: a class group's accuracy over the other classes",
            "zoo/tasks/recognition.py",
            "keep = torch.isin(labels, torch.tensor(members, device=labels.device))",
            "keep = ~torch.isin(labels, torch.tensor(members, device=labels.device))",
            (f"{IDENTITY}::test_recognition_logs_each_accuracy_under_its_own_name",)),
    Planted("captioning-first-view", "protocol: captioning decodes from the first view's tokens only",
            "zoo/tasks/captioning.py",
            "return features.by_video(memory).flatten(1, 2)", "return features.by_video(memory)[:, 0]",
            (f"{PROTOCOLS}::test_captioning_decodes_from_the_tokens_of_every_view",)),
    Planted("caption-memory-positions", "temporal positions: the caption decoder's patch tokens lose "
            "their frame position", "zoo/tasks/layers/caption_decoder.py",
            "patches = self.memory_projection(tokens) + positions[:, None]",
            "patches = self.memory_projection(tokens)",
            ("tests/tasks/test_caption_memory_layout.py", "tests/tasks/test_captioning.py")),
    Planted("moment-positions", "temporal positions: Moment-DETR's sine positions", "zoo/tasks/layers/moment_detr.py",
            "return torch.stack((scaled[..., 0::2].sin(), scaled[..., 1::2].cos()), dim=-1).flatten(-2)",
            "return torch.stack((scaled[..., 0::2].cos(), scaled[..., 1::2].sin()), dim=-1).flatten(-2)",
            ("tests/tasks/test_tgrounding.py::test_sine_positions_match_hand_values",)),
    Planted("partial-first-blocks", "paradigm: partial fine-tuning trains the first k blocks, not the last",
            "zoo/paradigms/partial.py",
            "yield from backbone.blocks[len(backbone.blocks) - k:].parameters()",
            "yield from backbone.blocks[:k].parameters()",
            ("tests/paradigms/test_partial.py",)),
    Planted("partial-k-default", "defaults: partial's documented last_blocks (2)", "zoo/paradigms/partial.py",
            "DEFAULT_LAST_BLOCKS = 2", "DEFAULT_LAST_BLOCKS = 3",
            ("tests/paradigms/test_partial.py", DEFAULTS)),
    Planted("distill-residual-scale", "defaults: FROSTER's residual projector scale (0.1)",
            "zoo/paradigms/distill.py",
            "RESIDUAL_SCALE = 0.1", "RESIDUAL_SCALE = 0.2",
            (f"{DEFAULTS}::test_distill_residual_branch_is_scaled_by_a_tenth",)),
    Planted("torchhub-tag-ignored", "integrity: torch.hub.load(..., tag=...) loads the architecture's first tag",
            "zoo/hub/torchhub.py",
            'return from_pretrained(f"{arch}.{tag}" if tag else arch)', "return from_pretrained(arch)",
            ("tests/hub/test_torchhub.py", f"{INTEGRITY}::test_untampered_checkpoint_loads_on_every_path")),
    Planted("download-load-files-only", "integrity: download fetches and verifies config and weights only",
            "zoo/hub/load.py",
            "files = tuple([*LOAD_FILES, *(f for f in (entry or {}).get(\"files\", {}) if f not in LOAD_FILES)])",
            "files = LOAD_FILES",
            (f"{INTEGRITY}::test_download_verifies_every_file_and_loading_reads_only_the_two",)),
    Planted("didemo-chunk-end", "parser: DiDeMo's inclusive end chunk", "zoo/data/formats/didemo.py",
            "return start_chunk * CHUNK_SECONDS, (end_chunk + 1) * CHUNK_SECONDS",
            "return start_chunk * CHUNK_SECONDS, end_chunk * CHUNK_SECONDS",
            ("tests/data/test_formats_didemo.py", "tests/data/test_export_didemo.py")),
    Planted("hcstvg-xywh", "parser: HC-STVG boxes read as xyxy instead of xywh", "zoo/data/formats/hcstvg.py",
            "return (x, y, x + w, y + h)", "return (x, y, w, h)",
            ("tests/data/test_formats_hcstvg.py", "tests/data/test_export_hcstvg.py")),
    Planted("load-folder-unverified", "integrity: zoo.hub.load_folder loads weights its config.json "
            "does not vouch for", "zoo/hub/folder.py",
            "    verify_file(weights, {", "    (lambda *a, **k: None)(weights, {",
            (f"{INTEGRITY}::test_load_folder_refuses_weights_that_differ_from_its_config",)),
    Planted("postnet-lstm-layers-ignored", "defaults: postnet lstm's layers accepted but ignored",
            "zoo/paradigms/postnet.py",
            "self.lstm = nn.LSTM(width, width, num_layers=layers, batch_first=True)",
            "self.lstm = nn.LSTM(width, width, num_layers=1, batch_first=True)",
            (f"{DEFAULTS}::test_postnet_lstm_layers_argument_is_used",)),
    Planted("tao-xywh", "parser: TAO boxes read as xyxy instead of xywh", "zoo/data/formats/tao.py",
            'box = boxes.check(xywh_to_xyxy(boxes.numbers(ann["bbox"], where, "bbox")), width, height,',
            'box = boxes.check(boxes.numbers(ann["bbox"], where, "bbox"), width, height,',
            ("tests/data/test_formats_tao.py",)),
    Planted("nextqa-answer-index", "parser: NExT-QA's answer index ignored (always choice a0)",
            "zoo/data/formats/nextqa.py",
            "answer=choices[answer],", "answer=choices[0],",
            (FORMATS,)),
    Planted("anet-sentence-pairing", "parser: ActivityNet Captions sentences paired with the wrong timestamps",
            "zoo/data/formats/activitynet_captions.py",
            "for k, (pair, sentence) in enumerate(zip(stamps, sentences)):",
            "for k, (pair, sentence) in enumerate(zip(stamps, sentences[::-1])):",
            ("tests/data/test_formats_activitynet_captions.py",)),
    Planted("viou-threshold", "metric: vIoU@R counts vIoU == R as a hit (the reference needs >)",
            "zoo/metrics/tubes.py",
            '(viou > thresh).double().mean()', '(viou >= thresh).double().mean()',
            ("tests/metrics/test_tubes.py",)),
    Planted("tube-gt-end-inclusive", "metric: a frame at the ground truth's end time counted inside it",
            "zoo/metrics/tubes.py",
            "in_gt = (frame_times >= g_start) & (frame_times < g_end)",
            "in_gt = (frame_times >= g_start) & (frame_times <= g_end)",
            ("tests/metrics/test_tubes.py",)),
    Planted("dense-span", "sampling: a dense clip spans num_frames * stride frames", "zoo/data/sampling.py",
            "return (self.num_frames - 1) * self.stride + 1", "return self.num_frames * self.stride",
            (SAMPLING,)),
    Planted("evl-temporal-conv-default", "defaults: EVL's temporal convolution on by default",
            "zoo/paradigms/side.py",
            "mlp_dropout: float = 0.5, temporal_conv: bool = True,",
            "mlp_dropout: float = 0.5, temporal_conv: bool = False,",
            ("tests/paradigms/test_side.py", DEFAULTS)),
    Planted("evl-cross-attention-default", "defaults: EVL's temporal cross-attention on by default",
            "zoo/paradigms/side.py",
            "temporal_position_embedding: bool = True, temporal_cross_attention: bool = True):",
            "temporal_position_embedding: bool = True, temporal_cross_attention: bool = False):",
            ("tests/paradigms/test_side.py", DEFAULTS)),
    Planted("prompt-temporal-layers-default", "defaults: Ju et al.'s one temporal layer",
            "zoo/paradigms/prompt.py",
            "DEFAULT_TEMPORAL_LAYERS = 1", "DEFAULT_TEMPORAL_LAYERS = 2",
            (f"{DEFAULTS}::test_prompt_temporal_layers_default_and_refusal",)),
    Planted("detection-no-envelope", "metric: detection AP without the precision envelope",
            "zoo/metrics/detection.py",
            "precision = np.maximum.accumulate(precision[::-1])[::-1]", "pass",
            ("tests/metrics/test_detection.py",)),
    Planted("detection-gt-reused", "metric: one ground-truth box matched by several detections",
            "zoo/metrics/detection.py",
            "            taken[best] = True\n", "            pass\n",
            ("tests/metrics/test_detection.py",)),
    Planted("hf-hub-unpinned", "integrity: hf-hub:org/name without a revision ignores the index's pin "
            "(and so its records)", "zoo/hub/load.py",
            'if revision is None and entry is not None and entry["hub"]["revision"]:', "if False:",
            (INTEGRITY_HUB,)),
    Planted("cider-sigma-argument-ignored", "defaults: CIDErD(sigma=...) accepted but not passed on",
            "zoo/metrics/cider.py",
            "value, _ = cider_d(hypotheses, references, sigma=self.sigma, max_n=self.max_n)",
            "value, _ = cider_d(hypotheses, references, max_n=self.max_n)",
            ("tests/metrics/test_caption_metric_arguments.py",)),
    Planted("cider-max-n-argument-ignored", "defaults: CIDErD(max_n=...) accepted but not passed on",
            "zoo/metrics/cider.py",
            "value, _ = cider_d(hypotheses, references, sigma=self.sigma, max_n=self.max_n)",
            "value, _ = cider_d(hypotheses, references, sigma=self.sigma)",
            ("tests/metrics/test_caption_metric_arguments.py",)),
    Planted("retrieval-block-start", "metric: the similarity's first caption row never computed "
            "(found by the exhaustive run)", "zoo/metrics/retrieval.py",
            "for start in range(0, texts.shape[0], self.block_rows):",
            "for start in range(1, texts.shape[0], self.block_rows):",
            ("tests/metrics/test_retrieval_similarity_blocks.py", RETRIEVAL_METRICS)),
)


def by_id(ids) -> list[Planted]:
    known = {p.id: p for p in PLANTED}
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise SystemExit(f"unknown planted mutant(s) {unknown}; known: {', '.join(known)}")
    return [known[i] for i in ids]
