"""``zoo bench --perf``'s report: ``summary.md``, the frames-scaling figure, and the README's
"Speed and memory" section, all from ``<out>/perf/summary.json``.

As the comparison section (:mod:`zoo.bench.readme`), the README's section lives between
:data:`START` and :data:`END` and is written only by ``zoo bench --perf --readme`` (which measures
nothing); ``tests/bench/test_perf_report.py`` fails when it no longer matches the summary.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any, Optional

START = "<!-- zoo-perf:start -->"
END = "<!-- zoo-perf:end -->"


def summary_markdown(summary: dict[str, Any]) -> str:
    runs = summary.get("runs") or [{"parts": summary.get("parts", []), "seconds": summary["seconds"],
                                    "load_before": summary["load_before"], "load_after": summary["load_after"]}]
    done = "; ".join(f"{', '.join(r['parts'])}: {r['seconds']:.0f} s{' on ' + r['date'] if r.get('date') else ''}, "
                     f"load average {r['load_before'][0]} before, {r['load_after'][0]} after" for r in runs)
    lines = [f"Measured on {summary['machine']['cpu']} ({summary['machine']['cores']} cores, "
             f"{summary['machine']['torch_threads']} torch threads, native bf16: "
             f"{summary['machine']['native_bf16']}, fp32). Runs ({'the latest run of a part wins; ' if len(runs) > 1 else ''}"
             f"{done}).", ""]
    cache = summary.get("cache")
    if cache:
        lines += ["| postnet x recognition, tiny | from pixels | from the cache |", "|---|---|---|",
                  f"| epoch time (median, s) | {statistics.median(cache['pixels_epoch_s']):.1f} | "
                  f"{statistics.median(cache['cached_epoch_s']):.2f} |",
                  f"| speedup | 1 | **{cache['cache_speedup']:.1f}x** |",
                  f"| cache build (once) | | {cache['cache_build_s']:.0f} s, {cache['cache_frames']} frames "
                  f"({cache['cache_build_frames_per_s']:.0f} frames/s), {cache['cache_size_mb']:.1f} MB |", ""]
    backbone = summary.get("backbone")
    if backbone:
        med = backbone["median_seconds"]
        lines += [f"| {backbone['backbone']}, {backbone['images']} images | stock open_clip (s) | zoo (s) | zoo / stock |",
                  "|---|---|---|---|",
                  f"| forward | {med['forward']['stock']:.2f} | {med['forward']['zoo']:.2f} | {backbone['backbone_fwd_ratio']:.2f} |",
                  f"| forward + backward | {med['forward_backward']['stock']:.2f} | {med['forward_backward']['zoo']:.2f} | "
                  f"{backbone['backbone_fwd_bwd_ratio']:.2f} |", ""]
    footprint = summary.get("footprint")
    if footprint:
        lines += ["| command (fresh interpreter) | wall time (s, median) | peak RSS (MiB) | heavy imports |",
                  "|---|---|---|---|"]
        lines += [f"| `{name}` | {c['seconds']:.2f} | {c['peak_rss_mib']:.0f} | {', '.join(c['imports']) or 'none'} |"
                  for name, c in footprint["commands"].items()]
        lines += ["", "| training step, fp32, batch 1 | variant | backbone | text tower | step (s) | peak RSS (MiB) |",
                  "|---|---|---|---|---|---|"]
        lines += [f"| {s['paradigm']} | {s['variant']} | {s['backbone']} {s['frames']}x{s['size']} | "
                  f"{'kept' if s['text_tower'] else 'dropped'} | {s['step_s']:.2f} | {s['peak_rss_mib']:.0f} |"
                  for s in footprint["training_step"]]
        lines += ["", "| official code (peak RSS, MiB) | zoo counterpart | zoo (MiB) |", "|---|---|---|"]
        lines += [f"| {o['code']} {o['official_peak_rss_mib']} | {o['zoo'] or 'not measured'} | "
                  f"{'' if o['zoo_peak_rss_mib'] is None else format(o['zoo_peak_rss_mib'], '.0f')} |"
                  for o in footprint["official"]]
        lines.append("")
    rows = summary.get("frames_scaling")
    if rows:
        lines += ["| paradigm | variant | frames | train step (s) | inference (s) | train peak (MB) | inference peak (MB) |",
                  "|---|---|---|---|---|---|---|"]
        lines += [f"| {r['paradigm']} | {r['variant']} | {r['frames']} | {r['train_s']:.3f} | {r['inference_s']:.3f} | "
                  f"{r['train_peak_mb']:.0f} | {r['inference_peak_mb']:.0f} |" for r in rows]
    return "\n".join(lines) + "\n"


def plot_frames(rows: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(13, 4), dpi=110)
    for paradigm in dict.fromkeys(r["paradigm"] for r in rows):
        mine = [r for r in rows if r["paradigm"] == paradigm]
        frames = [r["frames"] for r in mine]
        for ax, key in zip(axes, ("train_s", "inference_s", "train_peak_mb")):
            ax.plot(frames, [r[key] for r in mine], marker="o", label=f"{paradigm} ({mine[0]['variant']})")
    for ax, title in zip(axes, ("training step (s)", "inference (s)", "training peak memory (MB)")):
        ax.set_xlabel("frames per clip")
        ax.set_title(title, fontsize=10)
        ax.set_xscale("log", base=2)
        ax.set_xticks(sorted({r["frames"] for r in rows}), [str(f) for f in sorted({r["frames"] for r in rows})])
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    fig.suptitle(f"zoo bench --perf: every paradigm against clip length (tiny, batch {rows[0]['batch']})", fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def readme_section(out: Path, readme: Path) -> str:
    """The README's section from ``<out>/perf/summary.json``: the tables, and the figure when
    there is one (linked relative to the README)."""
    folder = Path(out) / "perf"
    summary = json.loads((folder / "summary.json").read_text())
    text = summary_markdown(summary)
    if (folder / "frames.png").is_file():
        try:
            link = (folder / "frames.png").resolve().relative_to(Path(readme).resolve().parent).as_posix()
        except ValueError:
            link = (folder / "frames.png").as_posix()
        text += f"\n![every paradigm against clip length]({link})\n"
    return text


def update_readme(out: Path, readme: Optional[Path] = None) -> Path:
    """Rewrite the README's speed-and-memory section from ``<out>/perf/summary.json``."""
    from zoo.bench.readme import replace_section
    from zoo.hub.paths import configs_dir

    path = Path(readme) if readme is not None else configs_dir().parent / "README.md"
    text = path.read_text()
    updated = replace_section(text, readme_section(out, path), START, END)
    if updated != text:
        path.write_text(updated)
    return path
