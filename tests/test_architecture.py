"""The layout holds: no import cycles among zoo's modules (function-level and lazy imports
included), at most 8 modules at the package root, no file over 500 lines, plugins and layers
apart, and the two axes meet only through the interfaces."""

import ast
from pathlib import Path

import pytest

ZOO = Path(__file__).resolve().parents[1] / "zoo"
MAX_ROOT_MODULES = 8
MAX_LINES = 500


def module_name(path: Path) -> str:
    parts = path.relative_to(ZOO.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in ZOO.rglob("*.py")}


def resolve(name: str) -> str:
    """The zoo module an import names: ``zoo.a.b`` if it is a module, else its nearest parent."""
    while name not in MODULES and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def imports_of(module: str) -> set[str]:
    """Every zoo module ``module`` imports anywhere in its file (top level, in functions, and the
    targets of lazy attribute tables and plugin discovery)."""
    tree = ast.parse(MODULES[module].read_text())
    tables = {target.id: node.value for node in tree.body if isinstance(node, ast.Assign)
              for target in node.targets if isinstance(target, ast.Name) and isinstance(node.value, ast.Dict)}
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {resolve(alias.name) for alias in node.names if alias.name.startswith("zoo")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("zoo"):
            found |= {resolve(f"{node.module}.{alias.name}") for alias in node.names}
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "lazy_attributes":
            table = tables[node.args[1].id] if isinstance(node.args[1], ast.Name) else node.args[1]
            found |= {resolve(value.value) for value in table.values if isinstance(value, ast.Constant)}
    if module in ("zoo.paradigms", "zoo.tasks"):  # the package imports its discovered plugins
        from zoo.registry import PARADIGMS, TASKS

        registry = PARADIGMS if module == "zoo.paradigms" else TASKS
        found |= {info["module"] for info in registry.infos().values()}
    return {name for name in found if name in MODULES and name != module}


def strongly_connected_components(graph: dict[str, set[str]]) -> list[list[str]]:
    index, low, stack, on_stack, components = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in graph[node]:
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            components.append(component)

    for node in graph:
        if node not in index:
            visit(node)
    return components


def test_no_import_cycles():
    graph = {module: imports_of(module) for module in MODULES}
    cycles = [sorted(c) for c in strongly_connected_components(graph) if len(c) > 1]
    assert not cycles, f"import cycles: {cycles}"


def test_the_cycle_finder_finds_a_cycle():
    components = strongly_connected_components({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}})
    assert sorted(sorted(c) for c in components if len(c) > 1) == [["a", "b", "c"]]


def test_root_holds_at_most_eight_modules():
    root = sorted(p.name for p in ZOO.glob("*.py"))
    assert len(root) <= MAX_ROOT_MODULES, root


@pytest.mark.parametrize("path", sorted(ZOO.rglob("*.py")), ids=lambda p: str(p.relative_to(ZOO)))
def test_no_file_over_500_lines(path):
    assert len(path.read_text().splitlines()) <= MAX_LINES


def test_paradigms_and_tasks_meet_only_through_the_interfaces():
    for module in MODULES:
        imported = imports_of(module)
        if module.startswith("zoo.paradigms"):
            assert not any(m.startswith("zoo.tasks") for m in imported), (module, imported)
        if module.startswith("zoo.tasks"):
            # the paradigms *package* (spec lookup) yes, a specific paradigm never
            assert not any(m.startswith("zoo.paradigms.") for m in imported), (module, imported)


def test_plugin_folders_hold_only_plugins_and_the_task_base():
    from zoo.registry import PARADIGMS, TASKS

    for registry, folder, allowed in ((PARADIGMS, "paradigms", {"__init__"}), (TASKS, "tasks", {"__init__", "base"})):
        plugins = {info["module"].rsplit(".", 1)[1] for info in registry.infos().values()}
        files = {p.stem for p in (ZOO / folder).glob("*.py")}
        assert files == plugins | allowed, files - plugins - allowed
