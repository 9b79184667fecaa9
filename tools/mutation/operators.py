"""The mutation operators: a fixed list of small AST edits, each one a bug a user could hit.

=========  ==============================================================================
operator   what it does (one site at a time)
=========  ==============================================================================
``cmp``    comparison flip: ``<`` ↔ ``<=``, ``>`` ↔ ``>=``, ``==`` ↔ ``!=``, ``in`` ↔ ``not in``,
           ``is`` ↔ ``is not``
``const``  off-by-one: an int constant ``n`` → ``n + 1``; a float ``x`` → ``x + 1`` (index,
           slice bound, threshold, scale, sigma ...); not in defaults (``default``)
``arith``  arithmetic swap: ``+`` ↔ ``-``, ``*`` ↔ ``/``, ``//`` → ``/``, ``%`` → ``//``,
           ``**`` → ``*``, also in ``x op= y``; unary ``-x`` → ``x``
``bool``   boolean negation: ``not x`` → ``x``, ``and`` ↔ ``or``, ``True`` ↔ ``False``,
           ``if c`` → ``if not c``, ``while c`` → ``while not c``
``return`` return-value change: ``return <expr>`` → ``return None``
``default``argument-default change: a parameter default ``n`` → ``n + 1``, ``True`` ↔ ``False``,
           a string → ``""``
``kwarg``  argument dropped: one keyword argument removed from a call (an accepted argument
           that no longer reaches its callee)
``stmt``   statement deletion: an assignment to an attribute or item, an augmented
           assignment, an expression statement, ``raise``, ``assert``, ``del``, ``continue`` or
           ``break`` → ``pass`` (not ``name = ...``: its deletion only raises ``NameError``)
=========  ==============================================================================

Never mutated: docstrings, f-strings and other string contents, annotations, ``__all__`` and
module-level ``if TYPE_CHECKING`` blocks, and ``pass`` itself. A mutant whose unparsed source
equals the original's (e.g. ``-0`` vs ``0``) is dropped.
"""

from __future__ import annotations

import ast
import copy
from dataclasses import dataclass
from typing import Iterator, Optional

OPERATORS = ("cmp", "const", "arith", "bool", "return", "default", "kwarg", "stmt")

COMPARISONS = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt,
               ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In,
               ast.Is: ast.IsNot, ast.IsNot: ast.Is}
ARITHMETIC = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
              ast.FloorDiv: ast.Div, ast.Mod: ast.FloorDiv, ast.Pow: ast.Mult}
DELETABLE = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr, ast.Raise, ast.Assert,
             ast.Delete, ast.Continue, ast.Break)


@dataclass(frozen=True)
class Mutant:
    """One mutation of one module: where, which operator, and the source it gives."""

    module: str          # path relative to the repository root
    operator: str
    line: int
    col: int
    scope: str           # qualified name of the enclosing function / class ("" at module level)
    function: str        # qualified name of the innermost enclosing function ("" outside any)
    before: str          # the mutated node, unparsed, before ...
    after: str           # ... and after
    source: str          # the whole mutated module

    @property
    def key(self) -> str:
        """Stable across unrelated edits of the file (no line number): scope, operator, and the
        node before / after, numbered when a scope holds several identical sites."""
        return f"{self.module}::{self.scope}::{self.operator}::{self.before} -> {self.after}"

    def describe(self) -> str:
        return f"{self.module}:{self.line}:{self.col} [{self.operator}] {self.before!r} -> {self.after!r}"


def _unparse(node: Optional[ast.AST]) -> str:
    if node is None:
        return "None"
    text = ast.unparse(node)
    first = text.splitlines()[0] if text else text
    return first if len(first) <= 120 else first[:117] + "..."


