"""Dependencies point one way (docs/conventions.md): checked on the import statements."""

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
    "privacy": ROOT / "platform" / "privacy",
}
DOMAIN_APPS = {"offers", "needs", "matching"}
# Who may not import whom. The layers, from the bottom: accounts, core, notifications,
# associations, then the domain apps (needs, offers, matching, which reads both), then
# reports and imports (they read the domain apps, and imports writes through their
# services), then privacy (the data lifecycle: it anonymises, exports and erases what every
# app below holds); entraide (settings, URLs, the API router, Celery) wires them all.
# Nothing imports a layer above it.
WIRING = {"entraide"}
ON_TOP = {"reports", "imports", "privacy"}
FORBIDDEN = {
    "accounts": DOMAIN_APPS | WIRING | ON_TOP | {"core", "notifications", "associations"},
    "core": DOMAIN_APPS | WIRING | ON_TOP | {"notifications", "associations"},
    "notifications": DOMAIN_APPS | WIRING | ON_TOP | {"associations"},
    "associations": DOMAIN_APPS | WIRING | ON_TOP,
    "needs": WIRING | ON_TOP | {"matching", "offers"},
    "offers": WIRING | ON_TOP | {"matching"},
    "matching": WIRING | ON_TOP,
    "reports": WIRING | {"imports", "privacy"},
    "imports": WIRING | {"reports", "matching", "privacy"},
    "privacy": WIRING | {"reports"},
    "entraide": set(),
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


def test_every_project_package_is_checked() -> None:
    """A new package (an app under platform/ or at the top level) must say whom it may
    import: list it in PACKAGES and FORBIDDEN."""
    found = {path.parent.name for path in ROOT.glob("*/apps.py")}
    found |= {path.parent.name for path in (ROOT / "platform").glob("*/apps.py")}
    found |= {path.parent.name for path in (ROOT / "platform").glob("*/settings.py")}
    assert found == set(PACKAGES) == set(FORBIDDEN)


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


def package_graph() -> dict[str, set[str]]:
    """Which project packages each project package imports (test code aside)."""
    graph: dict[str, set[str]] = {}
    for package in PACKAGES:
        names = set().union(*imported_packages(package).values())
        graph[package] = (names & set(PACKAGES)) - {package}
    return graph


def test_no_two_packages_import_each_other_even_through_others() -> None:
    """The project's packages form layers: no import cycle at all, of any length."""
    graph = package_graph()
    state: dict[str, str] = {}
    cycles: list[list[str]] = []

    def visit(package: str, path: list[str]) -> None:
        state[package] = "open"
        for imported in sorted(graph[package]):
            if state.get(imported) == "open":
                cycles.append([*path[path.index(imported) :], imported])
            elif imported not in state:
                visit(imported, [*path, imported])
        state[package] = "done"

    for package in sorted(graph):
        if package not in state:
            visit(package, [package])
    assert cycles == []


def test_no_relative_imports_anywhere() -> None:
    for package, path in PACKAGES.items():
        if not path.exists():
            continue
        for source in path.rglob("*.py"):
            tree = ast.parse(source.read_text())
            relative = [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level]
            assert relative == [], f"{source} uses a relative import ({package})"
