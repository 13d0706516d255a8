"""A list import that no longer carries an entry flags every alert on it (open or decided) for review, once,
with a step in the alert's history and an audit entry; the alert itself is left for an officer to decide."""

from __future__ import annotations

from fidus_desktop.bootstrap import AppContext
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.compliance.screening import AlertStatus, Disposition
from fidus_desktop.services.permissions import Role
from tests.compliance.conftest import sdn_excerpt

MARZOOK, PUTIN = "3754", "35096"
OLGA = Actor("officer-1", "olga", Role.COMPLIANCE_OFFICER, "test")
OMAR = Actor("officer-2", "omar", Role.COMPLIANCE_OFFICER, "test")


def test_alerts_on_an_entry_dropped_from_the_list_are_flagged_for_review(app_context: AppContext,
                                                                         admin: Actor) -> None:
    screening, investors = app_context.services.screening, app_context.services.portfolio.investors
    screening.import_list(OLGA, "ofac", sdn_excerpt(MARZOOK, PUTIN, first=40), "may.csv")
    musa = investors.create_investor(admin, "INV-1", "Musa Mohamed Abu Marzuk", "individual")
    putin = investors.create_investor(admin, "INV-2", "Vladimir Putin", "individual")
    [decided] = screening.list_alerts(OLGA, investor_id=putin.investor_id)
    decided = screening.decide(OLGA, decided.alert_id, decided.version, Disposition.TRUE_MATCH, "same person")
    screening.confirm(OMAR, decided.alert_id, decided.version, True, "agreed")
    result, _ = screening.import_list(OLGA, "ofac", sdn_excerpt(first=40), "june.csv")  # both entries gone
    assert set(result.version.removed) == {MARZOOK, PUTIN}
    label = f"ofac-sdn import of {result.version.imported_at:%Y-%m-%d}"
    [open_alert] = screening.list_alerts(OLGA, investor_id=musa.investor_id)
    [closed] = screening.list_alerts(OLGA, investor_id=putin.investor_id)
    assert (open_alert.status, open_alert.entry_removed) == (AlertStatus.OPEN, label)
    assert (closed.status, closed.disposition, closed.entry_removed) == (AlertStatus.CLOSED, Disposition.TRUE_MATCH,
                                                                         label)
    assert closed.history[-1]["action"] == "entry_removed"
    assert f"entry {PUTIN} is not in the {label}: review the alert" == closed.history[-1]["reason"]
    flagged = app_context.store.collection("audit").find({"action": "screening.entry_removed"})
    assert sorted(d["entity_id"] for d in flagged) == sorted([open_alert.alert_id, closed.alert_id])
    screening.import_list(OLGA, "ofac", sdn_excerpt(first=41), "july.csv")  # nothing more removed
    assert app_context.store.collection("audit").count({"action": "screening.entry_removed"}) == 2
