"""How many of a viewer's words still live in Python: the lesson-architecture issue's three counts.

    .venv/bin/python benchmarks/words_in_code.py [PATH ...]     (default: scenes/ and vitmath/)

Counts string literals (f-strings by their literal text) of six or more words outside docstrings, functions
named *_sentence / *_words / *_phrase, and `cue.share(...)` calls (motion timed by a guessed fraction
instead of by a mark in the words). With --list, prints each literal with its place.
"""
from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def literal_text(node) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return " ".join(v.value if isinstance(v, ast.Constant) else "X" for v in node.values)
    return None


def docstrings(tree) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def count(path: Path, listing: bool):
    tree = ast.parse(path.read_text())
    skip = docstrings(tree)
    inner = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
    long_literals = 0
    for node in ast.walk(tree):
        if id(node) in skip or id(node) in inner:
            continue
        text = literal_text(node)
        if text is not None and len(re.findall(r"[A-Za-z]+", text)) >= 6:
            long_literals += 1
            if listing:
                print(f"{path.relative_to(ROOT)}:{node.lineno}: {text[:90]!r}")
    sentence_fns = sum(1 for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                       and re.search(r"_(sentence|words|phrase)$", n.name))
    shares = sum(1 for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                 and n.func.attr == "share")
    return long_literals, sentence_fns, shares


def main():
    listing = "--list" in sys.argv
    paths = [Path(p) for p in sys.argv[1:] if p != "--list"] or [ROOT / "scenes", ROOT / "vitmath"]
    files = sorted(f for p in paths for f in ([p] if p.is_file() else p.rglob("*.py")))
    totals = [0, 0, 0]
    for f in files:
        for i, n in enumerate(count(f.resolve(), listing)):
            totals[i] += n
    print(f"string literals of six or more words outside docstrings: {totals[0]}")
    print(f"functions named *_sentence / *_words / *_phrase:          {totals[1]}")
    print(f"cue.share(...) calls:                                     {totals[2]}")


if __name__ == "__main__":
    main()
