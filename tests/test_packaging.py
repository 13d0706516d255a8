"""The PyInstaller bundle builds from build.spec; its ``fidus`` runs and its GUI starts and draws the demo office.

Slow (a few minutes): the build is the slow tier's main cost. The frozen GUI is launched for real, offscreen,
so a Qt plugin, resource or hidden import the bundle misses fails here rather than on a user's workstation.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

import fidus_desktop

ROOT = Path(__file__).resolve().parents[1]
SUFFIX = ".exe" if sys.platform == "win32" else ""
SIZE = (1280, 720)
# A window with a tab bar, tables and text has hundreds of colours; a blank or failed render has a handful.
MIN_DISTINCT_COLOURS = 64


def build_bundle(tmp_path: Path) -> Path:
    if shutil.which("pyinstaller") is None and not (Path(sys.executable).parent / "pyinstaller").exists():
        pytest.fail("pyinstaller is missing from the dev dependencies")
    dist, work = tmp_path / "dist", tmp_path / "build"
    subprocess.run(
        [sys.executable, "-m", "PyInstaller", str(ROOT / "build.spec"), "--noconfirm", "--distpath", str(dist),
         "--workpath", str(work), "--log-level", "WARN"],
        check=True,
        cwd=ROOT,
        timeout=900,
    )
    return dist / "fidus-desktop"


def frozen_env(home: Path) -> dict[str, str]:
    """Only what a fresh workstation has: no virtualenv, the bundle must carry its own Python and Qt."""
    return {"FIDUS_HOME": str(home), "QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin",
            "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring", **(
                {"SYSTEMROOT": os.environ["SYSTEMROOT"]} if "SYSTEMROOT" in os.environ else {})}


def distinct_colours(image: QImage) -> int:
    step = 4  # every 4th pixel both ways: plenty to tell a drawn window from an empty one
    return len({image.pixel(x, y) for x in range(0, image.width(), step) for y in range(0, image.height(), step)})


@pytest.mark.slow
def test_bundle_builds_and_its_cli_and_gui_run(tmp_path: Path) -> None:
    bundle = build_bundle(tmp_path)
    assert (bundle / "_internal" / "resources" / "common-passwords.txt").exists()
    env = frozen_env(tmp_path / "home")

    out = subprocess.run([str(bundle / f"fidus{SUFFIX}"), "version"], capture_output=True, text=True, timeout=120,
                         check=True, env=env)
    assert out.stdout.strip() == f"FIDUS Desktop {fidus_desktop.__version__}"

    png = tmp_path / "demo.png"
    shot = subprocess.run(
        [str(bundle / f"fidus-desktop{SUFFIX}"), "--demo", "--screenshot", str(png), "--tab", "portfolio",
         "--size", f"{SIZE[0]}x{SIZE[1]}"],
        capture_output=True, text=True, timeout=300, env=env)
    assert shot.returncode == 0, shot.stderr
    image = QImage(str(png))
    assert not image.isNull(), f"{png} is not a readable PNG; stderr: {shot.stderr}"
    assert (image.width(), image.height()) == SIZE
    assert distinct_colours(image) >= MIN_DISTINCT_COLOURS, "the frozen GUI drew an (almost) empty window"


def test_the_windows_bundle_lists_the_metatrader5_package() -> None:
    """real.py imports MetaTrader5 by name, invisible to PyInstaller: build.spec must add it on Windows (and refuse to
    build without it), and the package must stay a Windows-only dependency. Fast: reads the files, builds nothing."""
    spec = (ROOT / "build.spec").read_text(encoding="utf-8")
    assert 'MT5_PACKAGE = "MetaTrader5"' in spec
    assert 'hidden += [MT5_PACKAGE, *collect_submodules(MT5_PACKAGE)]' in spec
    assert "importlib.util.find_spec(MT5_PACKAGE) is None" in spec
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert "MetaTrader5>=5.0.45; sys_platform == 'win32'" in pyproject


def test_every_package_is_a_regular_package() -> None:
    """Tabs, commands and demo builders are imported by name when first used (features/spec.py), so PyInstaller
    finds them only through build.spec's collect_submodules, which skips folders without an __init__.py. Fast."""
    package = Path(fidus_desktop.__file__).parent
    folders = [d for d in package.rglob("*") if d.is_dir() and d.name != "__pycache__" and any(d.glob("*.py"))]
    assert [str(d.relative_to(package)) for d in folders if not (d / "__init__.py").exists()] == []


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "win32", reason="the MetaTrader5 package exists for Windows only")
def test_the_built_windows_app_can_import_metatrader5(tmp_path: Path) -> None:
    """On the Windows build machine: the bundle's fidus doctor must find the package (not 'not installed')."""
    bundle = build_bundle(tmp_path)
    out = subprocess.run([str(bundle / "fidus.exe"), "doctor"], capture_output=True, text=True, timeout=120)
    assert "MetaTrader5 package available" in out.stdout
