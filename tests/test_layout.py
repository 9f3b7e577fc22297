"""The package's floors: a module imports only its own floor or lower ones, never a higher one.

Low to high: ``resources`` (data-file access), ``text/``, ``files/``, ``model/``, ``grouping/``,
``reports/``, ``pipeline``, ``store/``, then the front ends ``web/`` and ``cli`` (and the public API,
``petition_nlp/__init__.py``). ``pipeline`` sits below ``store/``: the pipeline never touches the
database, while ``store/workspace.py`` (ingest, shortlist, exports of a stored survey) runs it.

Every import counts: module level, inside functions (lazy imports), relative ones, and
``importlib.import_module("petition_nlp...")`` with a literal name.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import petition_nlp

PACKAGE = Path(petition_nlp.__file__).resolve().parent
FLOORS = ["resources", "text", "files", "model", "grouping", "reports", "pipeline", "store", "front ends"]
FLOOR_OF = {
    "resources": "resources", "text": "text", "files": "files", "model": "model", "grouping": "grouping",
    "reports": "reports", "pipeline": "pipeline", "store": "store", "web": "front ends", "cli": "front ends",
    "": "front ends",  # petition_nlp/__init__.py: the public API, importing from every floor
}


def module_name(path: Path, package: Path = PACKAGE) -> str:
    parts = list(path.relative_to(package.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def floor(module: str) -> str | None:
    """The floor of ``petition_nlp.X...`` (by its first part ``X``); None for an unplaced module."""
    parts = module.split(".")
    return FLOOR_OF.get(parts[1] if len(parts) > 1 else "")


def imported_modules(source: str, module: str, *, is_package: bool = False, package: Path = PACKAGE) -> list[tuple[str, int]]:
    """``(petition_nlp module, line)`` for every import of the package in ``source``."""
    here = module.split(".") if is_package else module.split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(here[: len(here) - node.level + 1] + ([node.module] if node.module else [])) if node.level else node.module or ""
            for alias in node.names:  # `from petition_nlp.text import segment`: the submodule, when it is one
                sub = f"{base}.{alias.name}"
                is_module = (package.parent / Path(*sub.split("."))).with_suffix(".py").is_file() or (package.parent / Path(*sub.split("."))).is_dir()
                found.append((sub if is_module else base, node.lineno))
        elif (
            isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) == "import_module"
            and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
        ):
            found.append((node.args[0].value, node.lineno))
    return [(name, line) for name, line in found if name == "petition_nlp" or name.startswith("petition_nlp.")]


def upward_edges(package: Path = PACKAGE) -> tuple[list[str], list[str]]:
    """The imports that go up a floor, and the modules placed on no floor."""
    upward, unplaced = [], []
    for path in sorted(package.rglob("*.py")):
        module = module_name(path, package)
        own = floor(module)
        if own is None:
            unplaced.append(module)
            continue
        for target, line in imported_modules(path.read_text(encoding="utf-8"), module, is_package=path.name == "__init__.py", package=package):
            theirs = floor(target)
            if theirs is not None and FLOORS.index(theirs) > FLOORS.index(own):
                upward.append(f"{path.relative_to(package.parent)}:{line}: {module} ({own}) imports {target} ({theirs})")
    return upward, unplaced


def test_no_module_imports_a_higher_floor() -> None:
    upward, unplaced = upward_edges()
    assert not unplaced, f"modules on no floor (add them to FLOOR_OF in {__file__}): {unplaced}"
    assert not upward, "imports that go up a floor:\n" + "\n".join(upward)


def test_every_floor_has_modules() -> None:
    modules = {module_name(p) for p in PACKAGE.rglob("*.py")}
    assert {floor(m) for m in modules} == set(FLOORS)


@pytest.mark.parametrize(
    ("where", "source", "expected"),
    [
        ("files/io.py", "def f():\n    from petition_nlp.reports.summary import x\n", "petition_nlp.reports.summary"),  # lazy
        ("files/io.py", "from ..reports import workbook\n", "petition_nlp.reports.workbook"),  # relative
        ("model/training.py", "import importlib\nimportlib.import_module('petition_nlp.store')\n", "petition_nlp.store"),
        ("text/segment.py", "from petition_nlp import PetitionClassifier\n", "petition_nlp"),  # the public API: top floor
    ],
)
def test_an_upward_import_is_caught(tmp_path, where, source, expected) -> None:
    """The checker itself: a copy of the package's layout with one upward import planted."""
    package = tmp_path / "petition_nlp"
    for path in PACKAGE.rglob("*.py"):
        target = package / path.relative_to(PACKAGE)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("", encoding="utf-8")
    (package / where).write_text(source, encoding="utf-8")
    upward, unplaced = upward_edges(package)
    assert not unplaced
    assert len(upward) == 1 and upward[0].endswith(f"imports {expected} ({floor(expected)})"), upward
