"""Statements for many investors: progress, cancellation between statements, and parallel rendering.

Gathering a statement reads the database (one connection, the calling thread); laying out its PDF is
CPU-bound pure Python, which threads cannot speed up (the GIL). So with ``workers > 1`` the caller keeps
gathering while a process pool renders: on two cores the two halves overlap. ``workers=1`` renders in the
calling thread. ``benchmarks/bench_statements.py`` measures both side by side (docs/PERFORMANCE.md): on
the 2-core build machine the pool did *not* pay (a statement is ~3 KiB and takes milliseconds to lay out,
less than shipping it to a process), so ``workers=1`` is the default everywhere and the pool is opt-in.

Workers are *spawned*, never forked: a forked copy of a process running Qt threads can deadlock, and spawn
is what Windows does anyway, so the benchmark measures what users get. Cancellation is checked before each
statement is gathered; statements already handed to the pool finish (at most ``2 × workers``), nothing is
left half-written, and the result says how far it got. An investor whose statement cannot be produced (a
missing FX rate, say) is reported in ``failed`` and the batch goes on.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from fidus_desktop.reports.statement import render_statement, statement_filename
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.statements import StatementData

PARTIAL = ".partial"
Gather = Callable[[str], StatementData]
Progress = Callable[[int, int, str], None]  # done, total, what was just finished
Cancelled = Callable[[], bool]


@dataclass
class BatchResult:
    total: int
    written: list[Path] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # investor id, reason
    cancelled: bool = False
    seconds: float = 0.0

    @property
    def done(self) -> int:
        return len(self.written) + len(self.failed)


def _render(data: StatementData, path: Path) -> Path:
    """Lay the PDF out under ``<name>.partial`` and rename it: a kill never leaves a truncated PDF under the
    statement's real name."""
    partial = path.with_name(path.name + PARTIAL)
    try:
        render_statement(data, partial)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return path


def die_with_parent() -> None:
    """Pool worker initializer: exit when the process that started the batch is gone (killed, crashed), so
    no worker is left rendering for nobody. ``parent_process().join()`` waits on the parent's sentinel."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()
        os._exit(1)

    threading.Thread(target=watch, name="die-with-parent", daemon=True).start()


def write_statements(investor_ids: Sequence[str], gather: Gather, out_dir: Path, *, workers: int = 1,
                     progress: Progress | None = None, cancelled: Cancelled | None = None) -> BatchResult:
    """Write one statement PDF per investor into ``out_dir``; see the module docstring."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for leftover in out_dir.glob(f"statement-*.pdf{PARTIAL}"):  # from a batch that was killed
        leftover.unlink(missing_ok=True)
    result = BatchResult(len(investor_ids))
    started = time.perf_counter()

    def finished(label: str) -> None:
        if progress is not None:
            progress(result.done, result.total, label)

    def gathered(investor_id: str) -> StatementData | None:
        try:
            return gather(investor_id)
        except (ValidationError, ValueError, LookupError) as exc:
            result.failed.append((investor_id, str(exc)))
            finished(investor_id)
            return None

    if workers <= 1:
        for investor_id in investor_ids:
            if cancelled is not None and cancelled():
                result.cancelled = True
                break
            if (data := gathered(investor_id)) is not None:
                result.written.append(_render(data, out_dir / statement_filename(data)))
                finished(data.investor_number)
    else:
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                 initializer=die_with_parent) as pool:
            in_flight: list[tuple[str, Future[Path]]] = []

            def collect(limit: int) -> None:
                while len(in_flight) > limit:
                    label, future = in_flight.pop(0)
                    try:
                        result.written.append(future.result())
                    except OSError as exc:
                        result.failed.append((label, str(exc)))
                    finished(label)

            for investor_id in investor_ids:
                if cancelled is not None and cancelled():
                    result.cancelled = True
                    break
                if (data := gathered(investor_id)) is not None:
                    in_flight.append((data.investor_number,
                                      pool.submit(_render, data, out_dir / statement_filename(data))))
                    collect(2 * workers)
            collect(0)
    result.seconds = time.perf_counter() - started
    return result
