"""Batch statements and bad luck: a failure or a kill never leaves a truncated PDF under a statement's name,
and pool workers do not outlive the process that started them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fidus_desktop.reports import batch

ROOT = Path(__file__).resolve().parents[2]

PARENT = """
import time
from concurrent.futures import ProcessPoolExecutor
import multiprocessing, os
from fidus_desktop.reports.batch import die_with_parent

def pid_then_sleep():
    time.sleep(120)

if __name__ == "__main__":
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=ctx, initializer=die_with_parent) as pool:
        futures = [pool.submit(pid_then_sleep) for _ in range(2)]
        time.sleep(3)
        print(" ".join(str(p) for p in pool._processes), flush=True)
        time.sleep(120)
"""


def alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status  # a zombie has exited; only its exit code waits to be collected


@pytest.mark.slow
def test_pool_workers_end_when_their_parent_is_killed(tmp_path: Path) -> None:
    if not Path("/proc").is_dir():
        pytest.skip("reads /proc to see the workers")
    script = tmp_path / "parent.py"
    script.write_text(PARENT)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True, env=env)
    assert parent.stdout is not None
    workers = [int(p) for p in parent.stdout.readline().split()]
    assert len(workers) == 2
    assert all(alive(p) for p in workers)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 20
    while any(alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(alive(p) for p in workers)


def test_a_statement_that_fails_half_way_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def half_written(data: object, target: Path) -> None:
        Path(target).write_bytes(b"%PDF-1.4 half")
        raise OSError("No space left on device")

    monkeypatch.setattr(batch, "render_statement", half_written)
    with pytest.raises(OSError, match="No space"):
        batch._render(object(), tmp_path / "statement-INV-1-2023.pdf")  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_leftover_partial_statements_are_removed(tmp_path: Path) -> None:
    (tmp_path / "statement-INV-1-2023.pdf.partial").write_bytes(b"%PDF-1.4 killed")
    result = batch.write_statements([], lambda _id: None, tmp_path)  # type: ignore[arg-type,return-value]
    assert result.total == 0
    assert list(tmp_path.iterdir()) == []
