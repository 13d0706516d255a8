"""The demo compliance desk: KYC files in every state, four eyes between the two demo officers, hits against
the real OFAC file decided or waiting, and an honest "no list imported" without the file."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest

from fidus_desktop.bootstrap import open_context
from fidus_desktop.services.compliance import demo as compliance_demo
from fidus_desktop.services.compliance.screening import AlertStatus, Disposition
from fidus_desktop.services.demo import DEMO_SEED, DemoRun, demo_users
from fidus_desktop.services.portfolio.demo import demo_portfolio
from tests.conftest import ADMIN_PASSWORD
from tests.support.demo import open_demo
from tests.support.tools import shared_file


def test_the_demo_has_kyc_files_in_every_state_and_real_ofac_hits(demo_db: Path) -> None:
    shared_file(compliance_demo.OFAC_SDN)
    with open_demo(demo_db) as (services, actor):
        statuses = Counter(v.case.status.value for v in services.kyc.status(actor) if v.case is not None)
        assert statuses["approved"] >= 8
        assert statuses["needs_update"] == 1
        assert statuses["in_review"] == 1
        assert statuses["open"] >= 4
        assert statuses["rejected"] == 1
        lapsed = [v for v in services.kyc.status(actor) if v.case and v.case.status.value == "needs_update"]
        assert any("Identity document expired" in p for p in lapsed[0].problems)
        assert any(v.expiring for v in services.kyc.status(actor))  # a reminder before a document lapses
        corporate = [v for v in services.kyc.status(actor) if v.case and v.investor.kind == "corporate"]
        assert "approved" in {v.case.status.value for v in corporate if v.case}
        trees = [services.kyc_ownership.ownership(actor, v.investor.investor_id) for v in corporate]
        [tree] = [t for t in trees if t.edges]
        assert tree.levels == 2
        assert [(o.person, float(o.share)) for o in tree.owners] == [
            ("Giulia Rossi", 0.3), ("Marco Rossi", 0.3), ("Lukas Brunner", 0.28)]

        [version] = services.screening_lists.versions(actor)
        assert version.file_name == compliance_demo.OFAC_SDN
        assert version.entry_count > 10_000
        alerts = {a.investor_number: a for a in services.screening.list_alerts(actor)}
        assert alerts["INV-00901"].disposition is Disposition.TRUE_MATCH
        assert alerts["INV-00901"].decided_by == "sofia.keller"
        assert alerts["INV-00902"].disposition is Disposition.FALSE_POSITIVE
        assert alerts["INV-00903"].status is AlertStatus.AWAITING_SECOND_OFFICER
        assert alerts["INV-00904"].status is AlertStatus.OPEN
        assert alerts["INV-00905"].entry_id == "41984"

        sofia = services.users.by_username(actor, "sofia.keller").actor()
        queue = services.compliance_queue.queue(sofia)
        assert queue.count() >= 4  # the proposal to confirm, the case in review, open alerts, documents


def test_without_the_ofac_file_no_list_is_imported_and_no_hit_is_made_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(compliance_demo, "SHARED_DATA", tmp_path / "nowhere")
    ctx = open_context(f"sqlite:///{(tmp_path / 'demo.db').as_posix()}", log_to_file=False)
    try:
        services = ctx.services
        admin = services.users.create_first_admin("demo.admin", ADMIN_PASSWORD, "Admin").actor()
        run = DemoRun(services, random.Random(DEMO_SEED), admin)
        demo_users(run)
        demo_portfolio(run)
        compliance_demo.demo_compliance(run)
        assert run.made["screening"].startswith("no sanctions list imported")
        assert services.screening_lists.versions(admin) == []
        assert services.screening.list_alerts(admin) == []
        assert "needs_update" in run.made["kyc_cases"].values()
    finally:
        ctx.close()
