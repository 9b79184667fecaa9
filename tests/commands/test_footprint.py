"""Issue 17's footprint: ``zoo --help`` and ``zoo list`` (every filter) answer from the registry
and the index without importing torch, Lightning, open_clip or peft; ``import zoo`` imports none
of them either. Each runs in a fresh interpreter, exactly as the ``zoo`` console script does
(``zoo.commands:main``), and then reads ``sys.modules``. No timing is asserted (the perf summary
reports the times)."""

import json
import subprocess
import sys

import pytest

HEAVY = ("torch", "lightning", "pytorch_lightning", "open_clip", "peft", "torchvision", "litdata")

RUN = """
import contextlib, io, json, sys
from zoo.commands import main
argv = json.loads(sys.argv[1])
out = io.StringIO()
try:
    with contextlib.redirect_stdout(out):
        code = main(argv)
except SystemExit as exit:
    code = exit.code
print(json.dumps({"code": code, "out": out.getvalue(),
                  "heavy": [m for m in %r if m in sys.modules]}))
""" % (HEAVY,)


def zoo(*argv: str) -> dict:
    done = subprocess.run([sys.executable, "-c", RUN, json.dumps(list(argv))],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("argv", [
    ["--help"], [],
    ["list"], ["list", "lora_*"], ["list", "--task", "qa"], ["list", "--paradigm", "lora"],
    ["list", "--backbone", "vitb16"], ["list", "--pretrained"], ["list", "--pretrained", "--task", "recognition"],
    ["list", "--help"],
])
def test_help_and_list_import_no_heavy_dependency(argv):
    result = zoo(*argv)
    assert result["heavy"] == [], (argv, result["heavy"])
    assert result["code"] == (2 if not argv else 0)  # bare `zoo` prints the help and exits 2


def test_help_lists_every_command_and_list_prints_names():
    from zoo.commands import COMMANDS

    text = zoo("--help")["out"]
    assert all(name in text for name in COMMANDS)
    lines = zoo("list", "--paradigm", "lora", "--task", "recognition")["out"].splitlines()
    names = [line for line in lines if not line.startswith("#")]  # '# paradigm lora: variants ...
    assert names and all(n.startswith("lora_recognition_") for n in names)
    published = zoo("list", "--pretrained")["out"].split()
    assert "postnet_recognition_tiny.world_8f" in published


def test_import_zoo_imports_no_heavy_dependency_until_a_function_needs_it():
    code = ("import sys, zoo; zoo.__version__; zoo.ModelSpec; zoo.list_models(); "
            f"heavy = [m for m in {HEAVY!r} if m in sys.modules]; assert not heavy, heavy; "
            "zoo.create_model")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
