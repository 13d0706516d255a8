"""One kill -9 harness for the long multi-document writers: an MT5 sync, a transactions import and a batch of
statements are each started as a separate ``fidus`` process from the same database and killed at spread-out
moments of a full run. After every kill the database opens, its audit chain verifies, nothing is half-written
(the import is all or nothing, the sync holds no duplicate deal and finishes to the same deals when run again,
every PDF under its final name is whole, no pool worker outlives its parent), and running the command again
completes. (Restore and backup creation have their own kill tests in tests/keys_backup/test_restore_safety.py.)
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import psutil
import pytest

from fidus_desktop.bootstrap import open_context
from fidus_desktop.config.paths import AppPaths
from fidus_desktop.integrations.mt5 import DEFAULT_ACCOUNTS
from tests.support.cli_policy import no_mfa_required
from tests.support.portfolio_office import ADMIN, D2, build_office, holdings
from tests.support.readiness import make_ready
from tests.support.simulated_accounts import sim_account_input
from tests.support.users import ADMIN_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
FRACTIONS = (0.35, 0.7, 0.95)
INVESTORS = 150
IMPORT_ROWS = 3000
CHILD = """
import sys
from fidus_desktop.cli.main import main
print("ready", flush=True)
sys.exit(main(sys.argv[1:]))
"""

pytestmark = [pytest.mark.slow, pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")]


@dataclass
class Operation:
    name: str
    argv: list[str]
    check: Callable[[], str]  # after a kill: what state it left ("none", "all", "partial"); asserts wholeness
    finished: Callable[[], None]  # after a complete run: asserts it is complete


def base_office(tmp_path: Path) -> Path:
    """The portfolio office with 150 more investors holding units (ready to invest), administrator alice and
    one MT5 account."""
    office = build_office(tmp_path)
    holdings(office)
    services = office.services
    services.users.create_user(ADMIN, "alice", ADMIN_PASSWORD, "admin")
    for number in range(INVESTORS):
        investor = office.p.investors.create_investor(ADMIN, f"INV-{number + 100}", f"Investor {number}",
                                                      "individual")
        office.p.investors.open_account(investor.investor_id, office.eur.class_id, office.fund.fund_id)
        office.p.ledgers.add_units(D2, office.eur.class_id, investor.investor_id, Decimal(10 + number),
                                   "subscription")
        make_ready(services, investor.investor_id)  # the import subscribes for them: the readiness gate
    for sim in DEFAULT_ACCOUNTS:  # synced one after the other: a kill can land between two accounts
        services.trading.accounts.create(ADMIN, sim_account_input(sim.login), password=sim.password)
    services.ctx.store.close()
    db = tmp_path / "t.db"
    open_context(f"sqlite:///{db.as_posix()}", log_to_file=False).close()  # migrated, WAL folded in
    base = tmp_path / "base.db"
    shutil.copyfile(db, base)
    return base


def transactions_csv(path: Path) -> Path:
    lines = ["ref,kind,class_code,investor_number,trade_date,dealing_date,settlement_date,amount"]
    lines += [f"K-{i:05d},subscription,GLB-A-EUR,INV-{100 + i % INVESTORS},2023-01-04,2023-01-04,2023-01-05,"
              f"{1000 + i}" for i in range(IMPORT_ROWS)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def opened_and_verified(uri: str) -> object:
    ctx = open_context(uri, log_to_file=False)
    verdict = ctx.services.ctx.audit.verify()
    assert verdict.ok, verdict.reason
    return ctx


def run_child(argv: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    child = subprocess.Popen([sys.executable, "-c", CHILD, *argv], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True, env=env, cwd=ROOT)
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "ready"
    return child


def kill_at_fractions(op: Operation, reset: Callable[[], None], env: dict[str, str]) -> list[str]:
    """Time a full run, then kill fresh runs at ``FRACTIONS`` of it; the states each kill left."""
    reset()
    child = run_child(op.argv, env)
    started = time.monotonic()
    assert child.wait(timeout=600) == 0, op.name
    full = time.monotonic() - started
    op.finished()
    states = []
    for fraction in FRACTIONS:
        reset()
        child = run_child(op.argv, env)
        time.sleep(full * fraction)
        workers = [p.pid for p in psutil.Process(child.pid).children(recursive=True)]
        child.send_signal(signal.SIGKILL)
        child.wait()
        deadline = time.monotonic() + 10
        while any(psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
                  for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in workers if psutil.pid_exists(pid)
                    and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE], f"{op.name}: a worker outlived"
        states.append(op.check())
        if states[-1] == "all":  # the kill came after the work was done (an import is not repeated: refs exist)
            continue
        rerun = subprocess.run([sys.executable, "-c", CHILD, *op.argv], capture_output=True, text=True, env=env,
                               cwd=ROOT, timeout=600)
        assert rerun.returncode == 0, (op.name, fraction, rerun.stderr)
        op.finished()
    return states


def test_kill_9_during_sync_import_and_statements(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIDUS_PASSWORD", ADMIN_PASSWORD)
    no_mfa_required()
    base = base_office(tmp_path)
    live = tmp_path / "live.db"
    uri = f"sqlite:///{live.as_posix()}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    as_alice = ["--user", "alice"]

    anchors = AppPaths.for_user().data_dir / "audit-anchors"

    def fresh_database() -> None:
        shutil.rmtree(anchors, ignore_errors=True)  # this workstation saw the longer chain of the run before
        for suffix in ("", "-wal", "-shm"):
            Path(f"{live}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(base, live)

    # The import: one transaction, so after a kill either every row or none.
    csv_file = transactions_csv(tmp_path / "many.csv")

    def imported() -> int:
        ctx = opened_and_verified(uri)
        try:
            return ctx.store.collection("transactions").count({"ref": {"$istartswith": "K-"}})  # type: ignore[attr-defined]
        finally:
            ctx.close()  # type: ignore[attr-defined]

    def import_state() -> str:
        count = imported()
        assert count in (0, IMPORT_ROWS), f"half an import: {count} of {IMPORT_ROWS} rows"
        return "all" if count else "none"

    def import_finished() -> None:
        assert imported() == IMPORT_ROWS

    def import_reset_after_all() -> None:
        fresh_database()

    # The sync: batches of deals with the account's sync state; a kill keeps whole batches, a rerun completes.
    complete: list[int] = []

    def deals() -> list[tuple[int, int]]:
        ctx = opened_and_verified(uri)
        try:
            return [(d["login"], d["ticket"]) for d in ctx.services.trading.sync.deals.find(  # type: ignore[attr-defined]
                projection=["login", "ticket"])]
        finally:
            ctx.close()  # type: ignore[attr-defined]

    def sync_state() -> str:
        found = deals()
        assert len(found) == len(set(found)), "a deal stored twice"
        return "all" if complete and len(found) == complete[0] else ("none" if not found else "partial")

    def sync_finished() -> None:
        found = deals()
        assert len(found) == len(set(found))
        if not complete:
            complete.append(len(found))
        assert len(found) == complete[0], "a rerun after the kill did not end with the same deals"

    # The statements: each PDF written aside and renamed; 2 pool workers that must die with their parent.
    out_dir = tmp_path / "statements"

    def statements_state() -> str:
        opened_and_verified(uri).close()  # type: ignore[attr-defined]
        pdfs = sorted(out_dir.glob("*.pdf")) if out_dir.exists() else []
        for pdf in pdfs:
            assert pdf.read_bytes().rstrip().endswith(b"%%EOF"), f"{pdf.name} is cut short"
        return "all" if len(pdfs) == INVESTORS else ("none" if not pdfs else "partial")

    def statements_finished() -> None:
        assert len(list(out_dir.glob("*.pdf"))) == INVESTORS
        assert not list(out_dir.glob("*.partial"))

    def no_statements() -> None:
        fresh_database()
        shutil.rmtree(out_dir, ignore_errors=True)

    operations = [
        (Operation("import transactions", ["--db", uri, "import", "transactions", str(csv_file), *as_alice],
                   import_state, import_finished), import_reset_after_all),
        (Operation("mt5 sync", ["--db", uri, "mt5", "sync", "--once", "--simulated", "7", *as_alice],
                   sync_state, sync_finished), fresh_database),
        (Operation("report statements", ["--db", uri, "report", "statements", "--period", "2023-Q1", "--out-dir",
                                         str(out_dir), "--workers", "2", *as_alice],
                   statements_state, statements_finished), no_statements),
    ]
    summary = {op.name: kill_at_fractions(op, reset, env) for op, reset in operations}
    print(summary)
    for name, states in summary.items():
        assert len(states) == len(FRACTIONS), name
