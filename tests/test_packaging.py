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
