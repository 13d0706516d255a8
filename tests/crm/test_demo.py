"""The demo pipeline: 60 prospects (and 3 duplicates) across every stage through the service, one converted,
follow-ups around today (some overdue), the same board for the same seed; agents with statements."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

from fidus_desktop.bootstrap import open_context
from fidus_desktop.services.crm.demo import demo_activities, demo_prospects
from fidus_desktop.services.demo import DEMO_SEED, DemoRun, demo_users
from tests.conftest import ADMIN_PASSWORD
from tests.support.demo import open_demo


def board(tmp_path: Path, name: str) -> list[tuple[str, str, str]]:
    ctx = open_context(f"sqlite:///{(tmp_path / name).as_posix()}", log_to_file=False)
    try:
        services = ctx.services
        admin = services.users.create_first_admin("demo.admin", ADMIN_PASSWORD, "Admin").actor()
        run = DemoRun(services, random.Random(DEMO_SEED), admin)
        demo_users(run)
        demo_prospects(run)
        assert (run.made["prospects"], run.made["duplicates"]) == (60, 3)
        prospects = services.prospects.list(admin)
        assert Counter(p.stage for p in prospects) == {"Lead": 27, "Negotiation": 18, "Won": 9, "Lost": 9}
        assert [p.stage for p in prospects if p.investor_id] == ["Won"]
        today = services.prospects.now().date()
        assert any(p.next_follow_up < today for p in prospects)
        assert {p.owner for p in prospects} <= {"maria.costa", "lena.fischer"}
        lost = [services.prospects.history(admin, p.prospect_id)[-1] for p in prospects if p.stage == "Lost"]
        assert all(m.reason in services.crm_stages.lost_reasons() for m in lost)
        demo_activities(run)
        assert run.made["activities"] == 2 * 45  # two on each open prospect (27 Lead, 18 Negotiation)
        assert len(services.prospects.duplicate_groups(admin)) == 3
        assert services.crm_activities.my_day(admin)  # the demo administrator has follow-ups to do
        return [(p.display_name, p.stage, str(p.expected_amount)) for p in prospects]
    finally:
        ctx.close()


def test_demo_pipeline_is_complete_and_repeatable(tmp_path: Path) -> None:
    assert board(tmp_path, "a.db") == board(tmp_path, "b.db")


def test_demo_office_has_agents_with_statements_in_every_status(demo_db: Path) -> None:
    with open_demo(demo_db) as (services, admin):
        agents = services.crm_agents.list(admin)
        assert [a.code for a in agents] == ["AG-001", "AG-002"]
        assert all(len(services.crm_agents.clients(admin, a.code)) == 5 for a in agents)
        today = services.crm_agents.now().date()
        quarter = (today.month - 1) // 3
        period = f"{today.year}-Q{quarter}" if quarter else f"{today.year - 1}-Q4"
        statements = services.crm_agents.statements_for(admin, period)
        assert [s.status.value for s in statements if s.status] == ["approved", "pending"]
        assert all(s.prepared_by == "lena.fischer" for s in statements)
        assert any(s.lines for s in statements)
