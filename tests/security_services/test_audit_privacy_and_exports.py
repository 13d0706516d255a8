"""What reaches the permanent audit trail and its exports: no typed secrets, no spreadsheet formulas, and
exports readable by their owner only."""

from __future__ import annotations

import csv
import os
import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fidus_desktop.bootstrap import AppContext
from fidus_desktop.domain.csv_cells import safe_cell
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.audit_query import AuditFilter
from fidus_desktop.services.users import UNKNOWN_USER, AuthenticationFailed


def test_a_password_typed_as_the_user_name_is_not_recorded(app_context: AppContext, office_admin: Actor) -> None:
    typed = "Sup3r secret passphrase!"
    with pytest.raises(AuthenticationFailed):
        app_context.services.users.authenticate(typed, "anything at all")
    entry = app_context.services.ctx.audit.last()
    assert (entry["action"], entry["entity_id"]) == ("user.sign_in_failed", UNKNOWN_USER)
    assert typed not in repr(list(app_context.services.ctx.audit.iter_chain()))


def test_audit_export_neutralises_formulas_and_is_owner_only(
    app_context: AppContext, office_admin: Actor, tmp_path: Path
) -> None:
    with app_context.store.transaction():  # e.g. a file name chosen by a user, recorded as the entity id
        app_context.services.ctx.audit.append(office_admin, "backup.create", "backup", '=HYPERLINK("http://x")')
    out = tmp_path / "audit.csv"
    app_context.services.audit_query.export_csv(office_admin, AuditFilter(), out)
    cells = [cell for row in csv.reader(out.open(encoding="utf-8")) for cell in row]
    assert "'=HYPERLINK(\"http://x\")" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "@")]
    if os.name == "posix":
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
        db_file = Path(app_context.store.describe().removeprefix("SQLite "))
        assert stat.S_IMODE(db_file.stat().st_mode) == 0o600


@pytest.fixture
def office_admin(app_context: AppContext) -> Actor:
    return app_context.services.users.create_first_admin("admin", "correct horse battery staple 42").actor()


@given(st.text(max_size=30))
def test_no_cell_starts_a_formula_and_numbers_stay_numbers(text: str) -> None:
    cell = safe_cell(text)
    if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
        float(cell)  # only a plain number may start with a sign
    assert cell in (text, "'" + text)


def test_signed_numbers_are_kept() -> None:
    assert safe_cell("-12.50") == "-12.50"
    assert safe_cell("+3") == "+3"
    assert safe_cell("-2+3") == "'-2+3"
    assert safe_cell("=1+1") == "'=1+1"