class _Sites(ast.NodeVisitor):
    """Walks a module and records ``(node, operator, field_path)`` for every mutable site, with
    the scope it sits in; skipped subtrees are never entered."""

    def __init__(self):
        self.sites: list[tuple[ast.AST, str, str, str]] = []  # node, operator, variant, scope
        self.scope: list[str] = []
        self.function_depth: list[int] = []  # scope lengths at which a function starts
        self.functions: dict[int, str] = {}  # id(node) -> innermost enclosing function
        self.defaults: set[int] = set()

    # ------------------------------------------------------------------ skipping
    def _is_docstring(self, node: ast.AST) -> bool:
        return (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str))

    def visit_JoinedStr(self, node):  # f-strings: message text only
        return

    def visit_AnnAssign(self, node):
        self._statement(node)
        if node.value is not None:
            self.visit(node.value)

    def visit_arg(self, node):  # annotations
        return

    def visit_If(self, node):
        test = node.test
        if isinstance(test, ast.Name) and test.id == "TYPE_CHECKING":
            return
        if not (isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)):  # else: ``not`` removal
            self.sites.append((node, "bool", "if", self._scope()))
        self.generic_visit(node)

    def visit_While(self, node):
        self.sites.append((node, "bool", "while", self._scope()))
        self.generic_visit(node)

    def visit_Assign(self, node):
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            return
        self._statement(node)
        self.generic_visit(node)

    # ------------------------------------------------------------------ scopes
    def _scope(self) -> str:
        return ".".join(self.scope)

    def _function_name(self) -> str:
        return ".".join(self.scope[:self.function_depth[-1]]) if self.function_depth else ""

    def visit(self, node):
        self.functions[id(node)] = self._function_name()
        return super().visit(node)

    def _function(self, node):
        for default in [*node.args.defaults, *[d for d in node.args.kw_defaults if d is not None]]:
            self.defaults.add(id(default))
            if isinstance(default, ast.Constant) and default.value is not None and \
                    not isinstance(default.value, bytes):
                self.sites.append((default, "default", "", f"{self._scope()}.{node.name}".lstrip(".")))
                self.functions[id(default)] = f"{self._scope()}.{node.name}".lstrip(".")
        for decorator in node.decorator_list:
            self.visit(decorator)
        self.scope.append(node.name)
        self.function_depth.append(len(self.scope))
        body = node.body[1:] if node.body and self._is_docstring(node.body[0]) else node.body
        for statement in body:
            self.visit(statement)
        self.function_depth.pop()
        self.scope.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = _function

    def visit_ClassDef(self, node):
        for decorator in node.decorator_list:
            self.visit(decorator)
        for base in node.bases:
            self.visit(base)
        self.scope.append(node.name)
        body = node.body[1:] if node.body and self._is_docstring(node.body[0]) else node.body
        for statement in body:
            self.visit(statement)
        self.scope.pop()

    def visit_Module(self, node):
        body = node.body[1:] if node.body and self._is_docstring(node.body[0]) else node.body
        for statement in body:
            if isinstance(statement, (ast.Import, ast.ImportFrom)):
                continue
            self.visit(statement)

    # ------------------------------------------------------------------ sites
    def _statement(self, node):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and all(
                isinstance(t, ast.Name) for t in getattr(node, "targets", [getattr(node, "target", None)])):
            return  # deleting ``name = ...`` only raises NameError: always killed, says nothing
        if isinstance(node, DELETABLE) and not self._is_docstring(node):
            self.sites.append((node, "stmt", "", self._scope()))

    def visit_Expr(self, node):
        if self._is_docstring(node):
            return
        self._statement(node)
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        self._statement(node)
        if type(node.op) in ARITHMETIC:
            self.sites.append((node, "arith", "", self._scope()))
        self.generic_visit(node)

    def visit_Raise(self, node):
        self._statement(node)  # the message is not mutated

    def visit_Assert(self, node):
        self._statement(node)
        self.visit(node.test)

    def visit_Delete(self, node):
        self._statement(node)

    def visit_Continue(self, node):
        self._statement(node)

    def visit_Break(self, node):
        self._statement(node)

    def visit_Return(self, node):
        if node.value is not None and not (isinstance(node.value, ast.Constant) and node.value.value is None):
            self.sites.append((node, "return", "", self._scope()))
        self.generic_visit(node)

    def visit_Compare(self, node):
        for i, op in enumerate(node.ops):
            if type(op) in COMPARISONS:
                self.sites.append((node, "cmp", str(i), self._scope()))
        self.generic_visit(node)

    def visit_BinOp(self, node):
        if type(node.op) in ARITHMETIC:
            self.sites.append((node, "arith", "", self._scope()))
        self.generic_visit(node)

    def visit_UnaryOp(self, node):
        if isinstance(node.op, ast.USub) and not isinstance(node.operand, ast.Constant):
            self.sites.append((node, "arith", "neg", self._scope()))
        if isinstance(node.op, ast.Not):
            self.sites.append((node, "bool", "not", self._scope()))
        if isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
            self.sites.append((node, "const", "neg", self._scope()))
            return
        self.generic_visit(node)

    def visit_BoolOp(self, node):
        self.sites.append((node, "bool", "boolop", self._scope()))
        self.generic_visit(node)

    def visit_Constant(self, node):
        if id(node) in self.defaults:
            return
        value = node.value
        if isinstance(value, bool):
            self.sites.append((node, "bool", "const", self._scope()))
        elif isinstance(value, (int, float)) and not isinstance(value, complex):
            self.sites.append((node, "const", "", self._scope()))

    def visit_Call(self, node):
        for i, keyword in enumerate(node.keywords):
            if keyword.arg is not None:
                self.sites.append((node, "kwarg", str(i), self._scope()))
        self.generic_visit(node)

    def visit_Subscript(self, node):  # type subscripts in annotations are never visited (visit_arg)
        self.generic_visit(node)


