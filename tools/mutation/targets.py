"""What is mutated, and which tests run against each mutated module.

Groups are the module sets the issue names; a module's tests are

1. the test files that import it directly (``import zoo.x.y`` / ``from zoo.x import y`` /
   ``from zoo.x.y import ...``), found by parsing ``tests/``;
2. its mirror ``tests/<package>/test_<name>.py`` when there is one;
3. the extra files listed in :data:`EXTRA_TESTS` for modules reached only through others
   (a shared layer, a loader behind ``zoo.from_pretrained``) and for the cross-cutting test files
   that exercise them through the public API.

Each mutant runs only its module's tests (``-x``, the fastest files first), so a full run over
all groups fits in a few hours on two cores.
"""

from __future__ import annotations

import ast
import fnmatch
from pathlib import Path

GROUPS: dict[str, tuple[str, ...]] = {
    "metrics": ("zoo/metrics/*.py",),
    "hub": ("zoo/hub/load.py", "zoo/hub/index.py", "zoo/hub/folder.py", "zoo/hub/torchhub.py"),
    "paradigms": ("zoo/paradigms/*.py", "zoo/paradigms/layers/*.py"),
    "formats": ("zoo/data/formats/*.py",),
    "tasks": ("zoo/tasks/*.py",),
}

FRAMEWISE_TESTS = ("tests/paradigms/test_adapter.py", "tests/paradigms/test_full.py",
                   "tests/paradigms/test_lora.py", "tests/paradigms/test_partial.py",
                   "tests/paradigms/test_prompt.py", "tests/paradigms/test_distill.py")

EXTRA_TESTS: dict[str, tuple[str, ...]] = {
    # metrics: the tasks log them; the identity tests tie each logged name to its value
    "zoo/metrics/*.py": ("tests/tasks/test_metric_identity.py", "tests/metrics/test_metric_sync.py"),
    # checkpoint loading: every path through the public API
    "zoo/hub/*.py": ("tests/hub/test_integrity.py", "tests/hub/test_integrity_hub.py", "tests/hub/test_folder.py",
                     "tests/hub/test_load.py", "tests/hub/test_torchhub.py"),
    # paradigms: documented defaults, and the per-paradigm test file
    "zoo/paradigms/*.py": ("tests/paradigms/test_defaults.py",),
    "zoo/paradigms/layers/*.py": ("tests/paradigms/test_defaults.py",),
    "zoo/paradigms/layers/aim.py": ("tests/paradigms/test_adapter.py",),
    "zoo/paradigms/layers/st_adapter.py": ("tests/paradigms/test_adapter.py",),
    "zoo/paradigms/layers/framewise.py": FRAMEWISE_TESTS,
    "zoo/paradigms/layers/temporal.py": ("tests/paradigms/test_postnet.py", "tests/paradigms/test_prompt.py"),
    # the frozen-feature cache path (frozen_frame_features / encode_frozen) and the text tokens
    "zoo/paradigms/side.py": ("tests/data/test_cache.py",),
    "zoo/paradigms/postnet.py": ("tests/data/test_cache.py",),
    "zoo/paradigms/prompt.py": ("tests/test_interfaces.py",),
    "zoo/paradigms/distill.py": ("tests/backbones/test_text_tower_memory.py",),
    "zoo/paradigms/__init__.py": ("tests/test_registry.py",),
    # tasks: what each logs under which name, the evaluation protocols, every accepted argument
    "zoo/tasks/*.py": ("tests/tasks/test_metric_identity.py", "tests/tasks/test_protocols.py",
                       "tests/tasks/test_task_arguments.py"),
    # parsers: the real-sample tests and the world exporters read back through them
    "zoo/data/formats/*.py": ("tests/data/test_annotation_formats.py",),
}


def group_modules(root: Path, groups: list[str]) -> list[str]:
    """The modules (paths relative to ``root``) of ``groups``, sorted, each once."""
    found: list[str] = []
    for group in groups:
        if group not in GROUPS:
            raise SystemExit(f"unknown group {group!r}; groups: {', '.join(GROUPS)}")
        for pattern in GROUPS[group]:
            for path in sorted(root.glob(pattern)):
                name = path.relative_to(root).as_posix()
                if name not in found:
                    found.append(name)
    return found


def group_of(module: str) -> str:
    for group, patterns in GROUPS.items():
        if any(fnmatch.fnmatch(module, p) for p in patterns):
            return group
    return "other"


def _module_name(module: str) -> str:
    parts = Path(module).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(test: Path) -> set[str]:
    """Dotted names a test file imports (``from a.b import c`` gives ``a.b`` and ``a.b.c``)."""
    try:
        tree = ast.parse(test.read_text())
    except SyntaxError:
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def tests_for(root: Path, module: str) -> list[str]:
    """The test files (relative to ``root``) that run against mutants of ``module``."""
    dotted = _module_name(module)
    tests = []
    for test in sorted((root / "tests").rglob("test_*.py")):
        if dotted in _imported(test):
            tests.append(test.relative_to(root).as_posix())
    mirror = root / "tests" / Path(module).parent.relative_to("zoo") / f"test_{Path(module).stem}.py"
    for path in [mirror.relative_to(root).as_posix()] + [
            extra for pattern, extras in EXTRA_TESTS.items() if fnmatch.fnmatch(module, pattern)
            for extra in extras]:
        if (root / path).is_file() and path not in tests:
            tests.append(path)
    return tests
