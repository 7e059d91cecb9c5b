"""The package's shape, as docs/ARCHITECTURE.md draws it: folders by stage, imports only going down the
stages, no import cycle, no private name (`_x`) taken from another module.

Read from the source (every `import` statement, functions' own imports included), so a new module or a
new import is held to it without a list to keep up to date.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import helpers

pytestmark = pytest.mark.fast

SRC = Path(helpers.__file__).parent
# Lowest first: a module may import from its own stage and from the stages before it.
STAGES = ["core", "read", "tables", "narrative", "checks", "data", "publish", "studies", "run"]
TOP = {"__init__", "__main__", "cli"}  # the package's entry points, above every stage


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in SRC.rglob("*.py")}


def _stage(module: str) -> int:
    part = module.split(".")[1] if "." in module else "__init__"
    return len(STAGES) if part in TOP else STAGES.index(part)


def _imports(module: str, path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, imported project module, names taken from it) for every import statement."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name, []) for a in node.names if a.name.split(".")[0] == "helpers"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "helpers":
                continue
            for a in node.names:  # `from . import x` names a module; `from .m import x` a name in m
                sub = f"{target}.{a.name}"
                out.append((node.lineno, sub, []) if sub in MODULES else (node.lineno, target, [a.name]))
    return out


def test_the_top_level_holds_only_the_stages_and_the_entry_points():
    flat = sorted(p.name for p in SRC.glob("*.py") if p.stem not in TOP)
    folders = sorted(p.name for p in SRC.iterdir() if p.is_dir() and p.name != "__pycache__")
    assert not flat, f"modules outside a stage folder: {flat}"
    assert folders == sorted(STAGES), folders


def test_imports_only_go_down_the_stages():
    upward = [
        f"{path.relative_to(SRC)}:{line} imports {target} ({STAGES[_stage(target)]} is above "
        f"{STAGES[_stage(module)] if _stage(module) < len(STAGES) else 'top'})"
        for module, path in MODULES.items()
        for line, target, _ in _imports(module, path)
        if target in MODULES and _stage(target) > _stage(module)
    ]
    assert not upward, "\n".join(upward)


def test_no_import_cycle_between_modules():
    """Module-level imports only: a function's own import runs after both modules are loaded."""
    graph: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top_level = ast.Module(
            body=[n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))], type_ignores=[]
        )
        lines = {n.lineno for n in top_level.body}
        graph[module] = {t for line, t, _ in _imports(module, path) if line in lines and t in MODULES and t != module}
        # a package's __init__ runs before its modules: importing `a.b` imports `a` first
    cycles = []
    state: dict[str, int] = {}

    def visit(m: str, stack: list[str]) -> None:
        state[m] = 1
        for t in sorted(graph.get(m, ())):
            if state.get(t) == 1:
                cycles.append(" → ".join(stack[stack.index(t) :] + [t]))
            elif t not in state:
                visit(t, stack + [t])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    assert not cycles, "\n".join(cycles)


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def test_no_private_name_is_imported_from_another_module():
    taken = [
        f"{path.relative_to(SRC)}:{line} takes {name} from {target}"
        for module, path in MODULES.items()
        for line, target, names in _imports(module, path)
        for name in names
        if target != module and _private(name)
    ]
    assert not taken, "\n".join(taken)


def test_no_private_attribute_of_another_project_module_is_used():
    """`quality.same_figure(...)` after `from . import quality` is a private import by another name."""
    used = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases = {}
        modules_at = {}  # line -> the project modules imported there as modules
        for line, target, names in _imports(module, path):
            if not names:
                modules_at.setdefault(line, []).append(target)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.lineno in modules_at:
                for a in node.names:
                    for target in modules_at[node.lineno]:
                        if target.endswith(a.name):
                            aliases[a.asname or a.name] = target
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
                and aliases[node.value.id] != module
                and _private(node.attr)
            ):
                used.append(f"{path.relative_to(SRC)}:{node.lineno} uses {aliases[node.value.id]}.{node.attr}")
    assert not used, "\n".join(used)


def test_the_rules_see_an_upward_import(tmp_path, monkeypatch):
    """The checks above are not vacuous: a core module importing a study is caught."""
    fake = tmp_path / "helpers" / "core" / "x.py"
    fake.parent.mkdir(parents=True)
    fake.write_text("from ..studies import quality\nfrom ..data.extract import _failed\n")
    imports = _imports("helpers.core.x", fake)
    assert ("helpers.studies.quality" in {t for _, t, _ in imports}) and _stage("helpers.studies.quality") > _stage(
        "helpers.core.x"
    )
    assert any(_private(n) for _, _, names in imports for n in names)


MAX_FUNCTION_LINES = 60  # issue 21; the complexity (mccabe ≤ 15) is ruff's C901, pyproject.toml


def _long_functions(tree: ast.AST) -> list[tuple[str, int, int]]:
    return [
        (f.name, f.lineno, f.end_lineno - f.lineno + 1)
        for f in ast.walk(tree)
        if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
        and f.end_lineno is not None
        and f.end_lineno - f.lineno + 1 > MAX_FUNCTION_LINES
    ]


def test_no_function_is_longer_than_sixty_lines():
    long = [
        f"{path.relative_to(SRC)}:{line} {name} has {n} lines"
        for path in MODULES.values()
        for name, line, n in _long_functions(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert not long, "\n".join(long)
    planted = "def f():\n" + "    x = 1\n" * MAX_FUNCTION_LINES
    assert _long_functions(ast.parse(planted)) == [("f", 1, MAX_FUNCTION_LINES + 1)]
