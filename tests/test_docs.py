"""The repository explains itself: every file its docs and code name exists in it, and
nothing points outside it (to shared notes a newcomer would not have)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOP = ("docs", "platform", "offers", "needs", "matching", "notifications", "tests", "bench")
# A path of the repository: one of the top folders, then a name with an extension.
_TOP = "|".join(TOP)
PATH = re.compile(
    rf"(?<![\w/.-])((?:{_TOP})/[\w./-]*\.(?:md|py|html|toml|yml|yaml|json|txt|css|js|po))\b"
)
OUTSIDE = re.compile(r"DESIGN\.md|CONVENTIONS\.md|FICHES\.md|\.\./shared|/work/")
SKIPPED_PARTS = {".venv", "var", "node_modules", "__pycache__", ".git", "migrations"}


def project_files() -> list[Path]:
    files = [ROOT / "README.md", ROOT / "Makefile", ROOT / "Dockerfile"]
    for suffix in ("*.md", "*.py", "*.html", "*.toml", "*.yml"):
        files += [
            path
            for path in ROOT.rglob(suffix)
            if not SKIPPED_PARTS & set(path.relative_to(ROOT).parts)
        ]
    return sorted(set(files))


def named_paths(text: str) -> set[str]:
    return {found.rstrip(".") for found in PATH.findall(text)}


# Templates and static files are named relative to their app's folder of them.
TEMPLATES = {
    str(path.relative_to(folder))
    for kind in ("templates", "static")
    for folder in ROOT.glob(f"**/{kind}")
    if not SKIPPED_PARTS & set(folder.relative_to(ROOT).parts)
    for path in folder.rglob("*.*")
}


def exists(name: str) -> bool:
    """A file of the repository, of a project package, or a template or static file."""
    return (ROOT / name).exists() or (ROOT / "platform" / name).exists() or name in TEMPLATES


def test_the_design_the_conventions_and_the_fiches_are_in_the_repository() -> None:
    for name in ("design.md", "conventions.md", "fiches.md", "architecture.md"):
        assert (ROOT / "docs" / name).is_file(), name


@pytest.mark.parametrize("path", project_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_file_a_doc_or_a_module_names_exists(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    missing = sorted(name for name in named_paths(text) if not exists(name))
    assert missing == []


@pytest.mark.parametrize("path", project_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_nothing_points_outside_the_repository(path: Path) -> None:
    if path == Path(__file__):
        return
    assert OUTSIDE.findall(path.read_text(encoding="utf-8")) == []


def test_the_reference_finder_finds_what_it_must() -> None:
    text = "see `docs/matching.md`, offers/services.py and (tests/test_docs.py)."
    assert named_paths(text) == {"docs/matching.md", "offers/services.py", "tests/test_docs.py"}
