"""Dependencies point one way (CONVENTIONS.md): checked on the import statements."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {
    "entraide": ROOT / "platform" / "entraide",
    "accounts": ROOT / "platform" / "accounts",
    "core": ROOT / "platform" / "core",
    "associations": ROOT / "platform" / "associations",
    "offers": ROOT / "offers",
    "needs": ROOT / "needs",
    "matching": ROOT / "matching",
    "notifications": ROOT / "notifications",
    "reports": ROOT / "platform" / "reports",
    "imports": ROOT / "platform" / "imports",
}
DOMAIN_APPS = {"offers", "needs", "matching"}
# Reports and imports sit on top: they read (and imports write through the services of)
# the domain apps, and nothing imports them.
ON_TOP = {"reports", "imports"}
FORBIDDEN = {
    "notifications": DOMAIN_APPS | ON_TOP,
    "offers": {"matching"} | ON_TOP,
    "needs": {"matching", "offers"} | ON_TOP,
    "matching": ON_TOP,
    "accounts": DOMAIN_APPS | ON_TOP | {"notifications", "associations"},
    "associations": DOMAIN_APPS | ON_TOP,
    "core": ON_TOP,
    "reports": {"imports"},
    "imports": {"reports", "matching"},
}


def imported_packages(package: str) -> dict[str, set[str]]:
    """Top-level packages imported by each module of ``package``."""
    found: dict[str, set[str]] = {}
    for path in PACKAGES[package].rglob("*.py"):
        if "migrations" in path.parts:
            continue
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = names
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_dependencies_point_one_way(package: str) -> None:
    if not PACKAGES[package].exists():
        pytest.skip(f"{package}/ does not exist yet")
    offending = {
        module: sorted(names & FORBIDDEN[package])
        for module, names in imported_packages(package).items()
        if names & FORBIDDEN[package]
    }
    assert offending == {}


def test_no_relative_imports_anywhere() -> None:
    for package, path in PACKAGES.items():
        if not path.exists():
            continue
        for source in path.rglob("*.py"):
            tree = ast.parse(source.read_text())
            relative = [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level]
            assert relative == [], f"{source} uses a relative import ({package})"
