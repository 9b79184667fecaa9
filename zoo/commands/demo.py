"""``zoo demo``: zoo's main job on the embedded defaults, start to finish, on a CPU.

1. Load ``tiny``, zoo's own image-language model, and show zero-shot recognition: the colour and
   shape of the object in generated stills are named from text alone (what an image model can
   do), while the *action* of generated clips is near chance (motion is invisible in a frame).
2. Run the frozen backbone once over every frame of the train, validation and test clips
   (``zoo cache-features``, a litdata feature cache: ``zoo.data.cache``). ``postnet`` never
   trains its backbone, so every epoch of both runs below reads these features instead of
   rendering and re-encoding the clips — the same batches, the same numbers, a fraction of the
   time (``--no-cache`` trains from pixels instead).
3. Fine-tune ``postnet × recognition`` through the Lightning CLI twice — ``meanp`` (an average
   over frames) and ``seqtransf`` (CLIP4Clip's temporal transformer) — with the same recipe
   (``--recipe recognition/postnet``: 2000 clips, here 6 epochs, bf16 autocast where the CPU
   computes bf16 natively) reading the cache, then test each with ``zoo test --ckpt_path``.
   The demo renders the world's 2-second clips at 4 fps (8 frames, all of which the recipe's
   8-frame sampler takes; the recipe renders 16 at 8 fps and samples 8 of them), so the cache
   holds half the frames and one test clip per video is the whole video.
4. Print the test metrics side by side. A mean over frames cannot see order, so ``meanp`` cannot
   tell moving left from moving right; ``seqtransf`` can.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Optional

import torch
import torch.nn.functional as F

from zoo.runner import resolve_precision, run_cli

RECIPE = "recognition/postnet"
VARIANTS = ("meanp", "seqtransf")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--epochs", type=int, default=6, help="max_epochs (the recipe says 4)")
    parser.add_argument("--train-size", type=int, default=2000, help="training clips")
    parser.add_argument("--val-size", type=int, default=100, help="validation clips (the recipe says 200)")
    parser.add_argument("--test-size", type=int, default=500, help="test clips")
    parser.add_argument("--precision", default="auto",
                        help="Lightning precision; auto = bf16-mixed where the CPU has bf16 matrix "
                             "units (AMX / AVX512-BF16: ~3x faster here), else 32-true")
    parser.add_argument("--world-frames", type=int, default=8,
                        help="frames rendered per clip (the recipe says 16 at 8 fps): the demo renders "
                             "the same 2-second clips at 4 fps, every frame of which the 8-frame "
                             "sampler takes, so the cache holds half the frames")
    parser.add_argument("--world-fps", type=float, default=4.0, help="frame rate of the rendered clips")
    parser.add_argument("--out", type=Path, default=Path("runs/demo"), help="where the runs go")
    parser.add_argument("--backbone-pretrained", default="true",
                        help="'false' runs the demo on a random tiny backbone (a quick smoke test)")
    parser.add_argument("--no-cache", dest="cache", action="store_false",
                        help="train and test from pixels, without the frozen-feature cache")


def _header(text: str) -> None:
    print(f"\n{'=' * 78}\n{text}\n{'=' * 78}", flush=True)


@torch.no_grad()
def zero_shot_showcase(backbone_pretrained, count: int = 100) -> dict[str, float]:
    """What the tiny image-language model knows before any video training: the colour and shape
    of the object in a still, from text alone — and not the action of a clip."""
    from zoo.backbones.clip import create_backbone
    from zoo.data.world.synthetic import ACTION_PHRASES, ACTIONS, SHAPES, SyntheticWorld
    from zoo.data.transforms import VideoTransform
    from zoo.backbones.pretrain import attribute_prompts, prompt_classifier

    backbone = create_backbone("tiny", pretrained=backbone_pretrained).eval()
    transform = VideoTransform(backbone.preprocess, train=False)
    world = SyntheticWorld("test", size=count)

    def embed(frames) -> torch.Tensor:
        """uint8 frames [T, H, W, 3] -> the normalised mean of their image embeddings [D]."""
        video = transform(torch.as_tensor(frames)).video
        return F.normalize(F.normalize(backbone.encode_image(video), dim=-1).mean(0), dim=-1)

    def rank(embedding, head) -> tuple[str, str]:
        names, weights = head
        probs = (backbone.logit_scale.exp() * embedding @ weights.t()).softmax(-1)
        top = probs.topk(3)
        return names[int(top.indices[0])], ", ".join(
            f"{names[i]} {p:.2f}" for p, i in zip(top.values.tolist(), top.indices.tolist()))

    action_prompts = {ACTION_PHRASES[a]: [f"a {shape} {ACTION_PHRASES[a]}" for shape in SHAPES] for a in ACTIONS}
    heads = {"colour": prompt_classifier(backbone.encode_text, attribute_prompts("colour")),
             "shape": prompt_classifier(backbone.encode_text, attribute_prompts("shape")),
             "action": prompt_classifier(backbone.encode_text, action_prompts)}
    correct = {name: 0 for name in heads}
    for index in range(count):
        still = world.still(index, num_objects=1)
        clip = world.clip(index)
        truth = {"colour": still.objects[0]["colour"], "shape": still.objects[0]["shape"],
                 "action": ACTION_PHRASES[clip.action]}
        embeddings = {"colour": embed(still.image[None]), "action": embed(world.render(index))}
        embeddings["shape"] = embeddings["colour"]
        for name, head in heads.items():
            predicted, shown = rank(embeddings[name], head)
            correct[name] += predicted == truth[name]
            if index == 0:
                source = f'still "{still.caption}"' if name != "action" else f'clip "{clip.captions[0]}"'
                print(f"  {name:7s} truth: {truth[name]:12s} zero-shot top-3: {shown:48s} ({source})")
    accuracy = {name: 100.0 * c / count for name, c in correct.items()}
    print(f"\n  zero-shot top-1 over {count} test stills: colour {accuracy['colour']:.0f}%, "
          f"shape {accuracy['shape']:.0f}% (chance {100 / len(heads['colour'][0]):.0f}%, "
          f"{100 / len(SHAPES):.0f}%); over {count} test clips: action {accuracy['action']:.0f}% "
          f"(chance {100 / len(ACTIONS):.0f}%) — motion is invisible to an image model")
    return accuracy


def recipe_arguments(variant: str, args: argparse.Namespace) -> list[str]:
    """The recipe and the demo's budget (what both ``zoo fit`` and ``zoo cache-features`` read)."""
    return ["--recipe", RECIPE, "--model.model.variant", variant,
            "--model.model.backbone_pretrained", args.backbone_pretrained,
            "--data.init_args.train_size", str(args.train_size),
            "--data.init_args.val_size", str(args.val_size),
            "--data.init_args.test_size", str(args.test_size),
            "--data.init_args.world_frames", str(args.world_frames),
            "--data.init_args.fps", str(args.world_fps),
            # one test clip: with 8 rendered frames every clip the sampler draws is the same 8
            "--data.init_args.test_clips", "1" if args.world_frames <= 8 else "2",
            "--trainer.precision", resolve_precision(args.precision)]


