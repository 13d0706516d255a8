"""fidus kyc checklists show | versions | set: the shipped list until one is saved, a saved JSON list used by
new cases, and bad files refused with exit 2 and a message (nothing written)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fidus_desktop.bootstrap import open_context
from tests.compliance.test_kyc_commands import PASSWORD, db, run

__all__ = ["db"]  # the CLI database fixture
SHORT = [{"code": "identity", "label": "Passport", "expires": True},
         {"code": "address", "label": "Utility bill", "max_age_days": 60}]


def test_show_edit_set_then_new_cases_use_it(db: list[str], tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert run(db, "olga", "checklists", "show", "individual") == 0
    out = capsys.readouterr().out
    assert "KYC checklist for individual, version 0: the checklist FIDUS ships with" in out
    assert "address            Proof of address (at most 3 months old) (required, at most 92 days old)" in out
    assert run(db, "olga", "checklists", "show", "individual", "--json") == 0
    shipped = json.loads(capsys.readouterr().out)
    assert shipped[0] == {"code": "identity", "label": "Identity document", "required": True, "expires": True,
                          "max_age_days": None}
    edited = tmp_path / "individual.json"
    edited.write_text(json.dumps(SHORT))
    assert run(db, "alice", "checklists", "set", "individual", str(edited), "--reason", "new fund") == 0
    out = capsys.readouterr().out
    assert "KYC checklist for individual, version 1, saved" in out
    assert "removed source_of_funds" in out
    assert run(db, "olga", "checklists", "versions", "individual", "--json") == 0
    [saved] = json.loads(capsys.readouterr().out)
    assert (saved["version"], saved["saved_by"], saved["reason"]) == (1, "alice", "new fund")
    ctx = open_context(db[1], log_to_file=False)
    try:
        alice = ctx.services.users.authenticate("alice", PASSWORD).actor()
        ctx.services.portfolio.investors.create_investor(alice, "INV-7", "Ann New", "individual")
    finally:
        ctx.close()
    assert run(db, "olga", "status", "--investor", "INV-7", "--json") == 0
    [row] = json.loads(capsys.readouterr().out)
    assert [i["item"] for i in row["items"]] == ["identity", "address"]
    assert run(db, "olga", "status", "--investor", "INV-1", "--json") == 0
    [old] = json.loads(capsys.readouterr().out)
    assert len(old["items"]) == 6  # opened before the edit: keeps its items


@pytest.mark.parametrize(("content", "message"), [
    ('[{"code": "identity"', "is not a JSON checklist"),
    ("[]", "A checklist is a non-empty JSON list"),
    ('[{"code": "a", "label": "A"}, {"code": "a", "label": "B"}]', "the code 'a' appears twice"),
    ('[{"code": "a", "label": "A", "required": false}]', "At least one item must be required"),
    ('[{"code": "a", "label": "A", "expiry": true}]', "unknown field(s) expiry"),
    ('[{"code": "a", "label": "A", "max_age_days": -5}]', "max_age_days must be between 1"),
])
def test_a_bad_file_exits_2_with_what_to_fix_and_writes_nothing(
    db: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    path = tmp_path / "list.json"
    path.write_text(content)
    capsys.readouterr()
    assert run(db, "alice", "checklists", "set", "individual", str(path), "--reason", "try") == 2
    captured = capsys.readouterr()
    assert message in captured.out + captured.err
    assert "Traceback" not in captured.out + captured.err
    assert run(db, "olga", "checklists", "versions", "individual") == 0
    assert "No individual checklist saved yet" in capsys.readouterr().out


def test_a_missing_file_an_unknown_kind_and_a_role_that_may_not_edit(
    db: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(db, "alice", "checklists", "set", "individual", str(tmp_path / "nope.json"), "--reason", "x") == 2
    assert "Cannot read" in "".join(capsys.readouterr())
    path = tmp_path / "list.json"
    path.write_text(json.dumps(SHORT))
    with pytest.raises(SystemExit) as usage:
        run(db, "alice", "checklists", "set", "trust", str(path), "--reason", "x")
    assert usage.value.code == 2
    assert run(db, "bob", "checklists", "set", "individual", str(path), "--reason", "x") == 2  # back office may not
    assert "bob (back office) may not kyc: checklist" in "".join(capsys.readouterr())
