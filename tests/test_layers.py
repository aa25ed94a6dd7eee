"""Architecture: no import cycles between packages, and no package importing one from a higher layer.

Every module in ``src/designgan`` is read as an AST, so imports inside functions count as much as those at the
top of a file. A module's package is its first name under ``designgan`` (``designgan.train.loop`` -> ``train``);
command modules (``cli``, ``*/cli.py``, ``*_cli``) sit above everything. docs/architecture.md explains the layers.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterable
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"

# Lowest first; a package may import its own modules and those of lower layers (and of its own layer, as long as
# no cycle forms between packages).
LAYERS: list[set[str]] = [
    {"designgan", "errors", "io", "imaging", "hardware"},
    {"config", "data", "models", "losses", "supervised"},
    {"landmarks"},
    {"train", "pipeline"},
    {"eval"},
    {"app", "showcase", "bench_memory", "bench_translate"},
    {"cli"},
]
# Same-layer pairs that must not import each other at all: inference does not depend on training, nor training
# on the inference pipeline (garment geometry both need lives in designgan.landmarks.regions).
FORBIDDEN = {("pipeline", "train"), ("train", "pipeline")}


def module_name(path: Path, root: Path = SRC) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_of(module: str) -> str:
    parts = module.split(".")
    if parts[-1] == "cli" or parts[-1].endswith("_cli"):
        return "cli"
    return parts[1] if len(parts) > 1 else parts[0]


def imports_of(path: Path, module: str) -> set[str]:
    """Every ``designgan`` module ``path`` imports, anywhere in the file (``from x import name`` also counts
    ``x.name``, which is a module when ``name`` is one)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return {name for name in found if name == "designgan" or name.startswith("designgan.")}


def import_graph(root: Path = SRC) -> dict[str, set[str]]:
    """{module: designgan modules it imports} for every module under ``root/designgan``."""
    modules = {module_name(p, root): p for p in (root / "designgan").rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        # keep names that are modules; 'designgan.models.create_model' counts as 'designgan.models'
        targets = set()
        for target in imports_of(path, name):
            while target not in modules and "." in target:
                target = target.rsplit(".", 1)[0]
            if target in modules and target != name:
                targets.add(target)
        graph[name] = targets
    return graph


def layer_of(package: str) -> int:
    for k, layer in enumerate(LAYERS):
        if package in layer:
            return k
    raise AssertionError(f"package '{package}' is in no layer: add it to LAYERS (and to docs/architecture.md)")


def package_edges(graph: dict[str, set[str]]) -> dict[tuple[str, str], list[str]]:
    """{(importing package, imported package): ['module -> module', ...]} across packages."""
    edges: dict[tuple[str, str], list[str]] = {}
    for module, targets in graph.items():
        for target in targets:
            a, b = package_of(module), package_of(target)
            if a != b:
                edges.setdefault((a, b), []).append(f"{module} -> {target}")
    return edges


def find_cycle(nodes: Iterable[str], edges: Iterable[tuple[str, str]]) -> list[str] | None:
    """One cycle of the directed graph, as a list of nodes, or None."""
    out: dict[str, list[str]] = {n: [] for n in nodes}
    for a, b in edges:
        out.setdefault(a, []).append(b)
        out.setdefault(b, [])
    state: dict[str, int] = {}  # 1: on the stack, 2: done
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        stack.append(n)
        for m in sorted(out[n]):
            if state.get(m) == 1:
                return [*stack[stack.index(m):], m]
            if m not in state:
                cycle = visit(m)
                if cycle:
                    return cycle
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(out):
        if n not in state:
            cycle = visit(n)
            if cycle:
                return cycle
    return None


def problems(root: Path = SRC) -> list[str]:
    graph = import_graph(root)
    edges = package_edges(graph)
    found = []
    for (a, b), where in sorted(edges.items()):
        if layer_of(a) < layer_of(b):
            found.append(f"{a} (layer {layer_of(a)}) imports the higher {b} (layer {layer_of(b)}): {where[0]}")
        if (a, b) in FORBIDDEN:
            found.append(f"{a} must not import {b}: {where[0]}")
    cycle = find_cycle({package_of(m) for m in graph}, edges)
    if cycle:
        steps = [f"{a} -> {b} ({edges[(a, b)][0]})" for a, b in itertools.pairwise(cycle)]
        found.append("import cycle between packages: " + "; ".join(steps))
    return found


def test_no_import_cycles_and_no_upward_imports() -> None:
    found = problems()
    assert not found, "\n".join(found)


def test_the_checker_sees_function_level_imports(tmp_path: Path) -> None:
    """A cycle hidden in a function body, and an upward import, are both reported."""
    pkg = tmp_path / "designgan"
    for sub in ("models", "train"):
        (pkg / sub).mkdir(parents=True)
        (pkg / sub / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "models" / "a.py").write_text("def f():\n    from designgan.train.b import g\n    return g\n")
    (pkg / "train" / "b.py").write_text("from designgan.models import a\n\ndef g():\n    return a\n")
    found = problems(tmp_path)
    assert any("models (layer 1) imports the higher train" in p for p in found), found
    assert any(p.startswith("import cycle between packages: models -> train") or
               p.startswith("import cycle between packages: train -> models") for p in found), found


def test_inference_never_imports_training() -> None:
    graph = import_graph()
    inference = [m for m in graph if package_of(m) == "pipeline"]
    assert inference, "no designgan.pipeline modules found"
    seen, todo = set(), list(inference)
    while todo:  # everything the pipeline reaches, through any chain of imports
        m = todo.pop()
        if m in seen:
            continue
        seen.add(m)
        todo += graph[m]
    assert not [m for m in seen if package_of(m) == "train"], sorted(m for m in seen if package_of(m) == "train")