def cache_features(args: argparse.Namespace) -> dict:
    """``zoo cache-features`` over the demo's three splits; returns its time and size."""
    from zoo.commands import cache_features as command
    from zoo.data.cache.build import folder_size

    argv = ["--root", str(args.out / "cache"), "--splits", "train,val,test", "--",
            *recipe_arguments(VARIANTS[0], args)]
    print(f"\n$ zoo cache-features {' '.join(argv)}", flush=True)
    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    start = time.time()
    folders = [Path(f) for f in command.cache_splits(parser.parse_args(argv)).values()]
    frames = sum(json.loads((f / "videos.json").read_text())["frames"] for f in folders)
    return {"seconds": time.time() - start, "frames": frames,
            "megabytes": sum(folder_size(str(f)) for f in folders) / 2 ** 20}


def run_variant(variant: str, args: argparse.Namespace) -> dict:
    """``zoo fit`` then ``zoo test --ckpt_path`` for one postnet variant; returns test metrics."""
    common = [*recipe_arguments(variant, args),
              "--trainer.logger.init_args.save_dir", str(args.out), "--trainer.logger.init_args.name", variant]
    if args.cache:  # read what cache_features built; a cache under another key would be an error
        common += ["--data.init_args.feature_cache.root", str(args.out / "cache"),
                   "--data.init_args.feature_cache.build", "false"]
    fit_args = ["fit", *common, "--trainer.max_epochs", str(args.epochs)]
    print(f"\n$ zoo {' '.join(fit_args)}", flush=True)
    start = time.time()
    fit = run_cli(fit_args)
    train_seconds = time.time() - start
    checkpoint = fit.trainer.checkpoint_callback.last_model_path or fit.trainer.checkpoint_callback.best_model_path
    test_args = ["test", *common, "--ckpt_path", checkpoint]
    print(f"\n$ zoo {' '.join(test_args)}", flush=True)
    tested = run_cli(test_args)
    metrics = {k: float(v) for k, v in tested.trainer.callback_metrics.items() if k.startswith("test/")}
    counts = tested.model.parameter_counts()
    return {"variant": variant, "train_seconds": train_seconds, "checkpoint": checkpoint,
            "trainable": counts["trainable"], **metrics}


