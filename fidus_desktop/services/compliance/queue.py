""""My queue": what awaits the signed-in officer — alerts to decide, decisions to confirm as the second
officer, cases to review, documents to check and reviews coming due.

Every pending item of the office is listed with the part the reader may play in it (decide, confirm as
second officer, check, or only wait for a colleague, e.g. a proposal of their own); the counts are of the
items they may act on, so an officer sees at once what is theirs. Four eyes follows the services' rules:
the proposer of a disposition, the submitter of a case and the requester of a band or readiness override are
never offered the second step.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from fidus_desktop.domain.compliance.kyc import CaseStatus, ItemStatus
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import Service, ServiceContext
from fidus_desktop.services.compliance.kyc import CASES
from fidus_desktop.services.compliance.permissions import KycPermission, ScreeningPermission
from fidus_desktop.services.compliance.readiness import READINESS
from fidus_desktop.services.compliance.screening import ALERTS, AlertStatus
from fidus_desktop.services.permissions import allowed, require
from fidus_desktop.services.portfolio.investors import INVESTORS

REVIEW_HORIZON = timedelta(days=30)
"""Reviews and document expiries within this are listed as coming due."""


class Section(StrEnum):
    ALERTS = "alerts"
    CASES = "cases"
    DOCUMENTS = "documents"
    REVIEWS = "reviews"


@dataclass(frozen=True)
class QueueItem:
    section: Section
    investor_id: str
    investor_number: str
    investor_name: str
    what: str  # "Alert 3754 on ofac-sdn (score 0.93)", "Case in review", "Identity document received"
    since: datetime | date | None  # raised, submitted, received or due
    part: str  # what the reader may do, or whom it awaits
    mine: bool  # the reader may act on it now
    ref: str  # the alert or case id
    overdue: bool = False


@dataclass(frozen=True)
class Queue:
    items: tuple[QueueItem, ...]

    def of(self, section: Section) -> list[QueueItem]:
        return [i for i in self.items if i.section is section]

    def count(self, section: Section | None = None) -> int:
        """Items the reader may act on (in one section, or in all)."""
        return sum(1 for i in self.items if i.mine and (section is None or i.section is section))


class QueueService(Service):
    def __init__(self, ctx: ServiceContext) -> None:
        super().__init__(ctx)
        self.cases = ctx.store.collection(CASES)
        self.alerts = ctx.store.collection(ALERTS)
        self.investors = ctx.store.collection(INVESTORS)
        self.readiness = ctx.store.collection(READINESS)

    def queue(self, actor: Actor) -> Queue:
        require(actor, KycPermission.READ)
        names = {d["_id"]: d["name"] for d in self.investors.find(projection=["name"])}
        items = self._alerts(actor, names) if allowed(actor.role, ScreeningPermission.READ) else []
        items += self._cases(actor, names)
        items += self._overrides(actor, names)
        items.sort(key=lambda i: (not i.mine, not i.overdue, i.investor_number))
        return Queue(tuple(items))

    def _alerts(self, actor: Actor, names: dict[str, str]) -> list[QueueItem]:
        may = allowed(actor.role, ScreeningPermission.DECIDE)
        out = []
        for doc in self.alerts.find({"status": {"$ne": AlertStatus.CLOSED.value}}, sort=[("raised_at", 1)]):
            about = f"owner {doc['owner']}: " if doc.get("owner") else ""
            what = (f"{about}{doc['list_name']} entry {doc['entry_id']}: {doc['matched_name']} "
                    f"(score {doc['score']:.2f})")
            if doc["status"] == AlertStatus.AWAITING_SECOND_OFFICER:
                own = doc.get("proposed_by_id") == actor.user_id
                proposal = f"{doc['proposed'].replace('_', ' ')} proposed by {doc['proposed_by']}"
                part = (f"{proposal}: awaits a second officer" if own or not may
                        else f"{proposal}: confirm or send back")
                mine = may and not own
            else:
                waiting = " (information requested)" if doc["status"] == AlertStatus.NEEDS_INFORMATION else ""
                part = ("decide" if may else "awaits a compliance officer") + waiting
                mine = may
            out.append(QueueItem(Section.ALERTS, doc["investor_id"], doc["investor_number"],
                                 names.get(doc["investor_id"], ""), what, doc["raised_at"], part, mine, doc["_id"]))
        return out

    def _cases(self, actor: Actor, names: dict[str, str]) -> list[QueueItem]:
        approve = allowed(actor.role, KycPermission.APPROVE)
        manage = allowed(actor.role, KycPermission.MANAGE)
        today = self.now().date()
        out = []
        for doc in self.cases.find(sort=[("investor_number", 1)]):
            def item(section: Section, what: str, since: datetime | date | None, part: str, mine: bool,
                     overdue: bool = False, doc: dict = doc) -> QueueItem:
                return QueueItem(section, doc["investor_id"], doc["investor_number"],
                                 names.get(doc["investor_id"], ""), what, since, part, mine, doc["_id"], overdue)

            status = doc["status"]
            if status == CaseStatus.IN_REVIEW:
                own = doc.get("submitted_by_id") == actor.user_id
                out.append(item(Section.CASES, f"Case in review, submitted by {doc.get('submitted_by')}",
                                doc.get("submitted_at") or doc.get("changed_at"),
                                _second_step("approve or send back", approve, own), approve and not own))
            elif status == CaseStatus.NEEDS_UPDATE:
                lapsed = "; ".join(doc.get("lapsed") or []) or "an item changed after approval"
                out.append(item(Section.CASES, f"Needs update: {lapsed}", doc.get("changed_at"),
                                "collect the new documents" if manage else "awaits onboarding", manage, True))
            wanted = doc.get("risk_override")
            if wanted:
                own = wanted.get("requested_by_id") == actor.user_id
                out.append(item(Section.CASES, f"Risk band override to {wanted['band']} asked by "
                                               f"{wanted['requested_by']}",
                                wanted.get("requested_at") or doc.get("changed_at"),
                                _second_step("confirm the override", approve, own), approve and not own))
            editable = status in (CaseStatus.OPEN, CaseStatus.NEEDS_UPDATE, CaseStatus.APPROVED)
            for entry in doc["items"]:
                if entry["status"] == ItemStatus.RECEIVED:
                    out.append(item(Section.DOCUMENTS, f"{entry['label']} received", entry.get("document_date"),
                                    "check it: approve, reject or ask for a revision" if manage and editable
                                    else "frozen while the case is in review",
                                    manage and editable))
                expires = entry.get("expires_on")
                if expires and entry["status"] in (ItemStatus.RECEIVED, ItemStatus.APPROVED) \
                        and expires <= today + REVIEW_HORIZON:
                    gone = expires <= today
                    out.append(item(Section.REVIEWS, f"{entry['label']} {'expired' if gone else 'expires'} on "
                                                     f"{expires:%Y-%m-%d}", expires,
                                    "ask the investor for a new one", manage, gone))
            review = doc.get("next_review")
            if review and status == CaseStatus.APPROVED and review <= today + REVIEW_HORIZON:
                out.append(item(Section.REVIEWS, f"Periodic review due on {review:%Y-%m-%d} "
                                                 f"(risk {doc.get('risk_band') or 'not set'})", review,
                                "start the review" if manage else "awaits an officer", manage, review < today))
        return out

    def _overrides(self, actor: Actor, names: dict[str, str]) -> list[QueueItem]:
        """Readiness overrides asked for and not yet confirmed (the second officer puts them in force)."""
        approve = allowed(actor.role, KycPermission.APPROVE)
        out = []
        for doc in self.readiness.find({"override_reason": {"$ne": None}, "override_confirmed_by": None},
                                       sort=[("investor_number", 1)]):
            own = doc.get("override_requested_by_id") == actor.user_id
            out.append(QueueItem(
                Section.CASES, doc["investor_id"], doc["investor_number"], names.get(doc["investor_id"], ""),
                f"Readiness override until {doc['override_expires_on']:%Y-%m-%d} asked by "
                f"{doc['override_requested_by']}", doc.get("override_requested_at"),
                _second_step("confirm the readiness override", approve, own), approve and not own, doc["_id"]))
        return out


def _second_step(action: str, may: bool, own: bool) -> str:
    """The reader's part in a four-eyes step: theirs, a colleague's (they made the first step), or another role's."""
    if not may:
        return "awaits a compliance officer"
    return "awaits a second officer (four eyes)" if own else action
