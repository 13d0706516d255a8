"""Investor statements and factsheets: the figures in the PDF are the services' figures; who may see what."""

from __future__ import annotations

import subprocess
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest

from fidus_desktop.domain.money import Money
from fidus_desktop.reports import formatting as fmt
from fidus_desktop.reports.factsheet import factsheet_story, render_factsheet
from fidus_desktop.reports.pdf import story_text
from fidus_desktop.reports.periods import parse_period
from fidus_desktop.reports.statement import render_statement, statement_story
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.permissions import PermissionDenied
from tests.support.portfolio_office import BACK, D4, PM, Office, client_of
from tests.support.tools import require_tool

JANUARY = parse_period("2023-01")


def test_statement_figures_are_the_services_figures(office: Office) -> None:
    data = office.services.statements.statement_data(PM, office.ann.investor_id, JANUARY)
    eur_units = office.p.investors.account(office.ann.investor_id, office.eur.class_id).units
    usd_units = office.p.investors.account(office.ann.investor_id, office.usd.class_id).units
    eur_value = (eur_units * Decimal("101.5")).quantize(Decimal("0.01"))
    usd_in_eur, _ = office.p.fx.convert(Money((usd_units * Decimal("101.5")).quantize(Decimal("0.01")), "USD"),
                                        "EUR", D4)
    assert data.currency == "EUR"  # the class of Ann's first subscription
    assert data.valuation_date == D4  # the latest NAV date: January is not over in the data
    assert data.opening_value == 0
    assert [h.class_code for h in data.holdings] == ["GLB-A-EUR", "GLB-A-USD"]
    assert data.holdings[0].value == eur_value
    assert data.closing_value == eur_value + usd_in_eur.amount.quantize(Decimal("0.01"))
    assert [t.kind for t in data.transactions] == ["subscription", "subscription"]
    assert data.fees_by_currency == {"EUR": Decimal("200.00")}  # the 2 % entry fee of the EUR class
    text = story_text(statement_story(data))
    for expected in ("Investor statement 2023-01", "Ann Smith", fmt.amount(eur_value, "EUR"),
                     fmt.amount(data.closing_value, "EUR"), fmt.units(eur_units), "101.5000 EUR", "200.00",
                     "The period is not over"):
        assert expected in text


def test_statement_pdf_is_written_with_numbered_pages(office: Office, tmp_path: Path) -> None:
    data = office.services.statements.statement_data(PM, office.ann.investor_id, JANUARY)
    target = tmp_path / "ann.pdf"
    render_statement(data, target)
    assert target.read_bytes().startswith(b"%PDF")
    pdftotext = require_tool("pdftotext", "poppler-utils")
    text = subprocess.run([pdftotext, "-layout", str(target), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Page 1 of 1" in text
    assert fmt.amount(data.closing_value, "EUR") in text


def test_a_long_statement_flows_onto_more_pages(office: Office) -> None:
    data = office.services.statements.statement_data(PM, office.ann.investor_id, JANUARY)
    long = type(data)(**{**data.__dict__, "transactions": data.transactions * 60})
    buffer = BytesIO()
    render_statement(long, buffer)
    assert buffer.getvalue().count(b"/Type /Page\n") + buffer.getvalue().count(b"/Type /Page ") >= 2


def test_bob_gets_a_usd_statement(office: Office) -> None:
    data = office.services.statements.statement_data(BACK, office.bob.investor_id, JANUARY)
    assert data.currency == "USD"
    assert data.fees == ()


def test_a_client_gets_only_its_own_statement(office: Office) -> None:
    client = client_of(office.ann.investor_id)
    assert office.services.statements.statement_data(client, office.ann.investor_id, JANUARY).investor_number == "INV-1"
    with pytest.raises(PermissionDenied, match="own investor"):
        office.services.statements.statement_data(client, office.bob.investor_id, JANUARY)
    assert office.services.statements.statement_investors(client) == [office.ann.investor_id]
    with pytest.raises(PermissionDenied):
        office.services.statements.factsheet_data(client, office.fund.fund_id)


def test_a_period_after_the_data_is_refused_clearly(office: Office) -> None:
    with pytest.raises(ValidationError, match="starts after the latest NAV date"):
        office.services.statements.statement_data(PM, office.ann.investor_id, parse_period("2024-Q1"))


def test_factsheet_shows_the_figures_service_aum_and_kpis(office: Office, tmp_path: Path) -> None:
    data = office.services.statements.factsheet_data(PM, office.fund.fund_id)
    aum = office.p.figures.fund_aum(PM, office.fund.fund_id)
    kpis = office.p.figures.class_kpis(PM, office.eur.class_id)
    assert (data.aum, data.as_of) == (aum.total, D4)
    assert data.classes[0].kpis == kpis
    text = story_text(factsheet_story(data))
    for expected in ("Global", fmt.amount(aum.total, "EUR", with_code=True), "GLB-A-EUR", "GLB-A-USD", "101.5000",
                     fmt.percent(kpis.ytd)):
        assert expected in text
    render_factsheet(data, tmp_path / "f.pdf")
    assert (tmp_path / "f.pdf").stat().st_size > 1000
