"""The demo office's compliance: every investor holding units is ready to invest (approved file, agreement on
record), the others have an open file and are not, and one investigation is open."""

from __future__ import annotations

from pathlib import Path

from fidus_desktop.services.actor import Actor
from fidus_desktop.services.permissions import Role
from tests.support.demo import open_demo

OFFICER = Actor("u-officer", "officer", Role.COMPLIANCE_OFFICER, workstation="test")


def test_demo_investors_with_holdings_are_ready_and_one_investigation_is_open(demo_db: Path) -> None:
    with open_demo(demo_db) as (services, actor):
        holders = {a["investor_id"] for a in services.portfolio.investors.accounts.find({}) if a["units"] > 0}
        views = services.readiness.of_investors(actor)
        assert holders
        assert {v.investor.investor_id for v in views if v.ready} == holders
        not_ready = [v for v in views if not v.ready]
        assert not_ready
        assert any("KYC case open" in v.readiness.blocking for v in not_ready)  # the incomplete files
        assert any("confirmed sanctions match" in " ".join(v.readiness.blocking) for v in not_ready) == \
            bool(services.screening_lists.current_ids() and services.screening.list_alerts(actor))
        [case] = services.investigations.list_cases(OFFICER)
        assert (case.ref, len(case.transaction_ids), len(case.notes)) == ("INQ-000001", 2, 1)
