"""``fidus sign envelopes``, ``fidus sign envelope …`` and ``fidus sign certificate``: a subscription agreement from
create to certificate of completion, a PDF with placed fields, and bad input refused with exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fidus_desktop.bootstrap import open_context
from tests.keys_backup import test_cli
from tests.keys_backup.test_cli import run
from tests.signing.test_pades import agreement

db = test_cli.db


@pytest.fixture
def office(db: list[str], capsys: pytest.CaptureFixture[str]) -> list[str]:
    """The CLI database with an office certificate, a fund, a EUR class and investor INV-1."""
    ctx = open_context(db[1], log_to_file=False)
    try:
        admin = ctx.services.users.authenticate("alice", test_cli.ADMIN_PASSWORD).actor()
        p = ctx.services.portfolio
        fund = p.funds.create_fund(admin, "GLB", "Global Opportunities", "EUR")
        p.funds.create_class(admin, fund.fund_id, "GLB-A-EUR", "A EUR", "EUR", launch_date="2023-01-01")
        p.investors.create_investor(admin, "INV-1", "Ann Smith", "individual", email="ann@example.com")
    finally:
        ctx.close()
    assert run(db, capsys, "sign", "office-certificate", "create", "--name", "Office", "--organisation", "Org")[0] == 0
    return db


def test_a_subscription_agreement_from_create_to_certificate(office: list[str], tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(office, capsys, "sign", "envelope", "create", "--template", "subscription_agreement",
                    "--investor", "INV-1", "--class", "GLB-A-EUR", "--amount", "250000", "--send",
                    "--signer", "Ann Smith|ann@example.com|investor|1",
                    "--signer", "Maria Rossi||office_signatory|2")
    assert code == 0, out
    assert "out for signature" in out
    code, out = run(office, capsys, "sign", "envelopes", "--json")
    [listed] = json.loads(out)["envelopes"]
    assert (listed["status"], listed["waiting_for"]) == ("sent", ["s1"])
    short = listed["reference"]
    assert listed["envelope_id"].endswith(short)
    code, out = run(office, capsys, "sign", "envelope", "sign", short, "--signer", "s1", "--typed", "Ann Smith",
                    "--identity", "ID document seen")
    assert code == 0, out
    assert "partially signed; waiting for Maria Rossi" in out
    code, out = run(office, capsys, "sign", "certificate", short, "--out", str(tmp_path / "c.pdf"))
    assert code == 2
    assert "made when the last signer signs" in out
    strokes = tmp_path / "drawing.json"
    strokes.write_text(json.dumps([[[0.1, 0.5], [0.3, 0.2], [0.6, 0.7], [0.9, 0.4]]]))
    code, out = run(office, capsys, "sign", "envelope", "sign", short, "--signer", "s2", "--drawing", str(strokes),
                    "--identity", "Known client")
    assert code == 0, out
    assert "completed" in out
    code, out = run(office, capsys, "sign", "certificate", short, "--out", str(tmp_path / "c.pdf"))
    assert code == 0, out
    assert run(office, capsys, "sign", "verify", str(tmp_path / "c.pdf"))[0] == 0
    assert run(office, capsys, "sign", "envelope", "pdf", short, "--out", str(tmp_path / "signed.pdf"))[0] == 0
    code, out = run(office, capsys, "sign", "verify", str(tmp_path / "signed.pdf"))
    assert code == 0, out
    assert out.count("valid") == 2
    code, out = run(office, capsys, "sign", "envelope", "show", short)
    assert "[Completed]" in out
    assert "s1 Ann Smith (investor, order 1): signed" in out
    code, out = run(office, capsys, "sign", "envelopes", "--status", "completed")
    assert short in out
    code, out = run(office, capsys, "sign", "envelope", "drive", short)  # Google is not configured here
    assert code == 2
    assert "Connect your Google account first" in out or "may not use Google" in out


def test_a_pdf_with_placed_fields_declined_and_voided(office: list[str], tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(agreement(2))
    code, out = run(office, capsys, "sign", "envelope", "create", "--pdf", str(pdf), "--title", "Side letter",
                    "--investor", "INV-1", "--signer", "Ann Smith||investor|1",
                    "--field", "1:signature:2:72,72,252,132", "--field", "1:text:1:72,200,300,220:optional", "--send")
    assert code == 0, out
    envelope_id = out.split()[1]
    code, out = run(office, capsys, "sign", "envelope", "decline", envelope_id, "--signer", "s1",
                    "--reason", "amount too high")
    assert code == 0, out
    assert "declined" in out
    code, out = run(office, capsys, "sign", "envelope", "void", envelope_id, "--reason", "x")
    assert code == 2
    assert "only a draft or an open envelope can be voided" in out


def test_envelopes_made_together_have_distinct_references(office: list[str],
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """Ids are time-ordered: their first characters are the same for envelopes made together, so lists and
    commands use the random last group."""
    for _ in range(3):
        assert run(office, capsys, "sign", "envelope", "create", "--template", "kyc_declaration", "--investor",
                   "INV-1", "--signer", "Ann Smith||investor|1")[0] == 0
    code, out = run(office, capsys, "sign", "envelopes", "--json")
    listed = json.loads(out)["envelopes"]
    references = {e["reference"] for e in listed}
    assert len(references) == 3
    assert len({e["envelope_id"][:8] for e in listed}) < 3  # what a slice from the front would have shown
    for envelope in listed:
        code, out = run(office, capsys, "sign", "envelope", "show", envelope["reference"], "--json")
        assert code == 0, out
        assert json.loads(out)["envelope_id"] == envelope["envelope_id"]


@pytest.mark.parametrize(("argv", "message"), [
    (["envelope", "create", "--template", "subscription_agreement", "--investor", "INV-1", "--signer", "Ann"],
     "write NAME|EMAIL|ROLE|ORDER"),
    (["envelope", "create", "--template", "subscription_agreement", "--investor", "INV-9",
      "--signer", "Ann||investor|1"], "There is no investor INV-9"),
    (["envelope", "create", "--template", "subscription_agreement", "--investor", "INV-1", "--class", "GLB-A-EUR",
      "--amount", "-5", "--signer", "Ann||investor|1"], "must be a positive number"),
    (["envelope", "create", "--pdf", "x.pdf", "--signer", "Ann||investor|1", "--field", "1:stamp:1:1,2,3,4"],
     "write SIGNER:KIND:PAGE"),
    (["envelope", "show", "zzzz"], "There is no envelope zzzz"),
    (["envelope", "send", "ab"], "give more of its id"),
])
def test_bad_input_exits_2_with_a_message(office: list[str], capsys: pytest.CaptureFixture[str], argv: list[str],
                                          message: str) -> None:
    code, out = run(office, capsys, "sign", *argv)
    assert code == 2
    assert message in out
    assert "Traceback" not in out
