"""Which of the project's files a module runs, and a digest of them: the code part of every cache key.

A render key or a trace key that hashes "the code" must hash the code that actually runs, not a version
string someone has to remember to bump. `closure(module)` follows every import of a project module, at any
depth and inside functions too, through the project's packages, and `digest(module)` hashes those files'
bytes. Imports are read from the source (no module is imported), so deciding what is stale stays cheap.

Packages that import their names lazily (vitmath's `__init__` maps names to submodules in `_WHERE`) are
followed by name: `vitmath.cached_trace` in a module brings in `vitmath.cache`.
"""
from __future__ import annotations

import ast
import hashlib
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("vitmath", "narration", "scenes", "render")


def module_file(name: str, root: Path = ROOT) -> Path | None:
    """The file of project module `name`, or None when it is not the project's."""
    parts = name.split(".")
    if parts[0] not in PACKAGES:
        return None
    base = root.joinpath(*parts)
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    return None


def _lazy_names(init: Path) -> dict[str, str]:
    """A package's `_WHERE = {module: [names]}`, turned into name -> module."""
    for node in ast.parse(init.read_text()).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "_WHERE" for t in node.targets):
            return {n: m for m, names in ast.literal_eval(node.value).items() for n in names}
    return {}


@lru_cache(maxsize=None)
def _imports(path: Path, mtime: int, module: str, root: Path) -> tuple[str, ...]:
    """The project modules a file names in any import or lazy attribute; memoised on the file's mtime."""
    tree = ast.parse(path.read_text(), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    bound: dict[str, str] = {}  # local name -> project module it refers to (for `vitmath.name` lookups)

    def add(name: str):
        if module_file(name, root) is not None:
            found.add(name)

    for node in _running(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
                bound[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            add(base)
            for alias in node.names:
                add(f"{base}.{alias.name}")  # `from pkg import submodule`
                lazy = _lazy_target(base, alias.name, root)
                if lazy:
                    add(lazy)
                bound[alias.asname or alias.name] = f"{base}.{alias.name}"
    for node in _running(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in bound:
            target = bound[node.value.id]
            add(f"{target}.{node.attr}")
            lazy = _lazy_target(target, node.attr, root)
            if lazy:
                add(lazy)
    return tuple(sorted(found))


def _running(tree: ast.AST):
    """ast.walk, less the bodies of `if TYPE_CHECKING:`: imports made for annotations only never run, and a
    type named in a signature does not change what the code computes."""
    todo = [tree]
    while todo:
        node = todo.pop()
        yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            todo.extend(node.orelse)
            continue
        todo.extend(ast.iter_child_nodes(node))


def _is_type_checking(test: ast.AST) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _lazy_target(package: str, name: str, root: Path) -> str | None:
    init = module_file(package, root)
    if init is None or init.name != "__init__.py":
        return None
    target = _lazy_names(init).get(name)
    return f"{package}.{target}" if target else None


def closure(*modules: str, root: Path = ROOT) -> dict[str, Path]:
    """Every project module the given modules import, directly or not, with their packages' `__init__`s."""
    seen: dict[str, Path] = {}
    todo = list(modules)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        path = module_file(name, root)
        if path is None:
            continue
        seen[name] = path
        parts = name.split(".")
        todo.extend(".".join(parts[:i]) for i in range(1, len(parts)))  # importing a.b.c runs a and a.b
        todo.extend(_imports(path, path.stat().st_mtime_ns, name, root))
    return dict(sorted(seen.items()))


def file_digests(*modules: str, root: Path = ROOT) -> dict[str, str]:
    """{path relative to the project: sha256 of its bytes} for the closure of `modules`."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in closure(*modules, root=root).values()}


def digest(*modules: str, root: Path = ROOT) -> str:
    """One sha256 over the closure's files, names and bytes."""
    h = hashlib.sha256()
    for name, sha in sorted(file_digests(*modules, root=root).items()):
        h.update(f"{name}\0{sha}\n".encode())
    return h.hexdigest()


def file_digests_of(path: Path, module: str, root: Path = ROOT) -> dict[str, str]:
    """`file_digests` for a module given by its file, which may lie outside the project (a test course)."""
    path = Path(path).resolve()
    found = {}
    try:
        found[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    except ValueError:
        found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    names = _imports(path, path.stat().st_mtime_ns, module, root)
    found.update(file_digests(*names, *_parents(module), root=root))
    return found


def _parents(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


@lru_cache(maxsize=None)
def digest_once(*modules: str) -> str:
    """`digest` of the project's own files, computed once per process: for keys taken per cue or per file,
    where the code cannot change while the process runs."""
    return digest(*modules)
