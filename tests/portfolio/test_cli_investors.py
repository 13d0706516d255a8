"""``fidus investors show|set-personal|find``: sealed fields, audited reveals, locked workstations, exit codes."""

from __future__ import annotations

import json
from datetime import date, timedelta

import keyring
import pytest

from fidus_desktop.security.keyring_memory import InMemoryKeyring
from fidus_desktop.store.sqlite import SqliteStore
from tests.portfolio.test_cli_demo import cli_db, run  # noqa: F401  (fixture)

IBAN = "DE89 3704 0044 0532 0130 00"


@pytest.fixture
def keyed_db(cli_db: list[str], monkeypatch: pytest.MonkeyPatch) -> list[str]:  # noqa: F811  (fixture)
    """Personal values travel in environment variables, never as arguments (the process list shows those)."""
    monkeypatch.setenv("OFFICE_PASSPHRASE", "office safe combination 7")
    for var, value in (("IBAN", IBAN), ("NID", "X-1234 567"), ("DOB", "1980-02-29"), ("IBAN_LOWER",
                       "de89370400440532013000"), ("NID_Z", "Z-1"), ("BAD_IBAN", "DE89 3704 0044 0532 0130 01"),
                       ("TAX", "T-1")):
        monkeypatch.setenv(var, value)
    assert run(cli_db, "key", "init", "--passphrase-env", "OFFICE_PASSPHRASE") == 0
    return cli_db


def audit_actions(db: list[str]) -> list[str]:
    store = SqliteStore(db[1].removeprefix("sqlite:///"))
    try:
        return [d["action"] for d in store.collection("audit").find(sort=[("seq", 1)])]
    finally:
        store.close()


