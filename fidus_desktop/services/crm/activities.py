"""Follow-up activities on prospects and investors: logging them, completing them (which can chain the next
one from the admin's templates), snoozing, "my day", and the reminders shown before an activity falls due.

An activity (``crm_activities``) belongs to a prospect or an investor (after conversion a prospect's activities
also carry the investor's id), has a kind, title, due time (aware, stored in UTC), assignee, priority, status
and notes. Its notes are personal data: they go with the prospect in a data-protection export and are
deleted with it on erasure (``prospects.CRM_PERSONAL_DATA``); audit entries never hold them.

Chain templates (one document, ``crm_chain_templates``, so an edit is atomic) are edited by whoever may edit
the pipeline (``crm.stages``). Reminders: each user chooses how long before the due time to be reminded
(``crm_reminder_prefs``, default 15 minutes, or off); an activity records when its assignee was reminded, so
each reminder shows once, and one that fell due while the application was closed shows at the next start.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from fidus_desktop.domain.crm.activities import (
    ActivityError,
    ActivityKind,
    ActivityStatus,
    ChainTemplate,
    DayBucket,
    Priority,
    chained,
    day_bucket,
    reminders_due,
)
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ChangeRecorder, Service, ServiceContext, ValidationError
from fidus_desktop.services.crm import CrmPermission
from fidus_desktop.services.crm.prospects import ACTIVITIES, Prospect, ProspectService
from fidus_desktop.services.permissions import require
from fidus_desktop.store.port import Document

TEMPLATES = "crm_chain_templates"
REMINDER_PREFS = "crm_reminder_prefs"
TEMPLATES_ID = "chains"
DEFAULT_LEAD_MINUTES = 15
DEFAULT_TEMPLATES = (
    ChainTemplate(ActivityKind.CALL, None, ActivityKind.EMAIL, "Send proposal", 3),
    ChainTemplate(ActivityKind.MEETING, None, ActivityKind.CALL, "Follow-up call after the meeting", 7),
    ChainTemplate(ActivityKind.DOCUMENT_REQUEST, None, ActivityKind.TODO, "Check the documents received", 2),
)
KIND_LABELS = {ActivityKind.CALL: "Call", ActivityKind.EMAIL: "E-mail", ActivityKind.MEETING: "Meeting",
               ActivityKind.TODO: "To-do", ActivityKind.DOCUMENT_REQUEST: "Document request"}
DEFAULT_DUE_TIME = time(9, 0)  # a due day without a time: 9:00 on the workstation's clock


@dataclass(frozen=True)
class Activity:
    activity_id: str
    prospect_id: str | None
    investor_id: str | None
    kind: ActivityKind
    title: str
    due: datetime
    assignee: str
    priority: Priority
    status: ActivityStatus
    notes: str | None
    outcome: str | None
    done_at: datetime | None
    chained_from: str | None
    version: int

    @property
    def open(self) -> bool:
        return self.status is ActivityStatus.OPEN

    @classmethod
    def from_doc(cls, doc: Document) -> Activity:
        return cls(doc["_id"], doc.get("prospect_id"), doc.get("investor_id"), ActivityKind(doc["kind"]),
                   doc["title"], doc["due"], doc["assignee"], Priority(doc["priority"]), ActivityStatus(doc["status"]),
                   doc.get("notes"), doc.get("outcome"), doc.get("done_at"), doc.get("chained_from"), doc["version"])


@dataclass(frozen=True)
class DayItem:
    """An open activity in "my day", with the name of the prospect or investor it is about."""

    activity: Activity
    about: str
    bucket: DayBucket


@dataclass(frozen=True)
class Completion:
    """The activity completed and the ones its completion planned."""

    done: Activity
    planned: tuple[Activity, ...]


def parse_due(value: Any, field: str = "due") -> datetime:
    """An aware datetime, or text ``YYYY-MM-DD[ HH:MM]`` read on this workstation's clock (a bare day: 9:00)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValidationError({field: "A due time needs its time zone."})
        return value
    if isinstance(value, date):
        return datetime.combine(value, DEFAULT_DUE_TIME).astimezone()
    text = str(value or "").strip()
    try:
        parsed = datetime.fromisoformat(text) if len(text) > 10 else datetime.combine(date.fromisoformat(text),
                                                                                     DEFAULT_DUE_TIME)
    except ValueError:
        raise ValidationError({field: f"{text!r} is not a due time; write YYYY-MM-DD or YYYY-MM-DD HH:MM."}) from None
    return parsed if parsed.tzinfo else parsed.astimezone()


