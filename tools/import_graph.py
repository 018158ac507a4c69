"""How consult's packages depend on each other: the measure of issue 14's done-when.

    python tools/import_graph.py [--root consult]

Prints (1) every pair of packages that import each other, with one import each way as evidence,
and (2) every import of a consult module made inside a function, with the comment on its line
or the line above (the reason given, if any). A "package" is the first name under consult: consult.workshops.services
and consult.workshops.views are both "workshops"; consult/audit.py is "audit". The application
factory (consult/__init__.py) is left out of the pairs: it imports every area by design.
Read with ast, so nothing is imported or run. Exit status 0 always: this measures, it does not judge.
"""

import argparse
import ast
import sys
from dataclasses import dataclass
from pathlib import Path


def module_name(path: Path, src: Path) -> str:
    parts = list(path.relative_to(src.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute module an ImportFrom names (before its imported names)."""
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    if node.level > 1:
        base = base[:len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def targets(node: ast.AST, module: str, is_package: bool, modules: set[str], root: str) -> list[str]:
    """The consult modules an import statement loads (``from .. import audit`` → consult.audit)."""
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        base = resolve(node, module, is_package)
        names = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
    return sorted({n for n in names if n == root or n.startswith(root + ".")})


def package_of(module: str, root: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == root else None


def reason(lines: list[str], lineno: int) -> str:
    """The comment on an import's line, or on the comment line just above it."""
    line = lines[lineno - 1]
    if "#" in line:
        return line.split("#", 1)[1].strip()
    above = lines[lineno - 2].strip() if lineno > 1 else ""
    return above[1:].strip() if above.startswith("#") else ""


class Visitor(ast.NodeVisitor):
    def __init__(self):
        self.imports: list[tuple[ast.AST, bool]] = []  # (node, inside a function)
        self.depth = 0

    def _function(self, node):
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

    def visit_Import(self, node):
        self.imports.append((node, self.depth > 0))

    visit_ImportFrom = visit_Import


@dataclass
class Graph:
    edges: dict[tuple[str, str], str]  # (from package, to package) → one import as evidence
    local: list[tuple[str, str, str]]  # function-level imports: (file:line, modules, reason)

    @property
    def mutual(self) -> list[tuple[str, str]]:
        return sorted({tuple(sorted(pair)) for pair in self.edges if (pair[1], pair[0]) in self.edges})


def analyse(src: Path) -> Graph:
    """The package graph of the source tree ``src`` (the folder of the top package)."""
    src = src.resolve()
    root = src.name
    files = {module_name(p, src): p for p in sorted(src.rglob("*.py"))}
    modules = set(files)
    graph = Graph({}, [])
    for module, path in files.items():
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        visitor = Visitor()
        visitor.visit(ast.parse(text, filename=str(path)))
        here = package_of(module, root)
        for node, in_function in visitor.imports:
            found = targets(node, module, path.name == "__init__.py", modules, root)
            if not found:
                continue
            where = f"{path.relative_to(src.parent)}:{node.lineno}"
            if in_function:
                graph.local.append((where, ", ".join(found), reason(lines, node.lineno)))
            if here is None:
                continue  # the application factory
            for target in found:
                there = package_of(target, root)
                if there is not None and there != here:
                    graph.edges.setdefault((here, there), f"{where} → {target}")
    return graph


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=str(Path(__file__).resolve().parent.parent / "consult"))
    args = parser.parse_args(argv)
    graph = analyse(Path(args.root))
    print(f"Package pairs importing each other: {len(graph.mutual)}")
    for a, b in graph.mutual:
        print(f"  {a} ⇄ {b}")
        print(f"      {graph.edges[(a, b)]}")
        print(f"      {graph.edges[(b, a)]}")
    with_reason = sum(1 for *_, comment in graph.local if comment)
    print(f"\nFunction-level imports of {Path(args.root).name} modules: {len(graph.local)} "
          f"({with_reason} with a comment on the line or above)")
    for where, target, comment in graph.local:
        print(f"  {where}  {target}" + (f"  # {comment}" if comment else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
