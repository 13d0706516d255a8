"""A MongoDB user whose roles only read opens the database read-only up front (``connectionStatus`` with
``showPrivileges``), like a write-protected SQLite file: reads, ``audit verify``, reports and exports work, a
command that would change it is refused with the same message before anything is sent, and the window says so.

Over the strict replica-set double, which answers ``connectionStatus`` as a server does and refuses writes a
role does not allow with the server's error 13; on a real server when ``FIDUS_TEST_MONGODB_URI`` names a user
that may create users (``userAdmin`` on the test database or more).
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from pymongo.errors import OperationFailure
from pytestqt.qtbot import QtBot

from fidus_desktop import bootstrap
from fidus_desktop.bootstrap import AppContext, open_context
from fidus_desktop.cli import main
from fidus_desktop.store.errors import ReadOnlyDatabase, StorageError
from fidus_desktop.store.mongo import MongoStore
from fidus_desktop.store.mongo_privileges import read_only_reason
from tests.support.cli_policy import no_mfa_required
from tests.support.mongomock_shim import bson_storage, server_comparisons
from tests.support.strict_mongo import StrictClient
from tests.support.users import ADMIN_PASSWORD

DB = "office"
READ_WRITE = (("readWrite", DB),)
READ = (("read", DB),)
MONGODB_URI = os.environ.get("FIDUS_TEST_MONGODB_URI")


@pytest.fixture
def client() -> Iterator[StrictClient]:
    """A replica set with access control; the application's user may read and write ``office``."""
    with server_comparisons(), bson_storage():
        yield StrictClient(user="fidus-app", roles=READ_WRITE)


def test_a_read_write_user_opens_for_writing(client: StrictClient) -> None:
    store = MongoStore(client, DB)
    assert not store.read_only
    store.collection("notes").insert({"_id": "n1", "text": "kept"})
    assert store.collection("notes").get("n1")["text"] == "kept"
    assert not any("read-only" in fact for fact in store.details())
    assert client.calls["connectionStatus"] == 1


def test_a_read_only_user_is_detected_and_refused_before_anything_is_sent(client: StrictClient) -> None:
    MongoStore(client, DB).collection("notes").insert({"_id": "n1", "text": "kept"})
    client.roles = READ  # the same database, now opened by a user whose role only reads
    store = MongoStore(client, DB)
    assert store.read_only
    assert store.read_only_reason == ("the MongoDB user fidus-app@admin (roles: read@office) may not insert, remove, "
                                      "update in database office")
    assert "read-only: the MongoDB user fidus-app@admin" in " ".join(store.details())
    notes = store.collection("notes")
    assert notes.get("n1")["text"] == "kept"
    writes = sum(client.calls[op] for op in ("insert_one", "find_one_and_update", "delete_one", "create_index"))
    for attempt in (lambda: notes.insert({"_id": "n2"}), lambda: notes.update("n1", {"text": "x"}, expected_version=1),
                    lambda: notes.delete("n1"), lambda: store.drop_collection("notes"),
                    lambda: store.atomic(lambda: None)):
        with pytest.raises(ReadOnlyDatabase, match=r"open read-only \(the MongoDB user .*nothing was written"):
            attempt()
    notes.ensure_index(["text"])  # declared, not created
    assert sum(client.calls[op] for op in ("insert_one", "find_one_and_update", "delete_one",
                                           "create_index")) == writes
    assert notes.get("n1") == {"_id": "n1", "text": "kept", "version": 1}


def test_the_double_refuses_a_write_the_role_does_not_allow_as_a_server_does(client: StrictClient) -> None:
    store = MongoStore(client, DB)
    client.roles = READ  # the role changed after the store was opened: the server has the last word
    with pytest.raises(StorageError, match="not authorized"):
        store.collection("notes").insert({"_id": "n1"})


def test_a_server_that_does_not_answer_connection_status_opens_for_writing(
    client: StrictClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: Any, command: Any) -> Any:
        raise OperationFailure("no such command: 'connectionStatus'", 59)

    monkeypatch.setattr(type(client[DB]), "command", refuse)
    store = MongoStore(client, DB)
    assert not store.read_only
    assert any("privileges could not be checked" in fact for fact in store.details())


def test_privileges_granted_per_collection_must_cover_every_collection_written() -> None:
    status = {"authInfo": {
        "authenticatedUsers": [{"user": "clerk", "db": "admin"}],
        "authenticatedUserRoles": [{"role": "auditWriter", "db": "office"}],
        "authenticatedUserPrivileges": [
            {"resource": {"db": "office", "collection": ""}, "actions": ["find"]},
            {"resource": {"db": "office", "collection": "audit"}, "actions": ["insert", "update", "remove"]},
            {"resource": {"cluster": True}, "actions": ["insert"]},
        ]}}
    assert read_only_reason(status, "office", ["audit"]) is None
    assert read_only_reason(status, "office", ["audit", "meta"]) == (
        "the MongoDB user clerk@admin (roles: auditWriter@office) may not insert, remove, update in meta in "
        "database office")
    every = {"authInfo": {**status["authInfo"], "authenticatedUserPrivileges": [
        {"resource": {"anyResource": True}, "actions": ["insert", "update", "remove"]}]}}
    assert read_only_reason(every, "office", ["audit", "meta"]) is None
    assert read_only_reason({"authInfo": {"authenticatedUsers": []}}, "office", ["meta"]) is None


