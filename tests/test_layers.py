"""Data flows one way: photo -> vitmath -> narration -> scenes (lesson facts, scene) -> render (frames, video,
publish, site). Every import in the project, function-level ones included, goes down or sideways, never up;
inside render, nothing imports in a cycle, and no module reaches for another's private name."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = {"vitmath": 0, "narration": 1, "scenes": 2, "render": 3}


def project_imports():
    for path in sorted(p for package in LAYERS for p in (ROOT / package).rglob("*.py")):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets = [(a.name, None) for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                targets = [(node.module, a.name) for a in node.names]
            else:
                continue
            for target, name in targets:
                if name and (ROOT / Path(*target.split(".")) / f"{name}.py").is_file():
                    target, name = f"{target}.{name}", None  # `from package import module`
                if target.split(".")[0] in LAYERS:
                    yield path.relative_to(ROOT), node.lineno, module, target, name


def test_no_import_goes_up_a_layer():
    upward = [f"{path}:{line} imports {target}" for path, line, module, target, _ in project_imports()
              if LAYERS[target.split(".")[0]] > LAYERS[module.split(".")[0]]]
    assert not upward, "\n".join(upward)


def test_no_private_name_is_imported_from_another_module():
    private = [f"{path}:{line} imports {target}.{name}" for path, line, module, target, name in project_imports()
               if name and name.startswith("_") and target != module]
    assert not private, "\n".join(private)


def test_no_import_cycle_between_modules():
    edges: dict[str, set[str]] = {}
    for _, _, module, target, name in project_imports():
        edges.setdefault(module, set()).add(target)
    # A package's __init__ importing its own submodules (and them importing it) is not a cycle of modules.
    cycles = sorted({tuple(sorted((a, b))) for a, targets in edges.items() for b in targets
                     if a != b and a in edges.get(b, set()) and not (a.startswith(b + ".") or b.startswith(a + "."))})
    assert not cycles, cycles
