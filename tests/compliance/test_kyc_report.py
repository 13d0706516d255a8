"""The KYC report: every section's figures checked against a count made straight from the stored documents
(not through the services), and the files it is written to (CSV, XLSX with a sheet per section, PDF)."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from fidus_desktop.cli import main
from fidus_desktop.domain.compliance.risk import RiskInputs
from fidus_desktop.services.permissions import PermissionDenied
from tests.compliance.conftest import sdn_excerpt
from tests.support.cli_policy import no_mfa_required
from tests.support.portfolio_office import ADMIN, BACK, PM, Office, build_office
from tests.support.readiness import MAKER

PUTIN = "35096"
PASSWORD = "correct horse battery staple 42"
LATER = timedelta(days=400)


@pytest.fixture
def office(tmp_path: Path) -> Office:
    """Ann (approved, scored high on an Iranian residence) and Bob (approved, low), Carl (open case) and Putin
    (an open alert); then 400 days pass: Ann's review is overdue and her identity document has lapsed."""
    office = build_office(tmp_path)
    services = office.services
    services.screening_lists.import_file(ADMIN, "ofac", sdn_excerpt(PUTIN), "sdn.csv")
    for number, name in (("INV-3", "Carl Newman"), ("INV-7", "Vladimir Vladimirovich Putin")):
        services.portfolio.investors.create_investor(ADMIN, number, name, "individual")
    case = services.kyc.case_of(MAKER, office.ann.investor_id)
    assert case is not None
    services.kyc.score_risk(MAKER, case.case_id, case.version, RiskInputs(residence="IR", source_of_funds="salary"),
                            services.risk_models.current(MAKER).model)
    later = datetime.now(UTC) + LATER
    services.ctx.clock = lambda: later
    return office


def expected(office: Office) -> dict:
    """The figures counted from the raw documents, independently of the services."""
    store = office.services.ctx.store
    today = office.services.ctx.clock().date()
    investors = store.collection("investors").find({})
    cases = {d["investor_id"]: d for d in store.collection("kyc_cases").find({})}
    bands = Counter((cases.get(i["_id"]) or {}).get("risk_band") or "none" for i in investors)
    reviews = sorted(d["investor_number"] for d in cases.values()
                     if d.get("next_review") and d["next_review"] <= today + timedelta(days=60))
    documents = sorted((d["investor_number"], item["label"]) for d in cases.values() for item in d["items"]
                       if item["expires_on"] and item["status"] in ("approved", "received")
                       and item["expires_on"] <= today + timedelta(days=30))
    return {"investors": len(investors), "bands": bands, "reviews": reviews, "documents": documents,
            "hits": store.collection("screening_alerts").count(),
            "statuses": Counter(d["status"] for d in cases.values())}


def test_every_figure_matches_a_count_of_the_stored_documents(office: Office) -> None:
    report = office.services.compliance_reports.kyc_report(MAKER)
    want = expected(office)
    assert len(report.status) == want["investors"] == 4
    assert dict(report.distribution) == {"low": want["bands"]["low"], "medium": 0, "high": want["bands"]["high"],
                                         "critical": 0, "none": want["bands"]["none"]}
    assert dict(report.distribution) == {"low": 1, "medium": 0, "high": 1, "critical": 0, "none": 2}
    assert [r.number for r in report.reviews] == want["reviews"] == ["INV-1"]
    assert report.reviews[0].days_overdue == (report.as_of - report.reviews[0].next_review).days > 0
    assert [(r.number, r.item) for r in report.documents] == want["documents"] == [("INV-1", "Identity document")]
    assert report.documents[0].days_left <= 0  # lapsed
    assert len(report.hits) == want["hits"] == 1
    assert report.hits[0].number == "INV-7"
    assert report.case_counts == {**{k: v for k, v in want["statuses"].items()}}
    ready = {r.number: r.ready for r in report.status}
    assert ready == {"INV-1": False, "INV-2": True, "INV-3": False, "INV-7": False}
    ann = next(r for r in report.status if r.number == "INV-1")
    assert "Identity document expired on" in ann.readiness
    assert "KYC review overdue since" in ann.readiness


def test_the_report_needs_kyc_and_screening_reading(office: Office) -> None:
    assert office.services.compliance_reports.kyc_report(BACK).status
    with pytest.raises(PermissionDenied):
        office.services.compliance_reports.kyc_report(PM)


@pytest.fixture
def db(office: Office, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    alice = office.services.users.create_first_admin("alice", PASSWORD).actor()
    office.services.users.create_user(alice, "olga", PASSWORD, "compliance_officer")
    office.services.ctx.store.close()
    monkeypatch.setenv("FIDUS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FIDUS_PASSWORD", PASSWORD)
    no_mfa_required()
    return ["--db", f"sqlite:///{(tmp_path / 't.db').as_posix()}"]


def test_the_report_files(db: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def report(*args: str) -> int:
        return main([*db, "kyc", "report", *args, "--user", "olga"])

    assert report("--out", str(tmp_path / "kyc.csv")) == 0
    assert "written to" in capsys.readouterr().out
    with (tmp_path / "kyc.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["Investor"] for r in rows] == ["INV-1", "INV-2", "INV-3", "INV-7"]
    assert [r["Ready"] for r in rows] == ["yes", "yes", "no", "no"]  # the command runs today: Ann is still current
    assert report("--out", str(tmp_path / "risk.csv"), "--section", "risk") == 0
    with (tmp_path / "risk.csv").open(encoding="utf-8-sig") as handle:
        risk = {r["Risk band"]: (r["Investors"], r["Share %"]) for r in csv.DictReader(handle)}
    assert risk == {"low": ("1", "25.0"), "medium": ("0", "0.0"), "high": ("1", "25.0"), "critical": ("0", "0.0"),
                    "none": ("2", "50.0")}
    assert report("--out", str(tmp_path / "kyc.xlsx")) == 0
    book = load_workbook(tmp_path / "kyc.xlsx")
    assert book.sheetnames == ["KYC status", "Reviews due", "Expiring documents", "Screening hits",
                               "Risk distribution"]
    assert book["Screening hits"].max_row == 2  # header and the one hit
    assert report("--out", str(tmp_path / "kyc.pdf")) == 0
    assert (tmp_path / "kyc.pdf").read_bytes().startswith(b"%PDF")
    assert report("--out", str(tmp_path / "kyc.pdf"), "--section", "risk") == 2
    assert report("--out", str(tmp_path / "kyc.docx")) == 2
    assert "written as .pdf, .csv or .xlsx" in capsys.readouterr().err