def _mutate(node: ast.AST, operator: str, variant: str) -> Optional[ast.AST]:
    """The replacement of ``node`` (a fresh node), or None when the operator does not apply."""
    new = copy.deepcopy(node)
    if operator == "cmp":
        i = int(variant)
        new.ops[i] = COMPARISONS[type(node.ops[i])]()
    elif operator == "const":
        if variant == "neg":  # -n: the constant is the operand
            new.operand = ast.Constant(node.operand.value + 1)
        else:
            new = ast.Constant(node.value + 1)
    elif operator == "default":
        value = node.value
        if isinstance(value, bool):
            new = ast.Constant(not value)
        elif isinstance(value, (int, float)):
            new = ast.Constant(value + 1)
        elif isinstance(value, str):
            new = ast.Constant("" if value else "x")
        else:
            return None
    elif operator == "arith":
        if variant == "neg":
            return copy.deepcopy(node.operand)
        new.op = ARITHMETIC[type(node.op)]()
    elif operator == "bool":
        if variant == "not":
            return copy.deepcopy(node.operand)
        if variant == "boolop":
            new.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        elif variant == "const":
            new = ast.Constant(not node.value)
        else:  # if / while condition negated
            new.test = ast.UnaryOp(ast.Not(), copy.deepcopy(node.test))
    elif operator == "return":
        new.value = ast.Constant(None)
    elif operator == "kwarg":
        del new.keywords[int(variant)]
    elif operator == "stmt":
        new = ast.Pass()
    return ast.copy_location(new, node)


def _parents(tree: ast.AST) -> dict[int, tuple[ast.AST, str, Optional[int]]]:
    """``id(node) -> (parent, field, index in the field's list or None)``."""
    parents = {}
    for parent in ast.walk(tree):
        for field, value in ast.iter_fields(parent):
            if isinstance(value, list):
                for i, child in enumerate(value):
                    if isinstance(child, ast.AST):
                        parents[id(child)] = (parent, field, i)
            elif isinstance(value, ast.AST):
                parents[id(value)] = (parent, field, None)
    return parents


def _put(parents, node: ast.AST, replacement: ast.AST) -> None:
    parent, field, index = parents[id(node)]
    if index is None:
        setattr(parent, field, replacement)
    else:
        getattr(parent, field)[index] = replacement


def _shown(node: ast.AST, operator: str, variant: str) -> ast.AST:
    """What a mutant description shows: the keyword for ``kwarg``, the head of an if/while."""
    if operator == "kwarg":
        return node.keywords[int(variant)]
    if operator == "bool" and variant in ("if", "while"):
        return node.test
    return node


def mutants(path, root) -> Iterator[Mutant]:
    """Every mutant of the module at ``path`` (relative names against ``root``)."""
    from pathlib import Path

    path, root = Path(path), Path(root)
    text = path.read_text()
    tree = ast.parse(text)
    original = ast.unparse(tree)
    sites = _Sites()
    sites.visit(tree)
    parents = _parents(tree)
    seen: dict[str, int] = {}
    for node, operator, variant, scope in sites.sites:
        replacement = _mutate(node, operator, variant)
        if replacement is None:
            continue
        before = _unparse(_shown(node, operator, variant))
        if operator == "kwarg":
            after = "(dropped)"
        elif operator == "bool" and variant in ("if", "while"):
            after = _unparse(replacement.test)
        else:
            after = _unparse(replacement)
        _put(parents, node, replacement)  # in place, put back below
        try:
            source = ast.unparse(tree)
            compile(source, str(path), "exec")
        except (SyntaxError, ValueError):
            continue
        finally:
            _put(parents, node, node)  # the slot recorded for ``node`` gets it back
        if source == original:
            continue
        key = f"{scope}::{operator}::{before} -> {after}"
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            after = f"{after}  #{seen[key]}"
        yield Mutant(module=path.relative_to(root).as_posix(), operator=operator, line=node.lineno,
                     col=node.col_offset, scope=scope, function=sites.functions.get(id(node), ""),
                     before=before, after=after, source=source)


def original_source(path) -> str:
    """The module as the mutants are written (unparsed: comments and layout dropped), so a
    baseline run tests exactly the code the mutants differ from."""
    from pathlib import Path

    return ast.unparse(ast.parse(Path(path).read_text()))