def _choice(enum: Any, value: Any, field: str, default: Any) -> Any:
    if value in (None, ""):
        return default
    try:
        return enum(str(value).strip().lower().replace("-", "_").replace(" ", "_"))
    except ValueError:
        raise ValidationError({field: f"{value!r} is not a {field}; use one of "
                                      f"{', '.join(m.value for m in enum)}."}) from None


def _template_doc(t: ChainTemplate) -> Document:
    return {"after_kind": t.after_kind.value, "after_title": t.after_title, "next_kind": t.next_kind.value,
            "next_title": t.next_title, "due_in_days": t.due_in_days}


def _template(doc: Mapping[str, Any]) -> ChainTemplate:
    try:
        return ChainTemplate(ActivityKind(doc["after_kind"]), (doc.get("after_title") or "").strip() or None,
                             ActivityKind(doc["next_kind"]), str(doc.get("next_title") or ""),
                             int(doc["due_in_days"]))
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, ActivityError):
            raise
        raise ActivityError("A chain template needs after_kind, next_kind, next_title and due_in_days (kinds: "
                            f"{', '.join(k.value for k in ActivityKind)}).") from None


class ActivityService(Service):
    def __init__(self, ctx: ServiceContext, prospects: ProspectService) -> None:
        super().__init__(ctx)
        self.prospect_service = prospects
        prospects.on_convert.append(self.link_investor)
        prospects.on_merge.append(self._moved)
        self.activities = ctx.store.collection(ACTIVITIES)
        self.templates = ctx.store.collection(TEMPLATES)
        self.prefs = ctx.store.collection(REMINDER_PREFS)

    def ensure_indexes(self) -> None:
        self.activities.ensure_index(["prospect_id", "due"])
        self.activities.ensure_index(["investor_id", "due"])
        self.activities.ensure_index(["assignee", "status", "due"])
        self.prefs.ensure_index(["username"], unique=True)

    # -- reading ----------------------------------------------------------------------------------------------
    def get(self, actor: Actor, activity_id: str) -> Activity:
        require(actor, CrmPermission.READ)
        return Activity.from_doc(self._require(activity_id))

    def for_record(self, actor: Actor, *, prospect_id: str | None = None,
                   investor_id: str | None = None) -> builtins.list[Activity]:
        """A prospect's or investor's activities, by due time (the detail's timeline)."""
        require(actor, CrmPermission.READ)
        if not (prospect_id or investor_id):
            raise ValidationError({"prospect": "Name the prospect or the investor whose activities to list."})
        query = {"prospect_id": prospect_id} if prospect_id else {"investor_id": investor_id}
        return [Activity.from_doc(d) for d in self.activities.find(query, sort=[("due", 1), ("_id", 1)])]

    def my_day(self, actor: Actor, now: datetime | None = None, *,
               include_later: bool = False) -> builtins.list[DayItem]:
        """The actor's open activities overdue, due today and this week (and later when asked), soonest first;
        days are those of ``now``'s time zone (the workstation's)."""
        require(actor, CrmPermission.READ)
        now = now or self.now().astimezone()
        docs = self.activities.find({"assignee": actor.username, "status": ActivityStatus.OPEN.value},
                                    sort=[("due", 1), ("_id", 1)])
        names = self._names(docs)
        items = []
        for doc in docs:
            activity = Activity.from_doc(doc)
            bucket = day_bucket(activity.due.astimezone(now.tzinfo), now)
            if bucket is not DayBucket.LATER or include_later:
                items.append(DayItem(activity, names[doc["_id"]], bucket))
        return items

    def _names(self, activities: builtins.list[Document]) -> dict[str, str]:
        """Activity id → the name of the prospect (or, without one, the investor) it is about, in two queries."""
        prospect_ids = sorted({d["prospect_id"] for d in activities if d.get("prospect_id")})
        investor_ids = sorted({d["investor_id"] for d in activities
                               if d.get("investor_id") and not d.get("prospect_id")})
        prospects = {d["_id"]: Prospect.from_doc(d).display_name
                     for d in (self.prospect_service.prospects.find({"_id": {"$in": prospect_ids}}) if prospect_ids
                               else [])}
        investors = {d["_id"]: f"{d['name']} ({d['number']})"
                     for d in (self.prospect_service.investors.investors.find({"_id": {"$in": investor_ids}})
                               if investor_ids else [])}
        return {d["_id"]: prospects.get(d.get("prospect_id") or "") or investors.get(d.get("investor_id") or "")
                or "(removed)" for d in activities}

    # -- writing ----------------------------------------------------------------------------------------------
    def log(self, actor: Actor, prospect_id: str, values: Mapping[str, Any], *, done: bool = False) -> Activity:
        """Plan an activity on a prospect (``done``: record one that already happened, e.g. a call just made)."""
        require(actor, CrmPermission.MANAGE)
        prospect = self.prospect_service.get(actor, prospect_id)
        return self._log(actor, values, done, prospect.prospect_id, prospect.investor_id,
                         prospect.owner or actor.username)

    def log_on_investor(self, actor: Actor, investor: str, values: Mapping[str, Any], *,
                        done: bool = False) -> Activity:
        """Plan (or record) an activity on an investor, named by number (INV-00042) or id."""
        require(actor, CrmPermission.MANAGE)
        investors = self.prospect_service.investors
        by_number = investors.by_number(investor) if str(investor).upper().startswith("INV-") else None
        found = by_number or investors.get(actor, str(investor))
        return self._log(actor, values, done, None, found.investor_id, actor.username)

    def record_meeting(self, actor: Actor, party_kind: str, party_id: str, title: str, start: datetime) -> Activity:
        """The meeting a Calendar invitation was queued for, as a planned activity on the prospect or investor
        (so My day, reminders and the timeline show it). Called inside the invitation's own change, under its
        permission (``crm.google``): whoever may invite may note the meeting."""
        values = {"kind": ActivityKind.MEETING.value, "title": title, "due": start}
        if party_kind == "prospect":
            prospect = self.prospect_service.get(actor, party_id)
            return self._log(actor, values, False, prospect.prospect_id, prospect.investor_id,
                             prospect.owner or actor.username, permission=CrmPermission.GOOGLE)
        return self._log(actor, values, False, None, party_id, actor.username, permission=CrmPermission.GOOGLE)

    def _log(self, actor: Actor, values: Mapping[str, Any], done: bool, prospect_id: str | None,
             investor_id: str | None, default_assignee: str,
             permission: CrmPermission = CrmPermission.MANAGE) -> Activity:
        doc = self._activity_doc(values, default_assignee=default_assignee)
        now = self.now()
        doc.update({"prospect_id": prospect_id, "investor_id": investor_id, "created_at": now,
                    "created_by": actor.username, "chained_from": None, "reminded_at": None,
                    "status": ActivityStatus.DONE.value if done else ActivityStatus.OPEN.value,
                    "done_at": now if done else None, "outcome": None})

        def write(rec: ChangeRecorder) -> Document:
            stored = self.activities.insert(doc)
            rec.record("crm.activity_log", "crm_activity", stored["_id"], after=_audit_image(stored))
            self._follow_up(rec, prospect_id)
            return stored

        stored = self.change(actor, permission, write)
        return Activity.from_doc(stored)

    def _follow_up(self, rec: ChangeRecorder, prospect_id: str | None) -> None:
        """Keep the prospect's next follow-up (the board's) on the day of its earliest open activity, on this
        workstation's calendar; with no open activity left it has none. Inside the activity's transaction."""
        prospect = self.prospect_service.prospects.get(prospect_id) if prospect_id else None
        if prospect is None:
            return
        first = self.activities.find({"prospect_id": prospect_id, "status": ActivityStatus.OPEN.value},
                                     sort=[("due", 1)], limit=1)
        day = first[0]["due"].astimezone().date() if first else None
        if prospect.get("next_follow_up") != day:
            self.prospect_service.prospects.update(prospect["_id"], {"next_follow_up": day},
                                                   expected_version=prospect["version"])
            rec.record("crm.prospect_follow_up", "crm_prospect", prospect["_id"],
                       before={"next_follow_up": prospect.get("next_follow_up")}, after={"next_follow_up": day})

    def _activity_doc(self, values: Mapping[str, Any], *, default_assignee: str) -> Document:
        problems: dict[str, str] = {}
        doc: Document = {}
        for name, enum, default in (("kind", ActivityKind, None), ("priority", Priority, Priority.NORMAL)):
            try:
                doc[name] = _choice(enum, values.get(name), name, default)
            except ValidationError as exc:
                problems.update(exc.problems)
        if doc.get("kind") is None and "kind" not in problems:
            problems["kind"] = f"Choose the kind: {', '.join(k.value for k in ActivityKind)}."
        kind = doc.get("kind")
        title = str(values.get("title") or "").strip() or (KIND_LABELS[kind] if kind else "")
        if len(title) > 200:
            problems["title"] = "The title is longer than 200 characters."
        doc["title"] = title
        try:
            doc["due"] = parse_due(values.get("due")) if values.get("due") not in (None, "") else self.now()
        except ValidationError as exc:
            problems.update(exc.problems)
        notes = str(values.get("notes") or "").strip() or None
        if notes and len(notes) > 5000:
            problems["notes"] = "The notes are longer than 5000 characters."
        doc["notes"] = notes
        doc["assignee"] = str(values.get("assignee") or "").strip() or default_assignee
        if problems:
            raise ValidationError(problems)
        doc["kind"], doc["priority"] = doc["kind"].value, doc["priority"].value
        return doc

    def complete(self, actor: Actor, activity_id: str, *, outcome: str | None = None,
                 version: int | None = None) -> Completion:
        """Mark an open activity done and plan what the chain templates say follows it (same assignee and
        record), in one transaction."""
        templates = self._templates()

        def write(rec: ChangeRecorder) -> Completion:
            before = self._require_open(activity_id)
            now = self.now()
            after = self.activities.update(activity_id, {
                "status": ActivityStatus.DONE.value, "done_at": now, "done_by": actor.username,
                "outcome": (outcome or "").strip()[:2000] or None},
                expected_version=before["version"] if version is None else version)
            rec.record("crm.activity_done", "crm_activity", activity_id, before={"status": before["status"]},
                       after={"status": ActivityStatus.DONE.value})
            planned = []
            for plan in chained(templates, ActivityKind(before["kind"]), before["title"], now):
                stored = self.activities.insert({
                    "prospect_id": before.get("prospect_id"), "investor_id": before.get("investor_id"),
                    "kind": plan.kind.value, "title": plan.title, "due": plan.due, "assignee": before["assignee"],
                    "priority": before["priority"], "status": ActivityStatus.OPEN.value, "notes": None,
                    "outcome": None, "done_at": None, "chained_from": activity_id, "reminded_at": None,
                    "created_at": now, "created_by": actor.username})
                rec.record("crm.activity_log", "crm_activity", stored["_id"], after=_audit_image(stored))
                planned.append(Activity.from_doc(stored))
            self._follow_up(rec, before.get("prospect_id"))
            return Completion(Activity.from_doc(after), tuple(planned))

        return self.change(actor, CrmPermission.MANAGE, write)

    def snooze(self, actor: Actor, activity_id: str, until: Any, *, version: int | None = None) -> Activity:
        """Move an open activity's due time (its reminder shows again before the new time)."""
        due = parse_due(until, "until")
        if due <= self.now():
            raise ValidationError({"until": "Snooze to a time in the future."})

        def write(rec: ChangeRecorder) -> Document:
            before = self._require_open(activity_id)
            after = self.activities.update(activity_id, {"due": due, "reminded_at": None},
                                           expected_version=before["version"] if version is None else version)
            rec.record("crm.activity_snooze", "crm_activity", activity_id, before={"due": before["due"]},
                       after={"due": due})
            self._follow_up(rec, before.get("prospect_id"))
            return after

        after = self.change(actor, CrmPermission.MANAGE, write)
        return Activity.from_doc(after)

    def cancel(self, actor: Actor, activity_id: str) -> Activity:
        def write(rec: ChangeRecorder) -> Document:
            before = self._require_open(activity_id)
            after = self.activities.update(activity_id, {"status": ActivityStatus.CANCELLED.value},
                                           expected_version=before["version"])
            rec.record("crm.activity_cancel", "crm_activity", activity_id, before={"status": before["status"]},
                       after={"status": ActivityStatus.CANCELLED.value})
            self._follow_up(rec, before.get("prospect_id"))
            return after

        after = self.change(actor, CrmPermission.MANAGE, write)
        return Activity.from_doc(after)

    def link_investor(self, prospect_id: str, investor_id: str) -> int:
        """Give a converted prospect's activities its investor (inside the conversion's transaction)."""
        docs = self.activities.find({"prospect_id": prospect_id})
        for doc in docs:
            self.activities.update(doc["_id"], {"investor_id": investor_id}, expected_version=doc["version"])
        return len(docs)

    def _moved(self, duplicate_id: str, keep_id: str) -> None:
        """A merge folded ``duplicate_id`` into ``keep_id``: its activities follow (inside the merge)."""
        for doc in self.activities.find({"prospect_id": duplicate_id}):
            self.activities.update(doc["_id"], {"prospect_id": keep_id}, expected_version=doc["version"])

    # -- reminders --------------------------------------------------------------------------------------------
    def reminder_lead(self, actor: Actor) -> int | None:
        """Minutes before the due time the actor is reminded; None: reminders off."""
        require(actor, CrmPermission.READ)
        doc = self.prefs.find_one({"username": actor.username})
        return DEFAULT_LEAD_MINUTES if doc is None else doc.get("lead_minutes")

    def set_reminder_lead(self, actor: Actor, minutes: int | None) -> int | None:
        require(actor, CrmPermission.READ)  # a preference of one's own: whoever sees the CRM may set it
        if minutes is not None and not (isinstance(minutes, int) and 0 <= minutes <= 7 * 24 * 60):
            raise ValidationError({"lead_minutes": "Remind between 0 minutes and 7 days (10080 minutes) before, "
                                                   "or turn reminders off."})

        def write(rec: ChangeRecorder) -> None:
            before = self.prefs.find_one({"username": actor.username})
            if before is None:
                after = self.prefs.insert({"username": actor.username, "lead_minutes": minutes})
            else:
                after = self.prefs.update(before["_id"], {"lead_minutes": minutes},
                                          expected_version=before["version"])
            rec.record("crm.reminder_lead", "crm_reminder_prefs", after["_id"],
                       before={"lead_minutes": before["lead_minutes"]} if before else None,
                       after={"lead_minutes": minutes})

        self.change(actor, CrmPermission.READ, write)
        return minutes

    def due_reminders(self, actor: Actor) -> builtins.list[DayItem]:
        """The actor's open activities whose reminder time has come and that were not reminded of yet
        (including those that came while the application was closed)."""
        lead = self.reminder_lead(actor)
        if lead is None:
            return []
        now = self.now()
        docs = self.activities.find({"assignee": actor.username, "status": ActivityStatus.OPEN.value,
                                     "reminded_at": None, "due": {"$lte": now + timedelta(minutes=lead)}},
                                    sort=[("due", 1)])
        due = {r.activity_id for r in reminders_due([(d["_id"], d["due"]) for d in docs], timedelta(minutes=lead),
                                                    now, set())}
        names = self._names(docs)
        local = now.astimezone()
        return [DayItem(Activity.from_doc(d), names[d["_id"]],
                        day_bucket(d["due"].astimezone(local.tzinfo), local)) for d in docs if d["_id"] in due]

    def mark_reminded(self, actor: Actor, activity_ids: Sequence[str]) -> None:
        """Record that the actor saw these reminders, so they do not show again (not audited: no data changes
        meaning, and one entry per reminder would flood the trail)."""
        require(actor, CrmPermission.READ)
        now = self.now()

        def mark() -> None:
            for activity_id in activity_ids:
                doc = self.activities.get(activity_id)
                if doc is not None and doc["assignee"] == actor.username and doc.get("reminded_at") is None:
                    self.activities.update(activity_id, {"reminded_at": now}, expected_version=doc["version"])

        self.store.atomic(mark)

    # -- chain templates --------------------------------------------------------------------------------------
    def chain_templates(self, actor: Actor) -> builtins.list[ChainTemplate]:
        require(actor, CrmPermission.READ)
        return self._templates()

    def _templates(self) -> builtins.list[ChainTemplate]:
        doc = self.templates.get(TEMPLATES_ID)
        return list(DEFAULT_TEMPLATES) if doc is None else [_template(t) for t in doc["templates"]]

    def set_chain_templates(self, actor: Actor, templates: Sequence[Mapping[str, Any] | ChainTemplate]
                            ) -> builtins.list[ChainTemplate]:
        require(actor, CrmPermission.STAGES)
        try:
            checked = [t if isinstance(t, ChainTemplate) else _template(t) for t in templates]
        except ActivityError as exc:
            raise ValidationError({"templates": str(exc)}) from None

        def write(rec: ChangeRecorder) -> None:
            before = self.templates.get(TEMPLATES_ID)
            body = {"templates": [_template_doc(t) for t in checked]}
            after = (self.templates.insert({"_id": TEMPLATES_ID, **body}) if before is None else
                     self.templates.update(TEMPLATES_ID, body, expected_version=before["version"]))
            rec.record("crm.chain_templates", "crm_pipeline", TEMPLATES_ID, before=before, after=after)

        self.change(actor, CrmPermission.STAGES, write)
        return checked

    def _require(self, activity_id: str) -> Document:
        doc = self.activities.get(activity_id) if activity_id else None
        if doc is None:
            raise ValidationError({"activity": f"There is no activity {activity_id!r}; see `fidus crm activities "
                                               "list` for the ids."})
        return doc

    def _require_open(self, activity_id: str) -> Document:
        doc = self._require(activity_id)
        if doc["status"] != ActivityStatus.OPEN.value:
            raise ValidationError({"activity": f"This activity is already {doc['status']}; only an open one can be "
                                               "completed, snoozed or cancelled."})
        return doc


def _audit_image(doc: Document) -> Document:
    """The activity without its notes (personal data), saying whether it had any."""
    return {**{k: v for k, v in doc.items() if k != "notes"}, "has_notes": bool(doc.get("notes"))}
