"""fidus kyc owners show | set: a tree from CSV and JSON, its beneficial owners, the owners screened on save, and
bad files refused with exit 2 and a message (nothing written); the file parser round-trips any CSV."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fidus_desktop.bootstrap import open_context
from fidus_desktop.cli.common import CliError
from fidus_desktop.cli.kyc_owners import COLUMNS, parse_tree
from tests.compliance.conftest import sdn_excerpt
from tests.compliance.test_kyc_commands import PASSWORD, db, run
from tests.compliance.test_screening_service import MARZOOK, PUTIN

__all__ = ["db"]  # the CLI database fixture
ROOT = "Northwind Trading Ltd"
CSV = ("owner,kind,share,company,country\n"
       f"Holding Co,company,70,{ROOT},lu\n"
       f"Jane Miller,person,30 %,{ROOT},\n"
       "Vladimir Putin,person,100,Holding Co,\n")


@pytest.fixture
def office(db: list[str]) -> list[str]:
    ctx = open_context(db[1], log_to_file=False)
    try:
        alice = ctx.services.users.authenticate("alice", PASSWORD).actor()
        ctx.services.portfolio.investors.create_investor(alice, "INV-9", ROOT, "corporate")
        ctx.services.screening_lists.import_file(alice, "ofac", sdn_excerpt(MARZOOK, PUTIN), "sdn.csv")
    finally:
        ctx.close()
    return db


def test_set_from_csv_then_show_and_json(office: list[str], tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert run(office, "olga", "owners", "show", "INV-9") == 0
    assert "No ownership tree entered for Northwind Trading Ltd yet" in capsys.readouterr().out
    tree = tmp_path / "tree.csv"
    tree.write_text(CSV)
    assert run(office, "olga", "owners", "set", "INV-9", str(tree)) == 0
    out = capsys.readouterr().out
    assert "Beneficial owners (25 % or more): Vladimir Putin 70 %; Jane Miller 30 %" in out
    # every entity is screened; "Holding Co" (legal form dropped: "holding", a generic word alone) no longer
    # hits every listed company containing "holding" (DELVEST HOLDING did)
    assert "1 open screening alert(s) on owners: Vladimir Putin ~ Vladimir Vladimirovich PUTIN (ofac-sdn 35096)" in out
    assert "DELVEST" not in out
    assert run(office, "olga", "owners", "show", "INV-9", "--json") == 0
    shown = json.loads(capsys.readouterr().out)
    assert [(o["person"], o["share"]) for o in shown["beneficial_owners"]] == [("Vladimir Putin", "70 %"),
                                                                             ("Jane Miller", "30 %")]
    assert shown["beneficial_owners"][0]["through"] == [f"Vladimir Putin → Holding Co → {ROOT}"]
    assert (shown["levels"], shown["entered_by"]) == (1, "olga")
    assert [e["country"] for e in shown["holdings"]] == ["LU", None, None]  # the owner's country, as entered
    as_json = tmp_path / "tree.json"
    as_json.write_text(json.dumps({"holdings": [{"owner": "Jane Miller", "kind": "person", "share": 100,
                                                 "company": ROOT}]}))
    assert run(office, "olga", "owners", "set", "INV-9", str(as_json), "--json") == 0
    assert [o["person"] for o in json.loads(capsys.readouterr().out)["beneficial_owners"]] == ["Jane Miller"]


@pytest.mark.parametrize(("content", "name", "message"), [
    ("owner,share,company\nAnn,50,X\n", "t.csv", "the header row lacks kind"),
    ("[{\"owner\": \"Ann\"", "t.json", "is not valid JSON (line 1"),
    ("{\"owners\": []}", "t.json", "give a list of objects with owner, kind, share, company"),
    ("owner,kind,share,company\n", "t.csv", "holds no rows"),
    (f"owner,kind,share,company\nAnn,robot,50,{ROOT}\n", "t.csv", "Row 1: the owner is a person or a company"),
    (f"owner,kind,share,company\nAnn,person,lots,{ROOT}\n", "t.csv", "Row 1: 'lots' is not a percentage"),
    ("owner,kind,share,company\nAnn,person,50,Elsewhere Ltd\n", "t.csv", "holds nothing of Northwind"),
])
def test_a_bad_file_exits_2_with_what_to_fix_and_writes_nothing(
    office: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, name: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(content)
    assert run(office, "olga", "owners", "set", "INV-9", str(path)) == 2
    captured = capsys.readouterr()
    assert message in captured.out + captured.err
    assert "Traceback" not in captured.out + captured.err
    assert run(office, "olga", "owners", "show", "INV-9") == 0
    assert "No ownership tree entered" in capsys.readouterr().out


def test_a_missing_file_and_a_role_that_may_not_edit(office: list[str], tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert run(office, "olga", "owners", "set", "INV-9", str(tmp_path / "nope.csv")) == 2
    captured = capsys.readouterr()
    assert "Cannot read" in captured.out + captured.err
    tree = tmp_path / "tree.csv"
    tree.write_text(CSV)
    assert run(office, "pat", "owners", "set", "INV-9", str(tree)) == 2  # a portfolio manager may not


names = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20).filter(str.strip)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.fixed_dictionaries({"owner": names, "kind": st.sampled_from(["person", "company"]),
                                       "share": st.decimals(0, 100, places=2).map(str), "company": names}),
                min_size=1, max_size=8))
def test_any_csv_written_by_a_csv_writer_reads_back_row_for_row(rows: list[dict[str, str]]) -> None:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS))
    writer.writeheader()
    writer.writerows(rows)
    expected = [{**{c: r[c].strip() for c in COLUMNS}, "country": ""} for r in rows]  # the optional column
    assert parse_tree(out.getvalue().encode(), "tree.csv") == expected


def test_not_utf8_is_refused() -> None:
    with pytest.raises(CliError, match="not a UTF-8 text file"):
        parse_tree("owner;kind\nJosé".encode("latin-1"), "tree.csv")
