"""My queue per role: the maker waits, the checker acts, back office checks documents, the administrator
decides nothing; overdue expiries first."""

from __future__ import annotations

from datetime import timedelta

from fidus_desktop.bootstrap import AppContext
from fidus_desktop.domain.compliance.kyc import ItemStatus
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.compliance.queue import Section
from fidus_desktop.services.permissions import Role
from tests.compliance.conftest import sdn_excerpt

OLGA = Actor("officer-1", "olga", Role.COMPLIANCE_OFFICER, "test")
OMAR = Actor("officer-2", "omar", Role.COMPLIANCE_OFFICER, "test")
LENA = Actor("back-1", "lena", Role.BACK_OFFICE, "test")


def parts(ctx: AppContext, actor: Actor, section: Section) -> list[tuple[str, str, bool]]:
    return [(i.investor_number, i.part, i.mine) for i in ctx.services.compliance_queue.queue(actor).of(section)]


def test_each_role_sees_its_part(app_context: AppContext, admin: Actor) -> None:
    services = app_context.services
    services.screening_lists.import_file(admin, "ofac", sdn_excerpt("3754"), "sdn.csv")
    services.portfolio.investors.create_investor(admin, "INV-1", "Musa Mohamed Abu Marzuk", "individual")
    services.portfolio.investors.create_investor(admin, "INV-2", "Anna Berg", "individual")
    kyc = services.kyc
    case = kyc.case_for(OLGA, "INV-2")
    soon = (kyc.now().date() + timedelta(days=10)).isoformat()
    case = kyc.move_item(LENA, case.case_id, case.version, "identity", ItemStatus.RECEIVED, expires_on=soon)
    case = kyc.submit(OLGA, case.case_id, case.version)

    assert parts(app_context, OLGA, Section.CASES) == [("INV-2", "awaits a second officer (four eyes)", False)]
    assert parts(app_context, OMAR, Section.CASES) == [("INV-2", "approve or send back", True)]
    assert parts(app_context, LENA, Section.CASES) == [("INV-2", "awaits a compliance officer", False)]
    assert parts(app_context, admin, Section.ALERTS) == [("INV-1", "awaits a compliance officer", False)]
    assert parts(app_context, OMAR, Section.ALERTS) == [("INV-1", "decide", True)]
    # the received identity document is frozen while the case is in review, and lapses within the month
    assert parts(app_context, LENA, Section.DOCUMENTS) == [("INV-2", "frozen while the case is in review", False)]
    reviews = services.compliance_queue.queue(LENA).of(Section.REVIEWS)
    assert [(r.what, r.mine) for r in reviews] == [(f"Identity document expires on {soon}", True)]
    assert services.compliance_queue.queue(OMAR).count() == 3  # the case, the alert, the expiry


def test_cases_show_since_when_they_wait(app_context: AppContext, admin: Actor) -> None:
    services = app_context.services
    services.portfolio.investors.create_investor(admin, "INV-2", "Anna Berg", "individual")
    kyc = services.kyc
    case = kyc.case_for(OLGA, "INV-2")
    assert case.changed_at is not None  # stamped when opened
    opened = case.changed_at
    before = kyc.now()
    case = kyc.submit(OLGA, case.case_id, case.version)
    after = kyc.now()
    assert case.submitted_at is not None
    assert before <= case.submitted_at <= after
    assert case.changed_at is not None
    assert opened <= case.submitted_at <= case.changed_at <= after
    [waiting] = services.compliance_queue.queue(OMAR).of(Section.CASES)
    assert waiting.since == case.submitted_at  # "Case in review" since it was submitted
    case = kyc.reject(OMAR, case.case_id, case.version, "unreadable scans", reopen=True)
    assert case.submitted_at is not None  # the last submission is kept; the change is newer
    assert case.changed_at is not None
    assert case.changed_at >= case.submitted_at


def test_a_readiness_override_awaits_the_second_officer(app_context: AppContext, admin: Actor) -> None:
    services = app_context.services
    services.portfolio.investors.create_investor(admin, "INV-2", "Anna Berg", "individual")
    investor = services.portfolio.investors.by_number("INV-2")
    assert investor is not None
    until = services.readiness.now().date() + timedelta(days=30)
    services.readiness.request_override(OLGA, investor.investor_id, "Passport seen in person; copy follows", until)

    def override_parts(actor: Actor) -> list[tuple[str, str, bool]]:
        return [(i.what, i.part, i.mine) for i in services.compliance_queue.queue(actor).of(Section.CASES)
                if i.what.startswith("Readiness override")]

    what = f"Readiness override until {until} asked by olga"
    assert override_parts(OLGA) == [(what, "awaits a second officer (four eyes)", False)]
    assert override_parts(OMAR) == [(what, "confirm the readiness override", True)]
    assert override_parts(LENA) == [(what, "awaits a compliance officer", False)]
    services.readiness.confirm_override(OMAR, investor.investor_id)
    assert override_parts(OMAR) == []
