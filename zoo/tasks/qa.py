"""Video question answering over any paradigm: open-ended (a fixed answer vocabulary, MSRVTT-QA
protocol), multiple choice (NExT-QA style: each "question answer" candidate scored against the
question-conditioned video) or count (TGIF-QA: a regression, evaluated as HCRN's code -- rounded
half up, clamped to ``count_range``, ``<split>/mse``).

The question steers the paradigm's video embedding through a residual fusion MLP whose last
layer starts at zero (at initialisation the fused feature is the video embedding); it reads only
``VideoFeatures.video``. Probabilities are averaged over views; accuracy overall, per question
type and per named group; out-of-vocabulary ground truths stay in the denominator
(``<split>/oov_rate``). Question and candidate embeddings are cached while the text tower is frozen.

Full definition: ``docs/tasks.md#video-question-answering``.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from pathlib import Path
from typing import Iterable, Optional, Sequence, Union

import torch
import torch.nn.functional as F
from torch import nn
from torchmetrics import MeanMetric

from zoo.interfaces import VideoFeatures
from zoo.registry import TASKS
from zoo.specs import ModelSpec, OptimSpec
from zoo.tasks.base import TaskLoss, VideoTask

MODES = ("open", "mc", "count")
#: Most question / candidate texts whose embeddings are kept while the text tower is frozen.
TEXT_CACHE_ENTRIES = 65_536


def read_answer_vocab(answer_vocab: Union[Sequence[str], str, Path, None]) -> Optional[list[str]]:
    """The answer vocabulary as a list: given as a list, or read from a file with one answer per
    line. Empty or repeated answers raise, naming the entry."""
    if answer_vocab is None:
        return None
    if isinstance(answer_vocab, (str, Path)):
        path = Path(answer_vocab)
        if not path.is_file():
            raise FileNotFoundError(f"answer_vocab: {path} is not a file (give a list of answers "
                                    "or a file with one answer per line)")
        answers = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
        where = f"answer_vocab file {path}, line"
    else:
        answers = list(answer_vocab)
        where = "answer_vocab entry"
    if not answers:
        raise ValueError("answer_vocab is empty")
    for i, answer in enumerate(answers):
        if not isinstance(answer, str) or not answer.strip():
            raise ValueError(f"{where} {i + 1}: expected a non-empty answer, got {answer!r}")
    repeated = sorted(a for a, n in Counter(answers).items() if n > 1)
    if repeated:
        raise ValueError(f"answer_vocab repeats {repeated}; every answer must be listed once")
    return answers


def top_answers(answers: Iterable[str], k: int = 1000) -> list[str]:
    """The ``k`` most frequent answers, most frequent first (ties: first seen first): the
    MSRVTT-QA / MSVD-QA vocabulary is the top-1000 answers of the training split."""
    if k < 1:
        raise ValueError(f"k must be positive, got {k}")
    return [answer for answer, _ in Counter(answers).most_common(k)]


def _first_few(ids: Sequence[str], n: int = 5) -> str:
    """``ids`` for an error message: the first ``n`` and how many more."""
    ids = list(ids)
    return ", ".join(ids[:n]) + (f" (and {len(ids) - n} more)" if len(ids) > n else "")


class QuestionVideoFusion(nn.Module):
    """``(video [B, D], question [B, D]) -> [B, D]``: the residual MLP fusion of the module doc;
    equals ``normalise(video)`` at initialisation."""

    def __init__(self, dim: int, hidden: Optional[int] = None):
        super().__init__()
        hidden = hidden or dim
        self.norm = nn.LayerNorm(3 * dim)
        self.fc1 = nn.Linear(3 * dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)
        nn.init.zeros_(self.fc2.weight)
        nn.init.zeros_(self.fc2.bias)

    def forward(self, video: torch.Tensor, question: torch.Tensor) -> torch.Tensor:
        v = F.normalize(video, dim=-1)
        q = F.normalize(question, dim=-1)
        x = torch.cat([v, q, F.normalize(v * q, dim=-1)], dim=-1)
        return v + self.fc2(self.act(self.fc1(self.norm(x))))


@TASKS.register
class QATask(VideoTask):
    """Open-ended or multiple-choice video question answering over any paradigm.

    Args (besides :class:`~zoo.tasks.base.VideoTask`'s):
        mode: ``"open"`` (classification over ``answer_vocab``) or ``"mc"`` (score each item's
            ``choices``).
        answer_vocab: the open-ended answers, a list or a file with one answer per line (the CLI
            fills it from ``datamodule.dataset_info()``; ``top_answers`` builds the MSRVTT-QA
            top-1000). Unused in ``mc`` mode.
        question_types: the ``question_type`` strings the data uses; each gets ``acc_<type>``,
            and a batch with any other type raises. ``None``: overall accuracy only.
        question_type_groups: ``{group: [type, ...]}``, each reported as ``acc_<group>``
            (NExT-QA: ``{"C": ["CW", "CH"], "T": ["TN", "TC", "TP"], "D": ["DC", "DL", "DO"]}``).
        choice_template: the text of a candidate, from ``{question}`` and ``{answer}``.
        fusion_hidden: hidden width H of the fusion MLP (default D).
        head_dropout: dropout before the open-ended classifier.
    """

    task = "qa"
    batch_keys = ("question", "answer", "answer_index", "question_type", "choices", "question_id")
    summary = "video question answering: open-ended or multiple choice"
    headline = "acc"
    headline_is_proportion = True
    action_labelled = True
    evaluation_settings = ("data.init_args.eval_qa",)
    columns = (("accuracy", "acc"),)

    def __init__(self, model: ModelSpec, optim: Optional[OptimSpec] = None,
                 mode: str = "open", answer_vocab: Union[list[str], str, None] = None,
                 question_types: Optional[list[str]] = None,
                 question_type_groups: Optional[dict[str, list[str]]] = None,
                 choice_template: str = "{question} {answer}",
                 fusion_hidden: Optional[int] = None, head_dropout: float = 0.0,
                 count_range: tuple[float, float] = (1.0, 10.0)):
        # arguments are checked before the model is built, so a typo fails at once
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        try:
            choice_template.format(question="q", answer="a")
        except (KeyError, IndexError) as e:
            raise ValueError(f"choice_template may use only {{question}} and {{answer}}, got "
                             f"{choice_template!r}") from e
        if not (len(count_range) == 2 and float(count_range[0]) <= float(count_range[1])):
            raise ValueError(f"count_range must be [low, high] with low <= high, got {count_range!r}")
        vocab = read_answer_vocab(answer_vocab)
        if mode == "open" and vocab is None:
            raise ValueError("open-ended QA needs answer_vocab (a list, or a file with one answer "
                             "per line); the CLI fills it from the datamodule's dataset_info()")
        types = list(question_types or [])
        if len(set(types)) != len(types):
            raise ValueError(f"question_types repeats a type: {types}")
        groups = {g: list(members) for g, members in (question_type_groups or {}).items()}
        unknown = sorted({t for members in groups.values() for t in members} - set(types))
        if unknown:
            raise ValueError(f"question_type_groups name types not in question_types: {unknown}")
        clashes = sorted(set(groups) & set(types))
        if clashes:
            raise ValueError(f"question_type_groups reuse type names {clashes} as group names")

        super().__init__(model, optim)
        self.mode = mode
        self.choice_template = choice_template
        self.answer_vocab = vocab if mode == "open" else None
        self._answer_index = {a: i for i, a in enumerate(self.answer_vocab or [])}
        self.question_types = types
        self.question_type_groups = groups

        self.fusion = QuestionVideoFusion(self.model.embed_dim, fusion_hidden)
        self.count_range = (float(count_range[0]), float(count_range[1]))
        if mode == "open":
            self.classifier = nn.Sequential(nn.Dropout(head_dropout),
                                            nn.Linear(self.model.embed_dim, len(self.answer_vocab)))
        elif mode == "count":
            self.classifier = nn.Sequential(nn.Dropout(head_dropout), nn.Linear(self.model.embed_dim, 1))
        else:
            self.classifier = None
        self.dropped_oov = 0
        self._text_cache: "OrderedDict[str, torch.Tensor]" = OrderedDict()

    # ------------------------------------------------------------------ metrics
    def make_metrics(self) -> nn.ModuleDict:
        return nn.ModuleDict({
            "acc": MeanMetric(),
            "oov": MeanMetric(),
            "mse": MeanMetric(),
            "types": nn.ModuleList(MeanMetric() for _ in self.question_types),
            "groups": nn.ModuleList(MeanMetric() for _ in self.question_type_groups),
        })

    def _type_indices(self, batch: dict) -> Optional[list[int]]:
        """Position of each item's ``question_type`` in ``question_types`` (None without types)."""
        if not self.question_types:
            return None
        types = batch.get("question_type")
        if types is None:
            raise ValueError("question_types are set but the batch has no 'question_type'")
        unknown = sorted({t for t in types if t not in self.question_types})
        if unknown:
            raise ValueError(f"batch question_type(s) {unknown} are not in question_types "
                             f"{self.question_types}")
        return [self.question_types.index(t) for t in types]

    def _update_metrics(self, metrics: nn.ModuleDict, correct: torch.Tensor,
                        oov: Optional[torch.Tensor], batch: dict) -> None:
        correct = correct.float()
        metrics["acc"].update(correct)
        if oov is not None:
            metrics["oov"].update(oov.float())
        indices = self._type_indices(batch)
        if indices is None:
            return
        indices = torch.tensor(indices, device=correct.device)
        for t, metric in enumerate(metrics["types"]):
            if (indices == t).any():
                metric.update(correct[indices == t])
        for metric, members in zip(metrics["groups"], self.question_type_groups.values()):
            keep = torch.isin(indices, torch.tensor([self.question_types.index(m) for m in members],
                                                    device=correct.device))
            if keep.any():
                metric.update(correct[keep])

    def compute_metrics(self, metrics: nn.ModuleDict) -> dict[str, torch.Tensor]:
        if not metrics["acc"].update_count:
            return {}
        values = {"acc": metrics["acc"].compute()}
        if metrics["mse"].update_count:
            values["mse"] = metrics["mse"].compute()
        if metrics["oov"].update_count:
            values["oov_rate"] = metrics["oov"].compute()
        named = list(zip(self.question_types, metrics["types"]))
        named += list(zip(self.question_type_groups, metrics["groups"]))
        for name, metric in named:
            if metric.update_count:
                values[f"acc_{name}"] = metric.compute()
        return values

    # ------------------------------------------------------------------ text
    def text_embeddings(self, texts: Sequence[str]) -> torch.Tensor:
        """``[N, D]`` L2-normalised text-tower embeddings of ``texts``; cached by string while the
        text side is frozen (then no gradient flows), recomputed with gradients otherwise."""
        texts = list(texts)
        unique = list(dict.fromkeys(texts))
        if self.model.text_is_trainable:
            table = F.normalize(self.model.encode_text(unique), dim=-1)
            row = {t: i for i, t in enumerate(unique)}
            return table[torch.tensor([row[t] for t in texts], device=table.device)]
        cache = self._text_cache
        if cache and next(iter(cache.values())).device != self.device:
            cache.clear()
        missing = [t for t in unique if t not in cache]
        if missing:
            # normal tensors even inside validation's inference mode, so training can reuse them
            with torch.inference_mode(False), torch.no_grad():
                embeddings = F.normalize(self.model.encode_text(missing), dim=-1)
            cache.update(zip(missing, embeddings.unbind(0)))
        for t in unique:
            cache.move_to_end(t)
        result = torch.stack([cache[t] for t in texts])
        while len(cache) > TEXT_CACHE_ENTRIES:
            cache.popitem(last=False)
        return result

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        self._text_cache.clear()

    # ------------------------------------------------------------------ batch fields
    @staticmethod
    def questions(batch: dict) -> list[str]:
        if "question" not in batch:
            raise ValueError("the batch has no 'question': the dataset carries no QA annotations")
        questions = list(batch["question"])
        empty = [vid for vid, q in zip(batch["video_id"], questions) if not q.strip()]
        if empty:
            raise ValueError(f"videos {_first_few(empty)} have no question (an empty 'question')")
        return questions

    def answer_targets(self, answers: Sequence[str]) -> torch.Tensor:
        """``[B]`` index of each answer in ``answer_vocab``; -1 when it is out of vocabulary."""
        return torch.tensor([self._answer_index.get(a, -1) for a in answers], dtype=torch.long,
                            device=self.device)

    def count_targets(self, batch: dict) -> torch.Tensor:
        """``[B]`` the counts (``answer``, decimal strings) as floats; a non-number names its video."""
        counts = []
        for vid, answer in zip(batch["video_id"], batch["answer"]):
            try:
                counts.append(float(answer))
            except ValueError:
                raise ValueError(f"video {vid}: count QA needs a number as the answer, got {answer!r}") from None
        return torch.tensor(counts, dtype=torch.float32, device=self.device)

    def predicted_counts(self, features: VideoFeatures, questions: Sequence[str]) -> torch.Tensor:
        """``[B]`` count predictions as evaluated: the view-averaged regression output rounded half
        up (``floor(x + 0.5)``) and clamped to ``count_range``."""
        fused, _ = self.fuse(features, questions)
        raw = features.view_mean(self.classifier(fused).squeeze(-1))
        return torch.floor(raw + 0.5).clamp(*self.count_range)

    def choices(self, batch: dict) -> list[list[str]]:
        choices = [list(c) for c in batch.get("choices", [])]
        missing = [vid for vid, c in zip(batch["video_id"], choices) if not c]
        if len(choices) != len(batch["video_id"]) or missing:
            raise ValueError(f"multiple-choice QA needs 'choices' for every question; videos "
                             f"{_first_few(missing or batch['video_id'])} have none (with the "
                             "synthetic world, set --data.init_args.qa_format mc)")
        return choices

    def choice_targets(self, batch: dict, choices: list[list[str]]) -> torch.Tensor:
        """``[B]`` the index of the right candidate, checked against each item's choices."""
        targets = batch["answer_index"].to(self.device)
        bad = [vid for vid, t, c in zip(batch["video_id"], targets.tolist(), choices)
               if not 0 <= t < len(c)]
        if bad:
            raise ValueError(f"videos {_first_few(bad)}: answer_index is not the index of one of "
                             "their choices")
        return targets

    # ------------------------------------------------------------------ scores
    def fuse(self, features: VideoFeatures, questions: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """Fused features of every view ``[B * V, D]`` and the question embeddings ``[B, D]``."""
        question = self.text_embeddings(questions)
        return self.fusion(features.video, features.per_view(question)), question

    def open_logits(self, fused: torch.Tensor) -> torch.Tensor:
        """``[B * V, D] -> [B * V, K]`` scores of the answer vocabulary."""
        return self.classifier(fused)

    def choice_logits(self, features: VideoFeatures, fused: torch.Tensor, questions: Sequence[str],
                      choices: Sequence[Sequence[str]]) -> tuple[torch.Tensor, torch.Tensor]:
        """Scores of every view's candidates ``[B * V, C]`` (-inf where an item has fewer than C)
        and the candidate embeddings ``[B, C, D]``."""
        width = max(len(c) for c in choices)
        texts = [self.choice_template.format(question=q, answer=a)
                 for q, cs in zip(questions, choices) for a in cs]
        flat = self.text_embeddings(texts)
        mask = torch.zeros(len(choices), width, dtype=torch.bool, device=flat.device)
        for b, cs in enumerate(choices):
            mask[b, :len(cs)] = True
        candidates = flat.new_zeros(len(choices), width, flat.shape[-1])
        candidates[mask] = flat
        scores = torch.einsum("bd,bcd->bc", F.normalize(fused, dim=-1), features.per_view(candidates))
        scores = self.model.logit_scale.exp() * scores
        return scores.masked_fill(~features.per_view(mask), float("-inf")), candidates

    def probabilities(self, features: VideoFeatures, questions: Sequence[str],
                      choices: Optional[Sequence[Sequence[str]]] = None) -> torch.Tensor:
        """Answer probabilities averaged over each video's views: ``[B, K]`` over
        ``answer_vocab`` (open) or ``[B, C]`` over each item's choices (mc; 0 past an item's
        last choice)."""
        fused, _ = self.fuse(features, questions)
        if self.mode == "open":
            logits = self.open_logits(fused)
        else:
            if choices is None:
                raise ValueError("multiple-choice QA needs the choices of every question")
            logits, _ = self.choice_logits(features, fused, questions, choices)
        return features.view_mean(logits.softmax(dim=-1))

    def forward(self, video: torch.Tensor, questions: Sequence[str],
                choices: Optional[Sequence[Sequence[str]]] = None) -> torch.Tensor:
        """Answer probabilities (see :meth:`probabilities`) of ``[B, T, 3, H, W]`` (or
        multi-view ``[B, V, ...]``) video and one question (and, mc, its choices) per video."""
        if len(questions) != len(video):
            raise ValueError(f"{len(questions)} questions for {len(video)} videos")
        if self.mode == "count":
            return self.predicted_counts(self.encode_video(video), list(questions))
        return self.probabilities(self.encode_video(video), list(questions), choices)

    # ------------------------------------------------------------------ steps
    def task_loss(self, batch: dict, features: VideoFeatures) -> TaskLoss:
        questions = self.questions(batch)
        batch_size = len(questions)
        views = features.views
        fused, question = self.fuse(features, questions)
        if self.mode == "count":
            targets = self.count_targets(batch)
            loss = F.mse_loss(self.classifier(fused).squeeze(-1), targets.repeat_interleave(views))
            return TaskLoss(loss, questions, question)
        if self.mode == "open":
            targets = self.answer_targets(batch["answer"])
            valid = targets >= 0
            dropped = int((~valid).sum())
            self.dropped_oov += dropped
            self.log("train/dropped_oov", float(dropped), reduce_fx="sum", on_step=False,
                     on_epoch=True, batch_size=batch_size)
            logits = self.open_logits(fused)
            # mean over the in-vocabulary questions; a batch without any gives 0 (no gradient)
            loss = (F.cross_entropy(logits, targets.repeat_interleave(views), ignore_index=-1,
                                    reduction="sum") / (valid.sum() * views).clamp(min=1))
            return TaskLoss(loss, questions, question)
        choices = self.choices(batch)
        targets = self.choice_targets(batch, choices)
        logits, candidates = self.choice_logits(features, fused, questions, choices)
        loss = F.cross_entropy(logits, targets.repeat_interleave(views))
        texts = [self.choice_template.format(question=q, answer=c[t])
                 for q, c, t in zip(questions, choices, targets.tolist())]
        return TaskLoss(loss, texts, candidates[torch.arange(batch_size, device=targets.device), targets])

    def _answer_probabilities(self, batch: dict) -> tuple[torch.Tensor, list[list[str]]]:
        """Probabilities ``[B, K]`` / ``[B, C]`` (views averaged) and, per item, the answers they
        are over (the vocabulary, or the item's choices)."""
        choices = self.choices(batch) if self.mode == "mc" else None
        probs = self(batch["video"], self.questions(batch), choices)
        return probs, (choices if choices is not None else [self.answer_vocab] * len(probs))

    def _predict(self, batch: dict) -> tuple[torch.Tensor, torch.Tensor, list[str]]:
        """Predicted index ``[B]``, its probability ``[B]`` and the predicted answer strings."""
        probs, options = self._answer_probabilities(batch)
        score, index = probs.max(dim=-1)
        return index, score, [o[i] for o, i in zip(options, index.tolist())]

    def update_metrics(self, metrics: nn.ModuleDict, batch: dict, stage: str) -> None:
        if self.mode == "count":
            predicted = self(batch["video"], self.questions(batch))
            truth = self.count_targets(batch)
            metrics["mse"].update((predicted - truth) ** 2)
            self._update_metrics(metrics, predicted == truth, None, batch)
            return
        index, _, answers = self._predict(batch)
        if self.mode == "open":
            truth = list(batch["answer"])
            correct = torch.tensor([p == t for p, t in zip(answers, truth)], device=index.device)
            oov = torch.tensor([t not in self._answer_index for t in truth], device=index.device)
        else:
            correct = index == self.choice_targets(batch, self.choices(batch))
            oov = None
        self._update_metrics(metrics, correct, oov, batch)

    # ------------------------------------------------------------------ prediction
    def prediction_inputs(self, texts: Sequence[str], choices: Optional[Sequence[str]] = None,
                          **options) -> dict:
        """``texts[0]`` is the question; a multiple-choice model takes its choices after it or as
        ``choices=[...]`` (at least two); an open-ended model answers from its vocabulary."""
        if options:
            raise ValueError(f"qa takes the option choices= only, got {sorted(options)}")
        texts = [" ".join(t.split()) for t in texts]
        if not texts or not texts[0]:
            raise ValueError("qa answers a question about the video: give the question as the first "
                             "text, e.g. zoo predict --model M video.mp4 \"what colour is the square?\"")
        question, rest = texts[0], texts[1:]
        if choices is not None and rest:
            raise ValueError("give the answer choices either after the question or as choices=, not both")
        given = [" ".join(str(c).split()) for c in (choices if choices is not None else rest)]
        if self.mode in ("open", "count"):
            if given:
                what = (f"answers open-ended questions from its {len(self.answer_vocab)} answers"
                        if self.mode == "open" else "answers how many, a number")
                raise ValueError(f"this model {what} and takes no choices; got {given!r} after the "
                                 "question (quote the question as one text)")
            return {"question": [question]}
        if len(given) < 2 or any(not c for c in given) or len(set(given)) != len(given):
            raise ValueError(f"this multiple-choice model picks one of the answers you give: give at "
                             f"least two different choices after the question or as choices=[...], "
                             f"got {given!r}")
        return {"question": [question], "choices": [given]}

    def predict_batch(self, batch: dict) -> list[dict]:
        """One dict per question: ``video_id``, ``question_id`` (when the batch has them),
        ``question``, the predicted ``answer`` and its ``score`` (probability), multiple choice
        ``answer_index``, and ``top``: the (at most) five most probable answers of the vocabulary
        or of the item's choices, as ``{"answer", "probability"}``, best first."""
        if self.mode == "count":
            counts = self(batch["video"], self.questions(batch))
            qids = batch.get("question_id", [None] * len(counts))
            return [{"video_id": vid, "question": question, "answer": f"{float(c):g}",
                     **({"question_id": qid} if qid else {})}
                    for vid, qid, question, c in zip(batch["video_id"], qids, batch["question"], counts)]
        probs, options = self._answer_probabilities(batch)
        qids = batch.get("question_id", [None] * len(probs))
        out = []
        for vid, qid, question, p, answers in zip(batch["video_id"], qids, batch["question"], probs, options):
            order = p[:len(answers)].argsort(descending=True, stable=True)[:5].tolist()  # ties: listed order
            best = order[0]
            item = {"video_id": vid, "question": question, "answer": answers[best],
                    "score": round(float(p[best]), 4)}
            if qid:
                item["question_id"] = qid
            if self.mode == "mc":
                item["answer_index"] = best
            item["top"] = [{"answer": answers[i], "probability": round(float(p[i]), 4)} for i in order]
            out.append(item)
        return out