def test_set_show_reveal_and_find(keyed_db: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert run(keyed_db, "investors", "set-personal", "INV-1", "--iban", "env:IBAN", "--national-id", "env:NID",
               "--date-of-birth", "env:DOB") == 0
    assert "iban set" in capsys.readouterr().out
    assert run(keyed_db, "investors", "show", "inv-1", "--json") == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["iban"].startswith("••••")
    assert shown["tax_id"] is None
    assert "personal_data.read" not in audit_actions(keyed_db)
    assert run(keyed_db, "investors", "show", "INV-1", "--reveal", "iban", "--json") == 0
    assert json.loads(capsys.readouterr().out)["iban"] == "DE89370400440532013000"
    assert audit_actions(keyed_db).count("personal_data.read") == 1
    assert run(keyed_db, "investors", "find", "--iban", "env:IBAN_LOWER", "--json") == 0
    assert [i["number"] for i in json.loads(capsys.readouterr().out)["investors"]] == ["INV-1"]
    assert run(keyed_db, "investors", "find", "--national-id", "env:NID_Z") == 0
    assert "No investor has this national id" in capsys.readouterr().out
    assert run(keyed_db, "investors", "set-personal", "INV-1", "--clear", "iban") == 0
    assert run(keyed_db, "investors", "show", "INV-1") == 0
    out = capsys.readouterr().out
    assert "iban: —" in out
    assert "national_id: •••• (on file" in out


def test_bad_values_and_unknown_investors_exit_2(keyed_db: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert run(keyed_db, "investors", "set-personal", "INV-1", "--iban", "env:BAD_IBAN") == 2
    assert "fails its check digits" in capsys.readouterr().err
    assert run(keyed_db, "investors", "set-personal", "INV-1") == 2
    assert "Nothing to change" in capsys.readouterr().err
    assert run(keyed_db, "investors", "set-personal", "INV-1", "--iban", "env:IBAN", "--clear", "iban") == 2
    assert "contradict" in capsys.readouterr().err
    assert run(keyed_db, "investors", "show", "INV-404") == 2
    assert "There is no investor 'INV-404'" in capsys.readouterr().err
    assert run(keyed_db, "investors", "set-personal", "INV-1", "--iban", IBAN) == 2  # the value itself: refused
    assert "not the value itself" in capsys.readouterr().err
    assert "investor.update" not in audit_actions(keyed_db)


def test_a_workstation_without_the_key_shows_locked_and_exits_1(
    keyed_db: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(keyed_db, "investors", "set-personal", "INV-1", "--iban", "env:IBAN") == 0
    keyring.set_keyring(InMemoryKeyring())  # another workstation: same database, empty keyring
    assert run(keyed_db, "investors", "show", "INV-1", "--reveal", "iban") == 0
    assert "iban: 🔒 locked — enrol this workstation" in capsys.readouterr().out
    assert run(keyed_db, "investors", "find", "--iban", "env:IBAN") == 1
    assert "fidus key enroll" in capsys.readouterr().err
    assert run(keyed_db, "investors", "set-personal", "INV-1", "--tax-id", "env:TAX") == 1
    assert "not enrolled" in capsys.readouterr().err


def test_end_relationship_is_recorded_and_a_future_date_is_refused(
    cli_db: list[str], capsys: pytest.CaptureFixture[str]  # noqa: F811  (fixture)
) -> None:
    soon = (date.today() + timedelta(days=30)).isoformat()
    assert run(cli_db, "investors", "end-relationship", "INV-1", "--on", soon) == 2
    assert "in the future" in capsys.readouterr().err
    assert run(cli_db, "investors", "end-relationship", "INV-1", "--on", "2099-01-01") == 2
    assert "not plausible" in capsys.readouterr().err
    assert run(cli_db, "investors", "end-relationship", "INV-1", "--on", "2020-06-30") == 0
    assert "ended on 2020-06-30" in capsys.readouterr().out
    assert audit_actions(cli_db).count("investor.relationship_end") == 1


def test_create_edit_and_show_nationalities(cli_db: list[str], capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    assert run(cli_db, "investors", "create", "--number", "INV-900", "--name", "Mara Costa", "--kind", "individual",
               "--nationality", "pt", "--nationality", "br") == 0
    assert "Created INV-900 Mara Costa (individual, nationality PT, BR)" in capsys.readouterr().out
    assert run(cli_db, "investors", "show", "INV-900", "--json") == 0
    assert json.loads(capsys.readouterr().out)["nationalities"] == ["PT", "BR"]
    assert run(cli_db, "investors", "edit", "INV-900", "--nationality", "PT") == 0
    assert run(cli_db, "investors", "show", "INV-900") == 0
    assert "nationalities: PT" in capsys.readouterr().out
    assert run(cli_db, "investors", "edit", "INV-900", "--nationality", "") == 0
    assert run(cli_db, "investors", "show", "INV-900") == 0
    assert "nationalities: —" in capsys.readouterr().out
    assert run(cli_db, "investors", "edit", "INV-900", "--nationality", "XX") == 2
    assert "'XX' is not an ISO country code" in capsys.readouterr().err
    assert run(cli_db, "investors", "create", "--number", "INV-901", "--name", "Acme Ltd", "--kind", "corporate",
               "--nationality", "GB") == 2
    assert "corporate investor has no nationality" in capsys.readouterr().err
    assert run(cli_db, "investors", "edit", "INV-900") == 2
    assert "Nothing to change" in capsys.readouterr().err


def test_create_edit_and_show_residence_and_incorporation(cli_db: list[str],  # noqa: F811
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert run(cli_db, "investors", "create", "--number", "INV-900", "--name", "Mara Costa", "--kind", "individual",
               "--residence", "lu") == 0
    assert "Created INV-900 Mara Costa (individual, resident in LU)" in capsys.readouterr().out
    assert run(cli_db, "investors", "create", "--number", "INV-901", "--name", "Acme Ltd", "--kind", "corporate",
               "--incorporation", "IE") == 0
    assert "Created INV-901 Acme Ltd (corporate, incorporated in IE)" in capsys.readouterr().out
    assert run(cli_db, "investors", "edit", "INV-900", "--residence", "PT") == 0
    assert "Saved INV-900 Mara Costa (individual, resident in PT)" in capsys.readouterr().out
    assert run(cli_db, "investors", "show", "INV-900", "--json") == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["residence_country"], shown["incorporation_country"]) == ("PT", None)
    assert run(cli_db, "investors", "edit", "INV-900", "--residence", "") == 0
    assert run(cli_db, "investors", "show", "INV-900") == 0
    assert "residence_country: —" in capsys.readouterr().out
    assert run(cli_db, "investors", "edit", "INV-901", "--residence", "GB") == 2
    assert "Only an individual has a country of residence" in capsys.readouterr().err
    assert run(cli_db, "investors", "edit", "INV-900", "--incorporation", "XX") == 2
    assert "'XX' is not an ISO country code" in capsys.readouterr().err
