"""Rendering speed of the synthetic world, on one CPU core.

Measures clips per second for a full clip -- all frames rendered plus all annotations
(``SyntheticWorld.render(i)`` and ``SyntheticWorld.clip(i)``) -- and, separately, annotations
alone, pixels alone and stills. The goal is >= 200 clips/s per core at 16 x 64 x 64.

    python benchmarks/world_render.py                      # default 16 x 64 x 64 at 8 fps
    python benchmarks/world_render.py --frames 32 --size 96 --clips 500
"""

from __future__ import annotations

import os

# One core: pin the math libraries' thread pools before numpy is imported.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
             "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import time  # noqa: E402

from zoo.data.world.synthetic import SyntheticWorld, WorldConfig  # noqa: E402


def _rate(fn, count: int, repeats: int) -> float:
    """Best items/s over ``repeats`` passes of ``fn(i)`` for ``i in range(count)``."""
    best = 0.0
    for _ in range(repeats):
        start = time.perf_counter()
        for i in range(count):
            fn(i)
        best = max(best, count / (time.perf_counter() - start))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=300, help="clips per timed pass")
    parser.add_argument("--repeats", type=int, default=3, help="timed passes (best is kept)")
    parser.add_argument("--frames", type=int, default=16)
    parser.add_argument("--size", type=int, default=64, help="frame height and width")
    parser.add_argument("--fps", type=float, default=8.0)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):  # one core for the process, if the OS allows it
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

    config = WorldConfig(num_frames=args.frames, height=args.size, width=args.size, fps=args.fps)
    world = SyntheticWorld("train", size=args.clips, config=config)
    for i in range(min(20, args.clips)):  # warm-up
        world.render(i), world.clip(i)

    full = _rate(lambda i: (world.render(i), world.clip(i)), args.clips, args.repeats)
    annotations = _rate(world.clip, args.clips, args.repeats)
    pixels = _rate(world.render, args.clips, args.repeats)
    stills = _rate(world.still, args.clips, args.repeats)
    print(f"world {args.frames} x {args.size} x {args.size}, one core, best of {args.repeats} "
          f"x {args.clips}:")
    print(f"  clips (all frames + annotations): {full:8.1f} clips/s")
    print(f"  annotations only (clip):          {annotations:8.1f} clips/s")
    print(f"  pixels only (render):             {pixels:8.1f} clips/s")
    print(f"  stills:                           {stills:8.1f} stills/s")


if __name__ == "__main__":
    main()
