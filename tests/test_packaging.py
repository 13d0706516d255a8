"""The PyInstaller bundle builds from build.spec and its ``fidus`` runs (slow: a few minutes)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import fidus_desktop

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_bundle_builds_and_cli_runs(tmp_path: Path) -> None:
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
    exe = dist / "fidus-desktop" / ("fidus.exe" if sys.platform == "win32" else "fidus")
    out = subprocess.run([str(exe), "version"], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == f"FIDUS Desktop {fidus_desktop.__version__}"
    assert (dist / "fidus-desktop" / "_internal" / "resources" / "common-passwords.txt").exists()


def test_the_windows_bundle_lists_the_metatrader5_package() -> None:
    """real.py imports MetaTrader5 by name, invisible to PyInstaller: build.spec must add it on Windows (and refuse to
    build without it), and the package must stay a Windows-only dependency. Fast: reads the files, builds nothing."""
    spec = (ROOT / "build.spec").read_text(encoding="utf-8")
    assert 'MT5_PACKAGE = "MetaTrader5"' in spec
    assert 'hidden += [MT5_PACKAGE, *collect_submodules(MT5_PACKAGE)]' in spec
    assert "importlib.util.find_spec(MT5_PACKAGE) is None" in spec
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert "MetaTrader5>=5.0.45; sys_platform == 'win32'" in pyproject


@pytest.mark.skipif(sys.platform != "win32", reason="the MetaTrader5 package exists for Windows only")
def test_the_built_windows_app_can_import_metatrader5(tmp_path: Path) -> None:
    """On the Windows build machine: the bundle's fidus doctor must find the package (not 'not installed')."""
    dist, work = tmp_path / "dist", tmp_path / "build"
    subprocess.run([sys.executable, "-m", "PyInstaller", str(ROOT / "build.spec"), "--noconfirm", "--distpath",
                    str(dist), "--workpath", str(work), "--log-level", "WARN"], check=True, cwd=ROOT, timeout=900)
    out = subprocess.run([str(dist / "fidus-desktop" / "fidus.exe"), "doctor"], capture_output=True, text=True,
                         timeout=120)
    assert "MetaTrader5 package available" in out.stdout
