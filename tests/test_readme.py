"""Every code block of the README runs, offline (issue 10, item 7).

The README is parsed as it is, whatever blocks it holds; each block (python) or command line
(shell) is one test, named ``README.md:<line>``. The rules:

``python`` blocks run as written, each in a fresh namespace (a block must be complete: users copy
blocks one at a time), in a scratch directory, offline (``HF_HUB_OFFLINE=1``). Two references
need the network; they are served from this checkout instead, after checking them:
``torch.hub.load("<owner>/<name>:<ref>", ...)`` must name ``zoo.hub.constants``' ``CODE_REPO`` and
``CODE_REF`` and loads this checkout's ``hubconf.py`` (``source="local"``), and
``from_pretrained("hf-hub:<org>/<name>")`` must name a Hub repo of ``checkpoints/index.json`` and
loads that entry's shipped folder.

``bash`` / ``sh`` / ``shell`` / ``console`` blocks: every command line (``\\`` continuations
joined, ``#`` comments and leading ``VAR=value`` assignments understood) is checked in the
cheapest form that still fails when the line is wrong:

- ``zoo list ...``, ``zoo predict --model ...`` and ``zoo [--help]``: run as written;
- LightningCLI commands (``zoo fit|validate|test ...``, ``zoo predict --config ...``): run with
  ``--print_config`` added -- the whole recipe is parsed and validated (files, keys, types,
  choices), nothing is built, trained or downloaded;
- zoo's other commands: parsed by the command's own argument parser (flags, types, required
  arguments), not run -- they train, download, upload or write;
- a usage synopsis (a line with ``<placeholder>``, ``[optional]``, ``a | b`` or ``...``): every
  command it names exists and accepts every ``--flag`` on the line (LightningCLI's nested
  ``--model.*`` / ``--data.*`` flags: the key exists in the config of the line's ``--recipe``,
  or of ``recognition/postnet`` when that is a placeholder);
- ``make TARGET``: ``make -n TARGET`` (the target exists);
- ``torchrun [options] --no-python zoo ...`` (options checked by torchrun's parser) and ``srun
  zoo ...``: the zoo command they launch, checked as above;
- any other command fails: teach this file how to check it, or show it as ``text``.

Blocks without a language, and ``text`` / ``json`` / ``yaml`` / ``markdown`` blocks, are output
or data: not run. A relative video file a block names (``*.mp4``, ``*.avi``, ``*.mkv``,
``*.webm``) that does not exist is written into the scratch directory first, losslessly, from a
clip of the synthetic world; ``configs/`` is linked there. ``ZOO_README=<file>`` checks another
markdown file the same way (a draft, before it replaces the README).
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import re
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
import yaml

import zoo
import zoo.hub.load
from zoo.commands import COMMANDS, command_parser, lightning_arguments, main
from zoo.data.video import write_video
from zoo.hub.constants import CODE_REF, CODE_REPO
from zoo.hub.index import load_index
from zoo.hub.paths import REPO_ROOT
from zoo.runner import run_cli

README = Path(os.environ.get("ZOO_README", REPO_ROOT / "README.md"))
RUN = ("python",)
SHELL = ("bash", "sh", "shell", "console")
NOT_CODE = ("", "text", "json", "yaml", "markdown", "md", "output")
VIDEO = re.compile(r"[\w./-]+\.(?:mp4|avi|mkv|webm)\b")
RUN_AS_WRITTEN = ("list", "predict")


@dataclass(frozen=True)
class Block:
    line: int  # of the opening fence, 1-based
    language: str
    text: str


def read_blocks(markdown: str) -> list[Block]:
    """The fenced code blocks of ``markdown``; an unknown language or an unclosed fence raises."""
    blocks, lines, i = [], markdown.splitlines(), 0
    while i < len(lines):
        fence = re.match(r"^(\s*)(```+)\s*([\w+-]*)", lines[i])
        if not fence:
            i += 1
            continue
        start, language, body = i + 1, fence.group(3).lower(), []
        i += 1
        while i < len(lines) and not lines[i].strip().startswith(fence.group(2)):
            body.append(lines[i][len(fence.group(1)):])
            i += 1
        if i == len(lines):
            raise ValueError(f"{README.name}:{start}: the code block is never closed")
        if language not in RUN + SHELL + NOT_CODE:
            raise ValueError(f"{README.name}:{start}: unknown block language {language!r}")
        blocks.append(Block(start, language, "\n".join(body)))
        i += 1
    return blocks


def command_lines(block: Block) -> list[tuple[int, str]]:
    """(README line, command) of a shell block: continuations joined, blank / comment lines out."""
    out, pending, first = [], "", 0
    for offset, line in enumerate(block.text.splitlines(), start=1):
        if not pending:
            first = block.line + offset
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        command = (pending + line).strip()
        pending = ""
        if command and not command.startswith("#"):
            out.append((first, command.removeprefix("$ ")))
    return out


BLOCKS = read_blocks(README.read_text(encoding="utf-8"))
PYTHON = [b for b in BLOCKS if b.language in RUN]
COMMAND_LINES = [c for b in BLOCKS if b.language in SHELL for c in command_lines(b)]


# ---------------------------------------------------------------------- the scratch directory
@pytest.fixture
def scratch(tmp_path, monkeypatch):
    """A working directory with configs/ linked, offline."""
    (tmp_path / "configs").symlink_to(REPO_ROOT / "configs")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return tmp_path


def write_videos(text: str, folder: Path) -> list[Path]:
    """Write every relative video file ``text`` names that does not exist (a world clip)."""
    from zoo.data.world import SyntheticWorld

    written = []
    for name in sorted(set(VIDEO.findall(text))):
        path = folder / name
        if Path(name).is_absolute() or path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        write_video(path, SyntheticWorld("test", size=4).render(1), fps=8)
        written.append(path)
    return written


# ---------------------------------------------------------------------- python blocks
@pytest.fixture
def offline_hubs(monkeypatch):
    """``torch.hub.load`` of the code repo and ``hf-hub:`` references of the index, served from
    this checkout (module docstring)."""
    load, from_pretrained = torch.hub.load, zoo.hub.load.from_pretrained

    def hub_load(repo, model, *args, **kwargs):
        assert repo == f"{CODE_REPO}:{CODE_REF}", f"torch.hub.load({repo!r}): the code repo is {CODE_REPO}:{CODE_REF}"
        return load(str(REPO_ROOT), model, *args, source="local", **kwargs)

    def pretrained(ref, *args, **kwargs):
        if str(ref).startswith("hf-hub:"):
            repo_id = str(ref)[len("hf-hub:"):].split("@")[0]
            names = [e["name"] for e in load_index()["models"] if e["hub"]["repo_id"] == repo_id]
            assert names, f"{ref}: no checkpoint of checkpoints/index.json lives in Hub repo {repo_id}"
            ref = names[0]
        return from_pretrained(ref, *args, **kwargs)

    monkeypatch.setattr(torch.hub, "load", hub_load)
    monkeypatch.setattr(zoo.hub.load, "from_pretrained", pretrained)


@pytest.mark.parametrize("block", PYTHON, ids=lambda b: f"{README.name}:{b.line}")
def test_python_block_runs(block, scratch, offline_hubs):
    write_videos(block.text, scratch)
    with torch.no_grad():
        exec(compile(block.text, f"{README.name}:{block.line}", "exec"), {"__name__": "__readme__"})


# ---------------------------------------------------------------------- shell lines
def is_synopsis(words: list[str]) -> bool:
    return any(("<" in w and ">" in w) or w.startswith("[") or w.endswith("]") or w == "|" or "..." in w
               for w in words)


def call(argv: list[str]) -> tuple[int, str]:
    """``zoo <argv>`` in this process: (exit status, standard output + error)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            status = main(argv)
        except SystemExit as exit:
            status = exit.code or 0 if isinstance(exit.code, (int, type(None))) else 1
    return status, out.getvalue()


