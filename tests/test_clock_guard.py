"""One clock: no product module reads the PC's clock itself (``date.today()``, ``datetime.now()``, Qt's
``currentDate``…); services use their context's clock and screens the session's, so the demo's timeline reaches
every view. The few places that must follow real time whatever the office's date use ``fidus_desktop.clock``'s
``wall_now``/``wall_time`` and are listed below with the reason."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "fidus_desktop"
# receiver → the attributes that read the PC's clock
CLOCK_READS = {
    "date": {"today"},
    "datetime": {"now", "today", "utcnow"},
    "QDate": {"currentDate"},
    "QDateTime": {"currentDateTime", "currentDateTimeUtc", "currentMSecsSinceEpoch", "currentSecsSinceEpoch"},
    "QTime": {"currentTime"},
    "time": {"time", "time_ns", "localtime", "gmtime", "ctime"},
}
PROVIDER = "fidus_desktop/clock.py"
WALL_CLOCK_USERS = {
    "fidus_desktop/services/base.py": "Service.wall_now: authenticator codes follow the app on the user's phone",
    "fidus_desktop/security/totp.py": "authenticator codes follow the app on the user's phone",
    "fidus_desktop/services/restore.py": "a restore runs before any office (and its clock) is open",
    "fidus_desktop/services/trading/poller.py": "a real MT5 terminal's history is asked for up to the PC's now",
    "fidus_desktop/services/trading/recording.py": "a real MT5 terminal's history is asked for up to the PC's now",
    "fidus_desktop/integrations/mt5/session.py": "a real MT5 terminal's history is asked for up to the PC's now",
    "fidus_desktop/integrations/signing/certificates.py": "certificate validity as anyone verifying will judge it",
    "fidus_desktop/store/port.py": "the database's own housekeeping (change-feed snapshot)",
    "fidus_desktop/store/schema.py": "the database's own housekeeping (migration stamps)",
    "fidus_desktop/store/restore_marker.py": "the database's own housekeeping (an unfinished restore's marker)",
    "fidus_desktop/security/backup_format.py": "a backup file's stamp when its caller gives none",
}
# Raw clock readings that are not the office's time at all.
RAW_READS = {("fidus_desktop/store/port.py", "time.time_ns"): "time-ordered document ids (UUIDv7), never shown"}


def product_files() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def clock_reads(path: Path, where: str = "") -> list[str]:
    """``receiver.attribute`` references (called or passed as a default) that read the PC's clock."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            receiver, attribute = node.value.id, node.attr
            if attribute in CLOCK_READS.get(receiver, ()) and (where, f"{receiver}.{attribute}") not in RAW_READS:
                found.append(f"{receiver}.{attribute} (line {node.lineno})")
        elif isinstance(node, ast.ImportFrom) and node.module == "time":
            found += [f"from time import {a.name} (line {node.lineno})" for a in node.names
                      if a.name in CLOCK_READS["time"]]
    return found


def wall_clock_uses(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [f"{node.id} (line {node.lineno})" for node in ast.walk(tree)
            if isinstance(node, ast.Name) and node.id in ("wall_now", "wall_time")]


def test_no_product_module_reads_the_pc_clock_itself() -> None:
    named = {path.relative_to(PACKAGE.parent).as_posix(): path for path in product_files()}
    offenders = {where: reads for where, path in named.items()
                 if where != PROVIDER and (reads := clock_reads(path, where))}
    assert offenders == {}, ("Take now/today from the service's clock (self.now()) or the session "
                             "(session.now()/today()), not from the PC: " + repr(offenders))


def test_only_the_listed_modules_follow_the_wall_clock() -> None:
    users = {path.relative_to(PACKAGE.parent).as_posix() for path in product_files() if wall_clock_uses(path)}
    assert users - {PROVIDER} == set(WALL_CLOCK_USERS), (
        "A module that must follow real time on the demo's timeline is listed in WALL_CLOCK_USERS with the reason; "
        "everything else uses the office clock.")


def test_the_guard_sees_what_it_forbids(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from datetime import date, datetime\nfrom time import time\n"
                      "def f(today=date.today):\n    return datetime.now(), QDate.currentDate(), time()\n")
    assert [read.split(" ")[0] for read in clock_reads(sample)] == [
        "from", "date.today", "datetime.now", "QDate.currentDate"]
