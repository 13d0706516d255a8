"""The demo's KYC documents: every checklist item received or approved links a stored document of its investor
that decrypts to what was stored (its SHA-256) and renders as a preview; and an investor file of the demo
opened in the Compliance tab previews its identity document."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from fidus_desktop.bootstrap import open_context
from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.security.keyring_memory import InMemoryKeyring
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.permissions import Role
from fidus_desktop.services.personal_data import Locked
from fidus_desktop.ui.background import InlineRunner
from fidus_desktop.ui.compliance.preview import render
from fidus_desktop.ui.compliance.tab import ComplianceTab
from fidus_desktop.ui.session import UiSession
from tests.support.demo import DEMO_KEYRING, open_demo

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
OFFICER = Actor("u-officer", "officer", Role.COMPLIANCE_OFFICER, workstation="test")
HELD = ("received", "approved")


def test_every_document_a_demo_checklist_item_links_opens_and_renders(demo_db: Path) -> None:
    with open_demo(demo_db) as (services, _admin):
        cases = services.kyc.cases.find({})
        linked = [(case["investor_id"], item) for case in cases for item in case["items"] if item["status"] in HELD]
        assert len(linked) > 500  # the demo's files: hundreds of items received or approved
        assert all(item["document_id"] for _, item in linked), "a received or approved item without a document"
        rendered: dict[str, int] = {}  # the same bytes render the same: each distinct file rendered once
        for investor_id, item in linked:
            record = services.documents.documents.get(item["document_id"])
            assert record is not None
            assert record["owner_id"] == investor_id
            content = services.documents.open(OFFICER, item["document_id"])
            assert not isinstance(content, Locked)
            digest = hashlib.sha256(content).hexdigest()
            assert digest == record["sha256"]
            if digest not in rendered:
                shown = render(content, record["media_type"], 0)
                assert shown.image.width() > 0
                assert not shown.image.isNull()
                rendered[digest] = shown.pages
        assert set(rendered.values()) == {1}
        assert len(rendered) >= 6  # one specimen per requirement, not one file for everything


def test_a_demo_investor_file_previews_its_identity_document(qtbot: QtBot, demo_db: Path, tmp_path: Path) -> None:
    keyring = InMemoryKeyring()
    keyring._secrets.update(DEMO_KEYRING._secrets)
    ctx = open_context(f"sqlite:///{demo_db.as_posix()}", secrets=SecretStore(keyring), log_to_file=False)
    try:
        case = next(c for c in ctx.services.kyc.cases.find({"status": "approved", "kind": "individual"}))
        view = ComplianceTab(UiSession(ctx, OFFICER, InlineRunner()))
        qtbot.addWidget(view)
        view.resize(1280, 720)
        view.show()
        view.show_investor(case["investor_id"])
        panel = view.files.panel  # type: ignore[union-attr]
        assert panel.file is not None
        assert panel.file.investor.investor_id == case["investor_id"]
        codes = [e.code for e in panel.items.records]
        assert panel.items.data(panel.items.index(codes.index("identity"), 5)) == "identity-specimen.pdf"
        panel.tabs.setCurrentIndex(1)
        names = [d.name for d in panel.documents.records]
        panel.documents_view.selectRow(names.index("identity-specimen.pdf"))
        assert not panel.preview.image.pixmap().isNull()
        assert panel.preview.shown is not None
        assert panel.preview.shown.pages == 1
    finally:
        ctx.close()
