"""``platform/`` must never shadow the standard library's ``platform`` module."""

import platform
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_standard_library_platform_module_still_works_in_the_test_process() -> None:
    assert platform.python_version().startswith("3.")
    assert Path(platform.__file__).parent == Path(sysconfig.get_paths()["stdlib"])


def test_the_platform_folder_is_not_a_package() -> None:
    assert (ROOT / "platform").is_dir()
    assert not (ROOT / "platform" / "__init__.py").exists()