@functools.lru_cache(maxsize=None)
def lightning_help(command: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        run_cli([command, "--help"])
    return out.getvalue()


@functools.lru_cache(maxsize=None)
def recipe_config(recipe: str) -> dict:
    status, out = call(["fit", "--recipe", recipe, "--print_config"])
    assert status == 0, out
    return yaml.safe_load(out)


def config_has(config: dict, dotted: str) -> bool:
    """Whether ``--a.b.c`` names a key of a LightningCLI config (``init_args`` levels implied)."""
    node = config
    for key in dotted.lstrip("-").split("."):
        while isinstance(node, dict) and key not in node and "init_args" in node:
            node = node["init_args"]
        if not isinstance(node, dict) or key not in node:
            return False
        node = node[key]
    return True


def check_synopsis(words: list[str]) -> None:
    commands, i = [words[0]], 1
    while i + 1 < len(words) and words[i] == "|":
        commands.append(words[i + 1])
        i += 2
    flags = sorted({f for w in words for f in re.findall(r"--[A-Za-z][\w.-]*", w)})
    recipe = next((words[k + 1] for k, w in enumerate(words[:-1]) if w == "--recipe"), "")
    recipe = recipe if re.fullmatch(r"\w+/\w+", recipe) else "recognition/postnet"
    for command in commands:
        if lightning_arguments([command, *flags]):
            text = lightning_help(command)
            for flag in flags:
                nested = flag.startswith(("--model.", "--data."))
                known = config_has(recipe_config(recipe), flag) if nested else \
                    flag in text or flag == "--recipe"  # zoo.runner expands --recipe
                assert known, f"zoo {command} does not accept {flag}"
        else:
            assert command in COMMANDS, f"zoo {command} is not a command ({', '.join(COMMANDS)})"
            accepted = command_parser(command)[0]._option_string_actions
            unknown = [f for f in flags if f not in accepted]
            assert not unknown, f"zoo {command} does not accept {unknown}"


def unwrap_launcher(words: list[str]) -> list[str]:
    """The command a process launcher starts: ``torchrun [options] --no-python zoo ...`` (its
    options checked by torchrun's own parser) or ``srun zoo ...``; other words unchanged."""
    if words[0] == "torchrun":
        from torch.distributed.run import get_args_parser

        parsed = get_args_parser().parse_args(words[1:])
        assert parsed.no_python, "torchrun runs the zoo script with --no-python (it is not a .py file)"
        return [parsed.training_script, *parsed.training_script_args]
    if words[0] == "srun" and words[1:2] == ["zoo"]:
        return words[1:]
    return words


@pytest.mark.parametrize("line, command", COMMAND_LINES, ids=[f"{README.name}:{n}" for n, _ in COMMAND_LINES])
def test_command_line_checks(line, command, scratch, monkeypatch):
    words = shlex.split(command, comments=True)
    while words and re.fullmatch(r"[A-Za-z_]\w*=.*", words[0]):
        name, _, value = words.pop(0).partition("=")
        monkeypatch.setenv(name, value)
    assert words, f"{README.name}:{line}: an empty command"
    if words[0] == "make":
        result = subprocess.run(["make", "-n", "-C", str(REPO_ROOT), *words[1:]], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        return
    words = unwrap_launcher(words)
    assert words[0] == "zoo", (f"{README.name}:{line}: {words[0]!r} is not a zoo or make command; teach "
                               "tests/test_readme.py how to check it, or show the block as text")
    argv = words[1:]
    if is_synopsis(argv):
        check_synopsis(argv)
        return
    write_videos(command, scratch)
    if lightning_arguments(argv):
        status, out = call(argv + ([] if "--print_config" in argv else ["--print_config"]))
    elif not argv or argv[0] in ("-h", "--help") or argv[0] in RUN_AS_WRITTEN:
        status, out = call(argv)
    else:
        assert argv[0] in COMMANDS, f"zoo {argv[0]} is not a command"
        parser = command_parser(argv[0])[0]
        status, out = call_parser(parser, argv[1:])
    assert status == 0, f"{README.name}:{line}: `{command}` failed:\n{out}"


def call_parser(parser, argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stderr(out):
        try:
            parser.parse_args(argv)
        except SystemExit as exit:
            return exit.code or 0, out.getvalue()
    return 0, ""


# ---------------------------------------------------------------------- the parser, and item 7
def test_the_readme_has_blocks_of_both_kinds():
    assert PYTHON and COMMAND_LINES


def test_block_parser_reads_fences_continuations_and_comments():
    text = "x\n```python\na = 1\n```\n```bash\nzoo list \\\n  --task qa   # c\n# only a comment\n```\n```\nout\n```\n"
    blocks = read_blocks(text)
    assert [(b.line, b.language) for b in blocks] == [(2, "python"), (5, "bash"), (10, "")]
    assert command_lines(blocks[1]) == [(6, "zoo list    --task qa   # c")]
    with pytest.raises(ValueError, match="never closed"):
        read_blocks("```python\na = 1\n")


def test_old_transforms_snippet_unpacks_as_sampler_and_transform():
    """zoo 0.1's README: ``sampler, transform = zoo.create_transforms(task)``."""
    transforms = zoo.create_transforms({"mean": [0.5] * 3, "std": [0.5] * 3, "size": 32, "num_frames": 4})
    sampler, transform = transforms
    assert sampler is transforms.sampler and transform is transforms.transform
