"""The layout keeps its promises: small functions, no import cycles, and a README that matches the tree."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "summarizer")
MAX_FUNCTION_LINES = 60


def modules() -> dict[str, Path]:
    """Every module of the two packages, by dotted name."""
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def top_level_imports(path: Path, known: set[str]) -> set[str]:
    """The project modules a module imports when it is imported (not inside functions or TYPE_CHECKING)."""
    tree = ast.parse(path.read_text())
    imported: set[str] = set()
    for node in tree.body:
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from a import b`: the module a.b if there is one, else a name defined in a
            names = [
                f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in known else node.module
                for a in node.names
            ]
        imported.update(name for name in names if name in known)
    return imported


def test_no_function_is_longer_than_sixty_lines() -> None:
    long = []
    for name, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long.append(f"{name}.{node.name}: {length} lines")
    assert not long, long


def test_no_import_cycles() -> None:
    found = modules()
    graph = {name: top_level_imports(path, set(found)) - {name} for name, path in found.items()}
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles: list[list[str]] = []

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for dep in sorted(graph[name]):
            if state.get(dep) == 1:
                cycles.append([*path[path.index(dep) :], dep])
            elif dep not in state:
                visit(dep, [*path, dep])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not cycles, cycles


def test_no_delivery_state_is_a_bare_string() -> None:
    """Delivery and part states, layouts and topic kinds are StrEnums (bot.storage.types) everywhere else."""
    pattern = re.compile(r"""(==|!=|status=)\s*["'](pending|sending|sent|failed|blocked|empty)["']""")
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in (ROOT / "bot").rglob("*.py")
        if "emulator" not in path.parts
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if pattern.search(line)
    ]
    assert not offenders, offenders


def readme_module_table() -> set[str]:
    """The paths the README's module table names (its first column)."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("| module | role |", 1)[1].split("\n\n", 1)[0]
    return set(re.findall(r"^\| `([^`]+)` \|", section, re.M))


def bot_tree() -> set[str]:
    """bot/'s modules and packages (a package is listed as `bot/name/`), summarizer/ as one entry."""
    entries = {"summarizer/"}
    for path in (ROOT / "bot").iterdir():
        if path.suffix == ".py" and path.name != "__init__.py":
            entries.add(f"bot/{path.name}")
        elif path.is_dir() and not path.name.startswith("__"):
            entries.add(f"bot/{path.name}/")
    return entries


def test_readme_module_table_matches_the_tree() -> None:
    if not (ROOT / "README.md").exists():
        pytest.skip("README.md is not in this checkout")
    assert readme_module_table() == bot_tree()
