"""The package's layout rules (docs/architecture.md): no ``_`` name crosses a module boundary,
only one module imports durable_rules, and every module and subpackage says what it does."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "rongcuo"
MODULES = sorted(SRC.rglob("*.py"))


def _private_uses(path: Path) -> list[str]:
    """Each ``from rongcuo… import _name`` and each ``module._name`` read from an imported
    rongcuo module, as ``line: what``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported: set[str] = set()
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("rongcuo"):
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    found.append(f"{node.lineno}: from {node.module} import {alias.name}")
                imported.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            imported.update(
                (a.asname or a.name).split(".")[0]
                for a in node.names
                if a.name.startswith("rongcuo")
            )
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and isinstance(node.value, ast.Name)
            and node.value.id in imported
        ):
            found.append(f"{node.lineno}: {node.value.id}.{node.attr}")
    return sorted(found, key=lambda f: int(f.split(":")[0]))


def test_checker_sees_a_private_import(tmp_path: Path) -> None:
    sample = tmp_path / "m.py"
    sample.write_text(
        "from rongcuo.ruleset import check\nfrom rongcuo.api import _x, y\ncheck._dnf(1)\ny._z\n"
    )
    assert _private_uses(sample) == [
        "2: from rongcuo.api import _x",
        "3: check._dnf",
        "4: y._z",
    ]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_no_private_name_crosses_a_module(path: Path) -> None:
    assert _private_uses(path) == []


def test_only_the_durable_evaluator_imports_durable_rules() -> None:
    importers = []
    for path in MODULES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(n.split(".")[0] in ("durable", "durable_rules_engine") for n in names):
                importers.append(str(path.relative_to(SRC)))
    # api.py only probes whether durable_rules is installed here (``durable_installed``)
    assert sorted(set(importers)) == ["api.py", "engine/durable/evaluator.py"]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_every_module_has_a_docstring(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert ast.get_docstring(tree), f"{path.relative_to(SRC)} says nothing about what it does"
