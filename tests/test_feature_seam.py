"""The feature seam: one new feature (tests/example_feature, the worked example of docs/DEVELOPERS.md) plugged in
by one line in ``features.FEATURES`` reaches the services, role matrix, CLI, demo, tabs and settings."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from fidus_desktop import features
from fidus_desktop.bootstrap import AppContext, Services, open_context
from fidus_desktop.cli.main import main
from fidus_desktop.features.registry import settings_schema
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ServiceContext
from fidus_desktop.services.demo import DemoRun
from fidus_desktop.services.permissions import ROLE_PERMISSIONS, PermissionDenied, Role, allowed
from fidus_desktop.store.sqlite import SqliteStore
from fidus_desktop.ui.background import InlineRunner
from fidus_desktop.ui.main_window import MainWindow
from fidus_desktop.ui.session import UiSession
from tests.example_feature.feature import MEMOS
from tests.example_feature.service import MemoPermission
from tests.example_feature.tab import MemosTab
from tests.support.cli_policy import admins_without_mfa
from tests.support.users import ADMIN_PASSWORD


@pytest.fixture
def with_memos(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The one line of the worked example: the feature appended to ``FEATURES``."""
    monkeypatch.setattr(features, "FEATURES", (*features.FEATURES, MEMOS))
    monkeypatch.setattr(ROLE_PERMISSIONS, "_matrix", None)  # the matrix is gathered again from the new list
    monkeypatch.setattr(ROLE_PERMISSIONS, "_declared", ())
    yield
    ROLE_PERMISSIONS._matrix = None  # and again from the shipped list afterwards


@pytest.fixture
def office(with_memos: None, tmp_path: Path, secrets: object) -> Iterator[tuple[AppContext, Actor]]:
    ctx = open_context(f"sqlite:///{(tmp_path / 'memos.db').as_posix()}", log_to_file=False)
    admin = ctx.services.users.create_first_admin("admin", ADMIN_PASSWORD, "Administrator").actor()
    yield ctx, admin
    ctx.close()


def test_the_feature_brings_its_service_permissions_and_setting(office: tuple[AppContext, Actor]) -> None:
    ctx, admin = office
    memo = ctx.services.memos.write(admin, "fidus-us", "Board call moved to Friday.")
    assert [m.text for m in ctx.services.memos.list(admin, "FIDUS-US")] == ["Board call moved to Friday."]
    assert ctx.store.collection("audit").find_one({"entity": "memo"})["entity_id"] == memo.memo_id
    assert allowed(Role.PORTFOLIO_MANAGER, MemoPermission.WRITE)
    assert allowed(Role.COMPLIANCE_OFFICER, MemoPermission.READ)
    assert not allowed(Role.COMPLIANCE_OFFICER, MemoPermission.WRITE)
    assert not allowed(Role.CLIENT, MemoPermission.READ)
    assert allowed(Role.ADMIN, MemoPermission.WRITE)  # the administrator holds every declared permission
    client = Actor(user_id="c", username="client", role=Role.CLIENT, workstation="test")
    with pytest.raises(PermissionDenied, match="memos: read"):
        ctx.services.memos.list(client)
    assert ctx.settings.get("memos.max_length") == 2000
    assert "memos.max_length" in settings_schema().settings


def test_the_feature_brings_its_command(office: tuple[AppContext, Actor], monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    ctx, _ = office
    admins_without_mfa()  # this test is about the command, not sign-in
    monkeypatch.setenv("FIDUS_PASSWORD", ADMIN_PASSWORD)
    db = ["--db", ctx.db_uri]
    assert main([*db, "memos", "add", "--user", "admin", "--fund", "FIDUS-US", "--text", "Rebalance next week."]) == 0
    assert main([*db, "memos", "list", "--user", "admin"]) == 0
    assert "FIDUS-US admin: Rebalance next week." in capsys.readouterr().out
    assert main([*db, "memos", "add", "--user", "admin", "--fund", "not a code!", "--text", "x"]) == 2
    assert "fund code" in capsys.readouterr().err


def test_the_feature_brings_its_demo_builder_in_order(with_memos: None, tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "d.db")
    try:
        services = Services(ServiceContext(store))
        assert [b.__name__ for b in services.demo_builders()] == [
            "demo_users", "demo_portfolio", "demo_personal_data", "demo_prospects", "demo_mail_templates",
            "demo_activities", "demo_agents", "demo_compliance", "demo_readiness", "demo_mt5", "demo_envelopes",
            "demo_memos"]
        admin = services.users.create_first_admin("demo.admin", ADMIN_PASSWORD, "Admin")
        maria = services.users.create_user(admin.actor(), "maria.costa", ADMIN_PASSWORD, "portfolio_manager", "Maria")
        run = DemoRun(services, random.Random(1), admin.actor(), {"maria.costa": maria})
        services.demo_builders()[-1](run)
        assert len(services.memos.list(admin.actor())) == 3
    finally:
        store.close()


def test_the_feature_brings_its_tab_built_when_first_shown(qtbot: QtBot, office: tuple[AppContext, Actor]) -> None:
    ctx, admin = office
    window = MainWindow(UiSession(ctx, admin, InlineRunner()), restore_state=False)
    qtbot.addWidget(window)
    window.show()
    assert window.tab_names == ["portfolio", "trading", "crm", "compliance", "signing", "admin", "memos"]
    frame = window.lazy_tabs[window.tab_names.index("memos")]
    assert frame.content is None  # not shown yet, not built
    ctx.services.memos.write(admin, "FIDUS-US", "Shown when the tab opens.")
    assert window.select_tab("memos")
    assert isinstance(frame.content, MemosTab)
    assert frame.content.memos.item(0).text() == "FIDUS-US · admin: Shown when the tab opens."
    assert window.lazy_tabs[window.tab_names.index("crm")].content is None
    window.close()


def test_a_role_without_the_tabs_permission_does_not_see_it(qtbot: QtBot, office: tuple[AppContext, Actor]) -> None:
    ctx, admin = office
    client = ctx.services.users.create_user(admin, "carla", ADMIN_PASSWORD, "client", "Carla").actor()
    window = MainWindow(UiSession(ctx, client, InlineRunner()), restore_state=False)
    qtbot.addWidget(window)
    assert "memos" not in window.tab_names
    window.close()