COLUMNS = [("postnet variant", "variant", "{}"), ("trainable params", "trainable", "{:,}"),
           ("top-1", "test/top1", "{:.1%}"), ("top-5", "test/top5", "{:.1%}"),
           ("mean-class", "test/mean_class", "{:.1%}"),
           ("order-dependent top-1", "test/order_dependent_top1", "{:.1%}"),
           ("other actions top-1", "test/order_independent_top1", "{:.1%}"),
           ("train time", "train_seconds", "{:.0f} s")]


def comparison_table(results: list[dict]) -> str:
    """A Markdown table of the runs, one row per variant."""
    rows = [[fmt.format(row[key]) if key in row else "n/a" for _, key, fmt in COLUMNS] for row in results]
    widths = [max(len(name), *(len(r[i]) for r in rows)) for i, (name, _, _) in enumerate(COLUMNS)]
    lines = ["| " + " | ".join(name.ljust(w) for (name, _, _), w in zip(COLUMNS, widths)) + " |",
             "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    lines += ["| " + " | ".join(cell.rjust(w) if i else cell.ljust(w) for i, (cell, w) in enumerate(zip(r, widths))) + " |"
              for r in rows]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    start = time.time()
    pretrained: Optional[bool] = args.backbone_pretrained.lower() not in ("false", "0", "no")
    _header("1/4  zoo's tiny image-language backbone: zero-shot on generated stills and clips")
    zero_shot_showcase(pretrained)
    cache = None
    if args.cache:
        _header("2/4  run the frozen backbone once over every frame: a feature cache for both runs")
        cache = cache_features(args)
    results = []
    for i, variant in enumerate(VARIANTS):
        source = "from the feature cache" if args.cache else "from pixels"
        _header(f"3/4  fine-tune postnet x recognition {source}, variant {variant!r} ({i + 1}/{len(VARIANTS)})")
        results.append(run_variant(variant, args))
    _header("4/4  test metrics side by side (world test split, each video whole: one clip, one crop)")
    print(comparison_table(results))
    if cache is not None:
        print(f"\nfrozen features: the cache was ready in {cache['seconds']:.0f} s (built, or an existing one "
              f"checked; {cache['frames']:,} frames, {cache['megabytes']:.1f} MB) and read by both runs: "
              "the train times above exclude it")
    gap = results[1].get("test/order_dependent_top1", 0) - results[0].get("test/order_dependent_top1", 0)
    print(f"\nseqtransf - meanp on the order-dependent actions: {gap:+.1%} "
          "(a mean over frames cannot see order; a temporal transformer can)")
    print(f"demo finished in {time.time() - start:.0f} s")
    return 0
