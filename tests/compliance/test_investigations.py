"""Investigation cases: opened from an alert or for investors and transactions, notes, attachments and links
while it is worked on, closed by a second officer, only compliance officers see them; the suspicious-activity
report draft as PDF text and CSV rows checked against the case."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from fidus_desktop.cli import main
from fidus_desktop.domain.compliance.investigations import InvestigationStatus, Outcome
from fidus_desktop.reports.pdf import story_text
from fidus_desktop.reports.sar import CSV_COLUMNS, sar_csv, sar_pdf, sar_story
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.keys import KeyService
from fidus_desktop.services.permissions import PermissionDenied
from fidus_desktop.services.portfolio.dealing import TransactionRequest
from tests.compliance.conftest import sdn_excerpt
from tests.support.cli_policy import no_mfa_required
from tests.support.cost import CHEAP_KDF as CHEAP
from tests.support.keys_office import PASSPHRASE
from tests.support.portfolio_office import ADMIN, BACK, D2, PM, Office, build_office
from tests.support.readiness import CHECKER, MAKER

PUTIN = "35096"
PASSWORD = "correct horse battery staple 42"


@pytest.fixture
def office(tmp_path: Path) -> Office:
    office = build_office(tmp_path)
    KeyService(office.services.ctx, office.services.secrets, kdf=CHEAP).init(ADMIN, PASSPHRASE)  # attachments
    for ref, amount in (("ORD-1", "9500"), ("ORD-2", "9800")):  # two deals just under 10,000
        office.p.dealing.enter(PM, TransactionRequest("subscription", office.eur.class_id, office.ann.investor_id,
                                                      D2, D2, D2, amount=amount, ref=ref))
    return office


def test_a_case_from_transactions_to_a_closure_by_a_second_officer(office: Office) -> None:
    service = office.services.investigations
    case = service.open(MAKER, "Structured subscriptions", "Two deals just under 10,000 EUR on one day.",
                        transactions=["ORD-1", "ORD-2"])
    assert (case.ref, case.status, case.investor_ids) == ("INQ-000001", InvestigationStatus.OPEN,
                                                          (office.ann.investor_id,))
    case = service.start(MAKER, case)
    case = service.add_note(MAKER, case, "Called the investor: says the amounts are two separate bonuses.")
    stored = service.attach(MAKER, service.get(MAKER, case.ref), "payslips.pdf", b"%PDF-1.4 payslips")
    case = service.get(MAKER, case.ref)
    assert [d.name for d in service.attachments(CHECKER, case)] == [stored.name]
    case = service.link(MAKER, case, investors=["INV-2"])
    assert len(case.investor_ids) == 2
    case = service.propose_close(MAKER, case, "no_suspicion", "Bonuses confirmed by the employer's letter.")
    with pytest.raises(ValidationError, match="confirm or send back the closure first"):
        service.add_note(MAKER, case, "one more thing")
    with pytest.raises(PermissionDenied, match="olga proposed this closure; a second officer confirms it"):
        service.confirm_close(MAKER, case)
    case = service.confirm_close(CHECKER, case, agree=False, reason="Ask for the employer's letter itself.")
    assert (case.status, case.proposed_outcome) == (InvestigationStatus.INVESTIGATING, None)
    case = service.propose_close(MAKER, case, Outcome.SAR_FILED, "Letter never came; reported to the FIU.")
    case = service.confirm_close(CHECKER, case)
    assert (case.status, case.outcome, case.closed_by) == (InvestigationStatus.CLOSED, Outcome.SAR_FILED, "omar")
    assert service.list_cases(MAKER) == []
    assert [c.ref for c in service.list_cases(MAKER, open_only=False)] == ["INQ-000001"]
    case = service.reopen(CHECKER, case, "A third deal of 9,900 arrived.")
    assert case.status is InvestigationStatus.INVESTIGATING
    actions = [d["action"] for d in office.services.ctx.store.collection("audit").find(sort=[("seq", 1)])
               if d["action"].startswith("investigation.")]
    assert actions == ["investigation.open", "investigation.start", "investigation.note", "investigation.attach",
                       "investigation.link", "investigation.propose_close", "investigation.send_back",
                       "investigation.propose_close", "investigation.close", "investigation.reopen"]
    notes = [d for d in office.services.ctx.store.collection("audit").find({"action": "investigation.note"})]
    assert "bonuses" not in json.dumps(notes, default=str)  # the note's text stays in the case, not the trail


def test_only_compliance_officers_see_or_open_investigations(office: Office) -> None:
    service = office.services.investigations
    for actor in (BACK, PM, ADMIN):
        with pytest.raises(PermissionDenied):
            service.open(actor, "x", "y", investors=["INV-1"])
        with pytest.raises(PermissionDenied):
            service.list_cases(actor)
    with pytest.raises(ValidationError, match="Name the investor, transaction or alert"):
        service.open(MAKER, "Nothing", "about nobody")
    with pytest.raises(ValidationError, match="No transaction 'NOPE-1'"):
        service.open(MAKER, "Bad ref", "typo", transactions=["NOPE-1"])


def test_an_investigation_from_an_alert_and_its_report_draft(office: Office) -> None:
    services = office.services
    services.screening_lists.import_file(ADMIN, "ofac", sdn_excerpt(PUTIN), "sdn.csv")
    putin = services.portfolio.investors.create_investor(ADMIN, "INV-7", "Vladimir Vladimirovich Putin",
                                                         "individual")
    [alert] = services.screening.list_alerts(MAKER, investor_id=putin.investor_id)
    service = services.investigations
    case = service.open(MAKER, "Possible sanctioned person", "Screening hit on OFAC SDN at onboarding.",
                        alert_id=alert.alert_id, transactions=["ORD-1"])
    assert set(case.investor_ids) == {putin.investor_id, office.ann.investor_id}
    case = service.add_note(MAKER, case, "Passport copy matches the listed date of birth.")
    draft = service.sar_draft(MAKER, case)
    text = story_text(sar_story(draft))
    for part in ("Suspicious activity report — draft for INQ-000001", "Screening hit on OFAC SDN at onboarding.",
                 "INV-7", "Vladimir Vladimirovich Putin", "ORD-1", "9,500.00 EUR", "ofac-sdn", PUTIN,
                 "Passport copy matches the listed date of birth.", "do not disclose"):
        assert part in text, part
    assert sar_pdf(draft).startswith(b"%PDF")
    rows = list(csv.DictReader(io.StringIO(sar_csv(draft).decode("utf-8-sig"))))
    assert list(rows[0]) == CSV_COLUMNS
    # Independently: one case line, a line per linked investor, transaction, alert and note
    assert [r["record"] for r in rows] == ["case", "subject", "subject", "transaction", "alert", "note"]
    assert [(r["reference"], r["amount"], r["currency"]) for r in rows if r["record"] == "transaction"] == [
        ("ORD-1", "9500.00", "EUR")]
    assert {r["reference"] for r in rows if r["record"] == "subject"} == {"INV-1", "INV-7"}
    sar = [d for d in services.ctx.store.collection("audit").find({"action": "investigation.sar_draft"})]
    assert len(sar) == 1


@pytest.fixture
def db(office: Office, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    alice = office.services.users.create_first_admin("alice", PASSWORD).actor()
    for name in ("olga", "omar"):
        office.services.users.create_user(alice, name, PASSWORD, "compliance_officer")
    office.services.users.create_user(alice, "bob", PASSWORD, "back_office")
    office.services.ctx.store.close()
    monkeypatch.setenv("FIDUS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FIDUS_PASSWORD", PASSWORD)
    no_mfa_required()
    return ["--db", f"sqlite:///{(tmp_path / 't.db').as_posix()}"]


def run(db: list[str], user: str, *args: str) -> int:
    return main([*db, "investigation", *args, "--user", user])


def test_the_investigation_commands(db: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert run(db, "bob", "list") == 2  # back office may not
    assert run(db, "olga", "open", "--title", "Structuring", "--summary", "Two deals under 10,000",
               "--transaction", "ORD-1", "--transaction", "ORD-2") == 0
    assert "Investigation INQ-000001 is open: 1 investor(s), 2 transaction(s), 0 alert(s) linked." in \
        capsys.readouterr().out
    assert run(db, "olga", "note", "INQ-000001", "asked for payslips") == 0
    evidence = tmp_path / "letter.pdf"
    evidence.write_bytes(b"%PDF-1.4 employer letter")
    assert run(db, "olga", "attach", "INQ-000001", str(evidence)) == 0
    capsys.readouterr()
    assert run(db, "olga", "show", "INQ-000001", "--json") == 0
    shown = json.loads(capsys.readouterr().out)
    assert ([n["text"] for n in shown["notes"]], [a["name"] for a in shown["attachments"]]) == (
        ["asked for payslips"], ["letter.pdf"])
    assert run(db, "olga", "close", "INQ-000001", "--outcome", "no_suspicion", "--reason", "payslips match") == 0
    assert run(db, "olga", "confirm-close", "INQ-000001") == 2
    assert "a second officer confirms it" in capsys.readouterr().err
    assert run(db, "omar", "confirm-close", "INQ-000001") == 0
    assert "Investigation INQ-000001 is closed (outcome: no suspicion)." in capsys.readouterr().out
    for name in ("sar.pdf", "sar.csv"):
        assert run(db, "olga", "sar", "INQ-000001", "--out", str(tmp_path / name)) == 0
    assert (tmp_path / "sar.pdf").read_bytes().startswith(b"%PDF")
    assert "transaction,ORD-2" in (tmp_path / "sar.csv").read_text(encoding="utf-8-sig")
    assert run(db, "olga", "sar", "INQ-000001", "--out", str(tmp_path / "sar.docx")) == 2
    capsys.readouterr()
    assert run(db, "olga", "list", "--all", "--investor", "INV-1", "--json") == 0
    assert [r["ref"] for r in json.loads(capsys.readouterr().out)] == ["INQ-000001"]
    assert run(db, "olga", "list", "--all", "--investor", "INV-2", "--json") == 0
    assert json.loads(capsys.readouterr().out) == []
    assert run(db, "olga", "list", "--investor", "INV-404") == 2
    assert "no investor 'INV-404'" in capsys.readouterr().err
    assert run(db, "olga", "show", "INQ-404") == 2
    assert "No investigation 'INQ-404'" in capsys.readouterr().err
