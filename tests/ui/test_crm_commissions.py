"""The Commissions view of the CRM tab driven with qtbot: statements per agent for a period, their lines,
Prepare → Approve (refused to the preparer, allowed to a colleague) → Mark paid, and saving PDF and CSV."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from fidus_desktop.bootstrap import AppContext
from fidus_desktop.services.actor import Actor
from fidus_desktop.ui.background import InlineRunner
from fidus_desktop.ui.crm.commissions_view import CommissionsView
from fidus_desktop.ui.session import UiSession
from tests.conftest import ADMIN_PASSWORD
from tests.support.forms import click, field_error, submit_form


@pytest.fixture
def office(app_context: AppContext, admin: Actor) -> tuple[AppContext, Actor, Actor]:
    services = app_context.services
    bo = services.users.create_user(admin, "bo", ADMIN_PASSWORD, "back_office", "Back Office").actor()
    investor = services.portfolio.investors.create_investor(admin, "INV-1", "Ann Smith", "individual")
    services.portfolio.products.define_terms(admin, "CORE", "Core", monthly_rate="0.015", commitment_months=12,
                                             currency="USD")
    services.portfolio.products.invest(admin, investor.investor_id, "CORE", "20000", "2026-01-20")
    services.crm_agents.add(admin, {"code": "AG-1", "name": "Alpine Introductions"})
    services.crm_agents.add(admin, {"code": "AG-2", "name": "Harbour Wealth", "rate": "12.5 %"})
    services.crm_agents.introduce(admin, "AG-1", "INV-1")
    return app_context, admin, bo


def open_view(qtbot: QtBot, context: AppContext, actor: Actor, runner: InlineRunner) -> CommissionsView:
    view = CommissionsView(UiSession(context, actor, runner), today=date(2026, 2, 1))
    qtbot.addWidget(view)
    view.show()
    return view


def test_statements_lines_and_the_approval_steps(qtbot: QtBot, office: tuple[AppContext, Actor, Actor],
                                                 inline_runner: InlineRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    context, admin, bo = office
    view = open_view(qtbot, context, bo, inline_runner)
    assert view.period.text() == "2026-Q1"
    model = view.statements
    # AG-1: 30.00 on Feb 20 and on Mar 20 (10 % of 300.00 interest); AG-2 introduced nobody
    assert [model.data(model.index(r, 4)) for r in range(model.rowCount())] == ["60.00 USD", "—"]
    assert view.lines.rowCount() == 2
    assert model.data(model.index(0, 5)) == "draft (not prepared)"
    click(qtbot, view.findChild(QPushButton, "prepare"))
    assert model.data(model.index(0, 5)) == "pending"
    click(qtbot, view.findChild(QPushButton, "approve"))
    box = view.findChild(QMessageBox, "errorBox")
    assert "Four-eyes rule" in box.text()
    box.close()
    assert model.data(model.index(0, 5)) == "pending"
    colleague = open_view(qtbot, context, admin, inline_runner)
    click(qtbot, colleague.findChild(QPushButton, "approve"))
    click(qtbot, colleague.findChild(QPushButton, "paid"))
    assert colleague.statements.data(colleague.statements.index(0, 5)) == "paid"


def test_save_pdf_and_csv(qtbot: QtBot, office: tuple[AppContext, Actor, Actor], inline_runner: InlineRunner,
                          tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    context, admin, _ = office
    view = open_view(qtbot, context, admin, inline_runner)
    said: list[str] = []
    view.message.connect(said.append)
    for kind in ("pdf", "csv"):
        monkeypatch.setattr(view, "choose_path", lambda statement, k: tmp_path / f"out.{k}")
        click(qtbot, view.findChild(QPushButton, kind))
    assert (tmp_path / "out.pdf").read_bytes().startswith(b"%PDF")
    assert (tmp_path / "out.csv").read_text(encoding="utf-8-sig").count("\n") == 3
    assert said[-1] == f"Saved {tmp_path / 'out.csv'}."


def test_a_portfolio_manager_cannot_approve(qtbot: QtBot, office: tuple[AppContext, Actor, Actor],
                                             inline_runner: InlineRunner) -> None:
    context, admin, _ = office
    pm = context.services.users.create_user(admin, "pm", ADMIN_PASSWORD, "portfolio_manager", "PM").actor()
    view = open_view(qtbot, context, pm, inline_runner)
    assert view.findChild(QPushButton, "prepare").isEnabled()
    assert not view.findChild(QPushButton, "approve").isEnabled()


def test_new_agent_dialog(qtbot: QtBot, office: tuple[AppContext, Actor, Actor], inline_runner: InlineRunner) -> None:
    context, admin, _ = office
    view = open_view(qtbot, context, admin, inline_runner)
    click(qtbot, view.findChild(QPushButton, "newAgent"))
    dialog = view.agent_dialog
    submit_form(qtbot, dialog, code="AG-1", name="Again", rate="90 %")
    assert "already an agent AG-1" in field_error(dialog, "code")
    assert "0.5" in field_error(dialog, "rate")
    submit_form(qtbot, dialog, code="ag-3", name="Third Partners", rate="7.5 %")
    assert not dialog.isVisible()
    assert [view.statements.record(r).agent.code for r in range(view.statements.rowCount())] == [
        "AG-1", "AG-2", "AG-3"]
    assert context.services.crm_agents.get(admin, "AG-3").rate == Decimal("0.075")