# -- the application on a read-only user's connection --------------------------------------------------------
@pytest.fixture
def office(client: StrictClient, monkeypatch: pytest.MonkeyPatch) -> StrictClient:
    """A migrated office with administrator alice and a fund, written by the read-write user; afterwards every
    ``--db mongodb://…`` opens this double as the read-only user."""
    monkeypatch.setattr(bootstrap, "open_store", lambda uri, **kwargs: MongoStore(client, DB))
    ctx = open_context("mongodb://strict-replica/office", log_to_file=False)
    alice = ctx.services.users.create_first_admin("alice", ADMIN_PASSWORD, "Alice")
    actor = alice.actor()
    fund = ctx.services.portfolio.funds.create_fund(actor, "GLB", "Global", "EUR")
    ctx.services.portfolio.funds.create_class(actor, fund.fund_id, "GLB-A-EUR", "A EUR", "EUR",
                                              launch_date="2023-01-01")
    ctx.close()
    no_mfa_required()
    monkeypatch.setenv("FIDUS_PASSWORD", ADMIN_PASSWORD)
    monkeypatch.delenv("FIDUS_USER", raising=False)
    client.roles = READ
    return client


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["--db", "mongodb://strict-replica/office", *argv, "--user", "alice"])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_reads_verify_reports_and_exports_work_and_writes_are_refused(
    office: StrictClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = office.save()
    code, out = run(capsys, "audit", "verify")
    assert code == 0, out
    assert "intact" in out
    for command in (["funds", "list"], ["investors", "list"], ["report", "factsheet", "--fund", "GLB", "--out",
                                                               str(tmp_path / "f.pdf")],
                    ["audit", "export", "--out", str(tmp_path / "audit.csv")]):
        code, out = run(capsys, *command)
        assert code == 0, (command, out)
    assert (tmp_path / "f.pdf").read_bytes().startswith(b"%PDF")
    code, out = run(capsys, "user", "add", "newcomer", "--role", "client", "--new-password-env", "FIDUS_PASSWORD")
    assert code == 2
    assert "open read-only (the MongoDB user fidus-app@admin (roles: read@office)" in out
    assert "nothing was written" in out
    assert office.save() == before  # not one document or index changed (sign-ins were not recorded either)


def doctor_database_check(capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    capsys.readouterr()
    main(["--db", "mongodb://strict-replica/office", "doctor", "--json"])
    return {c["name"]: c for c in json.loads(capsys.readouterr().out)}["database"]


def test_doctor_names_the_read_only_reason_for_a_read_only_user_only(
    office: StrictClient, capsys: pytest.CaptureFixture[str]
) -> None:
    before = office.save()
    check = doctor_database_check(capsys)
    assert ("read-only: the MongoDB user fidus-app@admin (roles: read@office) may not insert, remove, update in "
            "database office") in check["detail"], check
    assert office.save() == before  # doctor changed nothing either
    office.roles = READ_WRITE  # the same office opened by the application's read-write user
    check = doctor_database_check(capsys)
    assert check["detail"].startswith("MongoDB"), check
    assert "read-only" not in check["detail"], check
    assert "may not" not in check["detail"], check
    assert "privileges could not be checked" not in check["detail"]


def test_the_window_says_read_only_and_starts_no_writer(office: StrictClient, qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QLabel

    from fidus_desktop.ui.background import InlineRunner
    from fidus_desktop.ui.main_window import MainWindow
    from fidus_desktop.ui.session import UiSession

    ctx: AppContext = open_context("mongodb://strict-replica/office", log_to_file=False)
    try:
        user = ctx.services.users.authenticate("alice", ADMIN_PASSWORD)
        window = MainWindow(UiSession(ctx, user.actor(), InlineRunner()), restore_state=False)
        qtbot.addWidget(window)
        window.show()
        banner = window.findChild(QLabel, "readOnlyBanner")
        assert banner is not None
        assert "roles: read@office" in banner.text()
        assert window.windowTitle().endswith("(read-only)")
        assert not window.backups.timer.isActive()
        window.close()
    finally:
        ctx.close()


# -- a real server -------------------------------------------------------------------------------------------
@pytest.mark.mongodb
@pytest.mark.skipif(not MONGODB_URI, reason="set FIDUS_TEST_MONGODB_URI to run against a real MongoDB")
def test_a_real_servers_read_only_user_is_detected() -> None:
    assert MONGODB_URI is not None
    name = f"fidus_test_{uuid.uuid4().hex[:12]}"
    owner = MongoStore(MONGODB_URI, name)
    users = {"reader": "read", "writer": "readWrite"}
    try:
        owner.collection("notes").insert({"_id": "n1", "text": "kept"})
        for user, role in users.items():
            owner.db.command("createUser", f"{user}_{name}", pwd="pw-" + name, roles=[{"role": role, "db": name}])
        parts = urlsplit(MONGODB_URI)
        host = parts.netloc.rsplit("@", 1)[-1]
        opened = {}
        for user in users:
            netloc = f"{quote(f'{user}_{name}')}:{quote('pw-' + name)}@{host}"
            query = "&".join(q for q in [parts.query, f"authSource={name}"] if q)
            store = MongoStore(urlunsplit((parts.scheme, netloc, f"/{name}", query, "")), name)
            opened[user] = store.read_only
            if store.read_only:
                with pytest.raises(ReadOnlyDatabase):
                    store.collection("notes").insert({"_id": "n2"})
            store.close()
        assert opened == {"reader": True, "writer": False}
    finally:
        for user in users:
            try:
                owner.db.command("dropUser", f"{user}_{name}")
            except OperationFailure:
                pass
        owner.client.drop_database(name)
        owner.close()
