"""Benchmark: every paradigm x recognition on the synthetic world, same budget, side by side.

    python benchmarks/paradigms.py [--paradigms postnet,adapter,...] [--epochs 3] ...

is ``zoo bench --task recognition``; see ``zoo/bench/run.py`` for what is measured and how.
"""

import argparse
import sys

from zoo.bench.run import add_arguments, run

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser)
    sys.exit(run(parser.parse_args()))
